import { describe, expect, it } from 'vitest';
import { createRng } from './rng';

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
