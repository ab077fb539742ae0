/**
 * A run's "TREC files" download: the compute worker embeds the run's evaluation data with the run's latest
 * checkpoint and writes the qrels and run file of every cell of the three settings (`core/metrics/trecRuns.ts`,
 * the files of `xlir export-trec`), which are zipped here as `<run>-step-<N>-trec.zip`:
 * `mono/en-en.qrels`, `mono/en-en.run`, …, `cross/en-de.*`, `multi/multi-en.*` and `README.txt`.
 *
 * Streamed (issue 20, item 4: an export of XQuAD-R ran 15 minutes and grew the tab to 11.9 GB): the worker
 * sends one chunk of one cell's file at a time and waits until the page has deflated it into the zip and
 * written that away (to the file picked with the File System Access API where there is one, else to blob
 * parts the browser may keep on disk). Before it starts the size is estimated ({@link trecExportEstimate})
 * and a large export is confirmed; while it runs {@link trecExportStatus} says how far it is, and
 * {@link cancelTrecExport} stops it.
 */
import { Zip, ZipDeflate } from 'fflate';
import { createStore } from 'zustand/vanilla';
import { latestCheckpoint, type RunRecord } from '../../core/experiment/notebook';
import { CancelledError } from '../../core/errors';
import { SETTINGS, cellKey, type Setting } from '../../core/metrics/resultSchema';
import type { RunDepth } from '../../core/metrics/trecExport';
import { estimateTrecBytes, lastRelevantRanks, type TrecCellSize, type TrecFileChunk, type TrecRunFile } from '../../core/metrics/trecRuns';
import type { Lang } from '../../core/data/languages';
import { downloadBlob, MIME, slug } from '../export/download';
import type { LoadedSplit } from '../store/dataSlice';
import { useAppStore } from '../store/store';
import { computeClient } from './compute';
import { hasLoadedDatasetFiles, loadData } from './data';

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

/** Above this estimated size (uncompressed bytes) the user is asked before the export starts. */
export const LARGE_TREC_EXPORT_BYTES = 500e6;

/**
 * The estimated size of the run's TREC files (uncompressed; the zip is several times smaller), from the
 * loaded evaluation data's counts and, at depth `exact`, the ranks of the run's latest full evaluation
 * that kept per-query values (without one: the pool size, an upper bound).
 * @param split the loaded evaluation data (counts per language, question ids)
 */
export function trecExportEstimate(run: RunRecord, split: LoadedSplit, depth: RunDepth): { bytes: number; ranksKnown: boolean } {
  const languages = run.config.data.eval.languages.filter((l) => split.stats.languages[l]);
  const counts = (l: Lang) => split.stats.languages[l]!;
  const evaluation = [...run.evaluations].reverse().find((e) => e.kind === 'full' && e.result.per_query);
  const result = evaluation?.result.per_query ? { per_query: evaluation.result.per_query } : null;
  let ranksKnown = result !== null;
  const cell = (setting: Setting, x: Lang, pool: readonly Lang[], key: string): TrecCellSize => {
    const ranks = result ? lastRelevantRanks(result, setting, key) : null;
    if (!ranks) ranksKnown = false;
    const queries = counts(x).questions;
    return {
      pool: pool.reduce((n, l) => n + counts(l).candidates, 0),
      // every question answered in every pool language (XQuAD-R; an upper bound for MLQA-R)
      relevant: queries * pool.length,
      queries,
      ...(ranks ? { lastRelevantRanks: ranks } : {}),
    };
  };
  const cells = SETTINGS.flatMap((setting) => languages.flatMap((x) => (setting === 'multi' ? [cell(setting, x, languages, x)] : languages.filter((y) => (setting === 'mono') === (x === y)).map((y) => cell(setting, x, [y], cellKey(x, y))))));
  const meanQuestionId = split.questionIds.length ? split.questionIds.reduce((n, q) => n + q.length, 0) / split.questionIds.length : 24;
  const paragraphs = Math.max(1, ...languages.map((l) => counts(l).paragraphs));
  // `{lang}:{question}` and `{lang}:{article}:{paragraph}:{sentence}` (about five paragraphs an article)
  const ids = { query: 3 + meanQuestionId, candidate: 3 + String(Math.ceil(paragraphs / 5)).length + 4 };
  return { bytes: estimateTrecBytes(cells, depth, ids, TREC_TAG), ranksKnown };
}

