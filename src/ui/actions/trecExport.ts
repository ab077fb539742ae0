/**
 * A run's "TREC files" download: the compute worker embeds the run's evaluation data with the run's latest
 * checkpoint and writes the qrels and run file of every cell of the three settings (`core/metrics/trecRuns.ts`,
 * the files of `xlir export-trec`), which are zipped here as `<run>-step-<N>-trec.zip`:
 * `mono/en-en.qrels`, `mono/en-en.run`, …, `cross/en-de.*`, `multi/multi-en.*` and `README.txt`.
 */
import { zipSync } from 'fflate';
import { latestCheckpoint, type RunRecord } from '../../core/experiment/notebook';
import { SETTINGS } from '../../core/metrics/resultSchema';
import type { RunDepth } from '../../core/metrics/trecExport';
import type { TrecRunFile } from '../../core/metrics/trecRuns';
import { downloadBlob, MIME, slug } from '../export/download';
import { useAppStore } from '../store/store';
import { computeClient } from './compute';
import { loadData, loadedDatasetFiles } from './data';

/** Run tag of the exported files (the `xlir export-trec` default). */
export const TREC_TAG = 'xlir';

export interface TrecZipInfo {
  run: string;
  step: number;
  dataset: string;
  languages: readonly string[];
  depth: RunDepth;
  summary: string;
}

/** README.txt of the zip: what the files are and how to score them. */
export function trecReadme(info: TrecZipInfo, files: readonly Pick<TrecRunFile, 'setting' | 'name' | 'queries' | 'runLines'>[]): string {
  const first = files[0];
  const example = first ? `${first.setting}/${first.name}` : 'mono/en-en';
  return [
    `TREC files of run "${info.run}" at step ${info.step} (XLIR Lab), on ${info.dataset} (${info.languages.join(', ')}).`,
    `Model: ${info.summary}.`,
    `One qrels and one run file per cell; run depth ${info.depth}${info.depth === 'exact' ? ' (down to the last relevant candidate, at least 100 lines: map, recip_rank, recall and ndcg_cut are those of the full ranking)' : ''}; tag ${TREC_TAG}.`,
    `Score a cell with: trec_eval -m map ${example}.qrels ${example}.run   or   xlir eval --qrels ${example}.qrels --run ${example}.run`,
    '',
    ...files.map((f) => `${f.setting}/${f.name}: ${f.queries} queries, ${f.runLines} run lines`),
    '',
  ].join('\n');
}

/** The zip's entries: `<setting>/<cell>.qrels`, `<setting>/<cell>.run` and `README.txt`. */
export function trecZipEntries(info: TrecZipInfo, files: readonly TrecRunFile[]): Record<string, Uint8Array> {
  const entries: Record<string, Uint8Array> = {};
  for (const f of files) {
    entries[`${f.setting}/${f.name}.qrels`] = f.qrels;
    entries[`${f.setting}/${f.name}.run`] = f.run;
  }
  entries['README.txt'] = new TextEncoder().encode(trecReadme(info, files));
  return entries;
}

/**
 * Exports the run's latest checkpoint on the run's evaluation data (loading the Data cell's data first if
 * needed) for the three settings and offers `<run>-step-<N>-trec.zip`.
 * @throws Error when the run has no checkpoint, the data is not loaded or lacks the run's evaluation data
 */
export async function downloadTrecFiles(run: RunRecord): Promise<void> {
  const last = latestCheckpoint(run);
  if (!last) throw new Error(`${run.name} has no checkpoint yet`);
  if (!loadedDatasetFiles() || useAppStore.getState().dataStatus.state !== 'loaded') await loadData();
  if (useAppStore.getState().dataStatus.state !== 'loaded') throw new Error('the data did not load (see the Data cell)');
  const { dataset, languages } = run.config.data.eval;
  const depth: RunDepth = 'exact';
  const reply = await computeClient().request({
    type: 'model/export-trec',
    key: last.key,
    dataset,
    languages,
    maxLength: run.config.model.maxLength,
    settings: [...SETTINGS],
    depth,
    tag: TREC_TAG,
  });
  const stem = `${slug(run.name)}-step-${last.step}-trec`;
  const info: TrecZipInfo = { run: run.name, step: last.step, dataset, languages, depth: reply.depth, summary: reply.summary };
  const zip = zipSync(trecZipEntries(info, reply.files), { level: 6 });
  downloadBlob(new Blob([zip as Uint8Array<ArrayBuffer>], { type: MIME.zip }), `${stem}.zip`);
}
