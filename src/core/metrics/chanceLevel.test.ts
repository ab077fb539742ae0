import { describe, expect, it } from 'vitest';
import { averagePrecision } from './averagePrecision';
import { chanceMap, expectedRandomAp } from './chanceLevel';
import { handDataset } from './handDataset';

/** Mean AP of one relevant item over all N! orders, by enumeration (each rank is equally likely). */
function bruteForce(n: number): number {
  const perms = (xs: number[]): number[][] => (xs.length <= 1 ? [xs] : xs.flatMap((x, i) => perms([...xs.slice(0, i), ...xs.slice(i + 1)]).map((p) => [x, ...p])));
  const all = perms(Array.from({ length: n }, (_, i) => i));
  return all.reduce((s, order) => s + 1 / (order.indexOf(0) + 1), 0) / all.length;
}

describe('expectedRandomAp', () => {
  it('equals the mean reciprocal rank over every order, and H_N / N', () => {
    for (const n of [1, 2, 3, 5, 6]) expect(expectedRandomAp(n)).toBeCloseTo(bruteForce(n), 12);
    expect(expectedRandomAp(4)).toBeCloseTo((1 + 1 / 2 + 1 / 3 + 1 / 4) / 4, 15);
    expect(() => expectedRandomAp(0)).toThrow(RangeError);
  });

  it('is the AP that averagePrecision gives, averaged over the ranks', () => {
    const n = 4;
    const mean = [1, 2, 3, 4].reduce((s, r) => s + averagePrecision([r], 1), 0) / n;
    expect(expectedRandomAp(n)).toBeCloseTo(mean, 12);
  });
});

describe('chanceMap', () => {
  it('averages H_N / N over mono cells (own pool) and cross cells (the target pool)', () => {
    const ds = handDataset('xquad-r', {
      en: { sentences: ['a', 'b', 'c'], questions: [['q1', 0]] },
      de: { sentences: ['a', 'b'], questions: [['q1', 1]] },
    });
    const c = chanceMap(ds);
    expect(c.mono).toBeCloseTo((expectedRandomAp(3) + expectedRandomAp(2)) / 2, 12);
    expect(c.cross).toBeCloseTo((expectedRandomAp(3) + expectedRandomAp(2)) / 2, 12);
  });
});