/** Whether to ask before an export of this estimated size. */
export function trecExportNeedsConfirmation(estimatedBytes: number): boolean {
  return estimatedBytes > LARGE_TREC_EXPORT_BYTES;
}

/** "1.2 GB", "340 MB", "12 kB" (decimal units). */
export function formatBytes(bytes: number): string {
  const units = [
    ['GB', 1e9],
    ['MB', 1e6],
    ['kB', 1e3],
  ] as const;
  for (const [unit, size] of units) if (bytes >= size) return `${(bytes / size).toFixed(bytes >= 10 * size ? 0 : 1)} ${unit}`;
  return `${Math.round(bytes)} B`;
}

/**
 * Deflates streamed TREC chunks into a zip, one entry at a time, handing the zip's bytes to `onData` as
 * they are made. Entries are `<setting>/<cell>.qrels|.run`, then `README.txt` ({@link finish}).
 */
export class TrecZipWriter {
  private readonly zip: Zip;
  private current: { path: string; entry: ZipDeflate } | null = null;
  private failure: Error | null = null;

  constructor(onData: (bytes: Uint8Array<ArrayBuffer>, final: boolean) => void) {
    this.zip = new Zip((err, data, final) => {
      if (err) this.failure = err;
      else onData(data, final);
    });
  }

  /** Adds a chunk; the chunks of a file come in order and one file ends before the next begins. */
  add(chunk: Pick<TrecFileChunk, 'setting' | 'name' | 'file' | 'bytes' | 'last'>): void {
    const path = `${chunk.setting}/${chunk.name}.${chunk.file}`;
    if (this.current && this.current.path !== path) throw new Error(`zip: ${path} began before ${this.current.path} ended`);
    if (!this.current) {
      const entry = new ZipDeflate(path, { level: 6 });
      this.zip.add(entry);
      this.current = { path, entry };
    }
    this.current.entry.push(chunk.bytes, chunk.last);
    if (chunk.last) this.current = null;
    this.check();
  }

  /** Adds the README and ends the zip. */
  finish(readme: string): void {
    if (this.current) throw new Error(`zip: ${this.current.path} did not end`);
    const entry = new ZipDeflate('README.txt', { level: 6 });
    this.zip.add(entry);
    entry.push(new TextEncoder().encode(readme), true);
    this.zip.end();
    this.check();
  }

  private check(): void {
    if (this.failure) throw this.failure;
  }
}

/** Where the zip's bytes go. */
interface ByteSink {
  write(bytes: Uint8Array<ArrayBuffer>): Promise<void>;
  close(): Promise<void>;
  abort(): Promise<void>;
}

type SaveFilePicker = (options: { suggestedName: string; types: { description: string; accept: Record<string, string[]> }[] }) => Promise<{
  createWritable(): Promise<{ write(data: Uint8Array<ArrayBuffer>): Promise<void>; close(): Promise<void>; abort(): Promise<void> }>;
}>;

/**
 * For a large export, a file the user picks (File System Access API: bytes go to disk as they come);
 * otherwise, or where there is no such API or it is refused, blob parts offered as a download at the end
 * (the ordinary download a small export gives, with no extra dialog).
 * @throws CancelledError when the user closes the file picker
 */
