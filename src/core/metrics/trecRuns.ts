/**
 * The run files of `trecExport.ts` computed from embeddings, for `xlir export-trec` (which streams them
 * to disk) and the app's "TREC files" download (which zips them). One pass over the queries serves any
 * number of cells, of one setting or of several: each block of score rows (`queryChunk` queries × all
 * candidates, like `evaluateRetrieval`) is cut into the pools of every cell its queries belong to.
 *
 * Memory: the writer is handed each query's lines as they are made, so a caller that writes to disk holds
 * one score block. `trecRunFiles` keeps every file in memory (as UTF-8 bytes, since at depth `exact` a weak
 * model's multi run on XQuAD-R can pass the ~512 M-character limit of a JavaScript string).
 */
import { candidatesOf } from '../data/datasetView';
import type { RetrievalDataset } from '../data/types';
import { ConfigError } from '../errors';
import { tieBreakKeys } from './docIdOrder';
import type { RetrievalEmbeddings } from './evaluateRetrieval';
import type { Setting } from './resultSchema';
import { createTfScorer, type ScorerFactory } from './scorer';
import { qrelsText, relevantInCell, runLines, trecCells, type RunDepth, type TrecCell } from './trecExport';

export interface TrecRunOptions {
  /** run depth per query (`trecExport.ts`) */
  depth: RunDepth;
  /** last column of every run line; one word */
  tag: string;
  /** how score blocks are computed; default `createTfScorer` (TF.js matMul on the active backend) */
  scorer?: ScorerFactory;
  /** query rows per score block (memory: rows × #candidates × 4 bytes); default 256 */
  queryChunk?: number;
  /** called after each score block with queries scored and the total */
  onProgress?: (done: number, total: number) => void;
}

/**
 * Receives one query's run lines for cell `cell` (index into the cells given); queries of a cell arrive
 * in dataset order, which is the cell's qrels order.
 */
export type RunLinesWriter = (cell: number, text: string, lines: number) => void | Promise<void>;

function checkInputs(dataset: RetrievalDataset, embeddings: RetrievalEmbeddings, options: TrecRunOptions): number {
  const { dim } = embeddings;
  if (!Number.isInteger(dim) || dim < 1) throw new ConfigError(`embeddings: dim must be a positive integer (got ${dim})`);
  if (embeddings.queries.length !== dataset.queries.length * dim) {
    throw new ConfigError(`embeddings.queries: expected ${dataset.queries.length} × ${dim} floats, got ${embeddings.queries.length}`);
  }
  if (embeddings.candidates.length !== dataset.candidates.length * dim) {
    throw new ConfigError(`embeddings.candidates: expected ${dataset.candidates.length} × ${dim} floats, got ${embeddings.candidates.length}`);
  }
  if (/\s/.test(options.tag) || options.tag === '') throw new ConfigError(`run tag "${options.tag}" must be one word`);
  const chunk = options.queryChunk ?? 256;
  if (!Number.isInteger(chunk) || chunk < 1) throw new ConfigError(`queryChunk must be a positive integer (got ${chunk})`);
  return chunk;
}

/**
 * Scores every query of the cells against the whole candidate set, one block of query rows at a time, and
 * hands each query's run lines (`runLines`) to `write`.
 * @param cells from `trecCells`, of any settings
 * @returns the number of run lines written per cell
 * @throws ConfigError on embeddings of the wrong shape or a bad tag / queryChunk
 */
