/**
 * TREC qrels and run files, and the five trec_eval measures `xlir eval` prints (`map`, `recip_rank`,
 * `recall_1`, `recall_10`, `ndcg_cut_10`) with trec_eval's semantics:
 *  - the run's rank column is ignored; each query's documents are ordered by score descending, then
 *    document id descending in `strcmp` order (`docIdOrder.ts`);
 *  - a document is relevant when its qrels level is > 0 (relevance level 1); R counts every relevant
 *    document in the qrels, retrieved or not; nDCG gains are the qrels levels;
 *  - the mean runs over the queries of the qrels (like `trec_eval -c`): a query absent from the run scores
 *    0, a run query absent from the qrels is ignored, and a qrels query without relevant documents scores 0.
 * Scores are compared as parsed (double). trec_eval up to 9.0.7 stores them as C `float`; files written by
 * `xlir export-trec` hold float32 values, for which both agree.
 */
import { DataFormatError } from '../errors';
import { averagePrecision } from './averagePrecision';
import { compareDocIds } from './docIdOrder';
import { ndcgAtK } from './ndcgAtK';
import { recallAtK } from './recallAtK';
import { reciprocalRank } from './reciprocalRank';

/** qid → docid → relevance level */
export type Qrels = Map<string, Map<string, number>>;

/** qid → retrieved documents (file order; the rank column is not kept) */
export type TrecRun = Map<string, { docs: string[]; scores: number[] }>;

export const TREC_MEASURES = ['map', 'recip_rank', 'recall_1', 'recall_10', 'ndcg_cut_10'] as const;
export type TrecMeasure = (typeof TREC_MEASURES)[number];

const NUMBER = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;

function fieldsOf(text: string, file: string, expected: number, layout: string): { line: number; f: string[] }[] {
  const out: { line: number; f: string[] }[] = [];
  const lines = text.split(/\r?\n/);
  lines.forEach((raw, i) => {
    const trimmed = raw.trim();
    if (trimmed === '') return;
    const f = trimmed.split(/\s+/);
    if (f.length !== expected) {
      throw new DataFormatError(file, `line ${i + 1}`, `expected ${expected} fields "${layout}", got ${f.length}: "${trimmed.slice(0, 80)}"`);
    }
    out.push({ line: i + 1, f });
  });
  return out;
}

/**
 * Parses qrels lines `qid iter docid rel` (iter is ignored, rel an integer).
 * @param file name used in error messages
 * @throws DataFormatError naming the file and line on a malformed line or a repeated (qid, docid)
 */
export function parseQrels(text: string, file: string): Qrels {
  const qrels: Qrels = new Map();
  for (const { line, f } of fieldsOf(text, file, 4, 'qid 0 docid rel')) {
    const [qid, , docid, relText] = f as [string, string, string, string];
    if (!/^[+-]?\d+$/.test(relText)) throw new DataFormatError(file, `line ${line}, rel`, `expected an integer relevance level, got "${relText}"`);
    const rel = Number(relText);
    // 400 digits match the pattern but parse to Infinity, which would make nDCG NaN
    if (!Number.isSafeInteger(rel)) throw new DataFormatError(file, `line ${line}, rel`, `relevance level "${relText.slice(0, 40)}" is too large`);
    let docs = qrels.get(qid);
    if (!docs) qrels.set(qid, (docs = new Map()));
    if (docs.has(docid)) throw new DataFormatError(file, `line ${line}`, `query "${qid}" judges document "${docid}" twice`);
    docs.set(docid, rel);
  }
  // trec_eval scores an empty qrels as map 0, which reads as a result; it is a broken or wrong file
  if (qrels.size === 0) throw new DataFormatError(file, '(file)', 'holds no judgements (an empty qrels file scores nothing)');
  return qrels;
}

/**
 * Parses run lines `qid Q0 docid rank score tag`.
 * @throws DataFormatError naming the file and line on a malformed line, a non-finite score or a document
 *   retrieved twice for one query (trec_eval refuses those too)
 */
