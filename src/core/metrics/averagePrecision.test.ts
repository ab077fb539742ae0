import { describe, expect, it } from 'vitest';
import { averagePrecision } from './averagePrecision';

describe('averagePrecision', () => {
  it('is the reciprocal rank with one relevant item', () => {
    expect(averagePrecision([1], 1)).toBe(1);
    expect(averagePrecision([4], 1)).toBe(0.25);
  });

  it('averages precision at each relevant rank over R (hand-worked, R > 1)', () => {
    // relevant at ranks 1, 3, 6: precisions 1/1, 2/3, 3/6 → (1 + 0.6667 + 0.5) / 3
    expect(averagePrecision([1, 3, 6], 3)).toBeCloseTo((1 + 2 / 3 + 0.5) / 3, 12);
    // order of the input does not matter
    expect(averagePrecision([6, 1, 3], 3)).toBeCloseTo((1 + 2 / 3 + 0.5) / 3, 12);
  });

  it('counts unretrieved relevant items as 0 precision (divides by R, not by the retrieved count)', () => {
    // 2 of 4 relevant retrieved at ranks 2 and 5: (1/2 + 2/5) / 4
    expect(averagePrecision([2, 5], 4)).toBeCloseTo((0.5 + 0.4) / 4, 12);
    expect(averagePrecision([], 3)).toBe(0);
  });

  it('is 1 exactly when the relevant items fill the top R', () => {
    expect(averagePrecision([3, 1, 2, 4], 4)).toBe(1);
  });

  it('returns 0 for a query without relevant items, like trec_eval', () => {
    expect(averagePrecision([], 0)).toBe(0);
  });

  it('refuses repeated or non-positive ranks and R below the ranks given', () => {
    expect(() => averagePrecision([2, 2], 2)).toThrow(/distinct positive integers/);
    expect(() => averagePrecision([0], 1)).toThrow(/distinct positive integers/);
    expect(() => averagePrecision([1.5], 1)).toThrow(/distinct positive integers/);
    expect(() => averagePrecision([1, 2], 1)).toThrow(/R must be an integer/);
  });
});
