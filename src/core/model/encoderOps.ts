/**
 * The differentiable building blocks of the encoder (shared/notes/checkpoints.md §1.3, appendix A),
 * written against HF's tensor layouts so weights need no transposition.
 */
import * as tf from '@tensorflow/tfjs';

/**
 * y = x·Wᵀ + b over the last axis, with torch's Linear layout.
 * @param x [..., in]
 * @param weight [out, in]
 * @param bias [out]
 * @returns [..., out]
 */
export function linear(x: tf.Tensor, weight: tf.Tensor2D, bias: tf.Tensor1D | null): tf.Tensor {
  const inDim = x.shape[x.shape.length - 1]!;
  const y2 = tf.matMul(x.reshape([-1, inDim]), weight, false, true);
  const y = bias ? y2.add(bias) : y2;
  return y.reshape([...x.shape.slice(0, -1), weight.shape[0]]);
}

/**
 * LayerNorm over the last axis with biased variance, as torch: (x − μ)/√(σ² + ε)·γ + β.
 * @param x [..., H]; gamma, beta [H]
 */
export function layerNorm(x: tf.Tensor, gamma: tf.Tensor1D, beta: tf.Tensor1D, eps: number): tf.Tensor {
  const { mean, variance } = tf.moments(x, -1, true);
  return x.sub(mean).mul(tf.rsqrt(variance.add(eps))).mul(gamma).add(beta);
}

/** Exact GELU, x·Φ(x) = ½x(1 + erf(x/√2)) (HF `hidden_act: "gelu"`; not the tanh approximation). */
export function gelu(x: tf.Tensor): tf.Tensor {
  return x.mul(0.5).mul(tf.erf(x.mul(Math.SQRT1_2)).add(1));
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
