/**
 * The differentiable building blocks of the encoder (shared/notes/checkpoints.md §1.3, appendix A),
 * written against HF's tensor layouts so weights need no transposition.
 */
import * as tf from '@tensorflow/tfjs';
import { GELU_GRAD_KERNEL, GELU_KERNEL, LAYER_NORM_GRAD_KERNEL, LAYER_NORM_KERNEL, LINEAR_KERNEL } from './fusedKernelNames';

/**
 * y = x·Wᵀ + b over the last axis, with torch's Linear layout.
 * @param x [..., in]
 * @param weight [out, in]
 * @param bias [out]
 * @returns [..., out]
 */
export function linear(x: tf.Tensor, weight: tf.Tensor2D, bias: tf.Tensor1D | null): tf.Tensor {
  const inDim = x.shape[x.shape.length - 1]!;
  const x2 = x.reshape([-1, inDim]);
  let y: tf.Tensor;
  if (!bias) y = tf.matMul(x2, weight, false, true);
  else if ([x, weight, bias].every((t) => t.dtype === 'float32') && hasKernels(LINEAR_KERNEL)) y = fusedLinear(x2, weight, bias);
  else y = tf.matMul(x2, weight, false, true).add(bias);
  return y.reshape([...x.shape.slice(0, -1), weight.shape[0]]);
}

/** Whether the active backend registers every one of `kernels` (fusedKernelNames.ts). */
function hasKernels(...kernels: string[]): boolean {
  return kernels.every((k) => tf.getKernel(k, tf.getBackend()) !== undefined);
}

/**
 * x·Wᵀ + b as one kernel of the backend's (fusedKernelNames.ts; wasm: the bias in our product's tiles), with matMul's
 * gradients and the bias's column sum. Not `tf.fused.matMul`: tfjs-backend-wasm 4.22's `_FusedMatMul` gives wrong
 * values from the second row on with transposeB and a bias (against matMul + add, 2026-12-05).
 */
function fusedLinear(x2: tf.Tensor, weight: tf.Tensor2D, bias: tf.Tensor1D): tf.Tensor {
  const f = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
    const [xs, w, b, save] = args as [tf.Tensor, tf.Tensor2D, tf.Tensor1D, tf.GradSaveFunc];
    save([xs, w]);
    return {
      value: tf.engine().runKernel(LINEAR_KERNEL, { x: xs, weight: w, bias: b }) as tf.Tensor,
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
        const [xsS, wS] = saved as [tf.Tensor2D, tf.Tensor2D];
        return [tf.matMul(dy as tf.Tensor2D, wS), tf.matMul(dy as tf.Tensor2D, xsS, true, false), tf.sum(dy, 0)];
      },
    };
  });
  return f(x2, weight, bias);
}

/**
 * LayerNorm over the last axis with biased variance, as torch: (x − μ)/√(σ² + ε)·γ + β.
 * The gradient is written out (x̂ = (x − μ)·r, r = 1/√(σ² + ε); g = dy·γ):
 * dx = r·(g − mean(g) − x̂·mean(g·x̂)), dγ = Σ dy·x̂, dβ = Σ dy over all rows. Autodiff through
 * `tf.moments` would save every intermediate (a copy each on wasm) and run twice the elementwise passes.
 * @param x [..., H]; gamma, beta [H]
 */
export function layerNorm(x: tf.Tensor, gamma: tf.Tensor1D, beta: tf.Tensor1D, eps: number): tf.Tensor {
  const H = x.shape[x.shape.length - 1]!;
  if (H % 4 === 0 && [x, gamma, beta].every((t) => t.dtype === 'float32') && hasKernels(LAYER_NORM_KERNEL, LAYER_NORM_GRAD_KERNEL)) return fusedLayerNorm(x, gamma, beta, eps);
  const f = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
    const [xs, g, b, save] = args as [tf.Tensor, tf.Tensor1D, tf.Tensor1D, tf.GradSaveFunc];
    const mean = tf.mean(xs, -1, true);
    const centred = tf.sub(xs, mean);
    const r = tf.rsqrt(tf.add(tf.mean(tf.square(centred), -1, true), eps));
    const xhat = tf.mul(centred, r);
    save([xhat, r, g]);
    return {
      value: tf.add(tf.mul(xhat, g), b),
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
        const [xh, rs, gs] = saved as [tf.Tensor, tf.Tensor, tf.Tensor1D];
        const dy2 = tf.reshape(dy, [-1, H]);
        const xh2 = tf.reshape(xh, [-1, H]);
        const dgamma = tf.sum(tf.mul(dy2, xh2), 0);
        const dbeta = tf.sum(dy2, 0);
        const gdy = tf.mul(dy, gs);
        const dx = tf.mul(rs, tf.sub(tf.sub(gdy, tf.mean(gdy, -1, true)), tf.mul(xh, tf.mean(tf.mul(gdy, xh), -1, true))));
        return [dx, dgamma, dbeta];
      },
    };
  });
  return f(x, gamma, beta);
}

