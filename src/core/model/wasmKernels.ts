/**
 * Faster replacements for tfjs-backend-wasm 4.22 kernels, and kernels of our own, installed by `initBackend` when
 * wasm is chosen (bench/RESULTS.md, "Where the time goes", measured each: on its machine a demo training step
 * goes from 11.1 s to 1.1 s on one thread and 0.8 s on two).
 *
 * - Products on our own kernel (wasmGemm.ts): every float32 product with N divisible by 8, in place on the wasm
 *   heap (a transposed operand through strides or packing, batches without copies), on either build. On the
 *   threaded build (a shared heap) `startWasmHeapPool` shares each large product, and the heap tasks below,
 *   among worker threads (heapPool.ts); the split changes no bit, so 1 and N threads train alike.
 * - Products handed to native code where it is attached (`attachNativeProducts`): `xlir` attaches OpenBLAS
 *   (src/cli/nativeProducts.ts), which computes every float32 product in place on the same heap, any N.
 * - `BatchMatMul`, where our kernel does not apply: the stock kernel sends a product to XNNPACK only when
 *   neither operand is transposed and there is one batch; `transposeA`/`transposeB` or a batch dimension fall
 *   back to a naive loop nest (0.4–1.5 GFLOP/s instead of 10–30). The replacement materialises the transpose
 *   (the wasm `Transpose` kernel, memory-bound and cheap) and runs each batch slice as its own untransposed
 *   product. Results equal the stock kernel's up to float summation order and are deterministic.
 * - `Sum` over leading axes (bias and LayerNorm gradients, every broadcast `add`'s gradient): the stock
 *   kernel transposes the input so the reduced axes come last, then sums. The replacement adds the rows in
 *   place in float64 (SIMD, heapTasks.ts): the same values up to rounding, deterministic.
 * - `Identity`: while gradients are recorded, tfjs-core saves every tensor the backward pass needs through
 *   `Identity`; the stock wasm kernel copies the data, the cpu backend shares it. Sharing is safe because
 *   tensors are immutable and `Variable.assign` swaps the data id (wasm's own `Reshape` shares the same way).
 * - `GatherV2` of whole rows (embedding lookups): rows copied, instead of the stock kernel's element loop.
 * - Our own kernels (fusedKernelNames.ts), one SIMD pass each, used where registered: GELU_KERNEL, GELU_GRAD_KERNEL
 *   (encoderOps.gelu), LAYER_NORM_KERNEL, LAYER_NORM_GRAD_KERNEL (encoderOps.layerNorm), ADAMW_KERNEL
 *   (train/adamw.ts), SQUARED_NORM_KERNEL (train/squaredNorm.ts, gradient clipping) and LINEAR_KERNEL
 *   (encoderOps.linear: the bias in the product's tiles).
 *
 * The tfjs version is pinned exactly (package.json), because these read the backend's heap offsets. Only the
 * public kernel registry is used to install them.
 */
import * as tf from '@tensorflow/tfjs';
import { type HeapPool, type SpawnWorker, startHeapPool } from './heapPool';
import {
  HEAP_TASKS,
  SQUARED_NORM_RUN,
  TASK_ADAMW,
  TASK_GATHER_ROWS,
  TASK_GELU_BACKWARD,
  TASK_GELU_FORWARD,
  TASK_GEMM,
  TASK_LAYER_NORM_BACKWARD,
  TASK_LAYER_NORM_FORWARD,
  TASK_LEADING_SUM,
  TASK_SQUARED_NORM,
  writeFloatParams,
  writeParams,
} from './heapTasks';
import { ADAMW_KERNEL, type AdamWStepAttrs, GELU_GRAD_KERNEL, GELU_KERNEL, LAYER_NORM_GRAD_KERNEL, LAYER_NORM_KERNEL, LINEAR_KERNEL, SQUARED_NORM_KERNEL } from './fusedKernelNames';
import type { NativeProduct, NativeProducts } from './nativeProducts';
import { createWasmGemm, type GemmProduct, type GemmShape, isSharedMemory, PARAM_SLOTS, PARAMS, packedFloats, prepareProduct, runShare, type WasmGemm } from './wasmGemm';

type KernelArgs = Parameters<tf.KernelFunc>[0];

/** Which replacements to install; all by default. The bench turns them off to measure the stock kernels. */
export interface WasmKernelChoice {
  matmul: boolean;
  sharedIdentity: boolean;
  /** `Sum` over leading axes, summed row by row in float64 */
  leadingSum: boolean;
  /** products on our own kernel (wasmGemm.ts) where it applies: float32, N divisible by 8. Needs `matmul`. */
  ownGemm: boolean;
  /** `GatherV2` of whole rows (embedding lookups) copied row by row in JS */
  gather: boolean;
  /** GELU forward and backward as one pass each (fusedKernelNames.ts; encoderOps.gelu uses them where registered) */
  fusedGelu: boolean;
  /** AdamW's update of a variable as one pass (fusedKernelNames.ts; train/adamw.ts uses it where registered) */
  fusedAdamW: boolean;
  /** LayerNorm forward and backward as one pass each over a row (fusedKernelNames.ts; encoderOps.layerNorm) */
  fusedLayerNorm: boolean;
  /** Σg² as one float64 pass (fusedKernelNames.ts; train/squaredNorm.ts, for gradient clipping) */
  fusedSquaredNorm: boolean;
  /** x·Wᵀ + b as one product, the bias in our kernel's tiles (fusedKernelNames.ts; encoderOps.linear uses it where registered) */
  fusedBias: boolean;
}

