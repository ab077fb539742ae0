/**
 * Recall at cutoff k (`notes/paper-method.md` §2.2; trec_eval `recall_k`): |relevant ∩ top k| / R. The paper
 * reports R@1 for the mono and cross settings and R@10 for the multilingual one.
 *
 * @param relevantRanks 1-based ranks of the retrieved relevant items
 * @param R total number of relevant items; R = 0 gives 0 like trec_eval
 * @param k cutoff (≥ 1)
 */
export function recallAtK(relevantRanks: readonly number[], R: number, k: number): number {
  if (!Number.isInteger(k) || k < 1) throw new RangeError(`recallAtK: k must be a positive integer (got ${k})`);
  if (R < relevantRanks.length) throw new RangeError(`recallAtK: R (${R}) is smaller than the ${relevantRanks.length} ranks given`);
  if (R === 0) return 0;
  let hits = 0;
  for (const rank of relevantRanks) if (rank <= k) hits++;
  return hits / R;
}
