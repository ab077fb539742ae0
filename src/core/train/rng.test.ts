import { describe, expect, it } from 'vitest';
import { deriveSeed, Rng } from './rng';

describe('Rng (mulberry32)', () => {
  it('matches the reference mulberry32 stream for seed 0', () => {
    // Reference values of the published mulberry32 (t += 0x6D2B79F5 ...) for seed 0.
    const rng = new Rng(0);
    expect([rng.nextUint32(), rng.nextUint32(), rng.nextUint32()]).toEqual([1144304738, 1416247, 958946056]);
  });

  it('continues the exact stream after getState / fromState', () => {
    const a = new Rng(12345);
    for (let i = 0; i < 17; i++) a.nextUint32();
    const saved = JSON.parse(JSON.stringify(a.getState())) as { state: number };
    const b = Rng.fromState(saved);
    for (let i = 0; i < 50; i++) expect(b.nextUint32()).toBe(a.nextUint32());
  });

  it('int(n) is uniform: chi-square over 10 bins stays under the 99.9% quantile', () => {
    const rng = new Rng(7);
    const counts = new Array<number>(10).fill(0);
    const n = 20000;
    for (let i = 0; i < n; i++) counts[rng.int(10)]!++;
    const expected = n / 10;
    const chi2 = counts.reduce((s, c) => s + (c - expected) ** 2 / expected, 0);
    expect(chi2).toBeLessThan(27.88); // χ²(9) 0.999 quantile
    expect(Math.min(...counts)).toBeGreaterThan(0);
  });

  it('int(1) is always 0, bernoulli(0) never and bernoulli(1) always fires', () => {
    const rng = new Rng(3);
    for (let i = 0; i < 100; i++) {
      expect(rng.int(1)).toBe(0);
      expect(rng.bernoulli(0)).toBe(false);
      expect(rng.bernoulli(1)).toBe(true);
    }
  });

  it('shuffle is a permutation and depends on the seed', () => {
    const items = Array.from({ length: 30 }, (_, i) => i);
    const a = new Rng(1).shuffle([...items]);
    const b = new Rng(2).shuffle([...items]);
    expect([...a].sort((x, y) => x - y)).toEqual(items);
    expect(a).not.toEqual(b);
    expect(new Rng(1).shuffle([...items])).toEqual(a);
  });

  it('rejects bad seeds and arguments', () => {
    expect(() => new Rng(-1)).toThrow(/seed/);
    expect(() => new Rng(1.5)).toThrow(/seed/);
    expect(() => new Rng(2 ** 32)).toThrow(/seed/);
    expect(() => new Rng(0).int(0)).toThrow(/int/);
    expect(() => new Rng(0).bernoulli(1.2)).toThrow(/bernoulli/);
    expect(() => new Rng(0).choice([])).toThrow(/empty/);
  });
});

describe('deriveSeed', () => {
  it('is deterministic, label-sensitive and in [0, 2^32)', () => {
    const seeds = new Set<number>();
    for (let step = 0; step < 1000; step++) {
      const s = deriveSeed(42, 'dropout', step, 'query');
      expect(s).toBe(deriveSeed(42, 'dropout', step, 'query'));
      expect(Number.isInteger(s) && s >= 0 && s < 2 ** 32).toBe(true);
      seeds.add(s);
    }
    expect(seeds.size).toBe(1000);
    expect(deriveSeed(42, 'a', 'bc')).not.toBe(deriveSeed(42, 'ab', 'c'));
    expect(deriveSeed(42, 'x')).not.toBe(deriveSeed(43, 'x'));
  });
});