export const FAST_WASM_KERNELS: WasmKernelChoice = { matmul: true, sharedIdentity: true, leadingSum: true, ownGemm: true, gather: true, fusedGelu: true, fusedAdamW: true, fusedLayerNorm: true, fusedSquaredNorm: true, fusedBias: true };
export const STOCK_WASM_KERNELS: WasmKernelChoice = { matmul: false, sharedIdentity: false, leadingSum: false, ownGemm: false, gather: false, fusedGelu: false, fusedAdamW: false, fusedLayerNorm: false, fusedSquaredNorm: false, fusedBias: false };

/** The parts of tfjs-backend-wasm's BackendWasm the per-batch path uses (memory offsets in the heap). */
interface WasmInternals {
  makeOutput(shape: number[], dtype: 'float32'): tf.TensorInfo;
  dataIdMap: { get(id: object): { memoryOffset: number } | undefined };
  // the single-threaded build exports its memory; the threaded build creates it in JS (a shared one)
  wasm: { HEAPF32: Float32Array; asm?: { memory?: WebAssembly.Memory }; wasmMemory?: WebAssembly.Memory };
}

/** The kernel functions we registered, so that installing twice never wraps our own wrapper. */
const ours = new WeakSet<tf.KernelFunc>();
/** Our BatchMatMul functions that run products on our own kernel. */
const withOwnGemm = new WeakSet<tf.KernelFunc>();
/** One kernel instance per wasm memory (one backend per process in practice); null where it could not start. */
const gemmByMemory = new WeakMap<WebAssembly.Memory, WasmGemm | null>();
/** The threads that share products and heap tasks on a shared memory (startWasmHeapPool). */
const poolByMemory = new WeakMap<WebAssembly.Memory, HeapPool>();
/** Products handed to native code (attachNativeProducts): `xlir`'s OpenBLAS. */
const nativeByMemory = new WeakMap<WebAssembly.Memory, NativeProducts>();

/**
 * Products smaller than this many multiply-adds, and heap tasks over fewer elements than POOL_MIN_ELEMENTS, run
 * on the calling thread alone: waking the workers costs tens of microseconds, as long as the work itself. The
 * split changes no bit, only the time.
 */
const POOL_MIN_MACS = 1 << 19;
const POOL_MIN_ELEMENTS = 1 << 15;

const backendMemory = (backend: tf.KernelBackend) => {
  const wasm = (backend as unknown as WasmInternals).wasm;
  return wasm.asm?.memory ?? wasm.wasmMemory;
};

/** Our kernel on the backend's memory, or null where it cannot start (a runtime that refuses to compile it): the products then stay on XNNPACK. */
function ownGemmOn(backend: tf.KernelBackend): WasmGemm | null {
  const memory = backendMemory(backend);
  if (!memory) return null;
  if (!gemmByMemory.has(memory)) {
    let g: WasmGemm | null = null;
    try {
      g = createWasmGemm(memory);
    } catch {
      // e.g. a content security policy without 'wasm-unsafe-eval'
    }
    gemmByMemory.set(memory, g);
  }
  return gemmByMemory.get(memory) ?? null;
}

/**
 * On tfjs's threaded build (a shared heap), shares our kernel's products and the heap tasks (heapTasks.ts) among
 * `threads` threads: the calling one and `threads - 1` workers started by `spawn`. Call after
 * `installWasmKernels`; once per backend.
 * @returns the thread count they now use: `threads`, or 1 where the heap is not shared or a worker could not
 * start (everything then runs on the calling thread, with the same results)
 */
export async function startWasmHeapPool(threads: number, spawn: SpawnWorker): Promise<number> {
  if (tf.getBackend() !== 'wasm' || threads < 2) return 1;
  const backend = tf.backend();
  const memory = backendMemory(backend);
  const g = ownGemmOn(backend);
  if (!memory || !g || !isSharedMemory(memory)) return 1;
  const running = poolByMemory.get(memory);
  if (running) return running.threads;
  try {
    poolByMemory.set(memory, await startHeapPool(g, memory, threads, spawn));
    return threads;
  } catch {
    return 1;
  }
}

/** The threads our products and heap tasks run on (1 without a pool). */
export function wasmPoolThreads(): number {
  if (tf.getBackend() !== 'wasm') return 1;
  const memory = backendMemory(tf.backend());
  return (memory && poolByMemory.get(memory)?.threads) || 1;
}

