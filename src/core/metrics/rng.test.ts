import { describe, expect, it } from 'vitest';
import { createRng, deriveSeed, Mulberry32 } from './rng';

describe('createRng', () => {
  it('repeats its sequence for a seed and differs between seeds', () => {
    const a = createRng(42);
    const b = createRng(42);
    const c = createRng(43);
    const xs = Array.from({ length: 8 }, () => a.uint32());
    expect(Array.from({ length: 8 }, () => b.uint32())).toEqual(xs);
    expect(Array.from({ length: 8 }, () => c.uint32())).not.toEqual(xs);
  });

  it('yields integers in range and floats in [0, 1) with the expected mean and balanced bits', () => {
    const rng = createRng(7);
    const n = 100_000;
    let sum = 0;
    let ones = 0;
    let outOfRange = 0;
    const counts = new Array<number>(10).fill(0);
    for (let i = 0; i < n; i++) {
      const f = rng.float();
      if (!(f >= 0 && f < 1)) outOfRange++;
      sum += f;
      const k = rng.int(10);
      if (counts[k] === undefined) outOfRange++;
      else counts[k]++;
      const u = rng.uint32();
      if (!(Number.isInteger(u) && u >= 0 && u < 2 ** 32)) outOfRange++;
      ones += u & 1;
    }
    expect(outOfRange).toBe(0);
    expect(Math.abs(sum / n - 0.5)).toBeLessThan(0.005);
    expect(Math.abs(ones / n - 0.5)).toBeLessThan(0.01);
    for (const c of counts) expect(Math.abs(c / n - 0.1)).toBeLessThan(0.005);
  });

  it('fill writes the same stream as uint32, in blocks of any size, and interleaves with it', () => {
    const plain = createRng(11);
    const blocks = createRng(11);
    const expected = Array.from({ length: 300 }, () => plain.uint32());
    const got: number[] = [];
    for (const size of [0, 1, 31, 100]) {
      const out = new Uint32Array(size);
      blocks.fill(out);
      got.push(...out);
    }
    got.push(blocks.uint32(), blocks.uint32());
    const rest = new Uint32Array(300 - got.length);
    blocks.fill(rest);
    got.push(...rest);
    expect(got).toEqual(expected);
  });

  it('refuses a non-finite seed', () => {
    expect(() => createRng(Number.NaN)).toThrow(/finite/);
  });
});

describe('Mulberry32', () => {
  it('matches the reference mulberry32 stream for seed 0', () => {
    // Reference values of the published mulberry32 (t += 0x6D2B79F5 ...) for seed 0.
    const rng = new Mulberry32(0);
    expect([rng.uint32(), rng.uint32(), rng.uint32()]).toEqual([1144304738, 1416247, 958946056]);
  });

  it('continues the exact stream after getState / fromState', () => {
    const a = new Mulberry32(12345);
    for (let i = 0; i < 17; i++) a.uint32();
    const saved = JSON.parse(JSON.stringify(a.getState())) as { state: number };
    const b = Mulberry32.fromState(saved);
    for (let i = 0; i < 50; i++) expect(b.uint32()).toBe(a.uint32());
  });

  it('int(n) is uniform: chi-square over 10 bins stays under the 99.9% quantile', () => {
    const rng = new Mulberry32(7);
    const counts = new Array<number>(10).fill(0);
    const n = 20000;
    for (let i = 0; i < n; i++) counts[rng.int(10)]!++;
    const expected = n / 10;
    const chi2 = counts.reduce((s, c) => s + (c - expected) ** 2 / expected, 0);
    expect(chi2).toBeLessThan(27.88); // χ²(9) 0.999 quantile
    expect(Math.min(...counts)).toBeGreaterThan(0);
  });

  it('int(1) is always 0, bernoulli(0) never and bernoulli(1) always fires', () => {
    const rng = new Mulberry32(3);
    for (let i = 0; i < 100; i++) {
      expect(rng.int(1)).toBe(0);
      expect(rng.bernoulli(0)).toBe(false);
      expect(rng.bernoulli(1)).toBe(true);
    }
  });

  it('shuffle is a permutation and depends on the seed', () => {
    const items = Array.from({ length: 30 }, (_, i) => i);
    const a = new Mulberry32(1).shuffle([...items]);
    const b = new Mulberry32(2).shuffle([...items]);
    expect([...a].sort((x, y) => x - y)).toEqual(items);
    expect(a).not.toEqual(b);
    expect(new Mulberry32(1).shuffle([...items])).toEqual(a);
  });

  it('rejects bad seeds and arguments', () => {
    expect(() => new Mulberry32(-1)).toThrow(/seed/);
    expect(() => new Mulberry32(1.5)).toThrow(/seed/);
    expect(() => new Mulberry32(2 ** 32)).toThrow(/seed/);
    expect(() => new Mulberry32(0).int(0)).toThrow(/int/);
    expect(() => new Mulberry32(0).bernoulli(1.2)).toThrow(/bernoulli/);
    expect(() => new Mulberry32(0).choice([])).toThrow(/empty/);
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
