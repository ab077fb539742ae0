import { describe, expect, it } from 'vitest';
import { recallAtK } from './recallAtK';

describe('recallAtK', () => {
  it('is |relevant ∩ top k| / R', () => {
    expect(recallAtK([1, 3, 12], 11, 10)).toBeCloseTo(2 / 11, 12);
    expect(recallAtK([1], 1, 1)).toBe(1);
    expect(recallAtK([2], 1, 1)).toBe(0);
    // rank exactly k counts
    expect(recallAtK([10, 11], 2, 10)).toBe(0.5);
  });

  it('divides by all relevant, retrieved or not; R = 0 gives 0', () => {
    expect(recallAtK([1], 4, 10)).toBe(0.25);
    expect(recallAtK([], 0, 10)).toBe(0);
  });

  it('refuses a bad cutoff or R below the ranks given', () => {
    expect(() => recallAtK([1], 1, 0)).toThrow(/positive integer/);
    expect(() => recallAtK([1, 2], 1, 5)).toThrow(/smaller than/);
  });
});
