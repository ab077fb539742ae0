import { describe, expect, it } from 'vitest';
import { PretrainBatches } from './pretrainBatches';

const sizes = [
  { lang: 'de', pairs: 10 },
  { lang: 'zh', pairs: 25 },
  { lang: 'ar', pairs: 7 },
];

describe('PretrainBatches', () => {
  it('visits every language once per cycle of L steps, with B pairs of one language each', () => {
    const b = new PretrainBatches({ seed: 3, batchSize: 4, sizes });
    for (let cycle = 0; cycle < 5; cycle++) {
      const langs = [0, 1, 2].map((k) => b.batch(cycle * 3 + k));
      expect(langs.map((x) => x.lang).sort()).toEqual(['ar', 'de', 'zh']);
      for (const x of langs) {
        expect(x.pairs).toHaveLength(4);
        expect(x.englishIsQuery).toHaveLength(4);
        const n = sizes.find((s) => s.lang === x.lang)!.pairs;
        for (const i of x.pairs) expect(i >= 0 && i < n).toBe(true);
      }
    }
  });

  it('takes each pair of a language once per epoch (a permutation, continued across batches)', () => {
    const b = new PretrainBatches({ seed: 9, batchSize: 5, sizes: [{ lang: 'de', pairs: 10 }] });
    const first = [...b.batch(0).pairs, ...b.batch(1).pairs];
    expect([...first].sort((x, y) => x - y)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    const second = [...b.batch(2).pairs, ...b.batch(3).pairs];
    expect([...second].sort((x, y) => x - y)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    expect(second).not.toEqual(first);
  });

  it('is a pure function of (seed, step): a fresh instance, any call order, gives the same batches', () => {
    const a = new PretrainBatches({ seed: 5, batchSize: 3, sizes });
    const forward = Array.from({ length: 30 }, (_, s) => a.batch(s));
    const b = new PretrainBatches({ seed: 5, batchSize: 3, sizes });
    const backward = Array.from({ length: 30 }, (_, s) => 29 - s)
      .map((s) => b.batch(s))
      .reverse();
    expect(backward).toEqual(forward);
    const other = new PretrainBatches({ seed: 6, batchSize: 3, sizes });
    expect(Array.from({ length: 30 }, (_, s) => other.batch(s))).not.toEqual(forward);
  });

  it('refuses a language with fewer pairs than a batch', () => {
    expect(() => new PretrainBatches({ seed: 1, batchSize: 8, sizes })).toThrow(/ar has 7 pairs, fewer than the batch size 8/);
  });
});
