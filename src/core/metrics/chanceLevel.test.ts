import { describe, expect, it } from 'vitest';
import { averagePrecision } from './averagePrecision';
import { chanceLevels, expectedRandomAp, expectedRandomRankDistance } from './chanceLevel';
import { evaluateRetrieval } from './evaluateRetrieval';
import { handDataset } from './handDataset';
import { rankDistance } from './rankDistance';
import { createLoopScorer } from './scorer';

const permutations = (xs: number[]): number[][] => (xs.length <= 1 ? [xs] : xs.flatMap((x, i) => permutations([...xs.slice(0, i), ...xs.slice(i + 1)]).map((p) => [x, ...p])));

/** Mean of `f(ranks of items 0..R-1)` over all N! orders, by enumeration (each order equally likely). */
function overAllOrders(n: number, relevant: number, f: (ranks: number[]) => number): number {
  const all = permutations(Array.from({ length: n }, (_, i) => i));
  return all.reduce((s, order) => s + f(Array.from({ length: relevant }, (_, d) => order.indexOf(d) + 1)), 0) / all.length;
}

describe('expectedRandomAp', () => {
  it('equals the mean AP over every order, for one and for several relevant items', () => {
    for (const n of [1, 2, 3, 5, 6]) {
      for (let r = 1; r <= Math.min(n, 4); r++)
        expect(expectedRandomAp(n, r), `N ${n}, R ${r}`).toBeCloseTo(
          overAllOrders(n, r, (ranks) => averagePrecision(ranks, r)),
          12,
        );
    }
    expect(expectedRandomAp(4)).toBeCloseTo((1 + 1 / 2 + 1 / 3 + 1 / 4) / 4, 15);
    expect(expectedRandomAp(3, 3)).toBe(1);
    expect(() => expectedRandomAp(0)).toThrow(RangeError);
    expect(() => expectedRandomAp(3, 4)).toThrow(RangeError);
  });
});

describe('expectedRandomRankDistance', () => {
  it('equals the mean rank distance over every order', () => {
    for (const n of [1, 2, 4, 6]) {
      for (let r = 1; r <= Math.min(n, 4); r++) expect(expectedRandomRankDistance(n, r), `N ${n}, R ${r}`).toBeCloseTo(overAllOrders(n, r, rankDistance), 12);
    }
  });
});

describe('chanceLevels', () => {
  // Three languages of different sizes; q2 has no German answer, q3 only an English one (MLQA-R-like gaps),
  // so de has fewer queries than en and the multi pool holds 1 to 3 relevant sentences per query.
  const ds = handDataset('mlqa-r', {
    en: {
      sentences: ['e0', 'e1', 'e2'],
      questions: [
        ['q1', 0],
        ['q2', 1],
        ['q3', 2],
      ],
    },
    de: { sentences: ['d0', 'd1'], questions: [['q1', 1]] },
    es: {
      sentences: ['s0', 's1'],
      questions: [
        ['q1', 0],
        ['q2', 1],
      ],
    },
  });

  it('averages per cell and per query language as the evaluator does, hand-worked', () => {
    const c = chanceLevels(ds);
    const ap = expectedRandomAp;
    expect(c.mono).toBeCloseTo((ap(3) + ap(2) + ap(2)) / 3, 12);
    // cells with a query: en->de, en->es, de->en, de->es, es->en, es->de (q1); q3 has no cross cell at all
    expect(c.cross).toBeCloseTo((ap(2) + ap(2) + ap(3) + ap(2) + ap(3) + ap(2)) / 6, 12);
    // pool of 7; en queries hold 3, 2 and 1 relevant, de's q1 3, es's q1 3 and q2 2
    expect(c.per_language.en!.map).toBeCloseTo((ap(7, 3) + ap(7, 2) + ap(7, 1)) / 3, 12);
    expect(c.multi).toBeCloseTo(((ap(7, 3) + ap(7, 2) + ap(7, 1)) / 3 + ap(7, 3) + (ap(7, 3) + ap(7, 2)) / 2) / 3, 12);
    expect(c.per_language.es!.rank_distance).toBeCloseTo((expectedRandomRankDistance(7, 3) + expectedRandomRankDistance(7, 2)) / 2, 12);
    expect(c.candidates).toEqual({ de: 2, en: 3, es: 2 });
    // without the own answer: pool of 6; en's q1 keeps 2 others, q2 1, q3 none (left out)
    expect(c.per_language.en!.map_excluding_own).toBeCloseTo((ap(6, 2) + ap(6, 1)) / 2, 12);
    expect(c.per_language.en!.rank_distance_others).toBeCloseTo((expectedRandomRankDistance(6, 2) + 0) / 2, 12);
    expect(c.multi_excluding_own).toBeCloseTo(((ap(6, 2) + ap(6, 1)) / 2 + ap(6, 2) + (ap(6, 2) + ap(6, 1)) / 2) / 3, 12);
  });

  it('is the evaluator’s result averaged over every order of the pool', async () => {
    // One-dimensional embeddings: every query scores candidate c by its value, so each order of the 7
    // values is one ranking of the pool (and of every language block) shared by all queries; over all 7!
    // orders each query meets every order once, so the mean result is the query-blind expectation.
    const orders = permutations([0, 1, 2, 3, 4, 5, 6]);
    const sum = { mono: 0, cross: 0, multi: 0, rd: 0, others: 0, rdOthers: 0 };
    for (const order of orders) {
      const r = await evaluateRetrieval(ds, { queries: new Float32Array(ds.queries.length).fill(1), candidates: Float32Array.from(order), dim: 1 }, { scorer: createLoopScorer, ranker: 'js' });
      sum.mono += r.mono.map!;
      sum.cross += r.cross.map!;
      sum.multi += r.multi.map;
      sum.rd += r.multi.rank_distance;
      sum.others += r.multi.map_excluding_own!;
      sum.rdOthers += r.multi.rank_distance_others!;
    }
    const c = chanceLevels(ds);
    expect(sum.mono / orders.length).toBeCloseTo(c.mono, 6);
    expect(sum.cross / orders.length).toBeCloseTo(c.cross!, 6);
    expect(sum.multi / orders.length).toBeCloseTo(c.multi, 6);
    expect(sum.rd / orders.length).toBeCloseTo(c.rank_distance, 6);
    expect(sum.others / orders.length).toBeCloseTo(c.multi_excluding_own!, 6);
    expect(sum.rdOthers / orders.length).toBeCloseTo(c.rank_distance_others!, 6);
  });

  it('has no cross level with one language', () => {
    expect(chanceLevels(handDataset('xquad-r', { en: { sentences: ['a', 'b'], questions: [['q', 0]] } })).cross).toBeNull();
  });
});
