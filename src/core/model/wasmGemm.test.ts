import v8 from 'node:v8';
import { describe, expect, it } from 'vitest';
import { geluGrad64, normalCdf64 } from '../testing/erf64.testutil';
import { B_IN_PLACE, B_PACKED, B_PACKED_PER_SLICE, bLayout, createWasmGemm, gemmModuleBytes, hasRelaxedSimd, K_BLOCK, packPanels, runGemm } from './wasmGemm';

// Node 20 ships relaxed SIMD behind a flag (the CLI sets it the same way, src/cli/relaxedSimd.ts)
if (!hasRelaxedSimd()) v8.setFlagsFromString('--experimental-wasm-relaxed-simd');

const SHAPES: { m: number; n: number; k: number }[] = [
  { m: 4, n: 8, k: 1 },
  { m: 7, n: 16, k: 5 },
  { m: 1, n: 24, k: 3 },
  { m: 13, n: 8, k: 2 * K_BLOCK + 37 },
  { m: 6, n: 272, k: 11 },
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
          runGemm(g, { a, b, c, packed, m, n, k, transposeA, transposeB });
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

  it('gives the same bits whether K and N are run in one pass or in blocks (C carries the float32 sums)', () => {
    const [m, n, k] = [8, 264, 3 * K_BLOCK];
    const memory = new WebAssembly.Memory({ initial: 64 });
    const g = createWasmGemm(memory, true);
    const heap = new Float32Array(memory.buffer);
    const [a, b, c, packed] = [0, m * k, m * k + k * n, m * k + k * n + m * n];
    for (let i = 0; i < m * k; i++) heap[a + i] = Math.sin(i);
    for (let i = 0; i < k * n; i++) heap[b + i] = Math.cos(i * 0.3);
    runGemm(g, { a, b, c, packed, m, n, k, transposeA: false, transposeB: false });
    const blocked = heap.slice(c, c + m * n);
    heap.fill(Number.NaN, c, c + m * n);
    // one pass over all of K and N: pack B whole and call the tile kernel once
    const module = new WebAssembly.Module(gemmModuleBytes(true, [4]));
    const onePass = (new WebAssembly.Instance(module, { env: { memory } }).exports as { gemm4: (...x: number[]) => void }).gemm4;
    const whole = packed + k * n;
    for (let p = 0; p < n / 8; p++) for (let kk = 0; kk < k; kk++) for (let x = 0; x < 8; x++) heap[whole + (p * k + kk) * 8 + x] = heap[b + kk * n + p * 8 + x]!;
    onePass(4 * a, 4 * whole, 4 * c, m, n, k, 4 * k, 4, 32, 4 * k, 4 * n, 0);
    expect(Array.from(heap.slice(c, c + m * n))).toEqual(Array.from(blocked));
  });
});

describe('our wasm product kernel: B in place or packed by the rows of C', () => {
  it.each([
    { m: 256, layout: B_IN_PLACE },
    { m: 257, layout: B_PACKED },
  ])('[$m×300]ᵀ · [300×24] (a weight gradient): B layout $layout, matches float64', ({ m, layout }) => {
    const [n, k] = [24, 300];
    const p = { a: 16, b: 16 + m * k, c: 16 + m * k + k * n, packed: 16 + m * k + k * n + m * n, m, n, k, transposeA: true, transposeB: false };
    expect(bLayout(p)).toBe(layout);
    const memory = new WebAssembly.Memory({ initial: 64 });
    const g = createWasmGemm(memory, true);
    const heap = new Float32Array(memory.buffer);
    for (let i = 0; i < m * k; i++) heap[p.a + i] = Math.sin(i * 0.37);
    for (let i = 0; i < k * n; i++) heap[p.b + i] = Math.cos(i * 0.11);
    heap.fill(Number.NaN, p.c, p.c + m * n);
    runGemm(g, p);
    let worst = 0;
    for (let i = 0; i < m; i++) {
      for (let j = 0; j < n; j++) {
        let want = 0;
        let scale = 0;
        for (let kk = 0; kk < k; kk++) {
          const term = heap[p.a + kk * m + i]! * heap[p.b + kk * n + j]!;
          want += term;
          scale += Math.abs(term);
        }
        worst = Math.max(worst, Math.abs(heap[p.c + i * n + j]! - want) / scale);
      }
    }
    expect(worst).toBeLessThanOrEqual(1e-6);
  });
});

