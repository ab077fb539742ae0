import { describe, expect, it } from 'vitest';
import { rankDistance } from './rankDistance';

describe('rankDistance', () => {
  it('is the largest minus the smallest rank of the relevant items', () => {
    // 11 languages in the merged pool, ranked 1..5 then 40 and 1000…
    expect(rankDistance([3, 1, 1000, 40, 2, 5, 4, 7, 9, 8, 6])).toBe(999);
    expect(rankDistance([12, 13])).toBe(1);
  });

  it('is 0 for a single relevant item', () => {
    expect(rankDistance([17])).toBe(0);
  });

  it('needs at least one rank', () => {
    expect(() => rankDistance([])).toThrow(/at least one/);
  });
});