/** A product's shape from BatchMatMul's inputs, or null where neither our kernel nor native code takes it. */
function productShape(args: KernelArgs, bias?: tf.TensorInfo): Required<GemmShape> | null {
  const { a, b } = args.inputs as { a: tf.TensorInfo; b: tf.TensorInfo };
  const { transposeA, transposeB } = args.attrs as unknown as { transposeA: boolean; transposeB: boolean };
  if (a.dtype !== 'float32' || b.dtype !== 'float32' || a.shape.length < b.shape.length) return null;
  const nBatch = batchSize(a);
  const bBatch = batchSize(b);
  if (bBatch !== 1 && (bBatch !== nBatch || a.shape.length !== b.shape.length)) return null;
  const [a0, a1] = a.shape.slice(-2) as [number, number];
  const [b0, b1] = b.shape.slice(-2) as [number, number];
  const [m, k, n] = [transposeA ? a1 : a0, transposeA ? a0 : a1, transposeB ? b0 : b1];
  if (m === 0 || k === 0 || n === 0) return null;
  if (bias && (bias.dtype !== 'float32' || bias.shape.length !== 1 || bias.shape[0] !== n)) return null;
  return { m, n, k, transposeA, transposeB, batches: nBatch, bShared: bBatch === 1 };
}

const heapOffset = (wasm: WasmInternals, t: tf.TensorInfo) => wasm.dataIdMap.get(t.dataId)!.memoryOffset / 4;

/** op(a)·op(b) [+ bias] by native code (attachNativeProducts) in place on the heap; null where none is attached. */
function nativeProduct(args: KernelArgs, bias?: tf.TensorInfo): tf.TensorInfo | null {
  const memory = backendMemory(args.backend as tf.KernelBackend);
  const native = memory && nativeByMemory.get(memory);
  const shape = native ? productShape(args, bias) : null;
  if (!native || !shape) return null;
  const { a, b } = args.inputs as { a: tf.TensorInfo; b: tf.TensorInfo };
  const wasm = args.backend as unknown as WasmInternals;
  const out = wasm.makeOutput([...a.shape.slice(0, -2), shape.m, shape.n], 'float32');
  const product: NativeProduct = { ...shape, a: heapOffset(wasm, a), b: heapOffset(wasm, b), c: heapOffset(wasm, out), ...(bias ? { bias: heapOffset(wasm, bias) } : {}) };
  try {
    // read after makeOutput: growing wasm memory replaces the buffer
    native.gemm(wasm.wasm.HEAPF32, product);
  } catch (error) {
    (args.backend as tf.KernelBackend).disposeData(out.dataId);
    throw error;
  }
  return out;
}

/**
 * op(a)·op(b) on our kernel: every batch slice read in place (a transposed a through strides), b packed once
 * (once per slice when b is batched), rows shared among the pool's threads when there is one. Null when it does
 * not apply, for the other paths to take.
 */
function ownProduct(args: KernelArgs, g: WasmGemm, bias?: tf.TensorInfo): tf.TensorInfo | null {
  const shape = productShape(args, bias);
  if (!shape || shape.n % 8 !== 0) return null;
  const { a, b } = args.inputs as { a: tf.TensorInfo; b: tf.TensorInfo };
  const { m, n, k } = shape;
  const wasm = args.backend as unknown as WasmInternals;
  const backend = args.backend as tf.KernelBackend;
  const memory = backendMemory(backend);
  const pool = memory && poolByMemory.get(memory);
  const threads = pool && shape.batches * m * n * k >= POOL_MIN_MACS ? pool.threads : 1;
  const out = wasm.makeOutput([...a.shape.slice(0, -2), m, n], 'float32');
  const packed = wasm.makeOutput([Math.max(1, packedFloats(shape, threads))], 'float32');
  try {
    const at = (t: tf.TensorInfo) => heapOffset(wasm, t);
    const product: GemmProduct = { ...shape, a: at(a), b: at(b), c: at(out), packed: at(packed), ...(bias ? { bias: at(bias) } : {}) };
    if (pool && threads > 1) {
      prepareProduct(g, pool.control, product, threads);
      pool.run(TASK_GEMM);
    } else {
      const control = new Int32Array(PARAMS + PARAM_SLOTS);
      prepareProduct(g, control, product);
      runShare(g, control, 0, 1);
    }
    return out;
  } finally {
    backend.disposeData(packed.dataId);
  }
}

const swapLast = (rank: number) => [...Array.from({ length: rank - 2 }, (_, i) => i), rank - 1, rank - 2];
const batchSize = (t: tf.TensorInfo) => t.shape.slice(0, -2).reduce((p, d) => p * d, 1);