describe('our wasm product kernel with a bias row (C = bias + A·B)', () => {
  const cases = [
    { m: 7, n: 16, k: 5, transposeA: false, transposeB: true },
    { m: 13, n: 264, k: 2 * K_BLOCK + 37, transposeA: false, transposeB: true },
    { m: 18, n: 24, k: 40, transposeA: true, transposeB: false },
    { m: 9, n: 8, k: 12, transposeA: false, transposeB: false, batches: 3, bShared: true },
  ];
  it.each(cases)('[$m×$k]·[$k×$n] (A transposed: $transposeA, B transposed: $transposeB, batches: $batches) matches float64, the bias added once', (shape) => {
    const { m, n, k } = shape;
    const batches = shape.batches ?? 1;
    const memory = new WebAssembly.Memory({ initial: 64 });
    const g = createWasmGemm(memory, true);
    const heap = new Float32Array(memory.buffer);
    const a = 16;
    const b = a + batches * m * k;
    const bias = b + k * n;
    const c = bias + n;
    const packed = c + batches * m * n;
    for (let i = 0; i < batches * m * k; i++) heap[a + i] = Math.sin(i * 0.37);
    for (let i = 0; i < k * n; i++) heap[b + i] = Math.cos(i * 0.11);
    for (let j = 0; j < n; j++) heap[bias + j] = 2 * Math.sin(j) + 1;
    heap.fill(Number.NaN, c, c + batches * m * n);
    runGemm(g, { ...shape, a, b, c, packed, bias });
    for (let s = 0; s < batches; s++) {
      for (let i = 0; i < m; i++) {
        for (let j = 0; j < n; j++) {
          let want = heap[bias + j]!;
          let scale = Math.abs(want);
          for (let kk = 0; kk < k; kk++) {
            const term = heap[a + s * m * k + (shape.transposeA ? kk * m + i : i * k + kk)]! * heap[b + (shape.transposeB ? j * k + kk : kk * n + j)]!;
            want += term;
            scale += Math.abs(term);
          }
          expect(Math.abs(heap[c + s * m * n + i * n + j]! - want)).toBeLessThanOrEqual(1e-6 * scale);
        }
      }
    }
  });
});

