/**
 * A float32 matrix-product kernel of our own for the wasm backend, emitted as WebAssembly bytes and run on
 * tfjs-backend-wasm's own memory (bench/RESULTS.md, "A product kernel of our own with relaxed SIMD"). The same
 * module carries our other SIMD kernels (GELU, AdamW, column sums, LayerNorm, sums of squares: wasmGelu.ts,
 * wasmAdamW.ts, wasmColumnSum.ts, wasmLayerNorm.ts, wasmSquaredNorm.ts), so the threads of heapPool.ts instantiate
 * one module.
 *
 * Why: XNNPACK's wasm SIMD products reach 27–31 GFLOP/s on one thread here, and the training step loses more
 * to the transposes our matmul kernel materialises, to XNNPACK packing every new right operand and to the
 * per-batch copies of attention. With relaxed SIMD's `f32x4.relaxed_madd` (an FMA where the CPU has one) this
 * kernel runs at 45–49 GFLOP/s, near what 4-lane FMA allows at this clock; without it, `f32x4.mul` +
 * `f32x4.add` (about XNNPACK's speed).
 *
 * The micro-kernel keeps an R-row × 8-column tile of C in 2R v128 accumulators (R = 4, and 1 for the rows
 * left). B is packed into 8-column panels of K × 8 once per product (transposed or not, the same cost), or per
 * slice, or read in place (`bLayout`); a transposed A is copied into panels of 8 rows per K block (`packsA`).
 * K runs in blocks of 256 and N in blocks of 256 so that the operands of a pass stay in cache. C's elements are
 * each one sum in k order, whatever the blocking or the thread that computes them: deterministic on one
 * machine (relaxed `madd` may round once or twice depending on the CPU).
 */
import { I32, name, section, uleb, V128, vec } from '../wasmBytes';
import { ADAMW_TYPE, adamwBody } from './wasmAdamW';
import { COLSUM_PRODUCT_TYPE, COLSUM_TYPE, columnSumBody } from './wasmColumnSum';
import { geluBody, geluGradBody } from './wasmGelu';
import { LAYER_NORM_GRAD_TYPE, LAYER_NORM_TYPE, layerNormBody, layerNormGradBody } from './wasmLayerNorm';
import { doWhile, get, i32, set } from './wasmSimd';
import { SUMSQ_TYPE, sumSquaresBody } from './wasmSquaredNorm';

const op = {
  add: [0x6a],
  mul: [0x6c],
  end: [0x0b],
  f32Load: [0x2a, 0x02, 0x00],
  v128Load: (offset: number) => [0xfd, 0x00, 0x04, ...uleb(offset)],
  v128Store: (offset: number) => [0xfd, 0x0b, 0x04, ...uleb(offset)],
  v128Zero: [0xfd, 0x0c, ...new Array<number>(16).fill(0)],
  splat: [0xfd, 0x13],
  f32x4Add: [0xfd, ...uleb(228)],
  f32x4Mul: [0xfd, ...uleb(230)],
  relaxedMadd: [0xfd, ...uleb(261)],
};

/** Parameters of every tile function (all i32). */
const GEMM_PARAMS = 12;

/** What a tile's accumulators start from: zero (C = A·B), C (C += A·B) or a bias row (C = bias + A·B). */
type TileStart = 'zero' | 'accumulate' | 'bias';

/**
 * The body of gemm{rows}(a, b, c, M, N, K, aRowStride, aKStride, bRowStride, bPanelScale, cRowStride, bias): C = A·B,
 * C += A·B (`accumulate`) or C = bias + A·B (`bias`: row j of every tile starts from bias's floats j..j+7; the
 * other variants ignore the pointer). B's 8 floats (k, j..j+7) are at b + j·bPanelScale + k·bRowStride: packed
 * panels of K × 8 have (32, 4K), a row-major [K, N] read in place (4N, 4). C's element (i, j) is at
 * c + i·cRowStride + 4j, so a call may fill a block of C's columns.
 */