async function openSink(fileName: string, large: boolean): Promise<ByteSink> {
  const picker = (globalThis as { showSaveFilePicker?: SaveFilePicker }).showSaveFilePicker;
  if (picker && large) {
    try {
      const handle = await picker({ suggestedName: fileName, types: [{ description: 'zip archive', accept: { [MIME.zip]: ['.zip'] } }] });
      const writable = await handle.createWritable();
      return { write: (b) => writable.write(b), close: () => writable.close(), abort: () => writable.abort() };
    } catch (err) {
      if (err instanceof DOMException && err.name === 'AbortError') throw new CancelledError('no file was picked');
      // e.g. SecurityError: the click's user activation expired while the data loaded; fall back to a download
    }
  }
  // Blob parts of a few MB: the browser may move them out of the tab's memory, unlike one growing array.
  const parts: Blob[] = [];
  let pending: Uint8Array<ArrayBuffer>[] = [];
  let pendingBytes = 0;
  const flush = () => {
    if (pending.length) parts.push(new Blob(pending));
    pending = [];
    pendingBytes = 0;
  };
  return {
    write: async (b) => {
      pending.push(b);
      pendingBytes += b.length;
      if (pendingBytes >= 8 * 2 ** 20) flush();
    },
    close: async () => {
      flush();
      downloadBlob(new Blob(parts, { type: MIME.zip }), fileName);
    },
    abort: async () => {
      parts.length = 0;
      pending = [];
    },
  };
}

/** The export in flight, for the toolbar: what it does and how far it is. Not saved. */
export type TrecExportStatus =
  | { state: 'idle' }
  | {
      state: 'running';
      run: string;
      phase: 'loading' | 'embedding' | 'writing';
      /** texts embedded, or cells written, of `total` */
      done: number;
      total: number;
      /** the cell being written */
      cell: string | null;
      /** zip bytes written so far */
      written: number;
      /** estimated size of the files (uncompressed) */
      estimate: number;
      cancelling: boolean;
    };

/**
 * The status of the one TREC export in flight. A vanilla store beside the app's: a transient fact of an
 * action that is not part of the notebook (like the workers `ui/actions` keep).
 */
export const trecExportStatus = createStore<TrecExportStatus>(() => ({ state: 'idle' }));
let cancelRequested: (() => void) | null = null;

/** Stops the export in flight (the worker stops at its next chunk or embedding batch; nothing is offered). */
export function cancelTrecExport(): void {
  const s = trecExportStatus.getState();
  if (s.state === 'running') trecExportStatus.setState({ ...s, cancelling: true });
  cancelRequested?.();
}

/** Orders cells as `trecCells` of each setting does (they are streamed query language by language). */
function canonicalOrder<T extends { setting: Setting }>(files: readonly T[]): T[] {
  return [...files].sort((a, b) => SETTINGS.indexOf(a.setting) - SETTINGS.indexOf(b.setting));
}

/**
 * Exports the run's latest checkpoint on the run's evaluation data (loading the Data cell's data first if
 * needed) for the three settings and offers `<run>-step-<N>-trec.zip`, streamed chunk by chunk. Asks
 * before an export estimated above {@link LARGE_TREC_EXPORT_BYTES}; a declined or cancelled export ends
 * quietly (nothing is offered).
 * @throws Error when the run has no checkpoint, the data is not loaded or lacks the run's evaluation data,
 *   another export is running, or writing fails
 */
export async function downloadTrecFiles(run: RunRecord, confirm: (message: string) => boolean = (m) => globalThis.confirm(m)): Promise<void> {
  const last = latestCheckpoint(run);
  if (!last) throw new Error(`${run.name} has no checkpoint yet`);
  if (trecExportStatus.getState().state === 'running') throw new Error('a TREC export is already running (see the toolbar)');
  trecExportStatus.setState({ state: 'running', run: run.name, phase: 'loading', done: 0, total: 1, cell: null, written: 0, estimate: 0, cancelling: false });
  try {
    await exportTrecZip(run, last, confirm);
  } finally {
    cancelRequested = null;
    trecExportStatus.setState({ state: 'idle' });
  }
}

/** Whether Cancel was pressed (before the worker was asked, this is all there is to see). */
function cancelling(): boolean {
  const s = trecExportStatus.getState();
  return s.state === 'running' && s.cancelling;
}

