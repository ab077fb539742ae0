/**
 * Unpacks a checkpoint zip picked in the browser with bounds (issue 21): a zip bomb (a few KB that
 * inflate to GBs) would otherwise take the tab's memory. Each entry's declared sizes are checked before
 * anything is inflated, from the central directory; fflate inflates into a buffer of the declared size,
 * so an entry that lies about its size cannot grow past it, and the sizes produced are counted again.
 */
import { unzipSync } from 'fflate';
import { DataFormatError } from './errors';

export interface ZipLimits {
  /** the largest one file may be, uncompressed */
  maxEntryBytes: number;
  /** the largest all files together may be, uncompressed */
  maxTotalBytes: number;
  /** the most files */
  maxEntries: number;
}

/** Room for the largest checkpoints the app trains or imports (a base-size encoder with its optimizer state). */
export const CHECKPOINT_ZIP_LIMITS: ZipLimits = {
  maxEntryBytes: 2 ** 31 - 1,
  maxTotalBytes: 4 * 2 ** 30,
  maxEntries: 1000,
};

const mb = (n: number) => (n >= 2 ** 20 ? `${(n / 2 ** 20).toFixed(1)} MB` : `${n} bytes`);

/**
 * @param fileName the zip's name, for errors
 * @returns the zip's files by path (folder entries left out)
 * @throws DataFormatError naming the zip and the entry over a limit, or the zip as unreadable
 */
export function unzipBounded(zip: Uint8Array, fileName: string, limits: ZipLimits = CHECKPOINT_ZIP_LIMITS): Record<string, Uint8Array> {
  let entries = 0;
  let total = 0;
  let files: Record<string, Uint8Array>;
  try {
    files = unzipSync(zip, {
      filter: (f) => {
        if (f.name.endsWith('/')) return false;
        entries += 1;
        if (entries > limits.maxEntries) throw new DataFormatError(fileName, f.name, `more than ${limits.maxEntries} files in the zip`);
        // a stored entry is copied at its compressed size, an inflated one into its declared size
        const size = Math.max(f.size, f.originalSize);
        if (size > limits.maxEntryBytes) throw new DataFormatError(fileName, f.name, `unpacks to ${mb(size)}, over the ${mb(limits.maxEntryBytes)} a file may have`);
        total += size;
        if (total > limits.maxTotalBytes) throw new DataFormatError(fileName, f.name, `the zip unpacks to more than ${mb(limits.maxTotalBytes)} in all`);
        return true;
      },
    });
  } catch (err) {
    if (err instanceof DataFormatError) throw err;
    throw new DataFormatError(fileName, '(zip)', `not a readable zip: ${err instanceof Error ? err.message : String(err)}`);
  }
  // counted again on what was produced, so the bound never rests on the headers alone
  let produced = 0;
  for (const [name, bytes] of Object.entries(files)) {
    produced += bytes.length;
    if (bytes.length > limits.maxEntryBytes || produced > limits.maxTotalBytes) throw new DataFormatError(fileName, name, 'unpacked past the size its header declares');
  }
  return files;
}
