/**
 * Elementwise and row kernels that run straight on tfjs-backend-wasm's heap, on one thread or shared
 * among the heap pool's threads (heapPool.ts) when the heap is shared (the threaded build). Each task
 * reads its parameters from the control block at PARAMS (float offsets into the heap and counts) and does
 * share `index` of `count`; shares never overlap, and every output element is computed by the same
 * arithmetic whichever share holds it, so the thread count changes no bit.
 *
 * GELU, AdamW and the column sums run the kernel module's SIMD functions (wasmGelu.ts, wasmAdamW.ts,
 * wasmColumnSum.ts) on whole groups of 4 elements (16 columns), and the few elements past the last group here
 * in JS; the row gather copies rows.
 *
 * Every task is self-contained (no closure, no nested function): the pool sends the source text to its
 * workers. Task ids index HEAP_TASKS; 0 is the product (wasmGemm.ts's `runShare`), run with the kernel's
 * instance instead.
 */
import { type GemmFunctions as KernelFunctions, PARAMS } from './wasmGemm';

/**
 * GELU forward, y = x·Φ(x), Φ(x) = ½(1 + erf(x/√2)); saves Φ(x) for the backward pass. The module's SIMD `gelu`
 * (wasmGelu.ts) takes whole groups of 4 elements; the last n mod 4 go through the same formulas here in float64
 * (erf: Abramowitz & Stegun 7.1.26), always on the last share, so the thread count changes no bit.
 * Params: x, y, cdf (float offsets), n.
 */
export function geluForwardTask(fns: KernelFunctions | null, buffer: ArrayBufferLike, control: Int32Array, index: number, count: number): void {
  const at = 4; // PARAMS
  const x = control[at]!;
  const y = control[at + 1]!;
  const cdf = control[at + 2]!;
  const n = control[at + 3]!;
  const groups = Math.floor(n / 4);
  const first = 4 * Math.floor((groups * index) / count);
  const last = 4 * Math.floor((groups * (index + 1)) / count);
  if (last > first) fns!.gelu(4 * (x + first), 4 * (y + first), 4 * (cdf + first), last - first);
  if (index !== count - 1) return;
  const f = new Float32Array(buffer);
  for (let i = 4 * groups; i < n; i++) {
    const v = f[x + i]!;
    const z = Math.abs(v) * Math.SQRT1_2;
    const t = 1 / (1 + 0.3275911 * z);
    const e = 1 - ((((1.061405429 * t - 1.453152027) * t + 1.421413741) * t - 0.284496736) * t + 0.254829592) * t * Math.exp(-z * z);
    const c = 0.5 * (1 + (v < 0 ? -e : e));
    f[cdf + i] = c;
    f[y + i] = v * c;
  }
}

/**
 * GELU backward, dx = dy·(Φ(x) + x·φ(x)), φ(x) = exp(−x²/2)/√(2π), with Φ(x) saved by the forward pass; SIMD
 * `geluGrad` for groups of 4, the last n mod 4 here. Params: x, cdf, dy, dx (float offsets), n.
 */
export function geluBackwardTask(fns: KernelFunctions | null, buffer: ArrayBufferLike, control: Int32Array, index: number, count: number): void {
  const at = 4; // PARAMS
  const x = control[at]!;
  const cdf = control[at + 1]!;
  const dy = control[at + 2]!;
  const dx = control[at + 3]!;
  const n = control[at + 4]!;
  const groups = Math.floor(n / 4);
  const first = 4 * Math.floor((groups * index) / count);
  const last = 4 * Math.floor((groups * (index + 1)) / count);
  if (last > first) fns!.geluGrad(4 * (x + first), 4 * (cdf + first), 4 * (dy + first), 4 * (dx + first), last - first);
  if (index !== count - 1) return;
  const f = new Float32Array(buffer);
  for (let i = 4 * groups; i < n; i++) {
    const v = f[x + i]!;
    f[dx + i] = f[dy + i]! * (f[cdf + i]! + v * 0.3989422804014327 * Math.exp(-0.5 * v * v));
  }
}

/**
 * Sum of x viewed as [M, R] over its M rows, or with y (same shape) of x·y, each product rounded to float32 first:
 * column j of every row added in row order into a float64 accumulator, rounded once. Shares split the columns, in
 * blocks of 16 for the module's SIMD `colsum` / `colsumProduct` (wasmColumnSum.ts, the same arithmetic); columns past
 * the last block of 16, and every column where the module did not compile, are summed here. Params: x, out (float
 * offsets), M, R, y (float offset; 0 for none).
 */
