/**
 * A bench-only PROTOTYPE of the fix proposed in RESULTS.md ("Where the time goes"): tfjs-backend-wasm
 * 4.22 sends `BatchMatMul` to XNNPACK only when neither input is transposed and there is one batch;
 * `transposeA`, `transposeB` or a batch dimension fall back to a naive loop nest that runs at
 * 0.4–1.5 GFLOP/s here instead of 10–30. The encoder's `linear` (x·Wᵀ, torch layout) and every
 * weight gradient (xᵀ·dy) take the slow path.
 *
 * This wrapper re-registers the wasm `BatchMatMul` kernel so that a single-batch product with a
 * transposed operand first materialises the transpose (the wasm `Transpose` kernel, memory-bound and
 * cheap) and then runs the fast untransposed product. Results are identical up to float summation
 * order. It changes no project code and is installed only when the bench asks for it
 * (`--patch transpose-matmul`), to measure what the real fix in `encoderOps.linear` (a custom-gradient
 * linear that never asks for a transposed product) would gain. Uses only the public kernel registry
 * of @tensorflow/tfjs, so the backend imports stay in backend.ts (house rule 14).
 */
import * as tf from '@tensorflow/tfjs';

type KernelArgs = Parameters<tf.KernelFunc>[0];

/** The parts of tfjs-backend-wasm's BackendWasm the per-batch path uses (memory offsets in the heap). */
interface WasmInternals {
  makeOutput(shape: number[], dtype: 'float32'): tf.TensorInfo;
  dataIdMap: { get(id: object): { memoryOffset: number } | undefined };
  wasm: { HEAPF32: Float32Array };
}

/** The bench's kernel patches: the matmul one alone, or with the shared Identity (wasmIdentityPatch.ts). */
export const WASM_PATCHES = ['transpose-matmul', 'transpose-matmul+share-identity'] as const;
export type WasmPatch = (typeof WASM_PATCHES)[number];

/**
 * @returns a function that restores the original kernel
 * @throws Error when the active backend is not wasm
 */
export function installWasmTransposeMatMul(options: { batched?: boolean } = {}): () => void {
  const batched = options.batched ?? true;
  if (tf.getBackend() !== 'wasm') throw new Error(`the transpose-matmul patch is for the wasm backend (active: ${tf.getBackend()})`);
  const original = tf.getKernel('BatchMatMul', 'wasm');
  const transpose = tf.getKernel('Transpose', 'wasm');
  if (!original || !transpose) throw new Error('wasm BatchMatMul/Transpose kernels are not registered');
  const swapLast = (rank: number) => [...Array.from({ length: rank - 2 }, (_, i) => i), rank - 1, rank - 2];
  const patched: tf.KernelFunc = (args: KernelArgs) => {
    const { inputs, attrs } = args;
    const backend = args.backend as tf.KernelBackend;
    const { a, b } = inputs as { a: tf.TensorInfo; b: tf.TensorInfo };
    const { transposeA, transposeB } = attrs as unknown as { transposeA: boolean; transposeB: boolean };
    const batch = (t: tf.TensorInfo) => t.shape.slice(0, -2).reduce((p, d) => p * d, 1);
    const nBatch = batch(a);
    if (nBatch > 1 && batched && batch(b) === nBatch && a.dtype === 'float32') return perBatch(args, nBatch);
    if ((!transposeA && !transposeB) || batch(a) !== 1 || batch(b) !== 1) return original.kernelFunc(args);
    const made: tf.TensorInfo[] = [];
    const materialise = (t: tf.TensorInfo) => {
      const out = transpose.kernelFunc({ inputs: { x: t }, backend, attrs: { perm: swapLast(t.shape.length) } }) as tf.TensorInfo;
      made.push(out);
      return out;
    };
    try {
      const a2 = transposeA ? materialise(a) : a;
      const b2 = transposeB ? materialise(b) : b;
      return original.kernelFunc({ inputs: { a: a2, b: b2 }, backend, attrs: { ...attrs, transposeA: false, transposeB: false } });
    } finally {
      for (const t of made) backend.disposeData(t.dataId);
    }
  };
  /**
   * b batched products as b single products on copies of each slice (memcpy in the wasm heap), so each
   * one takes the XNNPACK path; the transposes are materialised once for the whole batch.
   */
  const perBatch = (args: KernelArgs, nBatch: number): tf.TensorInfo => {
    const { inputs, attrs } = args;
    const backend = args.backend as tf.KernelBackend;
    const { transposeA, transposeB } = attrs as unknown as { transposeA: boolean; transposeB: boolean };
    const wasm = backend as unknown as WasmInternals;
    const made: tf.TensorInfo[] = [];
    const free = (t: tf.TensorInfo) => backend.disposeData(t.dataId);
    try {
      let { a, b } = inputs as { a: tf.TensorInfo; b: tf.TensorInfo };
      if (transposeA) made.push((a = transpose.kernelFunc({ inputs: { x: a }, backend, attrs: { perm: swapLast(a.shape.length) } }) as tf.TensorInfo));
      if (transposeB) made.push((b = transpose.kernelFunc({ inputs: { x: b }, backend, attrs: { perm: swapLast(b.shape.length) } }) as tf.TensorInfo));
      const [m, k] = a.shape.slice(-2) as [number, number];
      const n = b.shape[b.shape.length - 1]!;
      const out = wasm.makeOutput([...a.shape.slice(0, -2), m, n], 'float32');
      const off = (t: tf.TensorInfo) => wasm.dataIdMap.get(t.dataId)!.memoryOffset / 4;
      for (let i = 0; i < nBatch; i++) {
        const ai = wasm.makeOutput([m, k], 'float32');
        const bi = wasm.makeOutput([k, n], 'float32');
        let heap = wasm.wasm.HEAPF32;
        heap.copyWithin(off(ai), off(a) + i * m * k, off(a) + (i + 1) * m * k);
        heap.copyWithin(off(bi), off(b) + i * k * n, off(b) + (i + 1) * k * n);
        const ci = original.kernelFunc({ inputs: { a: ai, b: bi }, backend, attrs: { ...attrs, transposeA: false, transposeB: false } }) as tf.TensorInfo;
        heap = wasm.wasm.HEAPF32;
        heap.copyWithin(off(out) + i * m * n, off(ci), off(ci) + m * n);
        free(ai);
        free(bi);
        free(ci);
      }
      return out;
    } finally {
      for (const t of made) free(t);
    }
  };
  tf.unregisterKernel('BatchMatMul', 'wasm');
  tf.registerKernel({ kernelName: 'BatchMatMul', backendName: 'wasm', kernelFunc: patched });
  return () => {
    tf.unregisterKernel('BatchMatMul', 'wasm');
    tf.registerKernel({ ...original, setupFunc: undefined });
  };
}
