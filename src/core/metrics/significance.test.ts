import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createRng } from './rng';
import { holmAdjust, pairedBootstrapCI, pairedRandomizationTest } from './significance';

describe('pairedRandomizationTest', () => {
  it('gives p = 1 for identical runs', () => {
    const a = [0.1, 0.5, 1, 0.25, 0.3333];
    const r = pairedRandomizationTest([{ a, b: [...a] }], { rng: createRng(1) });
    expect(r.diff).toBe(0);
    expect(r.p).toBe(1);
    expect(r.permutations).toBe(10_000);
  });

  it('gives p < 0.001 for a large consistent shift', () => {
    const rng = createRng(2);
    const b = Array.from({ length: 200 }, () => rng.float() * 0.5);
    const a = b.map((x) => x + 0.2 + 0.05 * rng.float());
    const r = pairedRandomizationTest([{ a, b }], { rng: createRng(3) });
    expect(r.diff).toBeGreaterThan(0.2);
    // no sign pattern but all-plus reaches the observed sum, so p is the +1 floor
    expect(r.p).toBe(1 / 10_001);
    expect(r.p).toBeLessThan(0.001);
  });

  it('matches the exact sign-flip distribution of a hand-worked case', () => {
    // d = [1, 1]: patterns ++ (2), +- (0), -+ (0), -- (−2) → |T| ≥ |T_obs| in 2 of 4, exact p = 0.5;
    // d = [3, 1]: sums 4, 2, −2, −4 → only ±4 reach 4, p = 0.5; d = [3, -1, 1]: sums ±3, ±5, ±1, ±3 → 6 of 8 ≥ 3.
    const cases: [number[], number][] = [
      [[1, 1], 0.5],
      [[3, 1], 0.5],
      [[3, -1, 1], 0.75],
    ];
    for (const [d, exact] of cases) {
      const r = pairedRandomizationTest([{ a: d, b: d.map(() => 0) }], { rng: createRng(4), permutations: 20_000 });
      expect(Math.abs(r.p - exact)).toBeLessThan(0.015);
    }
  });

  it('uses the macro mean over strata as its statistic (stratified by cell)', () => {
    // cell 1: diffs 0.5, 0.5 (mean .5); cell 2: diffs 0, 0, 0, 0.4 (mean .1) → macro .3; pooled mean would be .233
    const r = pairedRandomizationTest(
      [
        { a: [1, 1], b: [0.5, 0.5] },
        { a: [0, 0, 0, 0.4], b: [0, 0, 0, 0] },
      ],
      { rng: createRng(5), permutations: 100 },
    );
    expect(r.diff).toBeCloseTo(0.3, 12);
  });

  it('is deterministic for a seed', () => {
    const s = [{ a: [0.2, 0.9, 0.4, 0.1], b: [0.1, 0.7, 0.5, 0.3] }];
    expect(pairedRandomizationTest(s, { rng: createRng(9) })).toEqual(pairedRandomizationTest(s, { rng: createRng(9) }));
  });

  it('refuses mismatched or empty strata', () => {
    expect(() => pairedRandomizationTest([{ a: [1, 2], b: [1] }], { rng: createRng(1) })).toThrow(/pairs 2 scores with 1/);
    expect(() => pairedRandomizationTest([{ a: [], b: [] }], { rng: createRng(1) })).toThrow(/empty/);
    expect(() => pairedRandomizationTest([], { rng: createRng(1) })).toThrow(/no strata/);
  });
});

