import { describe, expect, it } from 'vitest';
import { ndcgAtK } from './ndcgAtK';

describe('ndcgAtK (trec_eval ndcg_cut)', () => {
  it('uses gain = level and a log2(rank + 1) discount, ideal from the qrels (hand-worked)', () => {
    // ranking gains 0, 2, 0, 1; qrels levels {2, 1, 1, 0}
    const dcg = 2 / Math.log2(3) + 1 / Math.log2(5);
    const idcg = 2 / Math.log2(2) + 1 / Math.log2(3) + 1 / Math.log2(4);
    expect(ndcgAtK([0, 2, 0, 1], [2, 1, 1, 0], 10)).toBeCloseTo(dcg / idcg, 12);
  });

  it('cuts both the ranking and the ideal at k', () => {
    // only rank 1 counts at k = 1; ideal at k = 1 is the best level
    expect(ndcgAtK([1, 2], [2, 1], 1)).toBeCloseTo(0.5, 12);
    expect(ndcgAtK([2, 0, 1], [2, 1], 2)).toBeCloseTo(2 / (2 + 1 / Math.log2(3)), 12);
  });

  it('is 1 for the ideal ranking and 0 without positive qrels', () => {
    expect(ndcgAtK([3, 2, 1], [1, 3, 2], 10)).toBeCloseTo(1, 12);
    expect(ndcgAtK([0, 0], [0, 0], 10)).toBe(0);
    expect(ndcgAtK([], [1], 10)).toBe(0);
  });

  it('ignores non-positive levels as gains', () => {
    expect(ndcgAtK([-1, 1], [1, -1], 10)).toBeCloseTo(1 / Math.log2(3), 12);
  });
});