function gemmBody(rows: number, fused: boolean, start: TileStart): number[] {
  const [A, B, C, M, N, K, AROW, AK, BROW, BCOL, CROW, BIAS] = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11];
  const [I, J, KK, PB, PC] = [12, 13, 14, 15, 16];
  const PA = (r: number) => 17 + r;
  const v0 = 17 + rows;
  const ACC = (r: number, h: number) => v0 + 2 * r + h;
  const [B0, B1, AV] = [v0 + 2 * rows, v0 + 2 * rows + 1, v0 + 2 * rows + 2];
  const fma = (acc: number, b: number) => (fused ? [...get(AV), ...get(b), ...get(acc), ...op.relaxedMadd, ...set(acc)] : [...get(acc), ...get(AV), ...get(b), ...op.f32x4Mul, ...op.f32x4Add, ...set(acc)]);
  const bump = (local: number, by: number[]) => [...get(local), ...by, ...op.add, ...set(local)];
  const kBody = [
    ...get(PB),
    ...op.v128Load(0),
    ...set(B0),
    ...get(PB),
    ...op.v128Load(16),
    ...set(B1),
    ...Array.from({ length: rows }, (_, r) => [...get(PA(r)), ...op.f32Load, ...op.splat, ...set(AV), ...fma(ACC(r, 0), B0), ...fma(ACC(r, 1), B1), ...bump(PA(r), get(AK))]).flat(),
    ...bump(PB, get(BROW)),
  ];
  // pc = c + i·cRowStride + j·4
  const pcStart = [...get(C), ...get(I), ...get(CROW), ...op.mul, ...op.add, ...get(J), ...i32(4), ...op.mul, ...op.add, ...set(PC)];
  const nextRow = bump(PC, get(CROW));
  // bias + 4j, into the pointer local PB (set again below)
  const biasAt = [...get(BIAS), ...get(J), ...i32(4), ...op.mul, ...op.add, ...set(PB)];
  const initAcc = {
    accumulate: [...pcStart, ...Array.from({ length: rows }, (_, r) => [...get(PC), ...op.v128Load(0), ...set(ACC(r, 0)), ...get(PC), ...op.v128Load(16), ...set(ACC(r, 1)), ...nextRow]).flat()],
    zero: Array.from({ length: 2 * rows }, (_, x) => [...op.v128Zero, ...set(v0 + x)]).flat(),
    bias: [...biasAt, ...Array.from({ length: rows }, (_, r) => [...get(PB), ...op.v128Load(0), ...set(ACC(r, 0)), ...get(PB), ...op.v128Load(16), ...set(ACC(r, 1))]).flat()],
  }[start];
  const jBody = [
    ...initAcc,
    // pa[0] = a + i·aRowStride, pa[r] = pa[r-1] + aRowStride
    ...get(A),
    ...get(I),
    ...get(AROW),
    ...op.mul,
    ...op.add,
    ...set(PA(0)),
    ...Array.from({ length: rows - 1 }, (_, r) => [...get(PA(r)), ...get(AROW), ...op.add, ...set(PA(r + 1))]).flat(),
    // pb = b + j·bPanelScale
    ...get(B),
    ...get(J),
    ...get(BCOL),
    ...op.mul,
    ...op.add,
    ...set(PB),
    ...i32(0),
    ...set(KK),
    ...doWhile(KK, i32(1), K, kBody),
    ...pcStart,
    ...Array.from({ length: rows }, (_, r) => [...get(PC), ...get(ACC(r, 0)), ...op.v128Store(0), ...get(PC), ...get(ACC(r, 1)), ...op.v128Store(16), ...nextRow]).flat(),
  ];
  const body = [...i32(0), ...set(I), ...doWhile(I, i32(rows), M, [...i32(0), ...set(J), ...doWhile(J, i32(8), N, jBody)]), ...op.end];
  const locals = vec([
    [...uleb(5 + rows), I32],
    [...uleb(2 * rows + 3), V128],
  ]);
  const code = [...locals, ...body];
  return [...uleb(code.length), ...code];
}

