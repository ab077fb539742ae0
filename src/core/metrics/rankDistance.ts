/**
 * Rank distance of one query, the language-bias measure of the multilingual setting
 * (`notes/paper-method.md` §2.3, after Huang et al. 2023): the largest minus the smallest 1-based rank of its
 * relevant items (one per language) in the merged pool. 0 when all languages sit together (or R = 1);
 * lower means less language bias. Per language it is averaged over queries, then macro-averaged.
 *
 * @param relevantRanks 1-based ranks of all relevant items of the query in the merged pool (non-empty)
 */
export function rankDistance(relevantRanks: readonly number[]): number {
  if (relevantRanks.length === 0) throw new RangeError('rankDistance: a query needs at least one relevant rank');
  let lo = Infinity;
  let hi = -Infinity;
  for (const rank of relevantRanks) {
    if (rank < lo) lo = rank;
    if (rank > hi) hi = rank;
  }
  return hi - lo;
}
