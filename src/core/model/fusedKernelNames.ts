/**
 * Kernels of our own that a backend may register (wasmKernels.ts does on wasm) and the ops use where the
 * active backend has them, falling back to compositions of stock ops elsewhere.
 *
 * - GELU_KERNEL: inputs { x } → [x·Φ(x), Φ(x)] (Φ saved for the backward pass)
 * - GELU_GRAD_KERNEL: inputs { x, cdf: Φ(x), dy } → dy·(Φ(x) + x·φ(x))
 */
export const GELU_KERNEL = 'XlirGelu';
export const GELU_GRAD_KERNEL = 'XlirGeluGrad';
