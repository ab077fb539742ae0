/**
 * The Data cell's actions: choose the training and the evaluation dataset, their source and languages;
 * fetch the files (served folder, picked files, or the public URLs — cached in the Cache API after the
 * first download, which happens only when the user clicks Load); parse them in the compute worker; show
 * one question in every language.
 *
 * The file bytes are kept here, outside the store, because every run worker needs them. In a cross-origin
 * isolated page (the app's headers make it one) they are kept in SharedArrayBuffers, which postMessage shares
 * instead of copying: a Launch then posts views over them and no byte is copied on the main thread.
 */
import { DATASET_LANGUAGES, LANGUAGES, type DatasetName, type Lang } from '../../core/data/languages';
import { fetchDatasetFiles, type FetchResponse } from '../../core/data/sources';
import type { DataSelection, DataSource, DataSplitSelection } from '../../core/experiment/notebook';
import { ConfigError, NetworkError } from '../../core/errors';
import { useAppStore } from '../store/store';
import { sameSplits, selectionIsLoaded, type DataRole, type LoadedSplit } from '../store/dataSlice';
import { yieldToEventLoop } from '../../core/train/yieldToEventLoop';
import { computeClient } from './compute';

type Bytes = Uint8Array<ArrayBuffer>;
/** File bytes in memory the page may share with its workers (see {@link runWorkerDatasetFiles}). */
type KeptBytes = Uint8Array<ArrayBufferLike>;
export interface LoadedFiles<B extends Uint8Array<ArrayBufferLike> = Bytes> {
  dataset: DatasetName;
  languages: Lang[];
  files: { name: string; bytes: B }[];
}

/** Files the user picked for the `files` source, per role, by file name. */
const pickedFiles: Record<DataRole, Map<string, File>> = { train: new Map(), eval: new Map() };
/**
 * The bytes of the data committed by the last successful load (`dataStatus.selection` describes them).
 * Only a successful load replaces them; a failed one leaves them, and the store, as they were.
 */
let loaded: Record<DataRole, LoadedFiles<KeptBytes>> | null = null;
/** Counts loads; a load commits only while it is the latest one (a newer load or notebook supersedes it). */
let generation = 0;

/** A plain (unshared) copy of the bytes: `slice` of a view over shared memory allocates an ArrayBuffer. */
const plainCopy = (bytes: KeptBytes): Bytes => bytes.slice() as Bytes;

function copy(f: LoadedFiles<KeptBytes>): LoadedFiles {
  return { dataset: f.dataset, languages: [...f.languages], files: f.files.map((x) => ({ name: x.name, bytes: plainCopy(x.bytes) })) };
}

/** Whether this page can share memory with its workers (cross-origin isolated, so SharedArrayBuffer posts). */
function canShare(): boolean {
  return typeof SharedArrayBuffer === 'function' && (globalThis as { crossOriginIsolated?: boolean }).crossOriginIsolated === true;
}

/**
 * The bytes of one read split as the page keeps them: in shared memory where the page can share it,
 * one file per task (the copy of a 3 MB file is a few ms; of all 18 files of the newcomer path, a long task).
 */
async function keep(files: SplitFiles): Promise<{ name: string; bytes: KeptBytes }[]> {
  if (!canShare()) return files;
  const kept: { name: string; bytes: KeptBytes }[] = [];
  for (const f of files) {
    await yieldToEventLoop();
    const bytes = new Uint8Array(new SharedArrayBuffer(f.bytes.byteLength));
    bytes.set(f.bytes);
    kept.push({ name: f.name, bytes });
  }
  return kept;
}

const isShared = (b: ArrayBufferLike): boolean => typeof SharedArrayBuffer === 'function' && b instanceof SharedArrayBuffer;

/**
 * @returns fresh copies of the loaded training and evaluation files (for a run worker), or null when
 *   nothing is loaded or the Data cell's selection is not what was loaded (a run must not train on other data)
 */
