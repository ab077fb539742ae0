/**
 * A float32 matrix-product kernel of our own for the wasm backend, emitted as WebAssembly bytes and run on
 * tfjs-backend-wasm's own memory (bench/RESULTS.md, "A product kernel of our own with relaxed SIMD").
 *
 * Why: XNNPACK's wasm SIMD products reach 27–31 GFLOP/s on one thread here, and the training step loses more
 * to the transposes our matmul kernel materialises, to XNNPACK packing every new right operand and to the
 * per-batch copies of attention. This kernel reads a transposed left operand through strides (no transpose),
 * packs the right operand once per product (transposed or not, the same cost), and with relaxed SIMD's
 * `f32x4.relaxed_madd` (an FMA where the CPU has one) runs at 45–49 GFLOP/s. Without relaxed SIMD it uses
 * `f32x4.mul` + `f32x4.add` (about XNNPACK's speed).
 *
 * The micro-kernel keeps an R-row × 8-column tile of C in 2R v128 accumulators; B is packed into 8-column
 * panels of K × 8. Functions `gemm4` and `gemm1` (R = 4 and the remaining rows) take
 * (a, bPacked, c, M, N, K, aRowStride, aKStride): byte offsets, row-major C [M, N], N divisible by 8, and
 * A's element (i, k) at a + i·aRowStride + k·aKStride (bytes), so A may be stored transposed.
 * Deterministic on one machine; relaxed `madd` may round once or twice depending on the CPU.
 */

import { I32, name, section, sleb, uleb, V128, vec } from '../wasmBytes';

const op = {
  get: (i: number) => [0x20, ...uleb(i)],
  set: (i: number) => [0x21, ...uleb(i)],
  i32: (n: number) => [0x41, ...sleb(n)],
  add: [0x6a],
  mul: [0x6c],
  ne: [0x47],
  loop: [0x03, 0x40],
  end: [0x0b],
  brIf: (depth: number) => [0x0d, ...uleb(depth)],
  f32Load: [0x2a, 0x02, 0x00],
  v128Load: (offset: number) => [0xfd, 0x00, 0x04, ...uleb(offset)],
  v128Store: (offset: number) => [0xfd, 0x0b, 0x04, ...uleb(offset)],
  v128Zero: [0xfd, 0x0c, ...new Array<number>(16).fill(0)],
  splat: [0xfd, 0x13],
  f32x4Add: [0xfd, ...uleb(228)],
  f32x4Mul: [0xfd, ...uleb(230)],
  relaxedMadd: [0xfd, ...uleb(261)],
};

