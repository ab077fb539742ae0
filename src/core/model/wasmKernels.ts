/**
 * Faster replacements for three tfjs-backend-wasm 4.22 kernels, installed by `initBackend` when wasm is
 * chosen (bench/RESULTS.md, "Where the time goes", measured them: on its machine a demo training step goes
 * from 10.7 s to 2.1 s, and to 1.5 s with products on our own kernel).
 *
 * - Products on our own kernel (wasmGemm.ts) where tfjs runs its single-threaded build: every float32
 *   product with N divisible by 8, in place on the wasm heap (a transposed operand through strides or packing,
 *   batches without copies). The threaded build shares its memory with XNNPACK's threads and keeps the paths
 *   below.
 *
 * - `BatchMatMul`: the stock kernel sends a product to XNNPACK only when neither operand is transposed
 *   and there is one batch; `transposeA`/`transposeB` or a batch dimension fall back to a naive loop nest
 *   (0.4–1.5 GFLOP/s instead of 10–30). Every `linear` (x·Wᵀ, torch layout), every weight gradient
 *   (xᵀ·dy) and all of attention take that path. The replacement materialises the transpose (the wasm
 *   `Transpose` kernel, memory-bound and cheap) and runs each batch slice as its own untransposed product.
 *   Results equal the stock kernel's up to float summation order and are deterministic.
 * - `Sum` over leading axes (bias and LayerNorm gradients, every broadcast `add`'s gradient): the stock
 *   kernel transposes the input so the reduced axes come last, then sums (2.1 ms for [4096, 128] over
 *   axis 0). The replacement adds the rows in place in JS (0.8 ms), in float64: the same values up to
 *   rounding, deterministic. (A product ones·x on XNNPACK would be 0.1 ms if x were reused, but XNNPACK
 *   packs a new right operand on every call, which costs as much as the sum.)
 * - `Identity`: while gradients are recorded, tfjs-core saves every tensor the backward pass needs through
 *   `Identity`; the stock wasm kernel copies the data, the cpu backend shares it. Sharing is safe because
 *   tensors are immutable and `Variable.assign` swaps the data id (wasm's own `Reshape` shares the same way).
 *
 * The tfjs version is pinned exactly (package.json), because the per-batch path reads the backend's heap
 * offsets. Only the public kernel registry is used to install them.
 */
import * as tf from '@tensorflow/tfjs';
import { createWasmGemm, runGemm, type WasmGemm } from './wasmGemm';

type KernelArgs = Parameters<tf.KernelFunc>[0];

/** Which replacements to install; all by default. The bench turns them off to measure the stock kernels. */
export interface WasmKernelChoice {
  matmul: boolean;
  sharedIdentity: boolean;
  /** `Sum` over leading axes, summed row by row in JS */
  leadingSum: boolean;
  /**
   * products on our own kernel (wasmGemm.ts) where it applies: the single-threaded build (the threaded one
   * shares its memory and has XNNPACK's threads), float32, N divisible by 8. Needs `matmul`.
   */
  ownGemm: boolean;
}

export const FAST_WASM_KERNELS: WasmKernelChoice = { matmul: true, sharedIdentity: true, leadingSum: true, ownGemm: true };
export const STOCK_WASM_KERNELS: WasmKernelChoice = { matmul: false, sharedIdentity: false, leadingSum: false, ownGemm: false };

/** The parts of tfjs-backend-wasm's BackendWasm the per-batch path uses (memory offsets in the heap). */
interface WasmInternals {
  makeOutput(shape: number[], dtype: 'float32'): tf.TensorInfo;
  dataIdMap: { get(id: object): { memoryOffset: number } | undefined };
  wasm: { HEAPF32: Float32Array; asm?: { memory?: WebAssembly.Memory } };
}

/** The kernel functions we registered, so that installing twice never wraps our own wrapper. */
const ours = new WeakSet<tf.KernelFunc>();
/** Our BatchMatMul functions that run products on our own kernel. */
const withOwnGemm = new WeakSet<tf.KernelFunc>();
/** One kernel instance per wasm memory (one backend per process in practice); null where it could not start. */
const gemmByMemory = new WeakMap<WebAssembly.Memory, WasmGemm | null>();