function fastBatchMatMul(original: tf.KernelConfig, transpose: tf.KernelConfig, ownGemm: boolean): tf.KernelFunc {
  const materialiseTranspose = (t: tf.TensorInfo, backend: tf.KernelBackend) => transpose.kernelFunc({ inputs: { x: t }, backend, attrs: { perm: swapLast(t.shape.length) } }) as tf.TensorInfo;

  /** b batched products as b single products on copies of each slice (memcpy in the wasm heap). */
  const perBatch = (args: KernelArgs, nBatch: number): tf.TensorInfo => {
    const backend = args.backend as tf.KernelBackend;
    const { transposeA, transposeB } = args.attrs as unknown as { transposeA: boolean; transposeB: boolean };
    const wasm = backend as unknown as WasmInternals;
    const made: tf.TensorInfo[] = [];
    const free = (t: tf.TensorInfo) => backend.disposeData(t.dataId);
    try {
      let { a, b } = args.inputs as { a: tf.TensorInfo; b: tf.TensorInfo };
      if (transposeA) made.push((a = materialiseTranspose(a, backend)));
      if (transposeB) made.push((b = materialiseTranspose(b, backend)));
      const [m, k] = a.shape.slice(-2) as [number, number];
      const n = b.shape[b.shape.length - 1]!;
      const out = wasm.makeOutput([...a.shape.slice(0, -2), m, n], 'float32');
      const offset = (t: tf.TensorInfo) => wasm.dataIdMap.get(t.dataId)!.memoryOffset / 4;
      for (let i = 0; i < nBatch; i++) {
        const ai = wasm.makeOutput([m, k], 'float32');
        const bi = wasm.makeOutput([k, n], 'float32');
        // read the heap after every allocation: growing wasm memory replaces the buffer
        let heap = wasm.wasm.HEAPF32;
        heap.copyWithin(offset(ai), offset(a) + i * m * k, offset(a) + (i + 1) * m * k);
        heap.copyWithin(offset(bi), offset(b) + i * k * n, offset(b) + (i + 1) * k * n);
        const ci = original.kernelFunc({ inputs: { a: ai, b: bi }, backend, attrs: { ...args.attrs, transposeA: false, transposeB: false } }) as tf.TensorInfo;
        heap = wasm.wasm.HEAPF32;
        heap.copyWithin(offset(out) + i * m * n, offset(ci), offset(ci) + m * n);
        free(ai);
        free(bi);
        free(ci);
      }
      return out;
    } finally {
      for (const t of made) free(t);
    }
  };

  return (args: KernelArgs) => {
    const backend = args.backend as tf.KernelBackend;
    const native = nativeProduct(args);
    if (native) return native;
    const g = ownGemm ? ownGemmOn(backend) : null;
    const own = g ? ownProduct(args, g) : null;
    if (own) return own;
    const { a, b } = args.inputs as { a: tf.TensorInfo; b: tf.TensorInfo };
    const { transposeA, transposeB } = args.attrs as unknown as { transposeA: boolean; transposeB: boolean };
    const nBatch = batchSize(a);
    // broadcast batches (b's batch differs) and non-float inputs stay with the stock kernel
    if (nBatch > 1 && batchSize(b) === nBatch && a.dtype === 'float32' && b.dtype === 'float32') return perBatch(args, nBatch);
    if ((!transposeA && !transposeB) || nBatch !== 1 || batchSize(b) !== 1) return original.kernelFunc(args);
    const made: tf.TensorInfo[] = [];
    try {
      // transposing the right operand instead and the result ((op(b)ᵀ·op(a)ᵀ)ᵀ) measured no faster: XNNPACK
      // packs each new right operand, which costs about as much as transposing it
      const a2 = transposeA ? materialiseTranspose(a, backend) : a;
      const b2 = transposeB ? materialiseTranspose(b, backend) : b;
      made.push(...[a2, b2].filter((t, i) => t !== [a, b][i]));
      return original.kernelFunc({ inputs: { a: a2, b: b2 }, backend, attrs: { ...args.attrs, transposeA: false, transposeB: false } });
    } finally {
      for (const t of made) backend.disposeData(t.dataId);
    }
  };
}

/**
 * x·Wᵀ + b (fusedKernelNames.ts, LINEAR_KERNEL) on our kernel, the bias row loaded into every tile's first
 * accumulators (C = b + Σ, in that order) instead of added in a pass of its own. Where our kernel does not take
 * the product (N not a multiple of 8), the registered BatchMatMul and Add kernels compute it.
 */
function linearWithBias(args: KernelArgs): tf.TensorInfo {
  const { x, weight, bias } = args.inputs as { x: tf.TensorInfo; weight: tf.TensorInfo; bias: tf.TensorInfo };
  if ([x, weight, bias].some((t) => t.dtype !== 'float32')) throw new TypeError(`${LINEAR_KERNEL} takes float32`);
  if (x.shape.length !== 2 || weight.shape.length !== 2 || bias.shape.length !== 1 || x.shape[1] !== weight.shape[1] || bias.shape[0] !== weight.shape[0]) {
    throw new RangeError(`${LINEAR_KERNEL}: x [M, K], W [N, K] and b [N] (got [${x.shape}], [${weight.shape}], [${bias.shape}])`);
  }
  const backend = args.backend as tf.KernelBackend;
  const productArgs = { ...args, inputs: { a: x, b: weight }, attrs: { transposeA: false, transposeB: true } } as unknown as KernelArgs;
  const native = nativeProduct(productArgs, bias);
  if (native) return native;
  const g = ownGemmOn(backend);
  const own = g ? ownProduct(productArgs, g, bias) : null;
  if (own) return own;
  const product = tf.getKernel('BatchMatMul', 'wasm')!.kernelFunc(productArgs) as tf.TensorInfo;
  try {
    return tf.getKernel('Add', 'wasm')!.kernelFunc({ inputs: { a: product, b: bias }, backend, attrs: {} }) as tf.TensorInfo;
  } finally {
    backend.disposeData(product.dataId);
  }
}

