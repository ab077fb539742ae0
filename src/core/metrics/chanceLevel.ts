/**
 * Query-blind expectations: what a ranking that ignores the query scores on average, the floor against
 * which a retrieval figure must be read. With one relevant sentence among N candidates ranked uniformly at
 * random, AP = 1/rank and E[AP] = (1/N) Σ_{r=1..N} 1/r = H_N / N.
 */
import type { RetrievalDataset } from '../data/types';

/** H_N / N: the expected AP (= reciprocal rank) of one relevant item among N in a random order. */
export function expectedRandomAp(n: number): number {
  if (!Number.isInteger(n) || n < 1) throw new RangeError(`n must be a positive integer (got ${n})`);
  let h = 0;
  for (let r = 1; r <= n; r++) h += 1 / r;
  return h / n;
}

/**
 * Macro means over cells of the query-blind mAP, for the settings whose queries have one relevant sentence:
 * mono (X→X over X's candidates) and cross (X→Y, X ≠ Y, over Y's candidates).
 */
export function chanceMap(dataset: RetrievalDataset): { mono: number; cross: number | null } {
  const candidates = new Map<string, number>();
  for (const c of dataset.candidates) candidates.set(c.lang, (candidates.get(c.lang) ?? 0) + 1);
  const langs = dataset.languages.filter((l) => (candidates.get(l) ?? 0) > 0);
  const mono = langs.reduce((s, l) => s + expectedRandomAp(candidates.get(l)!), 0) / langs.length;
  let cross = 0;
  let cells = 0;
  for (const x of langs) {
    for (const y of langs) {
      if (x === y) continue;
      cross += expectedRandomAp(candidates.get(y)!);
      cells++;
    }
  }
  return { mono, cross: cells > 0 ? cross / cells : null };
}