export function leadingSumTask(fns: KernelFunctions | null, buffer: ArrayBufferLike, control: Int32Array, index: number, count: number): void {
  const at = 4; // PARAMS
  const x = control[at]!;
  const out = control[at + 1]!;
  const m = control[at + 2]!;
  const r = control[at + 3]!;
  const y = control[at + 4]!;
  const blocks = fns ? Math.floor(r / 16) : 0;
  const first = 16 * Math.floor((blocks * index) / count);
  const last = 16 * Math.floor((blocks * (index + 1)) / count);
  if (last > first && y === 0) fns!.colsum(4 * (x + first), 4 * (out + first), m, 4 * r, last - first);
  if (last > first && y !== 0) fns!.colsumProduct(4 * (x + first), 4 * (y + first), 4 * (out + first), m, 4 * r, last - first);
  if (index !== count - 1) return;
  const f = new Float32Array(buffer);
  const rest = 16 * blocks;
  const acc = new Float64Array(r - rest);
  for (let i = 0; i < m; i++) {
    const row = i * r + rest;
    for (let j = 0; j < acc.length; j++) acc[j]! += y === 0 ? f[x + row + j]! : Math.fround(f[x + row + j]! * f[y + row + j]!);
  }
  for (let j = 0; j < acc.length; j++) f[out + rest + j] = acc[j]!;
}

/**
 * Rows of a [V, W] table by int32 ids (checked by the caller to lie in [0, V)). Shares split the ids.
 * Params: table, ids (int32 offset), out (float offsets), number of ids, W.
 */
export function gatherRowsTask(_fns: KernelFunctions | null, buffer: ArrayBufferLike, control: Int32Array, index: number, count: number): void {
  const at = 4; // PARAMS
  const f = new Float32Array(buffer);
  const ids = new Int32Array(buffer);
  const table = control[at]!;
  const idsAt = control[at + 1]!;
  const out = control[at + 2]!;
  const n = control[at + 3]!;
  const w = control[at + 4]!;
  const last = Math.floor((n * (index + 1)) / count);
  for (let i = Math.floor((n * index) / count); i < last; i++) {
    const from = table + ids[idsAt + i]! * w;
    f.copyWithin(out + i * w, from, from + w);
  }
}

/**
 * One AdamW step for one variable (wasmAdamW.ts): the module's SIMD `adamw` for groups of 4, the last n mod 4 here
 * with every operation rounded to float32 as the SIMD lanes round it. Params: θ, g, m, v, θ', m', v' (float
 * offsets), n; then as float32 bits (writeFloatParams): β1, 1 − β1, β2, 1 − β2, √(1 − β2ᵗ), ε, decay factor, step size.
 */
export function adamwTask(fns: KernelFunctions | null, buffer: ArrayBufferLike, control: Int32Array, index: number, count: number): void {
  const at = 4; // PARAMS
  const theta = control[at]!;
  const g = control[at + 1]!;
  const m = control[at + 2]!;
  const v = control[at + 3]!;
  const thetaOut = control[at + 4]!;
  const mOut = control[at + 5]!;
  const vOut = control[at + 6]!;
  const n = control[at + 7]!;
  const s = new Float32Array(control.buffer, control.byteOffset + 4 * (at + 8), 8);
  const groups = Math.floor(n / 4);
  const first = 4 * Math.floor((groups * index) / count);
  const last = 4 * Math.floor((groups * (index + 1)) / count);
  if (last > first) fns!.adamw(4 * (theta + first), 4 * (g + first), 4 * (m + first), 4 * (v + first), 4 * (thetaOut + first), 4 * (mOut + first), 4 * (vOut + first), last - first, s[0]!, s[1]!, s[2]!, s[3]!, s[4]!, s[5]!, s[6]!, s[7]!);
  if (index !== count - 1) return;
  const f = new Float32Array(buffer);
  const r = Math.fround;
  for (let i = 4 * groups; i < n; i++) {
    const gi = f[g + i]!;
    const m2 = r(r(f[m + i]! * s[0]!) + r(gi * s[1]!));
    const v2 = r(r(f[v + i]! * s[2]!) + r(r(gi * gi) * s[3]!));
    f[mOut + i] = m2;
    f[vOut + i] = v2;
    f[thetaOut + i] = r(f[theta + i]! * s[6]!) - r(r(m2 / r(r(r(Math.sqrt(v2)) / s[4]!) + s[5]!)) * s[7]!);
  }
}

/**
 * LayerNorm forward over rows of H (wasmLayerNorm.ts's `layerNorm`, H a multiple of 4, checked by the caller): y, and
 * x̂ and 1/σ saved for the backward pass. Shares split the rows. Params: x, γ, β, y, x̂, rstd (float offsets), rows, H;
 * then ε as float32 bits (writeFloatParams).
 */