describe('pairedBootstrapCI', () => {
  it('collapses to the difference when every query has the same difference', () => {
    const r = pairedBootstrapCI([{ a: [0.7, 0.4, 0.9], b: [0.5, 0.2, 0.7] }], { rng: createRng(1), resamples: 500 });
    expect(r.diff).toBeCloseTo(0.2, 12);
    expect(r.lo).toBeCloseTo(0.2, 12);
    expect(r.hi).toBeCloseTo(0.2, 12);
  });

  it('covers the resampling distribution of a hand-worked case', () => {
    // diffs [0, 1]: resample means 0, .5, 1 with probabilities ¼, ½, ¼ → 2.5% quantile 0, 97.5% quantile 1
    const r = pairedBootstrapCI([{ a: [0, 1], b: [0, 0] }], { rng: createRng(2), resamples: 10_000 });
    expect(r).toMatchObject({ diff: 0.5, lo: 0, hi: 1, level: 0.95, resamples: 10_000 });
    // 50% interval: quartiles of {0 (¼), .5 (½), 1 (¼)} are .5 and .5 up to sampling at the boundaries
    const half = pairedBootstrapCI([{ a: [0, 1], b: [0, 0] }], { rng: createRng(2), resamples: 10_000, level: 0.5 });
    expect(half.lo).toBeGreaterThanOrEqual(0);
    expect(half.hi).toBeLessThanOrEqual(1);
    expect(half.hi - half.lo).toBeLessThanOrEqual(0.5 + 1e-12);
  });

  it('resamples within strata: a stratum of constant differences keeps its share fixed', () => {
    // stratum 1 constant diff .4, stratum 2 constant diff 0 → macro diff .2 in every resample
    const r = pairedBootstrapCI(
      [
        { a: [0.9, 0.6], b: [0.5, 0.2] },
        { a: [0.3, 0.3, 0.1], b: [0.3, 0.3, 0.1] },
      ],
      { rng: createRng(3), resamples: 300 },
    );
    expect(r.lo).toBeCloseTo(0.2, 12);
    expect(r.hi).toBeCloseTo(0.2, 12);
  });

  it('contains the observed difference for noisy data, and narrows with more queries', () => {
    const rng = createRng(4);
    const make = (n: number) => {
      const b = Array.from({ length: n }, () => rng.float());
      return { a: b.map((x) => x + 0.05 + (rng.float() - 0.5) * 0.4), b };
    };
    const small = pairedBootstrapCI([make(30)], { rng: createRng(5), resamples: 2000 });
    const large = pairedBootstrapCI([make(3000)], { rng: createRng(5), resamples: 2000 });
    expect(small.lo).toBeLessThan(small.diff);
    expect(small.hi).toBeGreaterThan(small.diff);
    expect(large.hi - large.lo).toBeLessThan((small.hi - small.lo) / 3);
  });
});

