import { describe, expect, it } from 'vitest';
import { createRng } from './rng';
import { hierarchicalBootstrapCI, padUnits, questionUnits, seedDifferenceTest, studentTwoSidedP } from './seedLevelInference';

describe('studentTwoSidedP', () => {
  it('matches tabled critical values and closed forms', () => {
    expect(studentTwoSidedP(4.302653, 2)).toBeCloseTo(0.05, 6); // t(0.975, 2)
    expect(studentTwoSidedP(2.228139, 10)).toBeCloseTo(0.05, 6); // t(0.975, 10)
    expect(studentTwoSidedP(12.706205, 1)).toBeCloseTo(0.05, 6); // t(0.975, 1)
    expect(studentTwoSidedP(1, 1)).toBeCloseTo(0.5, 12); // Cauchy: P(|T| ≥ 1) = 1/2
    // df = 2: P(|T| ≥ t) = 1 − t / √(2 + t²)
    for (const t of [0.3, 1.7, 7]) expect(studentTwoSidedP(t, 2)).toBeCloseTo(1 - t / Math.sqrt(2 + t * t), 12);
    expect(studentTwoSidedP(0, 5)).toBe(1);
    expect(studentTwoSidedP(-2.228139, 10)).toBeCloseTo(0.05, 6);
  });
});

describe('seedDifferenceTest', () => {
  it('hand-worked paired case: three seeds that agree', () => {
    const r = seedDifferenceTest(
      new Map([
        [1, 0.5],
        [2, 0.6],
        [3, 0.7],
      ]),
      new Map([
        [3, 0.6],
        [1, 0.4],
        [2, 0.45],
      ]),
    );
    // d = 0.1, 0.15, 0.1: mean 0.11667, sd 0.028868, t = 0.11667 / (0.028868 / √3) = 7, df 2
    expect(r.kind).toBe('paired');
    expect(r.differences.map((x) => +x.toFixed(12))).toEqual([0.1, 0.15, 0.1]);
    expect(r.t).toBeCloseTo(7, 9);
    expect(r.df).toBe(2);
    expect(r.p).toBeCloseTo(1 - 7 / Math.sqrt(51), 9);
    // every difference positive: only all-plus and all-minus reach it, 2 of 8 patterns (the floor with 3 seeds)
    expect(r.pSignFlip).toBe(0.25);
    expect(r.pSignFlipMin).toBe(0.25);
  });

  it('sign flip against enumeration with mixed signs, and p = 1 for identical arms', () => {
    // d = 0.3, −0.1, 0.2, 0.05: |Σ| = 0.45; patterns reaching it: ±(+,−,+,+) → 0.45, ±(+,+,+,+) → 0.55,
    // ±(+,+,+,−) → 0.45; 6 of 16
    const a = new Map([
      [1, 0.3],
      [2, -0.1],
      [3, 0.2],
      [4, 0.05],
    ]);
    const zero = new Map([
      [1, 0],
      [2, 0],
      [3, 0],
      [4, 0],
    ]);
    expect(seedDifferenceTest(a, zero).pSignFlip).toBe(6 / 16);
    const same = seedDifferenceTest(a, a);
    expect(same.p).toBe(1);
    expect(same.pSignFlip).toBe(1);
  });

  it('falls back to Welch when the arms ran different seeds', () => {
    // equal sizes and variances: t = 1/√2, df = 2, p = 1 − t/√(2 + t²)
    const r = seedDifferenceTest(
      new Map([
        [1, 1],
        [2, 3],
      ]),
      new Map([
        [3, 0],
        [4, 2],
      ]),
    );
    expect(r.kind).toBe('welch');
    expect(r.t).toBeCloseTo(Math.SQRT1_2, 12);
    expect(r.df).toBeCloseTo(2, 12);
    expect(r.p).toBeCloseTo(1 - Math.SQRT1_2 / Math.sqrt(2.5), 9);
    expect(r.pSignFlip).toBeNull();
    expect(() =>
      seedDifferenceTest(
        new Map([[1, 1]]),
        new Map([
          [1, 0],
          [2, 0],
        ]),
      ),
    ).toThrow(RangeError);
  });
});

