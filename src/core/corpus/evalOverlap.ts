/**
 * Keeps evaluation text out of pretraining pairs: a pair is removed when its English or translated side
 * equals an evaluation text (case-insensitive, whitespace-collapsed, NFC) or is a near duplicate of one,
 * i.e. has character 5-gram Jaccard similarity ≥ 0.8. Near duplicates are found with an inverted index
 * and the prefix filter of Chaudhuri et al. 2006 ("A Primitive Operator for Similarity Joins", §4):
 * when J(R,S) ≥ t, the first |R|−⌈t|R|⌉+1 grams of R and of S (both in one global order, rarest first)
 * share a gram, so only those prefixes are indexed and probed; a length filter t|R| ≤ |S| ≤ |R|/t
 * keeps to texts of similar length. The result is exact, not approximate.
 */
import type { CorpusPair } from './dedupePairs';
import { MAX_PAIR_CHARS } from './normalizePair';

export interface EvalOverlapOptions {
  /** Jaccard threshold for a near duplicate (default 0.8) */
  threshold: number;
  /** character n-gram length (default 5) */
  n: number;
  /** longest pair side that will be queried, in code points (default {@link MAX_PAIR_CHARS}) */
  maxQueryChars: number;
}

export const DEFAULT_EVAL_OVERLAP_OPTIONS: EvalOverlapOptions = { threshold: 0.8, n: 5, maxQueryChars: MAX_PAIR_CHARS };

export interface EvalIndex {
  options: EvalOverlapOptions;
  /** overlap keys of every evaluation text */
  exact: Set<string>;
  /** evaluation texts short enough to be near duplicates of a pair side, as overlap keys */
  keys: string[];
  /** number of distinct grams of each key */
  sizes: Int32Array;
  /** gram → id */
  gramIds: Map<string, number>;
  /** gram id → position in the global order (rarest first) */
  rank: Int32Array;
  /** gram id → ids of the keys whose prefix holds it */
  postings: Map<number, number[]>;
}

/** The comparison form of a text: NFC, lower case, single spaces, trimmed. */
export function overlapKey(text: string): string {
  return text.normalize('NFC').toLowerCase().replace(/\s+/g, ' ').trim();
}

/** Distinct character n-grams of a key (code points); a key shorter than n is its own single gram. */
export function charGrams(key: string, n: number): Set<string> {
  const grams = new Set<string>();
  if (!/[\uD800-\uDFFF]/.test(key)) {
    if (key.length < n) {
      if (key.length > 0) grams.add(key);
      return grams;
    }
    for (let i = 0; i + n <= key.length; i++) grams.add(key.substring(i, i + n));
    return grams;
  }
  const cps = Array.from(key);
  if (cps.length < n) {
    if (cps.length > 0) grams.add(key);
    return grams;
  }
  for (let i = 0; i + n <= cps.length; i++) grams.add(cps.slice(i, i + n).join(''));
  return grams;
}

/** Number of grams kept in the prefix of a set of `size` grams. */
function prefixLength(size: number, t: number): number {
  return size - Math.ceil(t * size - 1e-9) + 1;
}

/** Jaccard similarity |A∩B| / |A∪B| of two gram sets. */
export function jaccard(a: Set<string>, b: Set<string>): number {
  let inter = 0;
  const [small, large] = a.size <= b.size ? [a, b] : [b, a];
  for (const g of small) if (large.has(g)) inter++;
  const union = a.size + b.size - inter;
  return union === 0 ? 0 : inter / union;
}

/**
 * @param texts evaluation texts (questions, sentences, contexts), any language
 * @param options threshold, n-gram length and the longest pair side; defaults {@link DEFAULT_EVAL_OVERLAP_OPTIONS}
 */