/**
 * The body of pack(src, dst, kStride, nStride, K, N), byte offsets and strides: B's element (k, n) at
 * src + k·kStride + n·nStride into N/8 panels of K × 8 floats at dst, panel after panel.
 */
function packBody(): number[] {
  const [SRC, DST, KS, NS, K, N] = [0, 1, 2, 3, 4, 5];
  const [P, KK, S, T] = [6, 7, 8, 9];
  const bump = (local: number, by: number[]) => [...get(local), ...by, ...op.add, ...set(local)];
  const f32Store = (offset: number) => [0x38, 0x02, ...uleb(offset)];
  const kBody = [...get(S), ...set(T), ...Array.from({ length: 8 }, (_, x) => [...get(DST), ...get(T), ...op.f32Load, ...f32Store(4 * x), ...bump(T, get(NS))]).flat(), ...bump(DST, i32(32)), ...bump(S, get(KS))];
  // s = src + p·nStride
  const panel = [...get(SRC), ...get(P), ...get(NS), ...op.mul, ...op.add, ...set(S), ...i32(0), ...set(KK), ...doWhile(KK, i32(1), K, kBody)];
  const body = [...i32(0), ...set(P), ...doWhile(P, i32(8), N, panel), ...op.end];
  const code = [...vec([[...uleb(4), I32]]), ...body];
  return [...uleb(code.length), ...code];
}

/**
 * A module importing `env.memory` and exporting `gemm{R}` (C = A·B), `gemm{R}acc` (C += A·B) and `gemm{R}bias`
 * (C = bias + A·B) for each tile height R.
 * @param fused relaxed SIMD's `f32x4.relaxed_madd` instead of `f32x4.mul` + `f32x4.add`
 * @param shared import a shared memory (tfjs's threaded build, whose heap is a SharedArrayBuffer)
 */
export function gemmModuleBytes(fused: boolean, tileRows: readonly number[] = [4, 1], shared = false): Uint8Array<ArrayBuffer> {
  const fns = tileRows.flatMap((rows) => [
    { name: `gemm${rows}`, rows, start: 'zero' as const },
    { name: `gemm${rows}acc`, rows, start: 'accumulate' as const },
    { name: `gemm${rows}bias`, rows, start: 'bias' as const },
  ]);
  // limits: flag 0 = a minimum only; 3 = shared, with a maximum (shared memories must declare one: 65536 pages,
  // wasm32's 4 GiB, admits any heap)
  const limits = shared ? [0x03, ...uleb(1), ...uleb(65536)] : [0x00, ...uleb(1)];
  // the tile functions (type 0), then pack (type 1), GELU's two passes (types 2, 3; wasmGelu.ts), AdamW's step (type 4;
  // wasmAdamW.ts), the column sum (type 5; wasmColumnSum.ts), LayerNorm's two passes (types 6, 7; wasmLayerNorm.ts),
  // the sum of squares (type 8; wasmSquaredNorm.ts) and the column sum of products (type 9; wasmColumnSum.ts)
  const others = [
    { name: 'pack', type: 1, body: packBody() },
    { name: 'gelu', type: 2, body: geluBody() },
    { name: 'geluGrad', type: 3, body: geluGradBody() },
    { name: 'adamw', type: 4, body: adamwBody() },
    { name: 'colsum', type: 5, body: columnSumBody() },
    { name: 'layerNorm', type: 6, body: layerNormBody() },
    { name: 'layerNormGrad', type: 7, body: layerNormGradBody() },
    { name: 'sumsq', type: 8, body: sumSquaresBody() },
    { name: 'colsumProduct', type: 9, body: columnSumBody(true) },
  ];
  const i32s = (count: number) => [0x60, ...vec(new Array(count).fill([I32])), 0x00];
  const bytes = [
    ...[0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00],
    ...section(1, vec([i32s(GEMM_PARAMS), i32s(6), i32s(4), i32s(5), ADAMW_TYPE, COLSUM_TYPE, LAYER_NORM_TYPE, LAYER_NORM_GRAD_TYPE, SUMSQ_TYPE, COLSUM_PRODUCT_TYPE])),
    ...section(2, vec([[...name('env'), ...name('memory'), 0x02, ...limits]])),
    ...section(3, vec([...fns.map(() => [0x00]), ...others.map((o) => [o.type])])),
    ...section(7, vec([...fns, ...others].map((f, i) => [...name(f.name), 0x00, ...uleb(i)]))),
    ...section(10, vec([...fns.map((f) => gemmBody(f.rows, fused, f.start)), ...others.map((o) => o.body)])),
  ];
  return Uint8Array.from(bytes);
}

