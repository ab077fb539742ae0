import { zipSync } from 'fflate';
import { describe, expect, it } from 'vitest';
import { DataFormatError } from './errors';
import { unzipBounded } from './checkpointZip';

const limits = { maxEntryBytes: 10_000, maxTotalBytes: 15_000, maxEntries: 5 };

/** Rewrites every entry's declared uncompressed size (local header and central directory), as a hostile zip may. */
function declareSize(zip: Uint8Array, size: number): Uint8Array {
  const out = zip.slice();
  const dv = new DataView(out.buffer);
  for (let i = 0; i + 4 <= out.length; i++) {
    const sig = dv.getUint32(i, true);
    if (sig === 0x04034b50) dv.setUint32(i + 22, size, true);
    if (sig === 0x02014b50) dv.setUint32(i + 24, size, true);
  }
  return out;
}

describe('unzipBounded (issue 21: checkpoint zips picked in the browser)', () => {
  it('unpacks a zip within the limits, leaving folder entries out', () => {
    const zip = zipSync({ 'ckpt/': {}, 'ckpt/manifest.json': new TextEncoder().encode('{}'), 'ckpt/model.safetensors': new Uint8Array(5000).fill(7) });
    const files = unzipBounded(zip, 'ckpt.zip', limits);
    expect(Object.keys(files).sort()).toEqual(['ckpt/manifest.json', 'ckpt/model.safetensors']);
    expect(files['ckpt/model.safetensors']!.length).toBe(5000);
  });

  it.each([
    ['one entry over the per-file limit (a zip bomb: 10 MB of zeros, a few KB packed)', { 'ckpt/model.safetensors': new Uint8Array(10_000_000) }, /ckpt\.zip: ckpt\/model\.safetensors: unpacks to 9\.5 MB, over the 10000 bytes a file may have/],
    ['entries over the total', { a: new Uint8Array(8000), b: new Uint8Array(8000) }, /ckpt\.zip: b: the zip unpacks to more than/],
    ['too many entries', Object.fromEntries(Array.from({ length: 6 }, (_, i) => [`f${i}`, new Uint8Array(1)])), /ckpt\.zip: f5: more than 5 files/],
    ['a stored (uncompressed) entry over the limit', { raw: [new Uint8Array(12_000), { level: 0 }] }, /ckpt\.zip: raw: unpacks to/],
  ] as const)('refuses %s before inflating', (_what, entries, message) => {
    const zip = zipSync(entries as never, { level: 9 });
    expect(() => unzipBounded(zip, 'ckpt.zip', limits)).toThrow(DataFormatError);
    expect(() => unzipBounded(zip, 'ckpt.zip', limits)).toThrow(message);
  });

  it('an entry that declares a small size cannot inflate past it', () => {
    const zip = declareSize(zipSync({ bomb: new Uint8Array(1_000_000) }, { level: 9 }), 100);
    let files: Record<string, Uint8Array> | null = null;
    try {
      files = unzipBounded(zip, 'liar.zip', limits);
    } catch (err) {
      expect(err).toBeInstanceOf(DataFormatError);
    }
    if (files) expect(files.bomb!.length).toBeLessThanOrEqual(100);
  });

  it('names a file that is not a zip', () => {
    expect(() => unzipBounded(new TextEncoder().encode('not a zip'), 'x.zip', limits)).toThrow(/x\.zip: \(zip\): not a readable zip/);
  });
});
