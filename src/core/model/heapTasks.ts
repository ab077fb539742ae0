/**
 * Elementwise and row kernels that run straight on tfjs-backend-wasm's heap, on one thread or shared
 * among the product pool's threads (heapPool.ts) when the heap is shared (the threaded build). Each task
 * reads its parameters from the control block at PARAMS (float offsets into the heap and counts) and does
 * share `index` of `count`; shares never overlap, and every output element is computed by the same
 * arithmetic whichever share holds it, so the thread count changes no bit.
 *
 * GELU runs the kernel module's SIMD passes (wasmGelu.ts); the sum over leading axes and the row gather are
 * memory-bound loops in JS.
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
 * Sum of x viewed as [M, R] over its M rows: column j of every row added in row order into a float64
 * accumulator, rounded once. Shares split the columns. Params: x, out (float offsets), M, R.
 */
export function leadingSumTask(_fns: KernelFunctions | null, buffer: ArrayBufferLike, control: Int32Array, index: number, count: number): void {
  const at = 4; // PARAMS
  const f = new Float32Array(buffer);
  const x = control[at]!;
  const out = control[at + 1]!;
  const m = control[at + 2]!;
  const r = control[at + 3]!;
  const first = Math.floor((r * index) / count);
  const last = Math.floor((r * (index + 1)) / count);
  const acc = new Float64Array(last - first);
  for (let i = 0; i < m; i++) {
    const row = x + i * r + first;
    for (let j = 0; j < acc.length; j++) acc[j]! += f[row + j]!;
  }
  for (let j = 0; j < acc.length; j++) f[out + first + j] = acc[j]!;
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

export type HeapTask = (fns: KernelFunctions | null, buffer: ArrayBufferLike, control: Int32Array, index: number, count: number) => void;

/** The JS tasks by id (id 0 is the product). */
export const HEAP_TASKS: readonly (HeapTask | null)[] = [null, geluForwardTask, geluBackwardTask, leadingSumTask, gatherRowsTask];
export const TASK_GEMM = 0;
export const TASK_GELU_FORWARD = 1;
export const TASK_GELU_BACKWARD = 2;
export const TASK_LEADING_SUM = 3;
export const TASK_GATHER_ROWS = 4;

/** Writes a task's integer parameters at PARAMS. Float offsets stay below 2³⁰ (a 4 GiB heap). */
export function writeParams(control: Int32Array, params: readonly number[]): void {
  for (let i = 0; i < params.length; i++) control[PARAMS + i] = params[i]!;
}