/** gemm{R}(a, b, c, M, N, K, aRowStride, aKStride, bRowStride, bPanelScale, cRowStride, bias), all byte offsets and strides */
export type GemmFunction = (a: number, b: number, c: number, m: number, n: number, k: number, aRowStride: number, aKStride: number, bRowStride: number, bPanelScale: number, cRowStride: number, bias: number) => void;
/** pack(src, dst, kStride, nStride, K, N), byte offsets and strides */
export type PackFunction = (src: number, dst: number, kStride: number, nStride: number, k: number, n: number) => void;

/** Whether this runtime has relaxed SIMD (Chromium does; Node 20 only with --experimental-wasm-relaxed-simd). */
export function hasRelaxedSimd(): boolean {
  return WebAssembly.validate(gemmModuleBytes(true, [4]));
}

/** The tile functions of one instance. */
export interface GemmFunctions {
  gemm4: GemmFunction;
  gemm1: GemmFunction;
  gemm4acc: GemmFunction;
  gemm1acc: GemmFunction;
  gemm4bias: GemmFunction;
  gemm1bias: GemmFunction;
  pack: PackFunction;
  /** gelu(x, y, cdf, n): wasmGelu.ts */
  gelu: (x: number, y: number, cdf: number, n: number) => void;
  /** geluGrad(x, cdf, dy, dx, n): wasmGelu.ts */
  geluGrad: (x: number, cdf: number, dy: number, dx: number, n: number) => void;
  /** adamw(theta, g, m, v, thetaOut, mOut, vOut, n, ...8 scalars): wasmAdamW.ts */
  adamw: (...args: number[]) => void;
  /** colsum(x, out, m, rowBytes, cols): wasmColumnSum.ts */
  colsum: (x: number, out: number, m: number, rowBytes: number, cols: number) => void;
  /** layerNorm(x, gamma, beta, y, xhat, rstd, rows, H, eps): wasmLayerNorm.ts */
  layerNorm: (x: number, gamma: number, beta: number, y: number, xhat: number, rstd: number, rows: number, h: number, eps: number) => void;
  /** layerNormGrad(dy, xhat, rstd, gamma, dx, rows, H): wasmLayerNorm.ts */
  layerNormGrad: (dy: number, xhat: number, rstd: number, gamma: number, dx: number, rows: number, h: number) => void;
  /** sumsq(x, n) → Σx² in float64: wasmSquaredNorm.ts */
  sumsq: (x: number, n: number) => number;
  /** colsumProduct(x, y, out, m, rowBytes, cols): wasmColumnSum.ts */
  colsumProduct: (x: number, y: number, out: number, m: number, rowBytes: number, cols: number) => void;
}

export interface WasmGemm extends GemmFunctions {
  /** relaxed SIMD's FMA, or multiply and add */
  fused: boolean;
  /** the compiled module, for other threads to instantiate on the same (shared) memory */
  module: WebAssembly.Module;
}

/** Whether `memory` is a shared one (tfjs's threaded build). */
export const isSharedMemory = (memory: WebAssembly.Memory) => typeof SharedArrayBuffer !== 'undefined' && memory.buffer instanceof SharedArrayBuffer;

