import { describe, expect, it } from 'vitest';
import { createRng } from './rng';
import { holmAdjust, pairedRandomizationTest, sequentialHolmTests } from './significance';

/** Brute-force reference: the share of all 2ⁿ sign patterns whose |Σ ±dᵢ| reaches the observed |Σ dᵢ|. */
function enumeratedP(d: readonly number[]): number {
  const observed = Math.abs(d.reduce((s, x) => s + x, 0));
  let extreme = 0;
  for (let mask = 0; mask < 2 ** d.length; mask++) {
    let s = 0;
    d.forEach((x, i) => (s += (mask >> i) & 1 ? x : -x));
    if (Math.abs(s) >= observed - 1e-9) extreme++;
  }
  return extreme / 2 ** d.length;
}

const stratum = (d: readonly number[]) => [{ a: Float64Array.from(d), b: new Float64Array(d.length) }];

// Differences 1..20 with 13, 19 and 20 negative: Σ = 106, and exactly 50,796 of the 2²⁰ sign patterns
// reach |Σ| ≥ 106, so p = 0.04844…: 0.7 Monte-Carlo standard errors of 10,000 permutations below 0.05.
const NEAR = Array.from({ length: 20 }, (_, i) => ([13, 19, 20].includes(i + 1) ? -(i + 1) : i + 1));
const NEAR_P = 0.04844093322753906;

describe('sequentialHolmTests', () => {
  it('the near-threshold case: p by enumeration as stated, and fixed 10,000 permutations decide it differently under seeds 1 and 2', () => {
    expect(enumeratedP(NEAR)).toBeCloseTo(NEAR_P, 15);
    const fixed = [1, 2].map((seed) => pairedRandomizationTest(stratum(NEAR), { rng: createRng(seed) }).p < 0.05);
    expect(fixed).toEqual([true, false]);
  });

  it('gives the same, resolved decision under those seeds, with p within 3 standard errors of the exact one', () => {
    for (const seed of [1, 2, 3, 4]) {
      const [t] = sequentialHolmTests([stratum(NEAR)], { rng: createRng(seed), exactUpTo: 0 });
      expect(t!.pHolm < 0.05, `seed ${seed}`).toBe(true);
      expect(t!.resolved).toBe(true);
      expect(t!.exact).toBe(false);
      expect(t!.permutations).toBeGreaterThan(10_000);
      expect(Math.abs(t!.p - NEAR_P)).toBeLessThan(3 * t!.se);
      expect(t!.se).toBeCloseTo(Math.sqrt((t!.p * (1 - t!.p)) / t!.permutations), 15);
    }
  });

  it('makes a Holm family’s decisions seed-independent and equal to those of the exact p-values', () => {
    const strong = Array.from({ length: 17 }, (_, i) => i + 1);
    const down = strong.map((x, i) => (i === 16 ? x : -x));
    const nothing = Array.from({ length: 17 }, (_, i) => (i % 2 ? 1 : -1) * (i + 1));
    // NEAR is the third smallest of four, so Holm compares it with α/2 and stops there; without `nothing`
    // it is the largest of three and meets α/1 = 0.05, 0.0016 above it
    for (const [family, ps] of [
      [
        [stratum(NEAR), stratum(strong), stratum(down), stratum(nothing)],
        [NEAR_P, enumeratedP(strong), enumeratedP(down), enumeratedP(nothing)],
      ],
      [
        [stratum(NEAR), stratum(strong), stratum(down)],
        [NEAR_P, enumeratedP(strong), enumeratedP(down)],
      ],
    ] as const) {
      // reference: Holm on the enumerated p-values (NEAR's is checked above)
      const decisions = holmAdjust(ps).map((p) => p < 0.05);
      expect(decisions).toEqual(ps.length === 4 ? [false, true, true, false] : [true, true, true]);
      for (const seed of [1, 2, 3]) {
        const mc = sequentialHolmTests(family, { rng: createRng(seed), exactUpTo: 0 });
        expect(
          mc.map((t) => t.pHolm < 0.05),
          `seed ${seed}`,
        ).toEqual(decisions);
        expect(mc.every((t) => t.resolved)).toBe(true);
      }
    }
  });

  it('enumerates small tests exactly by default and is deterministic for a seed', () => {
    const d = [0.3, -0.1, 0.25, 0.4, 0.05, -0.2, 0.35, 0.1];
    const [t] = sequentialHolmTests([stratum(d)], { rng: createRng(5) });
    expect(t!.exact).toBe(true);
    expect(t!.p).toBeCloseTo(enumeratedP(d), 15);
    expect(t!.permutations).toBe(256);
    const again = () => sequentialHolmTests([stratum(NEAR), stratum(d)], { rng: createRng(9), exactUpTo: 0 });
    expect(again()).toEqual(again());
  });

  it('reports a decision it could not resolve within max', () => {
    const [t] = sequentialHolmTests([stratum(NEAR)], { rng: createRng(1), exactUpTo: 0, max: 10_000 });
    expect(t!.permutations).toBe(10_000);
    expect(t!.resolved).toBe(false);
  });

  it('rejects bad options', () => {
    expect(() => sequentialHolmTests([stratum(NEAR)], { rng: createRng(1), max: 10 })).toThrow(RangeError);
    expect(() => sequentialHolmTests([stratum(NEAR)], { rng: createRng(1), alpha: 1 })).toThrow(RangeError);
  });
});