describe('hierarchicalBootstrapCI', () => {
  // Two seeds × three questions per arm: the bootstrap distribution has 3³ question draws × 2² seed draws
  // per arm, 432 equally likely outcomes, enumerated here as the reference.
  const A = [
    [0.31, 0.07, 0.52],
    [0.18, 0.29, 0.44],
  ];
  const B = [
    [0.12, 0.05, 0.33],
    [0.27, 0.013, 0.21],
  ];
  function enumerated(): number[] {
    const out: number[] = [];
    const Q = 3;
    for (let draw = 0; draw < Q ** Q; draw++) {
      const qs = [draw % 3, Math.floor(draw / 3) % 3, Math.floor(draw / 9)];
      const fig = (row: number[]) => qs.reduce((s, q) => s + row[q]!, 0);
      const fa = A.map(fig);
      const fb = B.map(fig);
      const pairs = [
        [0, 0],
        [0, 1],
        [1, 0],
        [1, 1],
      ] as const;
      for (const [i, j] of pairs) {
        for (const [k, l] of pairs) out.push((fa[i]! + fa[j]!) / 2 - (fb[k]! + fb[l]!) / 2);
      }
    }
    return out.sort((x, y) => x - y);
  }

  it('draws from the enumerated seeds × questions distribution (mean, spread and quantiles)', () => {
    const exact = enumerated();
    const mean = exact.reduce((s, x) => s + x, 0) / exact.length;
    const sd = Math.sqrt(exact.reduce((s, x) => s + (x - mean) ** 2, 0) / exact.length);
    const r = hierarchicalBootstrapCI(A, B, { rng: createRng(7), resamples: 200_000, level: 0.9 });
    const sum = (row: number[]) => row.reduce((s, x) => s + x, 0);
    expect(r.diff).toBeCloseTo((sum(A[0]!) + sum(A[1]!)) / 2 - (sum(B[0]!) + sum(B[1]!)) / 2, 12);
    // the 5 % and 95 % points of the enumerated distribution (432 atoms; 0.05 · 432 and 0.95 · 432 fall inside atoms)
    const at = (q: number) => exact[Math.ceil(q * exact.length) - 1]!;
    expect(r.lo).toBeCloseTo(at(0.05), 2);
    expect(r.hi).toBeCloseTo(at(0.95), 2);
    expect(r.hi - r.lo).toBeGreaterThan(2 * sd);
  });

  it('is wider than a questions-only bootstrap when the seeds disagree', () => {
    const rng = createRng(3);
    const q = Array.from({ length: 40 }, () => rng.float() / 40);
    const a = [q.map((x) => x + 0.004), q.map((x) => x - 0.003), q.map((x) => x + 0.001)];
    const b = [q, q, q];
    const seeds = hierarchicalBootstrapCI(a, b, { rng: createRng(1), resamples: 5000 });
    const one = hierarchicalBootstrapCI([a[0]!], [b[0]!], { rng: createRng(1), resamples: 5000 });
    expect(seeds.hi - seeds.lo).toBeGreaterThan(one.hi - one.lo);
  });

  it('rejects ragged input', () => {
    expect(() => hierarchicalBootstrapCI([[1, 2]], [[1]], { rng: createRng(1) })).toThrow(/arm B: seed 0 has 1 questions/);
  });
});

describe('questionUnits', () => {
  it('splits a setting figure into per-question units that sum to the macro mean over cells', () => {
    const questions = new Map<string, number>();
    const perQuery = { 'en->de': { 'en:q1': 0.5, 'en:q2': 1 }, 'de->en': { 'de:q1': 0.25 } };
    const u = questionUnits(perQuery, questions);
    // cells: (0.5 + 1)/2 = 0.75 and 0.25 → macro 0.5; q1 gets 0.5/4 + 0.25/2, q2 1/4
    expect([...questions.keys()]).toEqual(['q1', 'q2']);
    expect([...u]).toEqual([0.5 / 4 + 0.25 / 2, 0.25]);
    expect(u.reduce((s, x) => s + x, 0)).toBeCloseTo(0.5, 15);
    expect([...padUnits(u, 3)]).toEqual([...u, 0]);
  });
});