export function loadedDatasetFiles(): Record<DataRole, LoadedFiles> | null {
  if (!loaded || !selectionIsLoaded(useAppStore.getState())) return null;
  return { train: copy(loaded.train), eval: copy(loaded.eval) };
}

/**
 * The loaded files for a run's training worker, and the buffers to transfer with them; null as for
 * {@link loadedDatasetFiles}. Where the bytes are shared ({@link keep}) they go as views over the page's
 * memory with nothing to copy or transfer: a Launch used to copy every file (32 MB on the newcomer path)
 * in the click's task (issue 20, item 9). Elsewhere each file is copied in a task of its own. The worker
 * copies shared bytes before parsing (TextDecoder and crypto.subtle refuse views over shared memory) and
 * never writes to them; the page's bytes stay as they were whatever becomes of the launch.
 */
export async function runWorkerDatasetFiles(): Promise<{ files: Record<DataRole, LoadedFiles<KeptBytes>>; transfer: ArrayBuffer[] } | null> {
  const from = loaded;
  if (!from || !selectionIsLoaded(useAppStore.getState())) return null;
  const transfer: ArrayBuffer[] = [];
  const forWorker = async (split: LoadedFiles<KeptBytes>): Promise<LoadedFiles<KeptBytes>> => {
    const files: { name: string; bytes: KeptBytes }[] = [];
    for (const f of split.files) {
      if (isShared(f.bytes.buffer)) {
        files.push(f);
        continue;
      }
      await yieldToEventLoop();
      const bytes = plainCopy(f.bytes);
      transfer.push(bytes.buffer);
      files.push({ name: f.name, bytes });
    }
    return { dataset: split.dataset, languages: [...split.languages], files };
  };
  return { files: { train: await forWorker(from.train), eval: await forWorker(from.eval) }, transfer };
}

/** Whether loaded bytes match the Data cell's selection (what {@link loadedDatasetFiles} checks, without copying). */
export function hasLoadedDatasetFiles(): boolean {
  return loaded !== null && selectionIsLoaded(useAppStore.getState());
}

/** Drops the loaded bytes (another notebook, with its own data selection, replaces this one). */
export function forgetLoadedData(): void {
  loaded = null;
  generation++;
}

/** Changes the selection only: the loaded data stays until a load of the new selection succeeds. */
function setData(patch: Partial<DataSelection>): void {
  useAppStore.setState((s) => ({ data: { ...s.data, ...patch }, ...(s.dataLoad.state === 'failed' ? { dataLoad: { state: 'idle' } } : {}) }));
}

/** Picks the dataset of a role; the other role switches to the other dataset (evaluation never trains). */
export function setDataset(role: DataRole, dataset: DatasetName): void {
  const { data } = useAppStore.getState();
  const other: DataRole = role === 'train' ? 'eval' : 'train';
  const otherDataset = data[other].dataset === dataset ? (dataset === 'xquad-r' ? 'mlqa-r' : 'xquad-r') : data[other].dataset;
  const split = (d: DatasetName, prev: DataSplitSelection): DataSplitSelection => (d === prev.dataset ? prev : { dataset: d, languages: [...DATASET_LANGUAGES[d]] });
  setData({ [role]: split(dataset, data[role]), [other]: split(otherDataset, data[other]), files: {} });
}

export function setDataSource(source: DataSource): void {
  setData({ source });
}

/** Sets the languages of a role (kept in canonical order). */
export function setLanguages(role: DataRole, languages: readonly Lang[]): void {
  const { data } = useAppStore.getState();
  setData({ [role]: { ...data[role], languages: LANGUAGES.filter((l) => languages.includes(l)) } });
}

export function toggleLanguage(role: DataRole, lang: Lang): void {
  const { languages } = useAppStore.getState().data[role];
  setLanguages(role, languages.includes(lang) ? languages.filter((l) => l !== lang) : [...languages, lang]);
}

