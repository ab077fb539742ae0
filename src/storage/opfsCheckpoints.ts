/**
 * Checkpoint folders in the Origin Private File System (`navigator.storage.getDirectory()`), usable from
 * the page and from workers. A folder is a map of relative file paths to bytes (`model.safetensors`,
 * `optimizer.safetensors`, `manifest.json`, …) stored under a slash-separated key such as
 * `runs/run-1a2b/step-50`. Errors (quota, OPFS unavailable) propagate: callers report them.
 * In `src/storage/` (browser-only, so not core): the page (`src/ui`) and the workers (`workers/`) both
 * import it, and the page imports nothing from `workers/` (issue 22).
 */

export type CheckpointFiles = Map<string, Uint8Array>;

function segments(path: string): string[] {
  const parts = path.split('/').filter(Boolean);
  if (parts.some((p) => p === '.' || p === '..')) throw new Error(`bad storage path "${path}"`);
  return parts;
}

async function root(): Promise<FileSystemDirectoryHandle> {
  if (!('storage' in navigator) || typeof navigator.storage.getDirectory !== 'function') {
    throw new Error('this browser has no Origin Private File System (navigator.storage.getDirectory)');
  }
  return navigator.storage.getDirectory();
}

async function dirAt(path: string, create: boolean): Promise<FileSystemDirectoryHandle> {
  let dir = await root();
  for (const part of segments(path)) dir = await dir.getDirectoryHandle(part, { create });
  return dir;
}

/** Writes every file of `files` under folder `path` (replacing the folder's previous files of the same names). */
export async function writeCheckpointFolder(path: string, files: CheckpointFiles): Promise<void> {
  const dir = await dirAt(path, true);
  for (const [name, bytes] of files) {
    const parts = segments(name);
    let d = dir;
    for (const p of parts.slice(0, -1)) d = await d.getDirectoryHandle(p, { create: true });
    const handle = await d.getFileHandle(parts[parts.length - 1]!, { create: true });
    const writable = await handle.createWritable();
    try {
      await writable.write(bytes as Uint8Array<ArrayBuffer>);
      await writable.close();
    } catch (err) {
      await writable.abort().catch(() => undefined);
      throw err;
    }
  }
}

/** Reads every file under folder `path`, recursively. */
export async function readCheckpointFolder(path: string): Promise<CheckpointFiles> {
  const out: CheckpointFiles = new Map();
  const walk = async (dir: FileSystemDirectoryHandle, prefix: string) => {
    for await (const [name, handle] of (dir as unknown as { entries(): AsyncIterable<[string, FileSystemHandle]> }).entries()) {
      if (handle.kind === 'directory') await walk(handle as FileSystemDirectoryHandle, `${prefix}${name}/`);
      else out.set(`${prefix}${name}`, new Uint8Array(await (await (handle as FileSystemFileHandle).getFile()).arrayBuffer()));
    }
  };
  await walk(await dirAt(path, false), '');
  return out;
}

/** Removes folder `path` and everything in it; a missing folder is not an error. */
export async function deleteCheckpointFolder(path: string): Promise<void> {
  const parts = segments(path);
  let parent: FileSystemDirectoryHandle;
  try {
    parent = await dirAt(parts.slice(0, -1).join('/'), false);
  } catch (err) {
    if (err instanceof DOMException && err.name === 'NotFoundError') return;
    throw err;
  }
  try {
    await parent.removeEntry(parts[parts.length - 1]!, { recursive: true });
  } catch (err) {
    if (err instanceof DOMException && err.name === 'NotFoundError') return;
    throw err;
  }
}

/** A storage error as one line for the UI, naming quota problems plainly. */
export function describeStorageError(err: unknown): string {
  if (err instanceof DOMException && err.name === 'QuotaExceededError') return `browser storage is full (QuotaExceededError): ${err.message}`;
  return err instanceof Error ? `${err.name}: ${err.message}` : String(err);
}