/** The body of gemm{rows}(a, b, c, M, N, K, aRowStride, aKStride); `accumulate` adds to C instead of overwriting it. */
function gemmBody(rows: number, fused: boolean, accumulate: boolean): number[] {
  const [A, B, C, M, N, K, AROW, AK] = [0, 1, 2, 3, 4, 5, 6, 7];
  const [I, J, KK, PB, PC] = [8, 9, 10, 11, 12];
  const PA = (r: number) => 13 + r;
  const v0 = 13 + rows;
  const ACC = (r: number, h: number) => v0 + 2 * r + h;
  const [B0, B1, AV] = [v0 + 2 * rows, v0 + 2 * rows + 1, v0 + 2 * rows + 2];
  const fma = (acc: number, b: number) => (fused ? [...op.get(AV), ...op.get(b), ...op.get(acc), ...op.relaxedMadd, ...op.set(acc)] : [...op.get(acc), ...op.get(AV), ...op.get(b), ...op.f32x4Mul, ...op.f32x4Add, ...op.set(acc)]);
  const bump = (local: number, by: number[]) => [...op.get(local), ...by, ...op.add, ...op.set(local)];
  const kBody = [
    ...op.get(PB),
    ...op.v128Load(0),
    ...op.set(B0),
    ...op.get(PB),
    ...op.v128Load(16),
    ...op.set(B1),
    ...Array.from({ length: rows }, (_, r) => [...op.get(PA(r)), ...op.f32Load, ...op.splat, ...op.set(AV), ...fma(ACC(r, 0), B0), ...fma(ACC(r, 1), B1), ...bump(PA(r), op.get(AK))]).flat(),
    ...bump(PB, op.i32(32)),
    ...bump(KK, op.i32(1)),
  ];
  // pc = c + (i·N + j)·4; rows of C are N·4 bytes apart
  const pcStart = [...op.get(C), ...op.get(I), ...op.get(N), ...op.mul, ...op.get(J), ...op.add, ...op.i32(4), ...op.mul, ...op.add, ...op.set(PC)];
  const nextRow = bump(PC, [...op.get(N), ...op.i32(4), ...op.mul]);
  const initAcc = accumulate
    ? [...pcStart, ...Array.from({ length: rows }, (_, r) => [...op.get(PC), ...op.v128Load(0), ...op.set(ACC(r, 0)), ...op.get(PC), ...op.v128Load(16), ...op.set(ACC(r, 1)), ...nextRow]).flat()]
    : Array.from({ length: 2 * rows }, (_, x) => [...op.v128Zero, ...op.set(v0 + x)]).flat();
  const jBody = [
    ...initAcc,
    // pa[0] = a + i·aRowStride, pa[r] = pa[r-1] + aRowStride
    ...op.get(A),
    ...op.get(I),
    ...op.get(AROW),
    ...op.mul,
    ...op.add,
    ...op.set(PA(0)),
    ...Array.from({ length: rows - 1 }, (_, r) => [...op.get(PA(r)), ...op.get(AROW), ...op.add, ...op.set(PA(r + 1))]).flat(),
    // pb = b + j·K·4 (panel j/8 holds K·8 floats)
    ...op.get(B),
    ...op.get(J),
    ...op.get(K),
    ...op.mul,
    ...op.i32(4),
    ...op.mul,
    ...op.add,
    ...op.set(PB),
    ...op.i32(0),
    ...op.set(KK),
    ...op.loop,
    ...kBody,
    ...op.get(KK),
    ...op.get(K),
    ...op.ne,
    ...op.brIf(0),
    ...op.end,
    ...pcStart,
    ...Array.from({ length: rows }, (_, r) => [...op.get(PC), ...op.get(ACC(r, 0)), ...op.v128Store(0), ...op.get(PC), ...op.get(ACC(r, 1)), ...op.v128Store(16), ...nextRow]).flat(),
    ...bump(J, op.i32(8)),
  ];
  const body = [
    ...op.i32(0),
    ...op.set(I),
    ...op.loop,
    ...op.i32(0),
    ...op.set(J),
    ...op.loop,
    ...jBody,
    ...op.get(J),
    ...op.get(N),
    ...op.ne,
    ...op.brIf(0),
    ...op.end,
    ...bump(I, op.i32(rows)),
    ...op.get(I),
    ...op.get(M),
    ...op.ne,
    ...op.brIf(0),
    ...op.end,
    ...op.end,
  ];
  const locals = vec([
    [...uleb(5 + rows), I32],
    [...uleb(2 * rows + 3), V128],
  ]);
  const code = [...locals, ...body];
  return [...uleb(code.length), ...code];
}

/**
 * A module importing `env.memory` and exporting `gemm{R}` (C = A·B) and `gemm{R}acc` (C += A·B) for each tile
 * height R.
 * @param fused relaxed SIMD's `f32x4.relaxed_madd` instead of `f32x4.mul` + `f32x4.add`
 */
export function gemmModuleBytes(fused: boolean, tileRows: readonly number[] = [4, 1]): Uint8Array<ArrayBuffer> {
  const fns = tileRows.flatMap((rows) => [
    { name: `gemm${rows}`, rows, accumulate: false },
    { name: `gemm${rows}acc`, rows, accumulate: true },
  ]);
  const bytes = [
    ...[0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00],
    ...section(1, vec([[0x60, ...vec(new Array(8).fill([I32])), 0x00]])),
    ...section(2, vec([[...name('env'), ...name('memory'), 0x02, 0x00, ...uleb(1)]])),
    ...section(3, vec(fns.map(() => [0x00]))),
    ...section(7, vec(fns.map((f, i) => [...name(f.name), 0x00, ...uleb(i)]))),
    ...section(10, vec(fns.map((f) => gemmBody(f.rows, fused, f.accumulate)))),
  ];
  return Uint8Array.from(bytes);
}

