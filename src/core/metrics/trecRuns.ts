/**
 * The run files of `trecExport.ts` computed from embeddings, for `xlir export-trec` (which streams them
 * to disk) and the app's "TREC files" download (which zips them). One pass over the queries serves any
 * number of cells, of one setting or of several: each block of score rows (`queryChunk` queries × all
 * candidates, like `evaluateRetrieval`) is cut into the pools of every cell its queries belong to.
 *
 * Memory: the writer is handed each query's lines as they are made, so a caller that writes to disk holds
 * one score block. `trecRunFiles` keeps every file in memory (as UTF-8 bytes, since at depth `exact` a weak
 * model's multi run on XQuAD-R can pass the ~512 M-character limit of a JavaScript string); the app ran
 * out of memory with it (11.9 GB, issue 20 item 4) and now streams `trecFileChunks` instead: one cell
 * after another, each file in chunks of a few MB, the same bytes. {@link estimateTrecBytes} sizes an
 * export before it starts.
 */
import { candidatesOf } from '../data/datasetView';
import type { RetrievalDataset } from '../data/types';
import { CancelledError, ConfigError } from '../errors';
import { tieBreakKeys } from './docIdOrder';
import type { RetrievalEmbeddings } from './evaluateRetrieval';
import type { RetrievalResult, Setting } from './resultSchema';
import { createTfScorer, type ScorerFactory } from './scorer';
import { qrelsText, relevantInCell, runLines, trecCells, type RunDepth, type TrecCell } from './trecExport';