export function parseRun(text: string, file: string): TrecRun {
  const run: TrecRun = new Map();
  const seen = new Map<string, Set<string>>();
  for (const { line, f } of fieldsOf(text, file, 6, 'qid Q0 docid rank score tag')) {
    const [qid, , docid, rankText, scoreText] = f as [string, string, string, string, string];
    if (!NUMBER.test(rankText)) throw new DataFormatError(file, `line ${line}, rank`, `expected a number, got "${rankText}"`);
    if (!NUMBER.test(scoreText) || !Number.isFinite(Number(scoreText))) {
      throw new DataFormatError(file, `line ${line}, score`, `expected a finite number, got "${scoreText}"`);
    }
    let entry = run.get(qid);
    let docs = seen.get(qid);
    if (!entry || !docs) {
      run.set(qid, (entry = { docs: [], scores: [] }));
      seen.set(qid, (docs = new Set()));
    }
    if (docs.has(docid)) throw new DataFormatError(file, `line ${line}`, `query "${qid}" retrieves document "${docid}" twice`);
    docs.add(docid);
    entry.docs.push(docid);
    entry.scores.push(Number(scoreText));
  }
  return run;
}

export interface TrecEvaluation {
  /** number of queries averaged (the queries of the qrels) */
  num_q: number;
  measures: Record<TrecMeasure, number>;
  /** per query, in `strcmp` order of the query ids */
  perQuery: Map<string, Record<TrecMeasure, number>>;
}

/** The 1-based ranks and levels of the relevant documents a run retrieved for one query, by counting. */
function relevantRanks(entry: { docs: string[]; scores: number[] }, judged: Map<string, number>): { ranks: number[]; gains: number[] } {
  const rel: { score: number; doc: string; gain: number }[] = [];
  entry.docs.forEach((doc, i) => {
    const level = judged.get(doc);
    if (level !== undefined && level > 0) rel.push({ score: entry.scores[i]!, doc, gain: level });
  });
  if (rel.length === 0) return { ranks: [], gains: [] };
  // Descending trec_eval order; a document outranks a suffix of this list, found by binary search.
  rel.sort((x, y) => y.score - x.score || compareDocIds(y.doc, x.doc));
  const beatsFrom = new Int32Array(rel.length + 1);
  entry.docs.forEach((doc, i) => {
    const s = entry.scores[i]!;
    let lo = 0;
    let hi = rel.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      const r = rel[mid]!;
      if (s > r.score || (s === r.score && compareDocIds(doc, r.doc) > 0)) hi = mid;
      else lo = mid + 1;
    }
    beatsFrom[lo]!++;
  });
  const ranks: number[] = [];
  let above = 0;
  for (let i = 0; i < rel.length; i++) {
    above += beatsFrom[i]!;
    ranks.push(1 + above);
  }
  return { ranks, gains: rel.map((r) => r.gain) };
}

/** Scores `run` against `qrels` with the trec_eval semantics described in the module comment. */
export function evaluateTrec(qrels: Qrels, run: TrecRun): TrecEvaluation {
  const qids = [...qrels.keys()].sort(compareDocIds);
  const perQuery = new Map<string, Record<TrecMeasure, number>>();
  const sums: Record<TrecMeasure, number> = { map: 0, recip_rank: 0, recall_1: 0, recall_10: 0, ndcg_cut_10: 0 };
  for (const qid of qids) {
    const judged = qrels.get(qid)!;
    let R = 0;
    for (const level of judged.values()) if (level > 0) R++;
    const entry = run.get(qid);
    const { ranks, gains } = entry ? relevantRanks(entry, judged) : { ranks: [], gains: [] };
    const rankedGains = new Array<number>(10).fill(0);
    ranks.forEach((rank, i) => {
      if (rank <= 10) rankedGains[rank - 1] = gains[i]!;
    });
    const m: Record<TrecMeasure, number> = {
      map: averagePrecision(ranks, R),
      recip_rank: reciprocalRank(ranks),
      recall_1: recallAtK(ranks, R, 1),
      recall_10: recallAtK(ranks, R, 10),
      ndcg_cut_10: ndcgAtK(rankedGains, [...judged.values()], 10),
    };
    perQuery.set(qid, m);
    for (const k of TREC_MEASURES) sums[k] += m[k];
  }
  const n = qids.length;
  const measures = Object.fromEntries(TREC_MEASURES.map((k) => [k, n === 0 ? 0 : sums[k] / n])) as Record<TrecMeasure, number>;
  return { num_q: n, measures, perQuery };
}

/** trec_eval's summary lines: `map                   \tall\t0.1234` (measure padded to 22, 4 decimals). */
export function formatTrecEval(result: TrecEvaluation): string {
  const lines = [`${'num_q'.padEnd(22)}\tall\t${result.num_q}`];
  for (const k of TREC_MEASURES) lines.push(`${k.padEnd(22)}\tall\t${result.measures[k].toFixed(4)}`);
  return lines.join('\n');
}