export function buildEvalIndex(texts: Iterable<string>, options: Partial<EvalOverlapOptions> = {}): EvalIndex {
  const opts = { ...DEFAULT_EVAL_OVERLAP_OPTIONS, ...options };
  const { threshold: t, n } = opts;
  const exact = new Set<string>();
  for (const text of texts) {
    const key = overlapKey(text);
    if (key !== '') exact.add(key);
  }
  const maxGrams = Math.floor(Math.max(1, opts.maxQueryChars - n + 1) / t);
  const keys: string[] = [];
  const keyGrams: number[][] = [];
  const gramIds = new Map<string, number>();
  const df: number[] = [];
  for (const key of exact) {
    if (Array.from(key).length - n + 1 > maxGrams) continue;
    const ids: number[] = [];
    for (const g of charGrams(key, n)) {
      let id = gramIds.get(g);
      if (id === undefined) {
        id = df.length;
        gramIds.set(g, id);
        df.push(0);
      }
      df[id]!++;
      ids.push(id);
    }
    keys.push(key);
    keyGrams.push(ids);
  }
  const order = Array.from(df.keys()).sort((a, b) => df[a]! - df[b]! || a - b);
  const rank = new Int32Array(df.length);
  order.forEach((id, r) => (rank[id] = r));
  const postings = new Map<number, number[]>();
  keyGrams.forEach((ids, k) => {
    ids.sort((a, b) => rank[a]! - rank[b]!);
    const p = prefixLength(ids.length, t);
    for (const id of ids.slice(0, p)) {
      const list = postings.get(id);
      if (list) list.push(k);
      else postings.set(id, [k]);
    }
  });
  const sizes = Int32Array.from(keyGrams, (ids) => ids.length);
  return { options: opts, exact, keys, sizes, gramIds, rank, postings };
}

/** Why a pair side is removed: it equals an evaluation text, or is a near duplicate of one. */
export const EVAL_OVERLAP_REASONS = ['evalExact', 'evalNear'] as const;
export type EvalOverlapReason = (typeof EVAL_OVERLAP_REASONS)[number];

/**
 * @param index from {@link buildEvalIndex}
 * @param text a pair side (already normalised)
 * @returns why the text overlaps the evaluation data, or null when it does not
 */
export function findEvalOverlap(index: EvalIndex, text: string): EvalOverlapReason | null {
  const key = overlapKey(text);
  if (key === '') return null;
  if (index.exact.has(key)) return 'evalExact';
  const { threshold: t, n } = index.options;
  const grams = charGrams(key, n);
  const p = prefixLength(grams.size, t);
  const known: number[] = [];
  let unknown = 0;
  for (const g of grams) {
    const id = index.gramIds.get(g);
    if (id === undefined) unknown++;
    else known.push(id);
  }
  // Grams absent from the evaluation texts sort first (they are the rarest); a prefix made only of them matches nothing.
  if (unknown >= p) return null;
  known.sort((a, b) => index.rank[a]! - index.rank[b]!);
  const seen = new Set<number>();
  for (const id of known.slice(0, p - unknown)) {
    for (const k of index.postings.get(id) ?? []) {
      if (seen.has(k)) continue;
      seen.add(k);
      const size = index.sizes[k]!;
      if (size < t * grams.size - 1e-9 || size > grams.size / t + 1e-9) continue;
      if (jaccard(grams, charGrams(index.keys[k]!, n)) >= t - 1e-12) return 'evalNear';
    }
  }
  return null;
}

export interface EvalOverlapResult<P> {
  pairs: P[];
  removed: Record<EvalOverlapReason, number>;
  /** up to `maxExamples` removed pairs per reason, for the report */
  examples: Record<EvalOverlapReason, P[]>;
}

/**
 * @param pairs pairs of one language
 * @param index from {@link buildEvalIndex}
 * @param maxExamples how many removed pairs per reason to return as examples
 * @returns the pairs neither side of which overlaps the evaluation texts (order kept), and counts per reason
 *   (a pair counts once, as `evalExact` when either side matches exactly)
 */
export function removeEvalOverlap<P extends CorpusPair>(pairs: readonly P[], index: EvalIndex, maxExamples = 5): EvalOverlapResult<P> {
  const removed: Record<EvalOverlapReason, number> = { evalExact: 0, evalNear: 0 };
  const examples: Record<EvalOverlapReason, P[]> = { evalExact: [], evalNear: [] };
  const kept: P[] = [];
  for (const pair of pairs) {
    const a = findEvalOverlap(index, pair.en);
    const b = findEvalOverlap(index, pair.x);
    const reason = a === 'evalExact' || b === 'evalExact' ? 'evalExact' : (a ?? b);
    if (reason === null) {
      kept.push(pair);
      continue;
    }
    removed[reason]++;
    if (examples[reason].length < maxExamples) examples[reason].push(pair);
  }
  return { pairs: kept, removed, examples };
}
