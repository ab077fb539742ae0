import { describe, expect, it } from 'vitest';
import { enableRelaxedSimd, gemmModule, instantiate, packB } from './simdGemm';

/** C = A·B through the emitted kernel, A [m, k] and B [k, n] row-major */
function product(rows: number, fused: boolean, a: Float32Array, b: Float32Array, m: number, n: number, k: number): Float32Array {
  const memory = new WebAssembly.Memory({ initial: 1 });
  const heap = new Float32Array(memory.buffer);
  const [aAt, bAt, cAt] = [0, m * k, m * k + k * n];
  heap.set(a, aAt);
  packB(b, k, n, heap.subarray(bAt, bAt + k * n));
  heap.fill(Number.NaN, cAt, cAt + m * n);
  instantiate(rows, fused, memory)(4 * aAt, 4 * bAt, 4 * cAt, m, n, k);
  return heap.slice(cAt, cAt + m * n);
}

describe('the emitted wasm product kernel (bench/simdGemm.ts)', () => {
  const [m, n, k] = [12, 16, 7];
  const a = Float32Array.from({ length: m * k }, (_, i) => Math.sin(i * 0.37));
  const b = Float32Array.from({ length: k * n }, (_, i) => Math.cos(i * 0.11));
  const want = Float64Array.from({ length: m * n }, (_, x) => {
    let s = 0;
    for (let kk = 0; kk < k; kk++) s += a[Math.floor(x / n) * k + kk]! * b[kk * n + (x % n)]!;
    return s;
  });

  it('is valid WebAssembly, and relaxed SIMD can be turned on in this Node', () => {
    expect(WebAssembly.validate(gemmModule(4, false))).toBe(true);
    expect(enableRelaxedSimd()).toBe(true);
  });

  it.each([
    [4, false],
    [6, false],
    [4, true],
    [6, true],
  ])('computes A·B with %i-row tiles (FMA: %s) to float32 rounding', (rows, fused) => {
    enableRelaxedSimd();
    const got = product(rows, fused, a, b, m, n, k);
    for (let i = 0; i < want.length; i++) expect(Math.abs(got[i]! - want[i]!)).toBeLessThan(1e-5);
  });
});
