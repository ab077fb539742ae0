/**
 * The multilingual setting without its easy answer (issue 23, item 4). In the multilingual pool a query's
 * same-language answer usually ranks first, so multi mAP is mostly the mono figure again and rank distance
 * is mostly "how far below the own-language answer do the others fall". Two measures read what is left:
 *  - **multi mAP excluding own**: the AP of the query's other-language answers in the multilingual ranking
 *    with the query-language answer taken out (every candidate it outranked moves up one place);
 *  - **rank distance over the other languages**: the largest minus the smallest of those same ranks, so the
 *    spread among the other languages, whatever the rank of the same-language answer.
 * A query whose question has no answer outside its own language has neither and is left out of both means.
 * The rest of the pool (the other same-language candidates) stays: the question is whether the model ranks
 * the right passage of another language above the wrong passages of its own.
 */

/**
 * The ranks of the other-language answers once the own-language answer (at `ownRank`) is removed from the
 * ranking: each rank below it moves up by one.
 * @param otherRanks 1-based pool ranks of the other-language answers (distinct, none equal to `ownRank`)
 * @param ownRank 1-based pool rank of the query-language answer
 */
export function ranksWithoutOwn(otherRanks: readonly number[], ownRank: number): number[] {
  if (!Number.isInteger(ownRank) || ownRank < 1) throw new RangeError(`ranksWithoutOwn: ownRank must be a positive integer (got ${ownRank})`);
  return otherRanks.map((r) => {
    if (r === ownRank) throw new RangeError(`ranksWithoutOwn: rank ${r} is the own-language answer's`);
    return r > ownRank ? r - 1 : r;
  });
}
