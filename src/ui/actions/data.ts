/**
 * The Data cell's actions: choose the training and the evaluation dataset, their source and languages;
 * fetch the files (served folder, picked files, or the public URLs — cached in the Cache API after the
 * first download, which happens only when the user clicks Load); parse them in the compute worker; show
 * one question in every language.
 *
 * The file bytes are kept here, outside the store, because every run worker needs a copy.
 */
import { DATASET_LANGUAGES, LANGUAGES, type DatasetName, type Lang } from '../../core/data/languages';
import { fetchDatasetFiles, type FetchResponse } from '../../core/data/sources';
import type { DataSource, DataSplitSelection } from '../../core/experiment/notebook';
import { ConfigError, NetworkError } from '../../core/errors';
import { useAppStore } from '../store/store';
import type { DataRole, DataStatus, LoadedSplit } from '../store/dataSlice';
import { computeClient } from './compute';

type Bytes = Uint8Array<ArrayBuffer>;
export interface LoadedFiles {
  dataset: DatasetName;
  languages: Lang[];
  files: { name: string; bytes: Bytes }[];
}

/** Files the user picked for the `files` source, per role, by file name. */
const pickedFiles: Record<DataRole, Map<string, File>> = { train: new Map(), eval: new Map() };
/** The bytes of the data last loaded. */
let loaded: Record<DataRole, LoadedFiles> | null = null;

function copy(f: LoadedFiles): LoadedFiles {
  return { dataset: f.dataset, languages: [...f.languages], files: f.files.map((x) => ({ name: x.name, bytes: x.bytes.slice() })) };
}

/** @returns fresh copies of the loaded training and evaluation files (for a run worker), or null */
export function loadedDatasetFiles(): Record<DataRole, LoadedFiles> | null {
  return loaded && { train: copy(loaded.train), eval: copy(loaded.eval) };
}

/** Drops the loaded bytes (another notebook, with its own data selection, replaces this one). */
export function forgetLoadedData(): void {
  loaded = null;
}

function setData(patch: Partial<ReturnType<typeof useAppStore.getState>['data']>): void {
  loaded = null;
  useAppStore.setState((s) => ({ data: { ...s.data, ...patch }, dataStatus: { state: 'idle' } }));
}

/** Picks the dataset of a role; the other role switches to the other dataset (evaluation never trains). */
export function setDataset(role: DataRole, dataset: DatasetName): void {
  const { data } = useAppStore.getState();
  const other: DataRole = role === 'train' ? 'eval' : 'train';
  const otherDataset = data[other].dataset === dataset ? (dataset === 'xquad-r' ? 'mlqa-r' : 'xquad-r') : data[other].dataset;
  const split = (d: DatasetName, prev: DataSplitSelection): DataSplitSelection =>
    d === prev.dataset ? prev : { dataset: d, languages: [...DATASET_LANGUAGES[d]] };
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
  loaded = null;
  useAppStore.setState((s) => ({ pickedFiles: { ...s.pickedFiles, [role]: [...pickedFiles[role].keys()].sort() }, dataStatus: { state: 'idle' } }));
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

async function loadSplit(role: DataRole, source: DataSource, split: DataSplitSelection): Promise<{ files: LoadedFiles; summary: LoadedSplit }> {
  if (split.languages.length === 0) throw new ConfigError(`${role === 'train' ? 'training' : 'evaluation'} data: choose at least one language`);
  const files =
    source === 'served'
      ? await servedFiles(split.dataset, split.languages)
      : source === 'files'
        ? await localFiles(role, split.dataset, split.languages)
        : ((await fetchDatasetFiles(split.dataset, split.languages, cachingFetch)) as { name: string; bytes: Bytes }[]);
  const copies = files.map((f) => ({ name: f.name, bytes: f.bytes.slice() }));
  const reply = await computeClient().request({ type: 'data/load', dataset: split.dataset, languages: split.languages, files: copies }, copies.map((f) => f.bytes.buffer));
  return { files: { dataset: split.dataset, languages: [...split.languages], files }, summary: { stats: reply.stats, questionIds: reply.questionIds } };
}

/** Fetches and parses the training and the evaluation files; the outcome (counts or the error) goes to `dataStatus`. */
export async function loadData(): Promise<void> {
  const { data } = useAppStore.getState();
  const set = (dataStatus: DataStatus) => useAppStore.setState({ dataStatus });
  loaded = null;
  try {
    if (data.train.dataset === data.eval.dataset) throw new ConfigError(`evaluation data must not be the training data (both ${data.train.dataset})`);
    set({ state: 'loading', message: data.source === 'url' ? 'downloading (cached after the first time) and parsing…' : 'reading and parsing in the compute worker…' });
    const train = await loadSplit('train', data.source, data.train);
    const evalSplit = await loadSplit('eval', data.source, data.eval);
    const first = evalSplit.summary.questionIds[0];
    const parallel = first ? (await computeClient().request({ type: 'data/parallel', dataset: data.eval.dataset, questionId: first })).parallel : null;
    loaded = { train: train.files, eval: evalSplit.files };
    useAppStore.setState((s) => ({
      data: { ...s.data, files: { ...train.summary.stats.files, ...evalSplit.summary.stats.files } },
      dataStatus: { state: 'loaded', train: train.summary, eval: evalSplit.summary, parallel: parallel && { dataset: data.eval.dataset, example: parallel } },
    }));
  } catch (err) {
    loaded = null;
    set({ state: 'failed', message: err instanceof Error ? err.message : String(err) });
  }
}

/** Shows question `questionId` of `dataset` in every loaded language. */
export async function showParallel(dataset: DatasetName, questionId: string): Promise<void> {
  try {
    const reply = await computeClient().request({ type: 'data/parallel', dataset, questionId });
    useAppStore.setState((s) => (s.dataStatus.state === 'loaded' ? { dataStatus: { ...s.dataStatus, parallel: { dataset, example: reply.parallel } } } : {}));
  } catch (err) {
    useAppStore.setState({ dataStatus: { state: 'failed', message: err instanceof Error ? err.message : String(err) } });
  }
}