describe('clusters (a question and its translations as one unit)', () => {
  // two strata holding the same three questions, with the same differences in both
  const d = [0.3, -0.1, 0.2];
  const twin = (cluster?: number[]) => [0, 1].map(() => ({ a: d, b: d.map(() => 0), ...(cluster ? { cluster } : {}) }));

  it('flips a cluster’s differences together: hand-worked exact cases', () => {
    // one question in two cells, difference 1 in each: one unit → every sign pattern reaches |T| = 1, p = 1;
    // as two independent units (½ each) the sums are ±1, 0, 0 → p = ½
    const strata = (cluster?: number[]) => [0, 1].map(() => ({ a: [1], b: [0], ...(cluster ? { cluster } : {}) }));
    expect(pairedRandomizationTest(strata([7]), { rng: createRng(1), permutations: 2000 }).p).toBe(1);
    expect(Math.abs(pairedRandomizationTest(strata(), { rng: createRng(1), permutations: 20_000 }).p - 0.5)).toBeLessThan(0.015);
  });

  it('a cluster repeated in every stratum gives the test and interval of one stratum; unclustered they are narrower', () => {
    const one = [{ a: d, b: d.map(() => 0) }];
    const options = { permutations: 5000, resamples: 5000 };
    const clustered = twin([4, 5, 6]);
    expect(pairedRandomizationTest(clustered, { rng: createRng(2), ...options })).toEqual(pairedRandomizationTest(one, { rng: createRng(2), ...options }));
    const ciClustered = pairedBootstrapCI(clustered, { rng: createRng(3), ...options });
    const ciOne = pairedBootstrapCI(one, { rng: createRng(3), ...options });
    expect(ciClustered.lo).toBeCloseTo(ciOne.lo, 12);
    expect(ciClustered.hi).toBeCloseTo(ciOne.hi, 12);
    const ciApart = pairedBootstrapCI(twin(), { rng: createRng(3), ...options });
    expect(ciApart.hi - ciApart.lo).toBeLessThan(ciClustered.hi - ciClustered.lo);
    expect(pairedRandomizationTest(twin(), { rng: createRng(2), ...options }).p).toBeLessThan(pairedRandomizationTest(clustered, { rng: createRng(2), ...options }).p);
  });

  it('resamples whole clusters: differences that cancel within each cluster give a point interval', () => {
    // weights ¼: cluster 0 sums .4/4 + 0, cluster 1 sums 0 + .4/4 → every resample totals .2
    const strata = [
      { a: [0.4, 0], b: [0, 0], cluster: [0, 1] },
      { a: [0, 0.4], b: [0, 0], cluster: [0, 1] },
    ];
    const r = pairedBootstrapCI(strata, { rng: createRng(4), resamples: 500 });
    expect(r.diff).toBeCloseTo(0.2, 12);
    expect(r.lo).toBeCloseTo(0.2, 12);
    expect(r.hi).toBeCloseTo(0.2, 12);
    const apart = pairedBootstrapCI(
      strata.map(({ a, b }) => ({ a, b })),
      { rng: createRng(4), resamples: 500 },
    );
    expect(apart.hi - apart.lo).toBeGreaterThan(0.1);
  });

  it('with every query its own cluster, reproduces the unclustered test and interval exactly', () => {
    const a = [0.9, 0.2, 0.5, 0.7, 0.1];
    const b = [0.4, 0.3, 0.5, 0.2, 0.3];
    const plain = [{ a, b }];
    const singletons = [{ a, b, cluster: [10, 11, 12, 13, 14] }];
    expect(pairedRandomizationTest(singletons, { rng: createRng(5), permutations: 999 })).toEqual(pairedRandomizationTest(plain, { rng: createRng(5), permutations: 999 }));
    expect(pairedBootstrapCI(singletons, { rng: createRng(6), resamples: 999 })).toEqual(pairedBootstrapCI(plain, { rng: createRng(6), resamples: 999 }));
  });

  it('refuses strata that mix clustered and unclustered, or clusters of the wrong length', () => {
    const rng = createRng(1);
    expect(() =>
      pairedRandomizationTest(
        [
          { a: [1], b: [0], cluster: [0] },
          { a: [1], b: [0] },
        ],
        { rng },
      ),
    ).toThrow(/stratum 1 lacks clusters/);
    expect(() =>
      pairedBootstrapCI(
        [
          { a: [1], b: [0] },
          { a: [1], b: [0], cluster: [0] },
        ],
        { rng },
      ),
    ).toThrow(/stratum 1 has clusters/);
    expect(() => pairedRandomizationTest([{ a: [1, 2], b: [0, 0], cluster: [0] }], { rng })).toThrow(/stratum 0 has 1 clusters for 2 scores/);
  });
});

describe('holmAdjust', () => {
  it('matches a hand-worked example', () => {
    // sorted: .005×4 = .02, .01×3 = .03, .03×2 = .06, .04×1 = .04 → running max .02, .03, .06, .06
    const adjusted = holmAdjust([0.01, 0.04, 0.03, 0.005]);
    expect(adjusted[0]).toBeCloseTo(0.03, 12);
    expect(adjusted[1]).toBeCloseTo(0.06, 12);
    expect(adjusted[2]).toBeCloseTo(0.06, 12);
    expect(adjusted[3]).toBeCloseTo(0.02, 12);
    expect(holmAdjust([0.5, 0.9])).toEqual([1, 1]);
    expect(holmAdjust([])).toEqual([]);
  });

  it('is ≥ the raw p, ≤ 1, and monotone in the raw order', () => {
    fc.assert(
      fc.property(fc.array(fc.double({ min: 0, max: 1, noNaN: true }), { maxLength: 40 }), (ps) => {
        const adj = holmAdjust(ps);
        ps.forEach((p, i) => {
          expect(adj[i]!).toBeGreaterThanOrEqual(p);
          expect(adj[i]!).toBeLessThanOrEqual(1);
          ps.forEach((q, j) => {
            if (p < q) expect(adj[i]!).toBeLessThanOrEqual(adj[j]!);
          });
        });
      }),
    );
  });

  it('refuses values outside [0, 1]', () => {
    expect(() => holmAdjust([0.2, 1.5])).toThrow(/\[0, 1\]/);
  });
});
