import { describe, expect, it } from 'vitest';
import { reciprocalRank } from './reciprocalRank';

describe('reciprocalRank', () => {
  it('is 1 / the best rank, 0 when nothing relevant was retrieved', () => {
    expect(reciprocalRank([5, 2, 9])).toBe(0.5);
    expect(reciprocalRank([1])).toBe(1);
    expect(reciprocalRank([])).toBe(0);
  });

  it('refuses 0-based ranks', () => {
    expect(() => reciprocalRank([0, 3])).toThrow(/1-based/);
  });
});