export async function writeTrecRuns(
  dataset: RetrievalDataset,
  embeddings: RetrievalEmbeddings,
  cells: readonly TrecCell[],
  options: TrecRunOptions,
  write: RunLinesWriter,
): Promise<number[]> {
  const chunk = checkInputs(dataset, embeddings, options);
  const { dim } = embeddings;
  const nC = dataset.candidates.length;
  const candidateIds = dataset.candidates.map((c) => c.id);
  const tieKeys = tieBreakKeys(candidateIds);
  const counts = cells.map(() => 0);
  const pools = cells.map((cell) => cell.poolLangs.map((lang) => {
    const r = candidatesOf(dataset, lang);
    return [r.start, r.end] as [number, number];
  }));
  const members = cells.map((cell) => new Set(cell.queries.map((q) => q.id)));
  const total = dataset.languages.reduce((n, lang) => (cells.some((c) => c.queryLang === lang) ? n + dataset.queries.filter((q) => q.lang === lang).length : n), 0);
  let done = 0;
  const scorer = (options.scorer ?? createTfScorer)(embeddings.candidates, nC, dim);
  try {
    for (const lang of dataset.languages) {
      const mine = cells.map((cell, i) => (cell.queryLang === lang ? i : -1)).filter((i) => i >= 0);
      if (mine.length === 0) continue;
      const start = dataset.queries.findIndex((q) => q.lang === lang);
      if (start < 0) continue;
      let end = start;
      while (end < dataset.queries.length && dataset.queries[end]!.lang === lang) end++;
      for (let c0 = start; c0 < end; c0 += chunk) {
        const rows = Math.min(chunk, end - c0);
        const block = await scorer.score(embeddings.queries.subarray(c0 * dim, (c0 + rows) * dim), rows);
        for (let r = 0; r < rows; r++) {
          const query = dataset.queries[c0 + r]!;
          for (const i of mine) {
            if (!members[i]!.has(query.id)) continue;
            const { text, lines } = runLines({
              queryId: query.id,
              row: block,
              rowOffset: r * nC,
              pool: pools[i]!,
              relevant: relevantInCell(dataset, cells[i]!, query),
              tieKeys,
              candidateIds,
              depth: options.depth,
              tag: options.tag,
            });
            counts[i]! += lines;
            await write(i, text, lines);
          }
        }
        done += rows;
        options.onProgress?.(done, total);
      }
    }
  } finally {
    scorer.dispose();
  }
  return counts;
}

export interface TrecRunFile {
  setting: Setting;
  /** file stem of the cell (`en-de`, `multi-en`); the files are `<name>.qrels` and `<name>.run` */
  name: string;
  /** UTF-8 qrels text (`qrelsText`) */
  qrels: Uint8Array<ArrayBuffer>;
  /** UTF-8 run text, the lines of `runLines` for each query of the cell */
  run: Uint8Array<ArrayBuffer>;
  /** queries of the cell (with a relevant candidate in its pool) */
  queries: number;
  runLines: number;
}

/** Collects text as UTF-8 bytes in encoded pieces, so no single string grows past a few MB. */
class Utf8Collector {
  private static readonly encoder = new TextEncoder();
  private pending = '';
  private readonly parts: Uint8Array<ArrayBuffer>[] = [];
  private size = 0;
  add(text: string): void {
    this.pending += text;
    if (this.pending.length > 1 << 22) this.flush();
  }
  private flush(): void {
    if (this.pending === '') return;
    const bytes = Utf8Collector.encoder.encode(this.pending);
    this.parts.push(bytes);
    this.size += bytes.length;
    this.pending = '';
  }
  bytes(): Uint8Array<ArrayBuffer> {
    this.flush();
    if (this.parts.length === 1) return this.parts[0]!;
    const out = new Uint8Array(this.size);
    let at = 0;
    for (const p of this.parts) {
      out.set(p, at);
      at += p.length;
    }
    return out;
  }
}

/**
 * The qrels and run file of every cell of the given settings, the same bytes `xlir export-trec` writes
 * for each setting (one scoring pass for all of them).
 * @param settings e.g. `['mono', 'cross', 'multi']`; cells come setting by setting in `trecCells` order
 */
export async function trecRunFiles(
  dataset: RetrievalDataset,
  embeddings: RetrievalEmbeddings,
  settings: readonly Setting[],
  options: TrecRunOptions,
): Promise<TrecRunFile[]> {
  const cells = settings.flatMap((setting) => trecCells(dataset, setting).map((cell) => ({ setting, cell })));
  const runs = cells.map(() => new Utf8Collector());
  const counts = await writeTrecRuns(dataset, embeddings, cells.map((c) => c.cell), options, (i, text) => runs[i]!.add(text));
  const encoder = new TextEncoder();
  return cells.map(({ setting, cell }, i) => ({
    setting,
    name: cell.name,
    qrels: encoder.encode(qrelsText(dataset, cell)),
    run: runs[i]!.bytes(),
    queries: cell.queries.length,
    runLines: counts[i]!,
  }));
}
