/**
 * TREC files of the three settings, so results can be re-scored with trec_eval, pytrec_eval or ranx. One
 * qrels file (and with embeddings one run file) per cell: `en-de.qrels` for the cross cell en→de,
 * `en-en.qrels` for mono, `multi-en.qrels` for the English queries against the pool of all languages.
 * Query ids and document ids are the canonical ids of `data/types.ts`; relevant documents have level 1.
 *
 * Run depth: trec_eval's AP needs every relevant document's rank, so a fixed top-100 is not exact. The
 * default depth `exact` writes each query's ranking down to its lowest-ranked relevant candidate, and at
 * least 100 lines. Candidates below the last relevant one change none of map / recip_rank / recall_k /
 * ndcg_cut_k, so these measures equal those of the full ranking. `all` writes the full pool; a number N
 * writes the top N (then AP undercounts queries whose relevant candidates fall below N).
 */
import type { Lang } from '../data/languages';
import type { Query, RetrievalDataset } from '../data/types';
import { ConfigError } from '../errors';
import { cellKey, type Setting } from './resultSchema';

export type RunDepth = 'exact' | 'all' | number;

export interface TrecCell {
  /** file stem: `en-de` (mono, cross) or `multi-en` */
  name: string;
  /** the cell key of the result (`en->de`, or the query language for multi) */
  key: string;
  queryLang: Lang;
  poolLangs: Lang[];
  /** queries with at least one relevant candidate in the pool, dataset order */
  queries: Query[];
}

/** The cells of a setting over the loaded languages, skipping cells without queries (MLQA-R never has one). */
export function trecCells(dataset: RetrievalDataset, setting: Setting): TrecCell[] {
  const langs = dataset.languages;
  const cells: TrecCell[] = [];
  const withAnswerIn = (x: Lang, pool: Lang[]) => dataset.queries.filter((q) => q.lang === x && pool.some((y) => dataset.answersByQuestion.get(q.questionId)?.has(y)));
  for (const x of langs) {
    if (setting === 'multi') {
      cells.push({ name: `multi-${x}`, key: x, queryLang: x, poolLangs: [...langs], queries: withAnswerIn(x, [...langs]) });
      continue;
    }
    for (const y of langs) {
      if ((setting === 'mono') !== (x === y)) continue;
      const queries = withAnswerIn(x, [y]);
      if (queries.length > 0) cells.push({ name: `${x}-${y}`, key: cellKey(x, y), queryLang: x, poolLangs: [y], queries });
    }
  }
  return cells;
}

function checkId(id: string, what: string): string {
  if (/\s/.test(id) || id === '') throw new ConfigError(`${what} id "${id}" is empty or holds whitespace, which TREC files cannot carry`);
  return id;
}

/** Candidate indices relevant to `query` in the cell's pool, ascending. */
export function relevantInCell(dataset: RetrievalDataset, cell: TrecCell, query: Query): number[] {
  const answers = dataset.answersByQuestion.get(query.questionId);
  const out: number[] = [];
  for (const lang of cell.poolLangs) {
    const a = answers?.get(lang);
    if (a !== undefined) out.push(a);
  }
  return out.sort((a, b) => a - b);
}

/** Qrels text of a cell: `qid 0 docid 1`, one line per relevant candidate. */
export function qrelsText(dataset: RetrievalDataset, cell: TrecCell): string {
  let text = '';
  for (const q of cell.queries) {
    for (const c of relevantInCell(dataset, cell, q)) text += `${checkId(q.id, 'query')} 0 ${checkId(dataset.candidates[c]!.id, 'candidate')} 1\n`;
  }
  return text;
}

/** The k-th largest score of the pool (1 ≤ k ≤ pool size), with a size-k min-heap: O(n log k). */
function kthLargest(pool: readonly [number, number][], score: (j: number) => number, k: number): number {
  const heap = new Float64Array(k);
  let size = 0;
  const siftDown = (i: number) => {
    for (;;) {
      const l = 2 * i + 1;
      if (l >= size) return;
      const c = l + 1 < size && heap[l + 1]! < heap[l]! ? l + 1 : l;
      if (heap[c]! >= heap[i]!) return;
      [heap[c], heap[i]] = [heap[i]!, heap[c]!];
      i = c;
    }
  };
  for (const [s, e] of pool) {
    for (let j = s; j < e; j++) {
      const v = score(j);
      if (size < k) {
        heap[size++] = v;
        if (size === k) for (let i = (k >> 1) - 1; i >= 0; i--) siftDown(i);
      } else if (v > heap[0]!) {
        heap[0] = v;
        siftDown(0);
      }
    }
  }
  return heap[0]!;
}

export interface RunLinesInput {
  queryId: string;
  /** score row over all candidates: `row[rowOffset + j]` */
  row: Float32Array;
  rowOffset: number;
  /** candidate index ranges of the pool */
  pool: readonly [number, number][];
  relevant: readonly number[];
  tieKeys: Int32Array;
  candidateIds: readonly string[];
  depth: RunDepth;
  tag: string;
}

/**
 * Run lines `qid Q0 docid rank score tag` of one query in trec_eval order. Scores are the float32 values
 * written exactly (JavaScript's shortest round-trip decimal of the value), so ties survive the round trip.
 */
export function runLines(input: RunLinesInput): { text: string; lines: number } {
  const { row, rowOffset, tieKeys, relevant, depth } = input;
  const score = (j: number) => row[rowOffset + j]!;
  // trec_eval order as a comparator: negative when j ranks before k
  const before = (j: number, k: number) => score(k) - score(j) || tieKeys[k]! - tieKeys[j]!;
  let poolSize = 0;
  for (const [s, e] of input.pool) poolSize += e - s;
  const all = () => {
    const out: number[] = [];
    for (const [s, e] of input.pool) for (let j = s; j < e; j++) out.push(j);
    return out;
  };
  let take: number;
  let picked: number[];
  if (depth === 'exact' && relevant.length > 0) {
    let lowest = relevant[0]!;
    for (const r of relevant) if (before(r, lowest) > 0) lowest = r;
    picked = [];
    for (const [s, e] of input.pool) for (let j = s; j < e; j++) if (before(j, lowest) <= 0) picked.push(j);
    take = Math.min(poolSize, Math.max(100, picked.length));
  } else {
    take = depth === 'all' || depth === 'exact' ? poolSize : Math.min(depth, poolSize);
    picked = [];
  }
  if (picked.length < take) {
    if (take === poolSize) {
      picked = all();
    } else {
      // The top `take`: everything scoring at least the take-th largest score (ties there are sorted below).
      const cut = kthLargest(input.pool, score, take);
      picked = [];
      for (const [s, e] of input.pool) for (let j = s; j < e; j++) if (score(j) >= cut) picked.push(j);
    }
  }
  picked.sort(before);
  let text = '';
  for (let i = 0; i < take; i++) {
    const j = picked[i]!;
    text += `${input.queryId} Q0 ${input.candidateIds[j]} ${i + 1} ${score(j)} ${input.tag}\n`;
  }
  return { text, lines: take };
}