function updateStatus(patch: Partial<Extract<TrecExportStatus, { state: 'running' }>>): void {
  const s = trecExportStatus.getState();
  if (s.state === 'running') trecExportStatus.setState({ ...s, ...patch });
}

async function exportTrecZip(run: RunRecord, last: RunRecord['checkpoints'][number], confirm: (message: string) => boolean): Promise<void> {
  if (!hasLoadedDatasetFiles() || useAppStore.getState().dataStatus.state !== 'loaded') await loadData();
  const data = useAppStore.getState().dataStatus;
  if (data.state !== 'loaded') throw new Error('the data did not load (see the Data cell)');
  if (cancelling()) return;
  const { dataset, languages } = run.config.data.eval;
  const depth: RunDepth = 'exact';
  const estimate = trecExportEstimate(run, data.eval, depth);
  updateStatus({ estimate: estimate.bytes });
  const large = trecExportNeedsConfirmation(estimate.bytes);
  if (
    large &&
    !confirm(
      `The TREC files of ${run.name} will take ${estimate.ranksKnown ? 'about' : 'up to'} ${formatBytes(estimate.bytes)} (the zip several times less) and may take many minutes. ` +
        `Each query's ranking is written down to its last relevant candidate (at least 100 lines), and a weak model ranks them low. Export anyway? (It can be cancelled from the toolbar.)`,
    )
  ) {
    return;
  }
  let sink: ByteSink;
  try {
    sink = await openSink(`${slug(run.name)}-step-${last.step}-trec.zip`, large);
  } catch (err) {
    if (err instanceof CancelledError) return;
    throw err;
  }
  const client = computeClient();
  let written = 0;
  let writes: Promise<void> = Promise.resolve();
  const zip = new TrecZipWriter((bytes) => {
    written += bytes.length;
    writes = writes.then(() => sink.write(bytes));
  });
  let requestId: string | null = null;
  let cancelled = false;
  let failure: unknown = null;
  cancelRequested = () => {
    cancelled = true;
    if (requestId) client.send({ type: 'model/export-trec-next', requestId, cancel: true });
  };
  if (cancelling()) {
    await sink.abort();
    return;
  }
  // Chunks are handled one after another: each is zipped and written away before the worker sends the next.
  let handled: Promise<void> = Promise.resolve();
  try {
    const reply = await client.request({ type: 'model/export-trec', key: last.key, dataset, languages, settings: [...SETTINGS], depth, tag: TREC_TAG }, [], (event) => {
      if (requestId === null) {
        requestId = event.requestId;
        if (cancelled) cancelRequested?.();
      }
      if (event.type === 'model/trec-progress') {
        updateStatus({ phase: 'embedding', done: event.done, total: event.total });
        return;
      }
      handled = handled.then(async () => {
        try {
          if (!cancelled && failure === null) {
            zip.add(event);
            await writes;
          }
        } catch (err) {
          failure = err;
        }
        updateStatus({ phase: 'writing', done: event.cell + (event.last && event.file === 'run' ? 1 : 0), total: event.cells, cell: `${event.setting}/${event.name}`, written });
        client.send({ type: 'model/export-trec-next', requestId: event.requestId, cancel: cancelled || failure !== null });
      });
    });
    await handled;
    if (failure !== null) throw failure;
    const info: TrecZipInfo = { run: run.name, step: last.step, dataset, languages, depth: reply.depth, summary: reply.summary };
    zip.finish(trecReadme(info, canonicalOrder(reply.files)));
    await writes;
    await sink.close();
  } catch (err) {
    await handled;
    await writes.catch(() => undefined);
    await sink.abort().catch(() => undefined);
    if (failure !== null) throw failure;
    // a cancel ends quietly: nothing is offered, nothing is wrong
    if (cancelled && err instanceof Error && (err as { code?: string }).code === 'CANCELLED') return;
    throw err;
  }
}
