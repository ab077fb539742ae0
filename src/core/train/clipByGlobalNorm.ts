/**
 * Global-norm gradient clipping (Pascanu et al. 2013; `torch.nn.utils.clip_grad_norm_`): with
 * n = √(Σ_k ‖g_k‖²) over all gradients, every gradient is scaled by min(1, maxNorm / (n + 1e-6)).
 * The norm is read with `await data()`: a synchronous read fails on WebGPU in workers and in Node.
 */
import * as tf from '@tensorflow/tfjs';
import { squaredNorm } from './squaredNorm';

export interface ClippedGradients {
  /** the scaled gradients, same keys; new tensors the caller disposes */
  grads: Record<string, tf.Tensor>;
  /** the global norm before clipping */
  norm: number;
}

/**
 * @param grads gradients by name (summed in key order, so the result is reproducible)
 * @param maxNorm the largest allowed global norm (> 0); `Infinity` only measures
 */
export async function clipByGlobalNorm(grads: Record<string, tf.Tensor>, maxNorm: number): Promise<ClippedGradients> {
  if (!(maxNorm > 0)) throw new RangeError(`clip norm must be > 0 (got ${maxNorm})`);
  const names = Object.keys(grads);
  const normTensor = tf.tidy(() => {
    if (names.length === 0) return tf.scalar(0);
    const squares = names.map((n) => squaredNorm(grads[n]!));
    return tf.sqrt(tf.addN(squares));
  });
  const norm = (await normTensor.data())[0]!;
  normTensor.dispose();
  const scale = Number.isFinite(maxNorm) ? Math.min(1, maxNorm / (norm + 1e-6)) : 1;
  const out: Record<string, tf.Tensor> = {};
  for (const n of names) out[n] = scale === 1 ? tf.clone(grads[n]!) : tf.tidy(() => tf.mul(grads[n]!, scale));
  return { grads: out, norm };
}