describe('our wasm kernel module: batched products, pack and GELU', () => {
  const float64Product = (heap: Float32Array, p: { a: number; b: number; m: number; n: number; k: number; transposeA: boolean; transposeB: boolean }, slice: number, bSlice: number, i: number, j: number) => {
    let want = 0;
    let scale = 0;
    for (let kk = 0; kk < p.k; kk++) {
      const av = heap[p.a + slice * p.m * p.k + (p.transposeA ? kk * p.m + i : i * p.k + kk)]!;
      const bv = heap[p.b + bSlice * p.k * p.n + (p.transposeB ? j * p.k + kk : kk * p.n + j)]!;
      want += av * bv;
      scale += Math.abs(av * bv);
    }
    return { want, scale };
  };

  for (const [transposeA, transposeB, bShared] of [
    [false, false, false],
    [false, true, false],
    [true, false, false],
    [true, true, true],
  ] as const) {
    const layout = bShared ? 'B shared (packed once)' : transposeB ? 'B packed slice by slice' : 'B read in place';
    it(`batched [3 × 6×${K_BLOCK + 5}]${transposeA ? 'ᵀ' : ''} · [${K_BLOCK + 5}×16]${transposeB ? 'ᵀ' : ''}, ${layout}, matches float64`, () => {
      const [batches, m, n, k] = [3, 6, 16, K_BLOCK + 5];
      const memory = new WebAssembly.Memory({ initial: 8 });
      const g = createWasmGemm(memory, true);
      const heap = new Float32Array(memory.buffer);
      const p = { a: 0, b: batches * m * k, c: 2 * batches * k * n + batches * m * k, packed: 0, m, n, k, transposeA, transposeB, batches, bShared };
      p.packed = p.c + batches * m * n;
      for (let i = 0; i < batches * m * k; i++) heap[p.a + i] = Math.sin(i * 0.37);
      for (let i = 0; i < (bShared ? 1 : batches) * k * n; i++) heap[p.b + i] = Math.cos(i * 0.11);
      expect(bLayout(p)).toBe(bShared ? B_PACKED : transposeB ? B_PACKED_PER_SLICE : B_IN_PLACE);
      heap.fill(Number.NaN, p.c, p.c + batches * m * n);
      runGemm(g, p);
      for (let s = 0; s < batches; s++) {
        for (let i = 0; i < m; i++) {
          for (let j = 0; j < n; j++) {
            const { want, scale } = float64Product(heap, p, s, bShared ? 0 : s, i, j);
            expect(Math.abs(heap[p.c + (s * m + i) * n + j]! - want)).toBeLessThanOrEqual(1e-6 * scale + 1e-7);
          }
        }
      }
    });
  }

  it('pack lays B out as packPanels does, transposed or not', () => {
    const [k, n] = [7, 24];
    const memory = new WebAssembly.Memory({ initial: 1 });
    const g = createWasmGemm(memory, true);
    const heap = new Float32Array(memory.buffer);
    for (let i = 0; i < k * n; i++) heap[i] = i + 0.5;
    for (const [kStride, nStride] of [
      [n, 1],
      [1, k],
    ] as const) {
      packPanels(heap, 0, kStride, nStride, k, n, 1000);
      g.pack(0, 4 * 2000, 4 * kStride, 4 * nStride, k, n);
      expect(Array.from(heap.subarray(2000, 2000 + k * n))).toEqual(Array.from(heap.subarray(1000, 1000 + k * n)));
    }
  });

  it('gelu and geluGrad (SIMD, 4 lanes) match float64 GELU to 3e-7 from −12 to 12, zero included', () => {
    const n = 4096;
    const memory = new WebAssembly.Memory({ initial: 2 });
    const g = createWasmGemm(memory, true);
    const f = new Float32Array(memory.buffer);
    const [x, y, cdf, dy, dx] = [0, n, 2 * n, 3 * n, 4 * n];
    for (let i = 0; i < n; i++) {
      f[x + i] = i === 77 ? 0 : (i / n - 0.5) * 24;
      f[dy + i] = Math.cos(i);
    }
    g.gelu(4 * x, 4 * y, 4 * cdf, n);
    g.geluGrad(4 * x, 4 * cdf, 4 * dy, 4 * dx, n);
    for (let i = 0; i < n; i++) {
      const v = f[x + i]!;
      expect(Math.abs(f[cdf + i]! - normalCdf64(v))).toBeLessThan(3e-7);
      expect(Math.abs(f[y + i]! - v * normalCdf64(v))).toBeLessThan(3e-7 * Math.max(1, Math.abs(v)));
      expect(Math.abs(f[dx + i]! - f[dy + i]! * geluGrad64(v))).toBeLessThan(3e-7 * Math.max(1, Math.abs(v)));
    }
    expect(f[y + 77]).toBe(0);
    expect(f[cdf + 77]).toBeCloseTo(0.5, 7);
  });
});

describe('our wasm kernel module: column sums', () => {
  it('colsum gives the bits of float64 sums in row order, rounded once, 16 columns a pass', () => {
    const [m, r] = [37, 48];
    const memory = new WebAssembly.Memory({ initial: 1 });
    const g = createWasmGemm(memory, true);
    const f = new Float32Array(memory.buffer);
    for (let i = 0; i < m * r; i++) f[i] = Math.sin(i * 0.77) * 10 ** ((i % 7) - 3);
    const out = m * r + 5;
    g.colsum(0, 4 * out, m, 4 * r, r);
    const want = new Float32Array(r);
    for (let j = 0; j < r; j++) {
      let s = 0;
      for (let i = 0; i < m; i++) s += f[i * r + j]!;
      want[j] = s;
    }
    expect(Array.from(f.subarray(out, out + r))).toEqual(Array.from(want));
  });
});
