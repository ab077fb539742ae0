/**
 * Checkpoints as files: download a run's checkpoint folder from browser storage as a zip, and import a
 * checkpoint (a picked or dropped folder, or a zip) into browser storage so a Model cell can use it.
 */
import { zipSync } from 'fflate';
import { unzipBounded } from '../../core/checkpointZip';
import { latestCheckpoint, type RunRecord } from '../../core/experiment/notebook';
import { readCheckpointFolder, writeCheckpointFolder, describeStorageError } from '../../storage/opfsCheckpoints';
import { downloadBlob, MIME, slug } from '../export/download';

/** Offers the run's latest checkpoint as `<run>-step-<N>.zip` (one folder inside, as saved). */
export async function downloadCheckpoint(run: RunRecord): Promise<void> {
  const last = latestCheckpoint(run);
  if (!last) throw new Error(`${run.name} has no checkpoint yet`);
  const files = await readCheckpointFolder(last.key);
  const folder = `${slug(run.name)}-step-${last.step}`;
  const zip = zipSync(Object.fromEntries([...files].map(([path, bytes]) => [`${folder}/${path}`, bytes])), { level: 6 });
  downloadBlob(new Blob([zip as Uint8Array<ArrayBuffer>], { type: MIME.zip }), `${folder}.zip`);
}

/**
 * Reads picked files into a checkpoint folder: a single `.zip` is unpacked; files from a folder picker or
 * a drop keep their path below the folder's top level.
 * @returns the folder's name and files
 */
export async function readPickedCheckpoint(files: readonly File[]): Promise<{ name: string; files: Map<string, Uint8Array> }> {
  if (files.length === 1 && /\.zip$/i.test(files[0]!.name)) {
    // bounded: a zip bomb must not take the tab's memory (issue 21)
    const entries = unzipBounded(new Uint8Array(await files[0]!.arrayBuffer()), files[0]!.name);
    const paths = Object.keys(entries);
    const tops = new Set(paths.map((p) => p.split('/')[0]));
    const strip = tops.size === 1 && paths.every((p) => p.includes('/'));
    const out = new Map(paths.map((p) => [strip ? p.slice(p.indexOf('/') + 1) : p, entries[p]!]));
    return { name: files[0]!.name.replace(/\.zip$/i, ''), files: out };
  }
  const out = new Map<string, Uint8Array>();
  let name = 'checkpoint';
  for (const f of files) {
    const rel = (f as File & { webkitRelativePath?: string }).webkitRelativePath || f.name;
    const parts = rel.split('/');
    if (parts.length > 1) name = parts[0]!;
    out.set(parts.length > 1 ? parts.slice(1).join('/') : rel, new Uint8Array(await f.arrayBuffer()));
  }
  return { name, files: out };
}

/**
 * Copies a checkpoint folder into browser storage under `models/<name>`.
 * @returns the storage key
 * @throws Error naming the storage problem (e.g. quota)
 */
export async function storeImportedCheckpoint(name: string, files: Map<string, Uint8Array>): Promise<string> {
  const key = `models/${slug(name)}-${Date.now().toString(36)}`;
  try {
    await writeCheckpointFolder(key, files);
  } catch (err) {
    throw new Error(`could not store the checkpoint in the browser: ${describeStorageError(err)}`);
  }
  return key;
}
