/**
 * Reciprocal rank (trec_eval `recip_rank`): 1 / rank of the highest-ranked relevant item, 0 when none was
 * retrieved. With one relevant item per query (mono and cross settings) it equals average precision.
 *
 * @param relevantRanks 1-based ranks of the retrieved relevant items, any order
 */
export function reciprocalRank(relevantRanks: readonly number[]): number {
  if (relevantRanks.length === 0) return 0;
  let best = Infinity;
  for (const rank of relevantRanks) if (rank < best) best = rank;
  if (!(best >= 1)) throw new RangeError(`reciprocalRank: ranks are 1-based (got ${best})`);
  return 1 / best;
}