export function layerNormForwardTask(fns: KernelFunctions | null, _buffer: ArrayBufferLike, control: Int32Array, index: number, count: number): void {
  const at = 4; // PARAMS
  const rows = control[at + 6]!;
  const h = control[at + 7]!;
  const eps = new Float32Array(control.buffer, control.byteOffset + 4 * (at + 8), 1)[0]!;
  const first = Math.floor((rows * index) / count);
  const last = Math.floor((rows * (index + 1)) / count);
  if (last === first) return;
  const skip = first * h;
  fns!.layerNorm(4 * (control[at]! + skip), 4 * control[at + 1]!, 4 * control[at + 2]!, 4 * (control[at + 3]! + skip), 4 * (control[at + 4]! + skip), 4 * (control[at + 5]! + first), last - first, h, eps);
}

/**
 * LayerNorm backward to its input (wasmLayerNorm.ts's `layerNormGrad`); shares split the rows. Params: dy, x̂, rstd,
 * γ, dx (float offsets), rows, H.
 */
export function layerNormBackwardTask(fns: KernelFunctions | null, _buffer: ArrayBufferLike, control: Int32Array, index: number, count: number): void {
  const at = 4; // PARAMS
  const rows = control[at + 5]!;
  const h = control[at + 6]!;
  const first = Math.floor((rows * index) / count);
  const last = Math.floor((rows * (index + 1)) / count);
  if (last === first) return;
  const skip = first * h;
  fns!.layerNormGrad(4 * (control[at]! + skip), 4 * (control[at + 1]! + skip), 4 * (control[at + 2]! + first), 4 * control[at + 3]!, 4 * (control[at + 4]! + skip), last - first, h);
}

/**
 * Σx² of n floats, in float64, as partial sums of runs of SQUARED_NORM_RUN elements (the module's SIMD `sumsq` for
 * whole groups of 4, the run's last n mod 4 here), written to a float64 array for the caller to add in run order:
 * the runs, not the shares, fix the order of the additions, so the thread count changes no bit. Shares split the
 * runs. Params: x (float offset), n, out (float offset, even: a float64 per run).
 */
export function squaredNormTask(fns: KernelFunctions | null, buffer: ArrayBufferLike, control: Int32Array, index: number, count: number): void {
  const at = 4; // PARAMS
  const run = 16384; // SQUARED_NORM_RUN
  const x = control[at]!;
  const n = control[at + 1]!;
  const runs = Math.ceil(n / run);
  const f = new Float32Array(buffer);
  const out = new Float64Array(buffer, 4 * control[at + 2]!, runs);
  const last = Math.floor((runs * (index + 1)) / count);
  for (let r = Math.floor((runs * index) / count); r < last; r++) {
    const from = x + r * run;
    const length = Math.min(run, n - r * run);
    const whole = length - (length % 4);
    let sum = whole > 0 ? fns!.sumsq(4 * from, whole) : 0;
    for (let i = whole; i < length; i++) sum += f[from + i]! * f[from + i]!;
    out[r] = sum;
  }
}

/** Elements per partial sum of squaredNormTask. */
export const SQUARED_NORM_RUN = 16384;

export type HeapTask = (fns: KernelFunctions | null, buffer: ArrayBufferLike, control: Int32Array, index: number, count: number) => void;

/** The JS tasks by id (id 0 is the product). */
export const HEAP_TASKS: readonly (HeapTask | null)[] = [null, geluForwardTask, geluBackwardTask, leadingSumTask, gatherRowsTask, adamwTask, layerNormForwardTask, layerNormBackwardTask, squaredNormTask];
export const TASK_GEMM = 0;
export const TASK_GELU_FORWARD = 1;
export const TASK_GELU_BACKWARD = 2;
export const TASK_LEADING_SUM = 3;
export const TASK_GATHER_ROWS = 4;
export const TASK_ADAMW = 5;
export const TASK_LAYER_NORM_FORWARD = 6;
export const TASK_LAYER_NORM_BACKWARD = 7;
export const TASK_SQUARED_NORM = 8;

/** Writes a task's integer parameters at PARAMS. Float offsets stay below 2³⁰ (a 4 GiB heap). */
export function writeParams(control: Int32Array, params: readonly number[]): void {
  for (let i = 0; i < params.length; i++) control[PARAMS + i] = params[i]!;
}

/** Writes float32 parameters (their bits) from slot PARAMS + `from`. */
export function writeFloatParams(control: Int32Array, from: number, params: readonly number[]): void {
  new Float32Array(control.buffer, control.byteOffset + 4 * (PARAMS + from), params.length).set(params);
}