/** Score blocks of one query language kept for its other cells (bytes) unless told otherwise. */
export const DEFAULT_SCORE_CACHE_BYTES = 256 * 2 ** 20;
/** Size of the run-file chunks of {@link trecFileChunks} unless told otherwise (bytes, about). */
export const DEFAULT_CHUNK_BYTES = 8 * 2 ** 20;

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
export async function writeTrecRuns(dataset: RetrievalDataset, embeddings: RetrievalEmbeddings, cells: readonly TrecCell[], options: TrecRunOptions, write: RunLinesWriter): Promise<number[]> {
  const chunk = checkInputs(dataset, embeddings, options);
  const { dim } = embeddings;
  const nC = dataset.candidates.length;
  const candidateIds = dataset.candidates.map((c) => c.id);
  const tieKeys = tieBreakKeys(candidateIds);
  const counts = cells.map(() => 0);
  const pools = cells.map((cell) =>
    cell.poolLangs.map((lang) => {
      const r = candidatesOf(dataset, lang);
      return [r.start, r.end] as [number, number];
    }),
  );
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
export async function trecRunFiles(dataset: RetrievalDataset, embeddings: RetrievalEmbeddings, settings: readonly Setting[], options: TrecRunOptions): Promise<TrecRunFile[]> {
  const cells = settings.flatMap((setting) => trecCells(dataset, setting).map((cell) => ({ setting, cell })));
  const runs = cells.map(() => new Utf8Collector());
  const counts = await writeTrecRuns(
    dataset,
    embeddings,
    cells.map((c) => c.cell),
    options,
    (i, text) => runs[i]!.add(text),
  );
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

/** A piece of one cell's qrels or run file, as {@link trecFileChunks} makes them. */
export interface TrecFileChunk {
  /** index of the cell in the order they are made (query language by query language) */
  cell: number;
  /** cells in all */
  cells: number;
  setting: Setting;
  /** file stem of the cell (`en-de`, `multi-en`) */
  name: string;
  file: 'qrels' | 'run';
  /** UTF-8 text; the file is the concatenation of its chunks, in order */
  bytes: Uint8Array<ArrayBuffer>;
  /** the file's last chunk; a run file's carries the cell's counts */
  last: boolean;
  counts?: { queries: number; runLines: number };
}

export interface TrecStreamOptions extends TrecRunOptions {
  /** score blocks of a query language kept to serve its other cells (bytes); above it they are recomputed per cell */
  scoreCacheBytes?: number;
  /** run-file chunk size, about (bytes) */
  chunkBytes?: number;
  /** polled before every chunk; true stops with a CancelledError */
  shouldStop?: () => boolean;
}

/**
 * The qrels and run file of every cell of the given settings, the bytes `trecRunFiles` makes, but one cell
 * at a time and each run file in chunks of about `chunkBytes`: a consumer that writes each chunk away (a
 * streamed zip, a file) holds one chunk, plus the score blocks of one query language (≤ `scoreCacheBytes`;
 * the same blocks as `writeTrecRuns`, so the same scores). Cells come query language by query language,
 * each language's in `trecCells` order of the settings given (mono, cross, multi).
 * @throws ConfigError on embeddings of the wrong shape or a bad tag / queryChunk; CancelledError when `shouldStop`
 */
export async function* trecFileChunks(dataset: RetrievalDataset, embeddings: RetrievalEmbeddings, settings: readonly Setting[], options: TrecStreamOptions): AsyncGenerator<TrecFileChunk, void, undefined> {
  const chunk = checkInputs(dataset, embeddings, options);
  const { dim } = embeddings;
  const nC = dataset.candidates.length;
  const candidateIds = dataset.candidates.map((c) => c.id);
  const tieKeys = tieBreakKeys(candidateIds);
  const all = settings.flatMap((setting) => trecCells(dataset, setting).map((cell) => ({ setting, cell })));
  const ordered = dataset.languages.flatMap((lang) => all.filter((c) => c.cell.queryLang === lang));
  const chunkBytes = options.chunkBytes ?? DEFAULT_CHUNK_BYTES;
  const encoder = new TextEncoder();
  const stop = () => {
    if (options.shouldStop?.()) throw new CancelledError('TREC export cancelled');
  };
  const scorer = (options.scorer ?? createTfScorer)(embeddings.candidates, nC, dim);
  try {
    let index = 0;
    for (const lang of dataset.languages) {
      const mine = ordered.filter((c) => c.cell.queryLang === lang);
      const start = dataset.queries.findIndex((q) => q.lang === lang);
      if (mine.length === 0 || start < 0) continue;
      let end = start;
      while (end < dataset.queries.length && dataset.queries[end]!.lang === lang) end++;
      // The blocks of writeTrecRuns (same rows, same boundaries), kept for the language's other cells if they fit.
      const cache: (Float32Array | undefined)[] | null = (end - start) * nC * 4 <= (options.scoreCacheBytes ?? DEFAULT_SCORE_CACHE_BYTES) ? [] : null;
      const block = async (b: number, c0: number, rows: number) => {
        const cached = cache?.[b];
        if (cached) return cached;
        const scores = await scorer.score(embeddings.queries.subarray(c0 * dim, (c0 + rows) * dim), rows);
        if (cache) cache[b] = scores;
        return scores;
      };
      for (const { setting, cell } of mine) {
        const base = { cell: index++, cells: ordered.length, setting, name: cell.name };
        stop();
        yield { ...base, file: 'qrels', bytes: encoder.encode(qrelsText(dataset, cell)), last: true };
        const pool = cell.poolLangs.map((l) => {
          const r = candidatesOf(dataset, l);
          return [r.start, r.end] as [number, number];
        });
        const members = new Set(cell.queries.map((q) => q.id));
        let pending = '';
        let lines = 0;
        for (let c0 = start, b = 0; c0 < end; c0 += chunk, b++) {
          const rows = Math.min(chunk, end - c0);
          let any = false;
          for (let r = 0; r < rows && !any; r++) any = members.has(dataset.queries[c0 + r]!.id);
          if (!any) continue;
          const scores = await block(b, c0, rows);
          for (let r = 0; r < rows; r++) {
            const query = dataset.queries[c0 + r]!;
            if (!members.has(query.id)) continue;
            const out = runLines({ queryId: query.id, row: scores, rowOffset: r * nC, pool, relevant: relevantInCell(dataset, cell, query), tieKeys, candidateIds, depth: options.depth, tag: options.tag });
            pending += out.text;
            lines += out.lines;
            // run lines are ASCII but for the ids, so characters ≈ bytes
            if (pending.length >= chunkBytes) {
              stop();
              yield { ...base, file: 'run', bytes: encoder.encode(pending), last: false };
              pending = '';
            }
          }
        }
        stop();
        yield { ...base, file: 'run', bytes: encoder.encode(pending), last: true, counts: { queries: cell.queries.length, runLines: lines } };
      }
    }
  } finally {
    scorer.dispose();
  }
}

/** One cell as {@link estimateTrecBytes} needs it. */
export interface TrecCellSize {
  /** candidates in the cell's pool */
  pool: number;
  /** qrels lines (relevant candidates over the cell's queries) */
  relevant: number;
  /**
   * for each query of the cell, the rank of its lowest-ranked relevant candidate when known (depth `exact`
   * writes down to it); absent: the pool size (an upper bound)
   */
  lastRelevantRanks?: readonly number[];
  /** queries of the cell (used when `lastRelevantRanks` is absent) */
  queries: number;
}

/**
 * Characters of a score as `runLines` writes it: a float32 printed as the double it is, so most take 17
 * significant digits ("0.7123456001281738", "-0.04418030381202698"); a typical length.
 */
const SCORE_CHARS = 19;

/** Sum of the decimal digits counts of 1..n (the rank column of n run lines). */
function rankDigits(n: number): number {
  let total = 0;
  for (let lo = 1, d = 1; lo <= n; lo *= 10, d++) total += (Math.min(n, lo * 10 - 1) - lo + 1) * d;
  return total;
}

/**
 * The size of a TREC export before it is made, in bytes: queries × lines per query × line length, summed
 * over cells, plus the qrels. Lines per query follow `runLines`: the top N (depth N), the pool (`all`), or
 * down to the last relevant candidate and at least 100 (`exact`; the pool when that rank is unknown).
 * Within 20% of the real size when the ids' lengths and the ranks are known (3% on random embeddings,
 * `trecRuns.stream.test.ts`); without the ranks, at depth `exact`, it overestimates (pools written whole).
 * @param ids mean length of a query id and of a candidate id (characters)
 */
export function estimateTrecBytes(cells: readonly TrecCellSize[], depth: RunDepth, ids: { query: number; candidate: number }, tag: string): number {
  // `qid Q0 docid rank score tag\n` without the rank, and `qid 0 docid 1\n`
  const fixed = ids.query + 4 + ids.candidate + 1 + 1 + SCORE_CHARS + 1 + tag.length + 1;
  const qrelsLine = ids.query + 3 + ids.candidate + 3;
  let bytes = 0;
  for (const c of cells) {
    const linesOf = (lastRank: number) => {
      if (typeof depth === 'number') return Math.min(depth, c.pool);
      if (depth === 'all') return c.pool;
      return Math.min(c.pool, Math.max(100, lastRank));
    };
    const ranks = c.lastRelevantRanks ?? new Array<number>(c.queries).fill(c.pool);
    for (const r of ranks) {
      const n = linesOf(r);
      bytes += n * fixed + rankDigits(n);
    }
    bytes += c.relevant * qrelsLine;
  }
  return bytes;
}

/**
 * For {@link estimateTrecBytes} at depth `exact`: the rank of each query's lowest-ranked relevant candidate
 * in a cell, from an evaluation of the same model. Mono and cross APs are reciprocal ranks (one relevant
 * candidate), so those ranks are exact; a multi query's is its first relevant rank plus its rank distance,
 * the first taken as 1/AP (about right both for a good model, AP ≈ 1 at rank 1, and for a random one, whose
 * n relevant candidates fall about a pool/(n + 1) apart, AP ≈ (n + 1)/pool).
 * @returns null when the result holds no per-query values for the cell
 */
export function lastRelevantRanks(result: Pick<RetrievalResult, 'per_query'>, setting: Setting, key: string): number[] | null {
  if (setting === 'multi') {
    const distances = result.per_query.rank_distance?.[key];
    const aps = result.per_query.multi[key];
    if (!distances || !aps) return null;
    return Object.entries(distances).map(([q, d]) => Math.max(1, Math.round(1 / (aps[q] ?? 1))) + Math.round(d));
  }
  const aps = result.per_query[setting][key];
  return aps ? Object.values(aps).map((ap) => (ap > 0 ? Math.round(1 / ap) : Number.POSITIVE_INFINITY)) : null;
}