/** Instantiates the kernel on `memory` (tfjs-backend-wasm's, so it reads and writes tensors in place). */
export function createWasmGemm(memory: WebAssembly.Memory, fused = hasRelaxedSimd()): WasmGemm {
  const module = new WebAssembly.Module(gemmModuleBytes(fused, [4, 1], isSharedMemory(memory)));
  const instance = new WebAssembly.Instance(module, { env: { memory } });
  return { fused, module, ...(instance.exports as unknown as GemmFunctions) };
}

/**
 * B into N/8 panels of K × 8 at `to` (float index), from `from` with element (k, n) at from + k·kStride + n·nStride
 * (float strides: a row-major [K, N] is (N, 1), a transposed one stored [N, K] is (1, K)). The same layout as the
 * module's `pack`, in JS (the bench's probe uses it).
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
 * One (batched) product C[i] = op(A[i])·op(B[i]) on the heap, float offsets. N must be divisible by 8. B has
 * `batches` slices or one shared by all (`bShared`). `packed` is scratch for B's panels, `packedFloats` long.
 */
export interface GemmProduct {
  a: number;
  b: number;
  c: number;
  packed: number;
  m: number;
  n: number;
  k: number;
  transposeA: boolean;
  transposeB: boolean;
  /** slices of A and C (default 1), each stored contiguously */
  batches?: number;
  /** one B for every slice of A */
  bShared?: boolean;
  /** float offset of N floats added to every row of C (C = bias + op(A)·op(B)); none when absent */
  bias?: number;
}

/** A product's shape and layout, without its heap offsets: what the scratch it needs depends on. */
export type GemmShape = Omit<GemmProduct, 'a' | 'b' | 'c' | 'packed' | 'bias'>;

/** How the tiles read B. */
export const B_IN_PLACE = 0;
export const B_PACKED = 1;
export const B_PACKED_PER_SLICE = 2;

/**
 * B read in place when it is row-major and C has few rows: batched (attention's p·v: small slices, nothing to gain
 * from a copy), or one product with M ≤ 256 (the weight gradients dyᵀ·x of narrow layers, whose B is the whole
 * [rows, in] activation: packing it on the calling thread, before the tiles share the work, cost more than the reads
 * it saves; a probe on 2 threads: [4096, 128]ᵀ·[4096, 128] 58.7 → 66–71 GFLOP/s, one thread unchanged, and M = 768
 * slower in place, 80 → 70). Packed once by the caller when every slice shares it or M is larger (dense layers and
 * their input gradients: the panels are reused by every row). Packed slice by slice, by the thread that computes the
 * slice, when it is batched and transposed (attention's q·kᵀ). The layout changes no bit of C.
 */
export function bLayout(p: GemmShape): number {
  if ((p.batches ?? 1) === 1 && !p.transposeB && p.m <= 256) return B_IN_PLACE;
  if (p.bShared || (p.batches ?? 1) === 1) return B_PACKED;
  return p.transposeB ? B_PACKED_PER_SLICE : B_IN_PLACE;
}

/** Floats of packing scratch a product needs when `threads` threads share it. */
export function packedFloats(p: GemmShape, threads: number): number {
  return bFloats(p, threads) + aFloats(p, threads);
}

function bFloats(p: GemmShape, threads: number): number {
  const layout = bLayout(p);
  return layout === B_IN_PLACE ? 0 : layout === B_PACKED ? p.k * p.n : threads * p.k * p.n;
}

/**
 * A stored transposed ([K, M], the weight gradients' dyᵀ·x) is read one float from each of K rows M·4 bytes
 * apart, a new page for every k when M is large: 30–33 GFLOP/s against 43 for a row-major A. Each share
 * copies its rows of every K block into panels of 8 rows (the module's `pack`) and reads those instead.
 */
const packsA = (p: GemmShape) => p.transposeA && p.m >= 8;

/** rows a share may hold (runShare numbers 4-row groups over every slice and splits them evenly) */
const shareRows = (m: number, batches: number, threads: number) => Math.min(m, 4 * Math.ceil((batches * Math.ceil(m / 4)) / threads));

