import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { countKernelBytes, createCountKernel } from './countKernel';

/** Float32 bits → ordered int32, the JavaScript definition the kernel must match. */
function orderedBits(b: number): number {
  const m = b >> 31;
  return (b ^ (m & 0x7fffffff)) - m;
}

describe('countKernel', () => {
  it('assembles a valid WebAssembly SIMD module', () => {
    expect(WebAssembly.validate(countKernelBytes())).toBe(true);
    expect(createCountKernel(1)).not.toBeNull();
  });

  it('orders float32 bits like the floats, with −0 equal to +0', () => {
    const k = createCountKernel(4096)!;
    fc.assert(
      fc.property(fc.array(fc.float({ noNaN: true }), { minLength: 4, maxLength: 64 }), (xs) => {
        const n = xs.length - (xs.length % 4);
        const f = new Float32Array(k.memory.buffer, 64, n);
        f.set(xs.slice(0, n));
        const bits = Array.from(new Int32Array(k.memory.buffer, 64, n));
        const floats = Array.from(f);
        k.ordered(64, n);
        const ord = Array.from(new Int32Array(k.memory.buffer, 64, n));
        expect(ord).toEqual(bits.map(orderedBits));
        const cmp = (x: number, y: number) => (x < y ? -1 : x > y ? 1 : 0);
        for (let i = 0; i < n; i++) {
          for (let j = 0; j < n; j++) expect(cmp(ord[i]!, ord[j]!)).toBe(cmp(floats[i]!, floats[j]!));
        }
      }),
      { numRuns: 200 },
    );
  });

  it('counts the values above four thresholds over any range, aligned or not', () => {
    const k = createCountKernel(65536)!;
    fc.assert(
      fc.property(fc.array(fc.integer({ min: -5, max: 5 }), { minLength: 1, maxLength: 80 }), fc.array(fc.integer({ min: -6, max: 6 }), { minLength: 4, maxLength: 4 }), fc.nat(), fc.nat(), (values, thresholds, a, b) => {
        const base = 1024;
        new Int32Array(k.memory.buffer, base, values.length).set(values);
        new Int32Array(k.memory.buffer, 256, 4).set(thresholds);
        const out = new Int32Array(k.memory.buffer, 512, 4);
        out.set([10, 20, 30, 40]);
        const from = a % values.length;
        const to = from + (b % (values.length - from + 1));
        k.count4(base, from, to, 256, 512);
        const want = thresholds.map((t, i) => 10 * (i + 1) + values.slice(from, to).filter((v) => v > t).length);
        expect(Array.from(out)).toEqual(want);
      }),
      { numRuns: 300 },
    );
  });
});