export function pickDataFiles(role: DataRole, files: readonly File[]): void {
  pickedFiles[role].clear();
  for (const f of files) pickedFiles[role].set(f.name, f);
  useAppStore.setState((s) => ({ pickedFiles: { ...s.pickedFiles, [role]: [...pickedFiles[role].keys()].sort() }, ...(s.dataLoad.state === 'failed' ? { dataLoad: { state: 'idle' } } : {}) }));
}

const CACHE_NAME = 'xlir-datasets-v1';

/** `fetch` through the Cache API: a URL downloaded once is served from the cache afterwards. */
async function cachingFetch(url: string): Promise<FetchResponse> {
  const cache = 'caches' in globalThis ? await caches.open(CACHE_NAME) : null;
  const hit = await cache?.match(url);
  if (hit) return hit;
  const response = await fetch(url);
  if (response.ok && cache) await cache.put(url, response.clone());
  return response;
}

async function servedFiles(dataset: DatasetName, languages: readonly Lang[]): Promise<{ name: string; bytes: Bytes }[]> {
  return Promise.all(
    languages.map(async (lang) => {
      const name = `${dataset}/${lang}.json`;
      let response: Response;
      try {
        response = await fetch(`/data/${name}`);
      } catch (err) {
        throw new NetworkError(name, `GET /data/${name} failed: ${err instanceof Error ? err.message : String(err)}`);
      }
      if (!response.ok) {
        throw new NetworkError(name, `GET /data/${name}: HTTP ${response.status} — the server has no data folder (XLIR_DATA_DIR)? Pick local files or use the public URL instead`);
      }
      return { name, bytes: new Uint8Array(await response.arrayBuffer()) };
    }),
  );
}

async function localFiles(role: DataRole, dataset: DatasetName, languages: readonly Lang[]): Promise<{ name: string; bytes: Bytes }[]> {
  return Promise.all(
    languages.map(async (lang) => {
      const file = pickedFiles[role].get(`${lang}.json`);
      if (!file) throw new ConfigError(`${role === 'train' ? 'training' : 'evaluation'} data: no file "${lang}.json" picked for ${dataset} (picked: ${[...pickedFiles[role].keys()].join(', ') || 'none'})`);
      return { name: `${dataset}/${lang}.json`, bytes: new Uint8Array(await file.arrayBuffer()) };
    }),
  );
}

type SplitFiles = { name: string; bytes: Bytes }[];

const roleName = (role: DataRole) => (role === 'train' ? 'training' : 'evaluation');

/** Reads (fetches, downloads or takes from the picks) the files of one split; the store is not touched. */
async function readSplit(role: DataRole, source: DataSource, split: DataSplitSelection): Promise<SplitFiles> {
  if (split.languages.length === 0) throw new ConfigError(`${roleName(role)} data: choose at least one language`);
  return source === 'served' ? servedFiles(split.dataset, split.languages) : source === 'files' ? localFiles(role, split.dataset, split.languages) : ((await fetchDatasetFiles(split.dataset, split.languages, cachingFetch)) as SplitFiles);
}

/** Parses one split in the compute worker (which replaces its copy of that dataset). */
async function parseSplit(split: LoadedFiles<KeptBytes>): Promise<LoadedSplit> {
  const copies = split.files.map((f) => ({ name: f.name, bytes: plainCopy(f.bytes) }));
  const reply = await computeClient().request(
    { type: 'data/load', dataset: split.dataset, languages: split.languages, files: copies },
    copies.map((f) => f.bytes.buffer),
  );
  return { stats: reply.stats, questionIds: reply.questionIds };
}

/**
 * A failed parse leaves the compute worker without its copy of that dataset: give it back the committed
 * files, so the parallel view and the drill-downs keep showing the data the store says is loaded.
 */
