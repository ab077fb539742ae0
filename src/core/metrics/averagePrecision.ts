/**
 * Average precision of one query (`notes/paper-method.md` §2.2, trec_eval `map`):
 *
 *   AP = (1/R) · Σ_{k=1..m} k / rank_(k)
 *
 * where rank_(1) < … < rank_(m) are the 1-based ranks of the m relevant items that were retrieved, over the
 * full ranking of the pool, and R is the number of relevant items (retrieved or not; unretrieved ones add 0).
 *
 * @param relevantRanks 1-based ranks of the retrieved relevant items, distinct, any order
 * @param R total number of relevant items of the query (≥ relevantRanks.length); R = 0 gives 0 like trec_eval
 * @returns AP in [0, 1]
 */
export function averagePrecision(relevantRanks: readonly number[], R: number): number {
  if (!Number.isInteger(R) || R < relevantRanks.length) {
    throw new RangeError(`averagePrecision: R must be an integer ≥ the ${relevantRanks.length} ranks given (got ${R})`);
  }
  if (R === 0) return 0;
  const ranks = relevantRanks.length === 1 ? relevantRanks : [...relevantRanks].sort((x, y) => x - y);
  let sum = 0;
  let previous = 0;
  for (let k = 0; k < ranks.length; k++) {
    const rank = ranks[k]!;
    if (!Number.isInteger(rank) || rank <= previous) {
      throw new RangeError(`averagePrecision: ranks must be distinct positive integers (got ${relevantRanks.join(', ')})`);
    }
    sum += (k + 1) / rank;
    previous = rank;
  }
  return sum / R;
}