/**
 * Our kernel on the backend's memory, or null where it does not apply (a shared memory: the threaded build) or
 * cannot start (a runtime that refuses to compile it): the products then stay on XNNPACK.
 */
function ownGemmOn(backend: tf.KernelBackend): WasmGemm | null {
  const memory = (backend as unknown as WasmInternals).wasm.asm?.memory;
  if (!memory || (typeof SharedArrayBuffer !== 'undefined' && memory.buffer instanceof SharedArrayBuffer)) return null;
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
 * op(a)·op(b) on our kernel: every batch slice read in place (a transposed a through strides), b packed once
 * per slice (once in all when b has one batch). Null when it does not apply, for the other paths to take.
 */
function ownProduct(args: KernelArgs, g: WasmGemm): tf.TensorInfo | null {
  const { a, b } = args.inputs as { a: tf.TensorInfo; b: tf.TensorInfo };
  const { transposeA, transposeB } = args.attrs as unknown as { transposeA: boolean; transposeB: boolean };
  if (a.dtype !== 'float32' || b.dtype !== 'float32' || a.shape.length < b.shape.length) return null;
  const nBatch = batchSize(a);
  const bBatch = batchSize(b);
  if (bBatch !== 1 && (bBatch !== nBatch || a.shape.length !== b.shape.length)) return null;
  const [a0, a1] = a.shape.slice(-2) as [number, number];
  const [b0, b1] = b.shape.slice(-2) as [number, number];
  const [m, k, n] = [transposeA ? a1 : a0, transposeA ? a0 : a1, transposeB ? b0 : b1];
  if (m === 0 || k === 0 || n === 0 || n % 8 !== 0) return null;
  const wasm = args.backend as unknown as WasmInternals;
  const out = wasm.makeOutput([...a.shape.slice(0, -2), m, n], 'float32');
  const packed = wasm.makeOutput([k * n], 'float32');
  try {
    // read the heap after the allocations: growing wasm memory replaces the buffer
    const heap = wasm.wasm.HEAPF32;
    const at = (t: tf.TensorInfo) => wasm.dataIdMap.get(t.dataId)!.memoryOffset / 4;
    const [aAt, bAt, cAt, pAt] = [at(a), at(b), at(out), at(packed)];
    for (let i = 0; i < nBatch; i++) {
      const bSlice = bBatch === 1 ? 0 : i;
      runGemm(g, heap, { a: aAt + i * m * k, b: bAt + bSlice * k * n, c: cAt + i * m * n, packed: pAt, m, n, k, transposeA, transposeB, bPacked: bBatch === 1 && i > 0 });
    }
    return out;
  } finally {
    (args.backend as tf.KernelBackend).disposeData(packed.dataId);
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
    // read the heap after the allocation: growing wasm memory replaces the buffer
    const heap = wasm.wasm.HEAPF32;
    const from = wasm.dataIdMap.get(x.dataId)!.memoryOffset / 4;
    const acc = new Float64Array(r);
    for (let i = 0; i < m; i++) {
      const row = from + i * r;
      for (let j = 0; j < r; j++) acc[j]! += heap[row + j]!;
    }
    heap.set(acc, wasm.dataIdMap.get(out.dataId)!.memoryOffset / 4);
    return out;
  };
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
  return { matmul: isOurs('BatchMatMul'), sharedIdentity: isOurs('Identity'), leadingSum: isOurs('Sum'), ownGemm };
}

/** Which kernel runs the wasm backend's products, for reports (`xlir env`); null on other backends. */
export function wasmProductKernel(): string | null {
  if (tf.getBackend() !== 'wasm') return null;
  if (installedWasmKernels().ownGemm) return `our wasm kernel (${ownGemmOn(tf.backend())!.fused ? 'relaxed-SIMD FMA' : 'SIMD multiply + add'})`;
  return 'XNNPACK (tfjs-backend-wasm)';
}
