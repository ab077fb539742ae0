import v8 from 'node:v8';
import { describe, expect, it } from 'vitest';
import { createWasmGemm, gemmModuleBytes, hasRelaxedSimd, K_BLOCK, runGemm } from './wasmGemm';

// Node 20 ships relaxed SIMD behind a flag (the CLI sets it the same way, src/cli/relaxedSimd.ts)
if (!hasRelaxedSimd()) v8.setFlagsFromString('--experimental-wasm-relaxed-simd');

const SHAPES: { m: number; n: number; k: number }[] = [
  { m: 4, n: 8, k: 1 },
  { m: 7, n: 16, k: 5 },
  { m: 1, n: 24, k: 3 },
  { m: 13, n: 8, k: 2 * K_BLOCK + 37 },
];

describe('our wasm product kernel', () => {
  it('is valid WebAssembly with and without relaxed SIMD, which this Node has once the flag is set', () => {
    expect(WebAssembly.validate(gemmModuleBytes(false))).toBe(true);
    expect(hasRelaxedSimd()).toBe(true);
  });

  for (const fused of [false, true]) {
    for (const { m, n, k } of SHAPES) {
      for (const [transposeA, transposeB] of [
        [false, false],
        [false, true],
        [true, false],
        [true, true],
      ] as const) {
        it(`${fused ? 'relaxed_madd' : 'mul + add'}: [${m}×${k}]${transposeA ? ' stored transposed' : ''} · [${k}×${n}]${transposeB ? ' stored transposed' : ''} matches float64 to float32 rounding`, () => {
          const memory = new WebAssembly.Memory({ initial: 4 });
          const g = createWasmGemm(memory, fused);
          const heap = new Float32Array(memory.buffer);
          const [a, b, c, packed] = [16, 16 + m * k + 3, 64 + m * k + k * n, 128 + m * k + k * n + m * n];
          for (let i = 0; i < m * k; i++) heap[a + i] = Math.sin(i * 0.37);
          for (let i = 0; i < k * n; i++) heap[b + i] = Math.cos(i * 0.11);
          heap.fill(Number.NaN, c, c + m * n);
          runGemm(g, heap, { a, b, c, packed, m, n, k, transposeA, transposeB });
          for (let i = 0; i < m; i++) {
            for (let j = 0; j < n; j++) {
              let want = 0;
              let scale = 0;
              for (let kk = 0; kk < k; kk++) {
                const term = heap[a + (transposeA ? kk * m + i : i * k + kk)]! * heap[b + (transposeB ? j * k + kk : kk * n + j)]!;
                want += term;
                scale += Math.abs(term);
              }
              expect(Math.abs(heap[c + i * n + j]! - want)).toBeLessThanOrEqual(1e-6 * scale + 1e-7);
            }
          }
        });
      }
    }
  }

  it('gives the same bits whether K is run in one pass or in blocks (C carries the float32 sums)', () => {
    const [m, n, k] = [8, 16, 3 * K_BLOCK];
    const memory = new WebAssembly.Memory({ initial: 8 });
    const g = createWasmGemm(memory, true);
    const heap = new Float32Array(memory.buffer);
    const [a, b, c, packed] = [0, m * k, m * k + k * n, m * k + k * n + m * n];
    for (let i = 0; i < m * k; i++) heap[a + i] = Math.sin(i);
    for (let i = 0; i < k * n; i++) heap[b + i] = Math.cos(i * 0.3);
    runGemm(g, heap, { a, b, c, packed, m, n, k, transposeA: false, transposeB: false });
    const blocked = heap.slice(c, c + m * n);
    heap.fill(Number.NaN, c, c + m * n);
    // one pass over all of K: pack B whole and call the tile kernel once
    const module = new WebAssembly.Module(gemmModuleBytes(true, [4]));
    const onePass = (new WebAssembly.Instance(module, { env: { memory } }).exports as { gemm4: (...x: number[]) => void }).gemm4;
    const whole = packed + k * n;
    for (let p = 0; p < n / 8; p++) for (let kk = 0; kk < k; kk++) for (let x = 0; x < 8; x++) heap[whole + (p * k + kk) * 8 + x] = heap[b + kk * n + p * 8 + x]!;
    onePass(4 * a, 4 * whole, 4 * c, m, n, k, 4 * k, 4);
    expect(Array.from(heap.slice(c, c + m * n))).toEqual(Array.from(blocked));
  });
});
