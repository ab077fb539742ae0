/**
 * Question translation retrieval, the alignment check of a multilingual encoder (LASER/LaBSE's
 * bitext-retrieval accuracy, on XQuAD-R's parallel questions): for each question in language X, is the
 * nearest English question (dot product of the given vectors) its own translation? P@1 is the fraction
 * of X questions whose translation scores strictly above every other English question; a tie counts as
 * a miss, so a constant encoder scores 0, not an arbitrary tie-break's luck. Chance is 1/n.
 */
import type { RetrievalDataset } from '../data/types';

export interface TranslationRetrieval {
  lang: string;
  /** questions of `lang` with an English translation */
  n: number;
  /** P@1 */
  precisionAt1: number;
  /** 1/n: the expected P@1 of a ranking that ignores the query */
  chance: number;
}

/**
 * @param source [n, dim] row-major, row i a question in X
 * @param target [n, dim] row-major, row i the English translation of source row i
 * @returns P@1 of source → target
 */
export function precisionAt1(source: Float32Array, target: Float32Array, dim: number): number {
  const n = source.length / dim;
  if (!Number.isInteger(n) || target.length !== source.length) throw new RangeError(`source and target must both hold n × ${dim} values (got ${source.length} and ${target.length})`);
  if (n === 0) return Number.NaN;
  let hits = 0;
  for (let i = 0; i < n; i++) {
    const s = source.subarray(i * dim, (i + 1) * dim);
    const score = (j: number) => {
      let d = 0;
      for (let k = 0; k < dim; k++) d += s[k]! * target[j * dim + k]!;
      return d;
    };
    const own = score(i);
    let best = true;
    for (let j = 0; j < n && best; j++) if (j !== i && score(j) >= own) best = false;
    if (best) hits++;
  }
  return hits / n;
}

/**
 * Pairs each non-English query of a dataset with the English query of the same question id.
 * @returns per language, the query indices of X and of their English translations (same order)
 */
export function questionTranslationPairs(dataset: RetrievalDataset): Map<string, { source: number[]; target: number[] }> {
  const english = new Map<string, number>();
  dataset.queries.forEach((q, i) => {
    if (q.lang === 'en') english.set(q.questionId, i);
  });
  const out = new Map<string, { source: number[]; target: number[] }>();
  dataset.queries.forEach((q, i) => {
    const t = english.get(q.questionId);
    if (q.lang === 'en' || t === undefined) return;
    if (!out.has(q.lang)) out.set(q.lang, { source: [], target: [] });
    out.get(q.lang)!.source.push(i);
    out.get(q.lang)!.target.push(t);
  });
  return out;
}

/** Rows `rows` of an [n, dim] matrix, stacked. */
export function takeEmbeddingRows(matrix: Float32Array, rows: readonly number[], dim: number): Float32Array {
  const out = new Float32Array(rows.length * dim);
  rows.forEach((r, k) => out.set(matrix.subarray(r * dim, (r + 1) * dim), k * dim));
  return out;
}

/**
 * @param queryEmbeddings [dataset.queries.length, dim], as `embedDataset` returns them
 * @returns P@1 per non-English language of the dataset, alphabetical
 */
export function questionTranslationRetrieval(dataset: RetrievalDataset, queryEmbeddings: Float32Array, dim: number): TranslationRetrieval[] {
  return [...questionTranslationPairs(dataset)]
    .sort(([a], [b]) => (a < b ? -1 : 1))
    .map(([lang, { source, target }]) => ({
      lang,
      n: source.length,
      precisionAt1: precisionAt1(takeEmbeddingRows(queryEmbeddings, source, dim), takeEmbeddingRows(queryEmbeddings, target, dim), dim),
      chance: 1 / source.length,
    }));
}
