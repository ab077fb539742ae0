/**
 * ‖g‖² of one tensor, the term gradient clipping sums over every gradient each step. Where the backend registers
 * SQUARED_NORM_KERNEL (wasm) it is one pass summed in float64 and rounded once; elsewhere `sum(square(g))` in the
 * backend's float32.
 */
import * as tf from '@tensorflow/tfjs';
import { SQUARED_NORM_KERNEL } from '../model/fusedKernelNames';

export function squaredNorm(g: tf.Tensor): tf.Scalar {
  if (g.dtype === 'float32' && tf.getKernel(SQUARED_NORM_KERNEL, tf.getBackend())) return tf.engine().runKernel(SQUARED_NORM_KERNEL, { x: g }) as tf.Scalar;
  return tf.sum(tf.square(g));
}
