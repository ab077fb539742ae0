import { describe, expect, it } from 'vitest';
import { ranksWithoutOwn } from './multiExcludingOwn';

describe('ranksWithoutOwn', () => {
  it('moves the ranks below the own-language answer up by one and leaves those above', () => {
    // pool order: o1 OWN o2 x o3 → others at 1, 3, 5; without OWN they sit at 1, 2, 4
    expect(ranksWithoutOwn([1, 3, 5], 2)).toEqual([1, 2, 4]);
    expect(ranksWithoutOwn([2, 3], 1)).toEqual([1, 2]);
    expect(ranksWithoutOwn([1, 2], 9)).toEqual([1, 2]);
  });

  it('rejects a rank equal to the own answer’s and a non-positive own rank', () => {
    expect(() => ranksWithoutOwn([2], 2)).toThrow(RangeError);
    expect(() => ranksWithoutOwn([2], 0)).toThrow(RangeError);
  });
});
