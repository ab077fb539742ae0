import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '../src/core/model/backend';
import { installWasmSharedIdentity } from './wasmIdentityPatch';

/** A two-layer net whose gradients need saved inputs and outputs (matMul, gelu-like erf, softmax). */
function lossAndGrads(w1: tf.Variable, w2: tf.Variable, x: tf.Tensor2D) {
  return tf.variableGrads(() => {
    const h = tf.matMul(x, w1);
    const g = h.mul(0.5).mul(tf.erf(h.mul(Math.SQRT1_2)).add(1));
    return tf.logSoftmax(tf.matMul(g, w2)).mean() as tf.Scalar;
  }, [w1, w2]);
}

describe('bench wasm Identity patch (saved tensors share data instead of being copied)', () => {
  beforeAll(async () => {
    await initBackend('wasm');
  });

  it('gives the same loss and gradients, frees everything, and restores the kernel', async () => {
    const x = tf.tensor2d(Float32Array.from({ length: 6 * 5 }, (_, i) => Math.sin(i)), [6, 5]);
    const w1 = tf.variable(tf.tensor2d(Float32Array.from({ length: 5 * 4 }, (_, i) => Math.cos(i) / 3), [5, 4]), true, 'idpatch-w1');
    const w2 = tf.variable(tf.tensor2d(Float32Array.from({ length: 4 * 3 }, (_, i) => Math.sin(2 * i) / 3), [4, 3]), true, 'idpatch-w2');
    const run = async () => {
      const { value, grads } = lossAndGrads(w1, w2, x);
      const out = [await value.data(), await grads[w1.name]!.data(), await grads[w2.name]!.data()].map((a) => Array.from(a));
      tf.dispose([value, ...Object.values(grads)]);
      return out;
    };
    const want = await run();
    const original = tf.getKernel('Identity', 'wasm')!.kernelFunc;
    const before = { tensors: tf.memory().numTensors, bytes: tf.memory().numBytes, data: tf.backend().numDataIds() };
    const restore = installWasmSharedIdentity();
    try {
      expect(tf.getKernel('Identity', 'wasm')!.kernelFunc).not.toBe(original);
      const got = await run();
      for (let k = 0; k < want.length; k++) for (let i = 0; i < want[k]!.length; i++) expect(got[k]![i]).toBe(want[k]![i]);
      // tf.clone of a patched tensor shares the data and survives the original's disposal
      const a = tf.tensor1d([1, 2, 3]);
      const b = tf.clone(a);
      a.dispose();
      expect(Array.from(await b.data())).toEqual([1, 2, 3]);
      b.dispose();
      expect({ tensors: tf.memory().numTensors, bytes: tf.memory().numBytes, data: tf.backend().numDataIds() }).toEqual(before);
    } finally {
      restore();
    }
    expect(tf.getKernel('Identity', 'wasm')!.kernelFunc).toBe(original);
    tf.dispose([x, w1, w2]);
  });
});