/**
 * `Sum` whose reduced axes are the leading ones: x viewed as [M, R], its M rows added in order into R
 * float64 accumulators, straight from the wasm heap. Any other reduction, and non-float input, goes to
 * the stock kernel.
 */
function leadingAxisSum(original: tf.KernelConfig): tf.KernelFunc {
  return (args: KernelArgs) => {
    const x = (args.inputs as { x: tf.TensorInfo }).x;
    const { axis, keepDims } = args.attrs as unknown as { axis: number | number[]; keepDims: boolean };
    const rank = x.shape.length;
    const axes = [...new Set((Array.isArray(axis) ? axis : [axis]).map((a) => (a < 0 ? a + rank : a)))].sort((p, q) => p - q);
    const leading = axes.length > 0 && axes.length < rank && axes.every((a, i) => a === i);
    if (!leading || x.dtype !== 'float32' || x.shape.includes(0)) return original.kernelFunc(args);
    const wasm = args.backend as unknown as WasmInternals;
    const m = x.shape.slice(0, axes.length).reduce((p, d) => p * d, 1);
    const kept = x.shape.slice(axes.length);
    const r = kept.reduce((p, d) => p * d, 1);
    const out = wasm.makeOutput(keepDims ? [...axes.map(() => 1), ...kept] : kept, 'float32');
    runHeapTask(args.backend as tf.KernelBackend, TASK_LEADING_SUM, [offset(wasm, x), offset(wasm, out), m, r, 0], m * r);
    return out;
  };
}

/** `x[ids]` along axis 0 with int32 ids all in range: rows copied in JS. Anything else goes to the stock kernel (which also reports bad ids). */
function rowGather(original: tf.KernelConfig): tf.KernelFunc {
  return (args: KernelArgs) => {
    const { x, indices } = args.inputs as { x: tf.TensorInfo; indices: tf.TensorInfo };
    const { axis, batchDims } = args.attrs as unknown as { axis: number; batchDims: number };
    const rank = x.shape.length;
    if ((axis !== 0 && axis !== -rank) || batchDims !== 0 || rank < 1 || x.dtype !== 'float32' || indices.dtype !== 'int32' || x.shape.includes(0) || indices.shape.includes(0)) return original.kernelFunc(args);
    const wasm = args.backend as unknown as WasmInternals;
    const rows = x.shape[0]!;
    const width = x.shape.slice(1).reduce((p, d) => p * d, 1);
    const n = indices.shape.reduce((p, d) => p * d, 1);
    const idsAt = offset(wasm, indices);
    const ids = new Int32Array(wasm.wasm.HEAPF32.buffer, 4 * idsAt, n);
    for (const id of ids) if (!(id >= 0 && id < rows)) return original.kernelFunc(args);
    const out = wasm.makeOutput([...indices.shape, ...x.shape.slice(1)], 'float32');
    runHeapTask(args.backend as tf.KernelBackend, TASK_GATHER_ROWS, [offset(wasm, x), idsAt, offset(wasm, out), n, width], n * width);
    return out;
  };
}

/** GELU forward (fusedKernelNames.ts): x → [x·Φ(x), Φ(x)], one pass. */
const geluForward: tf.KernelFunc = (args: KernelArgs) => {
  const x = (args.inputs as { x: tf.TensorInfo }).x;
  if (x.dtype !== 'float32') throw new TypeError(`${GELU_KERNEL} takes float32 (got ${x.dtype})`);
  const wasm = args.backend as unknown as WasmInternals;
  const y = wasm.makeOutput([...x.shape], 'float32');
  const cdf = wasm.makeOutput([...x.shape], 'float32');
  const n = x.shape.reduce((p, d) => p * d, 1);
  if (n > 0) runHeapTask(args.backend as tf.KernelBackend, TASK_GELU_FORWARD, [offset(wasm, x), offset(wasm, y), offset(wasm, cdf), n], n);
  return [y, cdf];
};

/** GELU backward (fusedKernelNames.ts): (x, Φ(x), dy) → dy·(Φ(x) + x·φ(x)), one pass. */
const geluBackward: tf.KernelFunc = (args: KernelArgs) => {
  const { x, cdf, dy } = args.inputs as { x: tf.TensorInfo; cdf: tf.TensorInfo; dy: tf.TensorInfo };
  if (x.dtype !== 'float32' || cdf.dtype !== 'float32' || dy.dtype !== 'float32') throw new TypeError(`${GELU_GRAD_KERNEL} takes float32`);
  const n = x.shape.reduce((p, d) => p * d, 1);
  const sizes = [cdf, dy].map((t) => t.shape.reduce((p, d) => p * d, 1));
  if (sizes.some((size) => size !== n)) throw new RangeError(`${GELU_GRAD_KERNEL}: x, cdf and dy must have one shape (got [${x.shape}], [${cdf.shape}], [${dy.shape}])`);
  const wasm = args.backend as unknown as WasmInternals;
  const dx = wasm.makeOutput([...x.shape], 'float32');
  if (n > 0) runHeapTask(args.backend as tf.KernelBackend, TASK_GELU_BACKWARD, [offset(wasm, x), offset(wasm, cdf), offset(wasm, dy), offset(wasm, dx), n], n);
  return dx;
};