/**
 * The same LayerNorm on the backend's own kernels (fusedKernelNames.ts; wasm registers them): y, x̂ and 1/σ in one
 * pass; dx in another, and dγ, dβ as column sums, in one kernel call.
 */
function fusedLayerNorm(x: tf.Tensor, gamma: tf.Tensor1D, beta: tf.Tensor1D, eps: number): tf.Tensor {
  const f = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
    const [xs, g, b, save] = args as [tf.Tensor, tf.Tensor1D, tf.Tensor1D, tf.GradSaveFunc];
    const [y, xhat, rstd] = tf.engine().runKernel(LAYER_NORM_KERNEL, { x: xs, gamma: g, beta: b }, { epsilon: eps } as unknown as tf.NamedAttrMap) as tf.Tensor[];
    save([xhat!, rstd!, g]);
    return {
      value: y!,
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
        const [xh, rs, gs] = saved as [tf.Tensor, tf.Tensor, tf.Tensor1D];
        return tf.engine().runKernel(LAYER_NORM_GRAD_KERNEL, { dy, xhat: xh, rstd: rs, gamma: gs }) as tf.Tensor[];
      },
    };
  });
  return f(x, gamma, beta);
}

const INV_SQRT_2PI = 1 / Math.sqrt(2 * Math.PI);

/**
 * Exact GELU, x·Φ(x) = ½x(1 + erf(x/√2)) (HF `hidden_act: "gelu"`; not the tanh approximation), with its
 * gradient written out, dGELU/dx = Φ(x) + x·φ(x). x and Φ(x) are saved for the backward pass: recomputing
 * Φ there cost an `erf` (scalar on wasm, the slowest elementwise kernel) and three passes over [N, FFN].
 */
export function gelu(x: tf.Tensor): tf.Tensor {
  if (x.dtype === 'float32' && hasKernels(GELU_KERNEL, GELU_GRAD_KERNEL)) return fusedGelu(x);
  const f = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
    const [xs, save] = args as [tf.Tensor, tf.GradSaveFunc];
    const cdf = tf.mul(tf.add(tf.erf(tf.mul(xs, Math.SQRT1_2)), 1), 0.5);
    save([xs, cdf]);
    return {
      value: tf.mul(xs, cdf),
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
        const [s, cdfS] = saved as [tf.Tensor, tf.Tensor];
        const phi = tf.mul(tf.exp(tf.mul(tf.square(s), -0.5)), INV_SQRT_2PI);
        return tf.mul(dy, tf.add(cdfS, tf.mul(s, phi)));
      },
    };
  });
  return f(x);
}

/** The same GELU on the backend's own one-pass kernels (fusedKernelNames.ts; wasm registers them). */
function fusedGelu(x: tf.Tensor): tf.Tensor {
  const f = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
    const [xs, save] = args as [tf.Tensor, tf.GradSaveFunc];
    const [y, cdf] = tf.engine().runKernel(GELU_KERNEL, { x: xs }) as tf.Tensor[];
    save([xs, cdf!]);
    return {
      value: y!,
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => tf.engine().runKernel(GELU_GRAD_KERNEL, { x: saved[0]!, cdf: saved[1]!, dy }) as tf.Tensor,
    };
  });
  return f(x);
}

/**
 * Row lookup `table[ids]` whose gradient is a scatter-add (`scatterND`). TF.js's own gradient of `gather`
 * needs the UnsortedSegmentSum kernel, which the wasm backend lacks; ScatterNd exists on every backend
 * and sums repeated ids.
 * @param table [V, H]
 * @param ids flat int32 ids, all in [0, V)
 * @returns [ids.length, H]
 */
export function embeddingLookup(table: tf.Tensor2D, ids: Int32Array): tf.Tensor2D {
  const [rows, width] = table.shape;
  const lookup = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
    const [t, save] = args as [tf.Tensor, tf.GradSaveFunc];
    const idx = tf.tensor1d(ids, 'int32');
    save([idx]);
    return {
      value: tf.gather(t, idx),
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => tf.scatterND(saved[0]!.expandDims(1), dy, [rows, width]),
    };
  });
  return lookup(table) as tf.Tensor2D;
}

/**
 * `table[ids]` gathered in JS from a frozen matrix kept off the accelerator (no gradient), so only
 * [n, H] is uploaded (checkpoints.md §1.4, trick 1).
 * @param table row-major [V, H]
 * @returns [ids.length, H]
 */
export function hostEmbeddingLookup(table: Float32Array, width: number, ids: Int32Array): tf.Tensor2D {
  const out = new Float32Array(ids.length * width);
  for (let i = 0; i < ids.length; i++) {
    const row = ids[i]! * width;
    out.set(table.subarray(row, row + width), i * width);
  }
  return tf.tensor2d(out, [ids.length, width]);
}

/** L2 normalisation over the last axis with torch's ε: x / max(‖x‖, 1e-12). @param x [B, D] */
export function l2Normalize(x: tf.Tensor2D): tf.Tensor2D {
  return x.div(x.square().sum(-1, true).sqrt().maximum(1e-12));
}