/** gemm{R}(a, bPacked, c, M, N, K, aRowStride, aKStride), all byte offsets and strides */
export type GemmFunction = (a: number, b: number, c: number, m: number, n: number, k: number, aRowStride: number, aKStride: number) => void;

/** Whether this runtime has relaxed SIMD (Chromium does; Node 20 only with --experimental-wasm-relaxed-simd). */
export function hasRelaxedSimd(): boolean {
  return WebAssembly.validate(gemmModuleBytes(true, [4]));
}

export interface WasmGemm {
  /** relaxed SIMD's FMA, or multiply and add */
  fused: boolean;
  gemm4: GemmFunction;
  gemm1: GemmFunction;
  gemm4acc: GemmFunction;
  gemm1acc: GemmFunction;
}

/** Instantiates the kernel on `memory` (tfjs-backend-wasm's, so it reads and writes tensors in place). */
export function createWasmGemm(memory: WebAssembly.Memory, fused = hasRelaxedSimd()): WasmGemm {
  const instance = new WebAssembly.Instance(new WebAssembly.Module(gemmModuleBytes(fused)), { env: { memory } });
  return { fused, ...(instance.exports as Omit<WasmGemm, 'fused'>) };
}

/**
 * Rows of K per pass: a pass's packed B (K_BLOCK × N floats) and A's rows stay in cache, where a whole K of
 * 4096 (a weight gradient's) would stream both from memory for every tile. C carries the sum between passes
 * in float32, exactly as the accumulators would, so the blocking does not change a bit.
 */
export const K_BLOCK = 256;

/**
 * B into N/8 panels of K × 8 at `to` (float index), from `from` with element (k, n) at from + k·kStride + n·nStride
 * (float strides: a row-major [K, N] is (N, 1), a transposed one stored [N, K] is (1, K)).
 */
export function packPanels(heap: Float32Array, from: number, kStride: number, nStride: number, k: number, n: number, to: number): void {
  for (let p = 0; p < n / 8; p++) {
    for (let kk = 0; kk < k; kk++) {
      const src = from + kk * kStride + p * 8 * nStride;
      const dst = to + (p * k + kk) * 8;
      for (let x = 0; x < 8; x++) heap[dst + x] = heap[src + x * nStride]!;
    }
  }
}

/**
 * C = op(A)·op(B) for one product, all on `heap` (float offsets). N must be divisible by 8; `packed` is K·N floats
 * of scratch (or B already packed there by an earlier call with the same B, when `bPacked`).
 */
export function runGemm(g: WasmGemm, heap: Float32Array, p: { a: number; b: number; c: number; packed: number; m: number; n: number; k: number; transposeA: boolean; transposeB: boolean; bPacked?: boolean }): void {
  const { m, n, k } = p;
  const [bK, bN] = p.transposeB ? [1, k] : [n, 1];
  const aRow = 4 * (p.transposeA ? 1 : k);
  const aK = 4 * (p.transposeA ? m : 1);
  const m4 = m - (m % 4);
  for (let k0 = 0; k0 < k; k0 += K_BLOCK) {
    const kb = Math.min(K_BLOCK, k - k0);
    // block k0 is packed at packed + k0·N: panels of kb × 8
    const panels = p.packed + k0 * n;
    if (!p.bPacked) packPanels(heap, p.b + k0 * bK, bK, bN, kb, n, panels);
    const a = 4 * p.a + k0 * aK;
    const [g4, g1] = k0 === 0 ? [g.gemm4, g.gemm1] : [g.gemm4acc, g.gemm1acc];
    if (m4 > 0) g4(a, 4 * panels, 4 * p.c, m4, n, kb, aRow, aK);
    if (m4 < m) g1(a + m4 * aRow, 4 * panels, 4 * (p.c + m4 * n), m - m4, n, kb, aRow, aK);
  }
}