/** One AdamW step for one variable (fusedKernelNames.ts): (θ, g, m, v) → [θ', m', v'], one pass. */
const adamwStep: tf.KernelFunc = (args: KernelArgs) => {
  const { theta, g, m, v } = args.inputs as { theta: tf.TensorInfo; g: tf.TensorInfo; m: tf.TensorInfo; v: tf.TensorInfo };
  const a = args.attrs as unknown as AdamWStepAttrs;
  const inputs = [theta, g, m, v];
  if (inputs.some((t) => t.dtype !== 'float32')) throw new TypeError(`${ADAMW_KERNEL} takes float32`);
  const n = theta.shape.reduce((p, d) => p * d, 1);
  if (inputs.some((t) => t.shape.reduce((p, d) => p * d, 1) !== n)) throw new RangeError(`${ADAMW_KERNEL}: θ, g, m and v must have one size (got [${inputs.map((t) => `[${t.shape}]`).join(', ')}])`);
  const wasm = args.backend as unknown as WasmInternals;
  const outs = [0, 1, 2].map(() => wasm.makeOutput([...theta.shape], 'float32'));
  if (n > 0) {
    const params = [...inputs, ...outs].map((t) => offset(wasm, t));
    runHeapTask(args.backend as tf.KernelBackend, TASK_ADAMW, [...params, n], n, [a.beta1, 1 - a.beta1, a.beta2, 1 - a.beta2, a.sqrtBc2, a.epsilon, a.decay, a.stepSize]);
  }
  return outs;
};

const sizeOf = (t: tf.TensorInfo) => t.shape.reduce((p, d) => p * d, 1);

/** LayerNorm forward over the last axis (fusedKernelNames.ts): (x, γ, β) → [y, x̂, 1/σ], one pass over each row's cache. */
const layerNormForward: tf.KernelFunc = (args: KernelArgs) => {
  const { x, gamma, beta } = args.inputs as { x: tf.TensorInfo; gamma: tf.TensorInfo; beta: tf.TensorInfo };
  const { epsilon } = args.attrs as unknown as { epsilon: number };
  if ([x, gamma, beta].some((t) => t.dtype !== 'float32')) throw new TypeError(`${LAYER_NORM_KERNEL} takes float32`);
  const h = x.shape[x.shape.length - 1] ?? 0;
  if (h % 4 !== 0 || sizeOf(gamma) !== h || sizeOf(beta) !== h) throw new RangeError(`${LAYER_NORM_KERNEL}: the last axis of x must be a multiple of 4 and the size of γ and β (got [${x.shape}], [${gamma.shape}], [${beta.shape}])`);
  const wasm = args.backend as unknown as WasmInternals;
  const y = wasm.makeOutput([...x.shape], 'float32');
  const xhat = wasm.makeOutput([...x.shape], 'float32');
  const rstd = wasm.makeOutput([...x.shape.slice(0, -1), 1], 'float32');
  const n = sizeOf(x);
  if (n > 0) runHeapTask(args.backend as tf.KernelBackend, TASK_LAYER_NORM_FORWARD, [...[x, gamma, beta, y, xhat, rstd].map((t) => offset(wasm, t)), n / h, h], n, [epsilon]);
  return [y, xhat, rstd];
};

/**
 * LayerNorm backward (fusedKernelNames.ts): (dy, x̂, 1/σ, γ) → [dx, dγ, dβ]: dx one pass over each row's cache (rows
 * shared among threads), dγ = Σ dy·x̂ and dβ = Σ dy one pass each (columns shared), in float64 as `leadingAxisSum`.
 */
const layerNormBackward: tf.KernelFunc = (args: KernelArgs) => {
  const { dy, xhat, rstd, gamma } = args.inputs as { dy: tf.TensorInfo; xhat: tf.TensorInfo; rstd: tf.TensorInfo; gamma: tf.TensorInfo };
  if ([dy, xhat, rstd, gamma].some((t) => t.dtype !== 'float32')) throw new TypeError(`${LAYER_NORM_GRAD_KERNEL} takes float32`);
  const h = sizeOf(gamma);
  const n = sizeOf(dy);
  if (h === 0 || h % 4 !== 0 || sizeOf(xhat) !== n || n % h !== 0 || sizeOf(rstd) !== n / h)
    throw new RangeError(`${LAYER_NORM_GRAD_KERNEL}: dy and x̂ must be rows of γ's size (a multiple of 4) with one 1/σ each (got [${dy.shape}], [${xhat.shape}], [${rstd.shape}], [${gamma.shape}])`);
  const wasm = args.backend as unknown as WasmInternals;
  const backend = args.backend as tf.KernelBackend;
  const dx = wasm.makeOutput([...dy.shape], 'float32');
  const dgamma = wasm.makeOutput([h], 'float32');
  const dbeta = wasm.makeOutput([h], 'float32');
  if (n > 0) {
    const [dyAt, xhatAt] = [offset(wasm, dy), offset(wasm, xhat)];
    runHeapTask(backend, TASK_LAYER_NORM_BACKWARD, [dyAt, xhatAt, offset(wasm, rstd), offset(wasm, gamma), offset(wasm, dx), n / h, h], n);
    runHeapTask(backend, TASK_LEADING_SUM, [dyAt, offset(wasm, dgamma), n / h, h, xhatAt], n);
    runHeapTask(backend, TASK_LEADING_SUM, [dyAt, offset(wasm, dbeta), n / h, h, 0], n);
  } else {
    // no rows: sums of nothing
    for (const t of [dgamma, dbeta]) wasm.wasm.HEAPF32.fill(0, offset(wasm, t), offset(wasm, t) + h);
  }
  return [dx, dgamma, dbeta];
};

