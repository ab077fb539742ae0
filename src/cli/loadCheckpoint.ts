/**
 * A checkpoint folder on disk as a {@link CheckpointSource} for the core loader. Large weight files are
 * read by range (one tensor at a time), so files beyond Node's 2 GiB `readFile` limit load too.
 */
import { lstat, open, readdir, stat } from 'node:fs/promises';
import path from 'node:path';
import { CheckpointError } from '../core/errors';
import type { CheckpointSource } from '../core/model/checkpointSource';

/** Whole-file reads above this are refused (Node's readFile limit); weights go through readRange. */
export const MAX_WHOLE_FILE_BYTES = 2 ** 31 - 1;

/** How deep the listing descends (sentence-transformers modules sit one level down). */
const MAX_DEPTH = 3;
/** A model folder holds tens of files; a listing this long means a wrong folder. */
const MAX_FILES = 10_000;

/**
 * A symbolic link inside a checkpoint folder is refused, file or folder: it can point anywhere (a
 * `model.safetensors -> /dev/zero`, a `2_Dense -> /`), and a folder shared as a model should hold its
 * files. The folder given on the command line may itself be a link.
 */
function symlinkError(root: string, rel: string): CheckpointError {
  return new CheckpointError(`${path.join(root, rel)} is a symbolic link; a checkpoint folder must hold plain files and folders (copy the target in instead)`);
}

async function walk(root: string, rel: string, depth: number, out: string[]): Promise<void> {
  const entries = await readdir(path.join(root, rel), { withFileTypes: true });
  for (const e of entries) {
    if (e.name.startsWith('.')) continue;
    const child = rel ? `${rel}/${e.name}` : e.name;
    if (e.isSymbolicLink()) throw symlinkError(root, child);
    if (e.isDirectory()) {
      if (depth < MAX_DEPTH) await walk(root, child, depth + 1, out);
    } else if (e.isFile()) {
      out.push(child);
      if (out.length > MAX_FILES) throw new CheckpointError(`${root} holds more than ${MAX_FILES} files: not a model folder`);
    }
  }
}

/**
 * @param dir the checkpoint folder (absolute or relative to the working directory)
 * @throws CheckpointError (on use) naming the path when the folder or a file cannot be read
 */
export function dirSource(dir: string): CheckpointSource {
  const root = path.resolve(dir);
  const resolve = (rel: string) => {
    const full = path.resolve(root, rel);
    if (path.relative(root, full).startsWith('..') || path.isAbsolute(rel)) throw new CheckpointError(`${rel} is outside the checkpoint folder ${root}`);
    return full;
  };
  /** Every component below the root must be a plain file or folder, not a link (checked before any read). */
  const refuseLinks = async (rel: string) => {
    let at = root;
    for (const part of rel.split(/[\\/]/).filter((p) => p !== '' && p !== '.')) {
      at = path.join(at, part);
      let info: Awaited<ReturnType<typeof lstat>>;
      try {
        info = await lstat(at);
      } catch {
        return; // a missing path: the stat below names it
      }
      if (info.isSymbolicLink()) throw symlinkError(root, path.relative(root, at));
    }
  };
  const sizeOf = async (rel: string) => {
    const full = resolve(rel);
    await refuseLinks(rel);
    try {
      const info = await stat(full);
      if (!info.isFile()) throw new CheckpointError(`${full} is not a file`);
      return info.size;
    } catch (err) {
      if (err instanceof CheckpointError) throw err;
      throw new CheckpointError(`cannot read ${full} (${(err as NodeJS.ErrnoException).code ?? String(err)})`);
    }
  };
  const readRange = async (rel: string, start: number, end: number) => {
    const size = await sizeOf(rel);
    if (!(Number.isSafeInteger(start) && Number.isSafeInteger(end) && start >= 0 && start <= end && end <= size)) {
      throw new CheckpointError(`${resolve(rel)}: range [${start}, ${end}) is outside the file (${size} bytes)`);
    }
    if (end - start > MAX_WHOLE_FILE_BYTES) throw new CheckpointError(`${resolve(rel)}: cannot read ${end - start} bytes at once`);
    const handle = await open(resolve(rel), 'r');
    try {
      const out = new Uint8Array(end - start);
      let done = 0;
      while (done < out.byteLength) {
        const { bytesRead } = await handle.read(out, done, out.byteLength - done, start + done);
        if (bytesRead === 0) throw new CheckpointError(`${resolve(rel)}: file shrank while reading (${start + done} of ${end} bytes)`);
        done += bytesRead;
      }
      return out;
    } finally {
      await handle.close();
    }
  };
  return {
    name: root,
    async list() {
      try {
        const info = await stat(root);
        if (!info.isDirectory()) throw new CheckpointError(`${root} is not a folder`);
      } catch (err) {
        if (err instanceof CheckpointError) throw err;
        throw new CheckpointError(`cannot read checkpoint folder ${root} (${(err as NodeJS.ErrnoException).code ?? String(err)})`);
      }
      const out: string[] = [];
      await walk(root, '', 0, out);
      return out.sort();
    },
    async read(rel) {
      const size = await sizeOf(rel);
      if (size > MAX_WHOLE_FILE_BYTES) throw new CheckpointError(`${resolve(rel)} is ${size} bytes, more than the ${MAX_WHOLE_FILE_BYTES} bytes a whole-file read may take`);
      return readRange(rel, 0, size);
    },
    size: sizeOf,
    readRange,
  };
}