function aFloats(p: GemmShape, threads: number): number {
  return packsA(p) ? threads * K_BLOCK * shareRows(p.m, p.batches ?? 1, threads) : 0;
}

/**
 * Where a product's parameters sit in the control block the threads share (gemmPool.ts); the first
 * PARAMS slots are the pool's own. Byte offsets above 2³¹ wrap in the Int32Array and are read back with `>>> 0`.
 */
export const PARAMS = 4;
export const PARAM_SLOTS = 20;

/**
 * Rows of K per pass: a pass's packed B (K_BLOCK × N floats) and A's rows stay in cache, where a whole K of
 * 4096 (a weight gradient's) would stream both from memory for every tile. C carries the sum between passes
 * in float32, exactly as the accumulators would, so the blocking does not change a bit.
 */
export const K_BLOCK = 256;

/**
 * Prepares a product for `runShare` on `threads` shares (`packed` must hold packedFloats(p, threads) floats): packs
 * B where every slice shares it (`B_PACKED`, on this thread, before any tile runs; block k0 at packed + k0·N,
 * panels of kb × 8) and writes the parameters into `control` at PARAMS.
 */
export function prepareProduct(g: GemmFunctions, control: Int32Array, p: GemmProduct, threads = 1): void {
  const { m, n, k } = p;
  if (p.bias === 0) throw new RangeError('prepareProduct: a bias at heap offset 0 (which reads as none)');
  const [bKs, bNs] = p.transposeB ? [4, 4 * k] : [4 * n, 4];
  const layout = bLayout(p);
  if (layout === B_PACKED) {
    for (let k0 = 0; k0 < k; k0 += K_BLOCK) g.pack(4 * p.b + k0 * bKs, 4 * (p.packed + k0 * n), bKs, bNs, Math.min(K_BLOCK, k - k0), n);
  }
  const aRow = 4 * (p.transposeA ? 1 : k);
  const aK = 4 * (p.transposeA ? m : 1);
  // B's scratch first, then A's (packedFloats(p, threads) in all)
  const aScratch = p.packed + bFloats(p, threads);
  const params = [p.batches ?? 1, m, n, k, 4 * p.a, 4 * m * k, 4 * p.b, p.bShared ? 0 : 4 * k * n, 4 * p.c, 4 * m * n, aRow, aK, K_BLOCK, layout, 4 * p.packed, bKs, bNs, packsA(p) ? 1 : 0, 4 * aScratch, p.bias === undefined ? 0 : 4 * p.bias];
  for (let i = 0; i < PARAM_SLOTS; i++) control[PARAMS + i] = params[i]! | 0;
}

/**
 * Runs share `index` of `count` of the product in `control` (written by `prepareProduct`): the slices' 4-row
 * groups are numbered in order and each share takes a contiguous run of them. Every element of C is computed
 * by the same instructions in the same order whichever share holds its row, so the thread count changes no bit.
 *
 * Self-contained (no closure, no nested function): gemmPool.ts sends its source text to the worker threads.
 */