/** Σx² (fusedKernelNames.ts): float64 partial sums of fixed runs (heapTasks.ts), added here in run order, rounded once. */
const squaredNorm: tf.KernelFunc = (args: KernelArgs) => {
  const x = (args.inputs as { x: tf.TensorInfo }).x;
  if (x.dtype !== 'float32') throw new TypeError(`${SQUARED_NORM_KERNEL} takes float32 (got ${x.dtype})`);
  const wasm = args.backend as unknown as WasmInternals;
  const backend = args.backend as tf.KernelBackend;
  const out = wasm.makeOutput([], 'float32');
  const n = sizeOf(x);
  const runs = Math.ceil(n / SQUARED_NORM_RUN);
  // a float64 per run, 8-byte aligned
  const scratch = wasm.makeOutput([2 * runs + 1], 'float32');
  try {
    const at = offset(wasm, scratch);
    const aligned = at + (at % 2);
    if (n > 0) runHeapTask(backend, TASK_SQUARED_NORM, [offset(wasm, x), n, aligned], n);
    let sum = 0;
    for (const part of new Float64Array(wasm.wasm.HEAPF32.buffer, 4 * aligned, runs)) sum += part;
    wasm.wasm.HEAPF32[offset(wasm, out)] = sum;
    return out;
  } finally {
    backend.disposeData(scratch.dataId);
  }
};

/** Float (or int32) index of a tensor in the heap. */
const offset = (wasm: WasmInternals, t: tf.TensorInfo) => wasm.dataIdMap.get(t.dataId)!.memoryOffset / 4;

/** Runs a heap task on the pool's threads when it is large enough, else on this thread. */
function runHeapTask(backend: tf.KernelBackend, task: number, params: readonly number[], elements: number, floats: readonly number[] = []): void {
  const memory = backendMemory(backend);
  const pool = memory && poolByMemory.get(memory);
  if (pool && elements >= POOL_MIN_ELEMENTS) {
    writeParams(pool.control, params);
    writeFloatParams(pool.control, params.length, floats);
    pool.run(task);
    return;
  }
  const control = new Int32Array(PARAMS + PARAM_SLOTS);
  writeParams(control, params);
  writeFloatParams(control, params.length, floats);
  // read the heap now: growing wasm memory replaces the buffer
  HEAP_TASKS[task]!(ownGemmOn(backend), (backend as unknown as WasmInternals).wasm.HEAPF32.buffer, control, 0, 1);
}

function sharedIdentity(original: tf.KernelConfig): tf.KernelFunc {
  return ({ inputs, backend }) => {
    const x = (inputs as { x: tf.TensorInfo }).x;
    if (x.dtype === 'string') return original.kernelFunc({ inputs, backend, attrs: {} });
    (backend as unknown as { incRef(dataId: object): void }).incRef(x.dataId);
    return { dataId: x.dataId, shape: x.shape, dtype: x.dtype };
  };
}

function replace(kernelName: string, make: (original: tf.KernelConfig) => tf.KernelFunc): () => void {
  const original = tf.getKernel(kernelName, 'wasm');
  if (!original) throw new Error(`the wasm ${kernelName} kernel is not registered`);
  if (ours.has(original.kernelFunc)) return () => undefined;
  const kernelFunc = make(original);
  ours.add(kernelFunc);
  tf.unregisterKernel(kernelName, 'wasm');
  tf.registerKernel({ kernelName, backendName: 'wasm', kernelFunc });
  return () => {
    tf.unregisterKernel(kernelName, 'wasm');
    // the stock kernel's setupFunc already ran when the backend initialised
    tf.registerKernel({ ...original, setupFunc: undefined });
  };
}

/**
 * Install the chosen replacements. Call after the wasm backend has initialised (the stock kernels'
 * setup functions must have run). Installing again is a no-op.
 * @returns a function that restores the stock kernels
 * @throws Error when the active backend is not wasm
 */