async function restoreWorker(datasets: ReadonlySet<DatasetName>): Promise<void> {
  for (const split of loaded ? [loaded.train, loaded.eval] : []) {
    if (!datasets.has(split.dataset)) continue;
    try {
      await parseSplit(split);
    } catch {
      // These files parsed before; if the worker cannot take them now it has failed, which the header shows.
    }
  }
}

const describeSplit = (s: DataSplitSelection) => `${s.dataset} (${s.languages.join(', ')})`;

/**
 * Loads the Data cell's selection. The new data is built off to the side (files read, then parsed) and
 * committed to the store, with its bytes, only when all of it succeeded. A failed load keeps the data
 * loaded before (its selection comes back too) and shows the error in `dataLoad`.
 */
export async function loadData(): Promise<void> {
  const mine = ++generation;
  const current = () => mine === generation;
  const { data } = useAppStore.getState();
  const sent = new Set<DatasetName>();
  try {
    if (data.train.dataset === data.eval.dataset) throw new ConfigError(`evaluation data must not be the training data (both ${data.train.dataset})`);
    useAppStore.setState({ dataLoad: { state: 'loading', message: data.source === 'url' ? 'downloading (cached after the first time) and parsing…' : 'reading and parsing in the compute worker…' } });
    // Every file is read before the compute worker's copy changes: most failures (network, a missing pick) come here.
    const trainFiles = await readSplit('train', data.source, data.train);
    const evalFiles = await readSplit('eval', data.source, data.eval);
    if (!current()) return;
    const files: Record<DataRole, LoadedFiles<KeptBytes>> = {
      train: { dataset: data.train.dataset, languages: [...data.train.languages], files: await keep(trainFiles) },
      eval: { dataset: data.eval.dataset, languages: [...data.eval.languages], files: await keep(evalFiles) },
    };
    if (!current()) return;
    sent.add(data.train.dataset);
    const train = await parseSplit(files.train);
    sent.add(data.eval.dataset);
    const evalSplit = await parseSplit(files.eval);
    const first = evalSplit.questionIds[0];
    const parallel = first ? (await computeClient().request({ type: 'data/parallel', dataset: data.eval.dataset, questionId: first })).parallel : null;
    if (!current()) return;
    const selection: DataSelection = { ...data, files: { ...train.stats.files, ...evalSplit.stats.files } };
    loaded = files;
    useAppStore.setState((s) => ({
      // an edit made while loading stays (and shows as not loaded yet); otherwise the selection gets the file hashes
      data: sameSplits(s.data, selection) ? { ...s.data, files: selection.files } : s.data,
      dataStatus: { state: 'loaded', selection, train, eval: evalSplit, parallel: parallel && { dataset: data.eval.dataset, example: parallel } },
      dataLoad: { state: 'idle' },
    }));
  } catch (err) {
    if (!current()) return;
    if (sent.size) await restoreWorker(sent);
    const message = err instanceof Error ? err.message : String(err);
    useAppStore.setState((s) => {
      const before = s.dataStatus;
      if (before.state !== 'loaded') return { dataLoad: { state: 'failed', message } };
      return {
        // the selection that failed goes back to the one loaded, unless it was edited since
        ...(sameSplits(s.data, data) ? { data: before.selection } : {}),
        dataLoad: { state: 'failed', message: `${message} — kept the data loaded before: ${describeSplit(before.selection.train)} → ${describeSplit(before.selection.eval)}` },
      };
    });
  }
}

/** Shows question `questionId` of `dataset` in every loaded language. */
export async function showParallel(dataset: DatasetName, questionId: string): Promise<void> {
  try {
    const reply = await computeClient().request({ type: 'data/parallel', dataset, questionId });
    useAppStore.setState((s) => (s.dataStatus.state === 'loaded' ? { dataStatus: { ...s.dataStatus, parallel: { dataset, example: reply.parallel } } } : {}));
  } catch (err) {
    useAppStore.setState({ dataLoad: { state: 'failed', message: err instanceof Error ? err.message : String(err) } });
  }
}
