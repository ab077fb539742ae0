/**
 * Writing to disk without surprises (Node): the errors the machine, not the program, causes (a full
 * disk, a quota, a read-only or pseudo file system, no permission) become one-line StorageErrors naming
 * the file, and folders are created one level at a time.
 *
 * Why not `mkdir(dir, { recursive: true })`: on Node 20 it never returns for a path under /proc (it
 * retries the parent forever), so `xlir train --out /proc/x` hung without a word. Creating each missing
 * level ourselves fails at once with the real error.
 */
import { mkdir, rm, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { StorageError } from '../core/errors';

/** What each error code means for the user; other codes are not storage trouble and pass through. */
const STORAGE_REASONS: Record<string, string> = {
  ENOSPC: 'the disk is full',
  EDQUOT: 'the disk quota is exceeded',
  EROFS: 'the file system is read-only',
  EACCES: 'permission denied',
  EPERM: 'operation not permitted',
  EIO: 'an input/output error on the disk',
  ENOENT: 'the folder cannot be created here',
  ENOTDIR: 'a part of the path is a file, not a folder',
  EEXIST: 'a file is in the way',
  EISDIR: 'a folder is in the way',
  ENAMETOOLONG: 'the path is too long',
  EMFILE: 'too many open files',
};

/** @returns the user's words for a storage error (with its code), or null when `err` is something else */
export function storageReason(err: unknown): string | null {
  const code = (err as NodeJS.ErrnoException | null)?.code;
  if (typeof code !== 'string') return null;
  const reason = STORAGE_REASONS[code];
  return reason === undefined ? null : `${reason} (${code})`;
}

/** `err` as a StorageError naming `file` when it is storage trouble (`then` appended), else `err` itself. */
export function asStorageError(err: unknown, file: string, verb: string, then = ''): unknown {
  const reason = storageReason(err);
  if (reason === null || err instanceof StorageError) return err;
  return new StorageError(file, `cannot ${verb}: ${reason}${then ? `; ${then}` : ''}`);
}

async function statOrNull(p: string): Promise<Awaited<ReturnType<typeof stat>> | null> {
  try {
    return await stat(p);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT' || (err as NodeJS.ErrnoException).code === 'ENOTDIR') return null;
    throw asStorageError(err, p, 'read');
  }
}

/**
 * Creates `dir` and its missing parents, one level at a time.
 * @returns the outermost folder it created (remove it to undo), or null when `dir` already existed
 * @throws StorageError naming the level that could not be created
 */
export async function makeDirs(dir: string): Promise<string | null> {
  const missing: string[] = [];
  let at = path.resolve(dir);
  for (;;) {
    const info = await statOrNull(at);
    if (info !== null) {
      if (!info.isDirectory()) throw new StorageError(at, `cannot create ${dir}: ${at} is a file, not a folder`);
      break;
    }
    missing.unshift(at);
    const parent = path.dirname(at);
    if (parent === at) break;
    at = parent;
  }
  for (const level of missing) {
    try {
      await mkdir(level);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'EEXIST' && (await statOrNull(level))?.isDirectory()) continue;
      // undo the levels made so far: a failed command leaves nothing behind
      if (missing[0] !== level) await rm(missing[0]!, { recursive: true, force: true }).catch(() => {});
      throw asStorageError(err, level, 'create the folder');
    }
  }
  return missing[0] ?? null;
}

/**
 * Checks at once, before minutes of loading, that files can be written into `dir` (created when
 * missing): writes and removes a probe file, and removes any folder it created.
 * @throws StorageError naming the folder when it cannot hold files
 */
export async function probeWritableDir(dir: string): Promise<void> {
  const created = await makeDirs(dir);
  const probe = path.join(dir, `.xlir-write-probe-${process.pid}`);
  try {
    await writeFile(probe, 'probe\n');
  } catch (err) {
    throw asStorageError(err, probe, 'write');
  } finally {
    await rm(created ?? probe, { recursive: true, force: true }).catch(() => {});
  }
}
