/**
 * A checkpoint folder seen through an abstract file source, so the same loader serves the browser
 * (File objects, OPFS) and Node (`dirSource` in src/cli/loadCheckpoint.ts). Paths are relative,
 * `/`-separated (`2_Dense/model.safetensors`).
 */
import { CheckpointError } from '../errors';

export interface CheckpointSource {
  /** shown in errors: a folder path or a label such as "uploaded files" */
  readonly name: string;
  /** every file's relative path */
  list(): Promise<string[]>;
  /** a whole file */
  read(path: string): Promise<Uint8Array>;
  /** file size in bytes; with {@link readRange}, lets multi-GB weights be read tensor by tensor */
  size?(path: string): Promise<number>;
  /** bytes [start, end) of a file */
  readRange?(path: string, start: number, end: number): Promise<Uint8Array>;
}

/**
 * A source over files held in memory (tests, checkpoints just saved, files unpacked from an archive).
 * @param ranged also offer `size`/`readRange` (default true)
 */
export function memorySource(name: string, files: ReadonlyMap<string, Uint8Array>, ranged = true): CheckpointSource {
  const get = (path: string) => {
    const f = files.get(path);
    if (!f) throw new CheckpointError(`${name}: no file "${path}"`);
    return f;
  };
  const source: CheckpointSource = {
    name,
    list: async () => [...files.keys()],
    read: async (path) => get(path),
  };
  if (ranged) {
    source.size = async (path) => get(path).byteLength;
    source.readRange = async (path, start, end) => {
      const f = get(path);
      if (start < 0 || end > f.byteLength || start > end) throw new CheckpointError(`${name}/${path}: range [${start}, ${end}) is outside the file (${f.byteLength} bytes)`);
      return f.slice(start, end);
    };
  }
  return source;
}
