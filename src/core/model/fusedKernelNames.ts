/**
 * Kernels of our own that a backend may register (wasmKernels.ts does on wasm) and the ops use where the
 * active backend has them, falling back to compositions of stock ops elsewhere.
 *
 * - GELU_KERNEL: inputs { x } → [x·Φ(x), Φ(x)] (Φ saved for the backward pass)
 * - GELU_GRAD_KERNEL: inputs { x, cdf: Φ(x), dy } → dy·(Φ(x) + x·φ(x))
 * - ADAMW_KERNEL: inputs { theta, g, m, v }, attrs {@link AdamWStepAttrs} → [θ', m', v'] (src/core/train/adamw.ts's
 *   update for one variable, the same bits as its composition of stock kernels)
 * - LAYER_NORM_KERNEL: inputs { x, gamma, beta }, attrs { epsilon } → [y, x̂, 1/σ] over the last axis (x̂ and 1/σ, of
 *   shape [..., 1], saved for the backward pass)
 * - LAYER_NORM_GRAD_KERNEL: inputs { dy, xhat, rstd, gamma } → [dx, dγ, dβ] (LayerNorm's gradients; dγ = Σ dy·x̂ and
 *   dβ = Σ dy over every row)
 * - SQUARED_NORM_KERNEL: inputs { x } → the scalar Σx², summed in float64 and rounded once
 * - LINEAR_KERNEL: inputs { x: [M, K], weight: [N, K], bias: [N] } → x·Wᵀ + b (torch's Linear), the bias added in the
 *   product instead of a pass of its own
 */
export const GELU_KERNEL = 'XlirGelu';
export const GELU_GRAD_KERNEL = 'XlirGeluGrad';
export const ADAMW_KERNEL = 'XlirAdamW';
export const LAYER_NORM_KERNEL = 'XlirLayerNorm';
export const LAYER_NORM_GRAD_KERNEL = 'XlirLayerNormGrad';
export const SQUARED_NORM_KERNEL = 'XlirSquaredNorm';
export const LINEAR_KERNEL = 'XlirLinear';

/** One AdamW step's scalars (adamw.ts names them). */
export interface AdamWStepAttrs {
  beta1: number;
  beta2: number;
  epsilon: number;
  /** 1 − lr·wd for decayed variables, 1 for the others */
  decay: number;
  /** √(1 − β2ᵗ) */
  sqrtBc2: number;
  /** lr / (1 − β1ᵗ) */
  stepSize: number;
}