export function runShare(fns: GemmFunctions, control: Int32Array, index: number, count: number): void {
  const at = 4; // PARAMS
  const batches = control[at]! >>> 0;
  const m = control[at + 1]! >>> 0;
  const n = control[at + 2]! >>> 0;
  const k = control[at + 3]! >>> 0;
  const a = control[at + 4]! >>> 0;
  const aBatch = control[at + 5]! >>> 0;
  const b = control[at + 6]! >>> 0;
  const bBatch = control[at + 7]! >>> 0;
  const c = control[at + 8]! >>> 0;
  const cBatch = control[at + 9]! >>> 0;
  const aRow = control[at + 10]! >>> 0;
  const aK = control[at + 11]! >>> 0;
  const kBlock = control[at + 12]! >>> 0;
  const layout = control[at + 13]! >>> 0;
  // B_PACKED: the caller's panels; B_PACKED_PER_SLICE: this share's own scratch
  const packed = (control[at + 14]! >>> 0) + (layout === 2 ? index * k * n * 4 : 0);
  const bKs = control[at + 15]! >>> 0;
  const bNs = control[at + 16]! >>> 0;
  const groups = Math.ceil(m / 4);
  const total = batches * groups;
  // A packed into panels of 8 rows (wasmGemm.ts, packsA), in this share's own part of the scratch
  const maxRows = Math.min(m, 4 * Math.ceil(total / count));
  const aScratch = control[at + 17] === 0 ? 0 : (control[at + 18]! >>> 0) + index * kBlock * maxRows * 4;
  // the bias row the first K block's tiles start from (0: none; offset 0 is never a tensor's)
  const bias = control[at + 19]! >>> 0;
  const last = Math.floor((total * (index + 1)) / count);
  let g = Math.floor((total * index) / count);
  while (g < last) {
    const slice = Math.floor(g / groups);
    const end = Math.min(last, (slice + 1) * groups);
    const r0 = (g - slice * groups) * 4;
    const rows = Math.min(m, (end - slice * groups) * 4) - r0;
    if (layout === 2) {
      for (let k0 = 0; k0 < k; k0 += kBlock) fns.pack(b + slice * bBatch + k0 * bKs, packed + k0 * n * 4, bKs, bNs, Math.min(kBlock, k - k0), n);
    }
    // rows [0, rows8) from A's panels, the rest (and everything when A is not packed) from A in place
    const rows8 = aScratch === 0 ? 0 : rows - (rows % 8);
    const rest4 = rows8 + (rows - rows8) - ((rows - rows8) % 4);
    for (let k0 = 0; k0 < k; k0 += kBlock) {
      const kb = Math.min(kBlock, k - k0);
      const pa = a + slice * aBatch + r0 * aRow + k0 * aK;
      if (rows8 > 0) fns.pack(pa, aScratch, aK, aRow, kb, rows8);
      const bRow = layout === 0 ? n * 4 : 32;
      const bPanel = layout === 0 ? 4 : kb * 4;
      const gemm4 = k0 !== 0 ? fns.gemm4acc : bias !== 0 ? fns.gemm4bias : fns.gemm4;
      const gemm1 = k0 !== 0 ? fns.gemm1acc : bias !== 0 ? fns.gemm1bias : fns.gemm1;
      // columns in blocks of 256, so that a block's panels (kb × 256 floats, 256 KB) stay in cache for every row
      for (let n0 = 0; n0 < n; n0 += 256) {
        const nb = Math.min(256, n - n0);
        const pc = c + slice * cBatch + r0 * n * 4 + n0 * 4;
        // in place: row k0 of a row-major [K, N] slice; packed: block k0's panels of kb × 8
        const pb = (layout === 0 ? b + slice * bBatch + k0 * n * 4 : packed + k0 * n * 4) + (n0 / 8) * bPanel * 8;
        // a panel of 8 rows holds (row q + x, k) at (q/8)·kb·32 + k·32 + 4x
        const pBias = bias + n0 * 4;
        for (let q = 0; q < rows8; q += 4) gemm4(aScratch + (q >> 3) * kb * 32 + (q & 4) * 4, pb, pc + q * n * 4, 4, nb, kb, 4, 32, bRow, bPanel, n * 4, pBias);
        if (rest4 > rows8) gemm4(pa + rows8 * aRow, pb, pc + rows8 * n * 4, rest4 - rows8, nb, kb, aRow, aK, bRow, bPanel, n * 4, pBias);
        if (rows > rest4) gemm1(pa + rest4 * aRow, pb, pc + rest4 * n * 4, rows - rest4, nb, kb, aRow, aK, bRow, bPanel, n * 4, pBias);
      }
    }
    g = end;
  }
}

/** C = op(A)·op(B) on this thread alone (`packed` must hold `packedFloats(p, 1)` floats). */
export function runGemm(g: GemmFunctions, p: GemmProduct): void {
  const control = new Int32Array(PARAMS + PARAM_SLOTS);
  prepareProduct(g, control, p);
  runShare(g, control, 0, 1);
}
