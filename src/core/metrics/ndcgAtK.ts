/**
 * nDCG at cutoff k as trec_eval's `ndcg_cut_k` computes it (used for MIRACL in `notes/paper-method.md`
 * §2.2): gain = the qrels relevance level (levels ≤ 0 give 0), discount log2(rank + 1) for 1-based rank,
 * and the ideal DCG built from the query's qrels (not from what was retrieved):
 *
 *   nDCG@k = Σ_{r ≤ k} g_r / log2(r + 1)  ÷  Σ_{r ≤ k} g*_r / log2(r + 1)
 *
 * with g* the qrels gains sorted descending. 0 when the query has no positive gain.
 *
 * @param rankedGains gain of the item at rank 1, 2, … of the ranking (only the first k are read)
 * @param qrelsGains the relevance level of every judged item of the query, any order
 * @param k cutoff (≥ 1)
 */
export function ndcgAtK(rankedGains: readonly number[], qrelsGains: readonly number[], k: number): number {
  if (!Number.isInteger(k) || k < 1) throw new RangeError(`ndcgAtK: k must be a positive integer (got ${k})`);
  const ideal = qrelsGains.filter((g) => g > 0).sort((x, y) => y - x);
  let idcg = 0;
  for (let r = 0; r < Math.min(k, ideal.length); r++) idcg += ideal[r]! / Math.log2(r + 2);
  if (idcg === 0) return 0;
  let dcg = 0;
  for (let r = 0; r < Math.min(k, rankedGains.length); r++) {
    const g = rankedGains[r]!;
    if (g > 0) dcg += g / Math.log2(r + 2);
  }
  return dcg / idcg;
}