export function installWasmKernels(choice: WasmKernelChoice = FAST_WASM_KERNELS): () => void {
  if (tf.getBackend() !== 'wasm') throw new Error(`the wasm kernels need the wasm backend (active: ${tf.getBackend()})`);
  const restores: (() => void)[] = [];
  if (choice.matmul) {
    const transpose = tf.getKernel('Transpose', 'wasm');
    if (!transpose) throw new Error('the wasm Transpose kernel is not registered');
    restores.push(
      replace('BatchMatMul', (original) => {
        const kernelFunc = fastBatchMatMul(original, transpose, choice.ownGemm);
        if (choice.ownGemm) withOwnGemm.add(kernelFunc);
        return kernelFunc;
      }),
    );
  }
  if (choice.sharedIdentity) restores.push(replace('Identity', sharedIdentity));
  if (choice.leadingSum) {
    restores.push(replace('Sum', leadingAxisSum));
  }
  if (choice.gather) restores.push(replace('GatherV2', rowGather));
  // new kernels of our own, functions of our kernel module (fusedKernelNames.ts)
  if (ownGemmOn(tf.backend())) {
    const table: [boolean, string, tf.KernelFunc][] = [
      [choice.fusedGelu, GELU_KERNEL, geluForward],
      [choice.fusedGelu, GELU_GRAD_KERNEL, geluBackward],
      [choice.fusedAdamW, ADAMW_KERNEL, adamwStep],
      [choice.fusedLayerNorm, LAYER_NORM_KERNEL, layerNormForward],
      [choice.fusedLayerNorm, LAYER_NORM_GRAD_KERNEL, layerNormBackward],
      [choice.fusedSquaredNorm, SQUARED_NORM_KERNEL, squaredNorm],
      [choice.fusedBias, LINEAR_KERNEL, linearWithBias],
    ];
    const added = table.filter(([chosen]) => chosen).map(([, kernelName, kernelFunc]) => [kernelName, kernelFunc] as const);
    for (const [kernelName, kernelFunc] of added) {
      if (tf.getKernel(kernelName, 'wasm')) continue;
      ours.add(kernelFunc);
      tf.registerKernel({ kernelName, backendName: 'wasm', kernelFunc });
      restores.push(() => tf.unregisterKernel(kernelName, 'wasm'));
    }
  }
  return () => {
    for (const restore of restores.reverse()) restore();
  };
}

/** Whether the fast kernels are the registered ones (for reports and the bench). */
export function installedWasmKernels(): WasmKernelChoice {
  const isOurs = (name: string) => {
    const k = tf.getKernel(name, 'wasm');
    return k !== undefined && ours.has(k.kernelFunc);
  };
  const matMul = tf.getKernel('BatchMatMul', 'wasm');
  const ownGemm = matMul !== undefined && withOwnGemm.has(matMul.kernelFunc) && tf.getBackend() === 'wasm' && ownGemmOn(tf.backend()) !== null;
  return {
    matmul: isOurs('BatchMatMul'),
    sharedIdentity: isOurs('Identity'),
    leadingSum: isOurs('Sum'),
    ownGemm,
    gather: isOurs('GatherV2'),
    fusedGelu: isOurs(GELU_KERNEL) && isOurs(GELU_GRAD_KERNEL),
    fusedAdamW: isOurs(ADAMW_KERNEL),
    fusedLayerNorm: isOurs(LAYER_NORM_KERNEL) && isOurs(LAYER_NORM_GRAD_KERNEL),
    fusedSquaredNorm: isOurs(SQUARED_NORM_KERNEL),
    fusedBias: isOurs(LINEAR_KERNEL),
  };
}

/**
 * Hands every float32 product of the wasm backend (BatchMatMul and LINEAR_KERNEL, with the matmul replacement
 * installed) to `native`, in place on the heap; null hands them back to our kernel. The CLI attaches OpenBLAS
 * (src/cli/nativeProducts.ts).
 * @throws Error when the active backend is not wasm or the matmul replacement is not installed
 */
export function attachNativeProducts(native: NativeProducts | null): void {
  if (tf.getBackend() !== 'wasm') throw new Error(`native products need the wasm backend (active: ${tf.getBackend()})`);
  if (!installedWasmKernels().matmul) throw new Error('native products need our BatchMatMul (WasmKernelChoice.matmul)');
  const memory = backendMemory(tf.backend());
  if (!memory) throw new Error('native products: the wasm backend exposes no memory');
  if (native) nativeByMemory.set(memory, native);
  else nativeByMemory.delete(memory);
}

/** Which kernel runs the wasm backend's products, and on how many threads, for reports (`xlir env`); null on other backends. */
export function wasmProductKernel(): string | null {
  if (tf.getBackend() !== 'wasm') return null;
  const memory = backendMemory(tf.backend());
  const native = memory && nativeByMemory.get(memory);
  if (native && installedWasmKernels().matmul) return native.label;
  if (!installedWasmKernels().ownGemm) return 'XNNPACK (tfjs-backend-wasm)';
  const threads = wasmPoolThreads();
  return `our wasm kernel (${ownGemmOn(tf.backend())!.fused ? 'relaxed-SIMD FMA' : 'SIMD multiply + add'}), ${threads} thread${threads === 1 ? '' : 's'}`;
}
