import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from './backend';
import { gelu, layerNorm } from './encoderOps';

/** The plain autodiff formulas the written-out gradients replace. */
const autodiffLayerNorm = (x: tf.Tensor, g: tf.Tensor, b: tf.Tensor, eps: number) => {
  const { mean, variance } = tf.moments(x, -1, true);
  return x
    .sub(mean)
    .mul(tf.rsqrt(variance.add(eps)))
    .mul(g)
    .add(b);
};
const autodiffGelu = (x: tf.Tensor) => x.mul(0.5).mul(tf.erf(x.mul(Math.SQRT1_2)).add(1));

const values = (shape: number[], seed: number, scale = 1) =>
  tf.tensor(
    Float32Array.from({ length: shape.reduce((p, d) => p * d, 1) }, (_, i) => scale * Math.sin(seed * 13.1 + i * 0.71)),
    shape,
  );

async function maxDiff(a: tf.Tensor, b: tf.Tensor): Promise<number> {
  const [x, y] = [await a.data(), await b.data()];
  let worst = 0;
  for (let i = 0; i < x.length; i++) worst = Math.max(worst, Math.abs(x[i]! - y[i]!));
  return worst;
}

describe.each(['cpu', 'wasm'] as const)('encoder ops with written-out gradients (%s)', (backend) => {
  beforeAll(async () => {
    await initBackend(backend);
  });

  it('layerNorm: values and the gradients of x, γ and β match autodiff through tf.moments', async () => {
    const x = values([3, 5, 8], 1, 2);
    const g = values([8], 2);
    const b = values([8], 3);
    const w = values([3, 5, 8], 4); // a weighting so dy is not uniform
    const loss = (f: typeof layerNorm) => (xs: tf.Tensor, gs: tf.Tensor, bs: tf.Tensor) => tf.sum(tf.mul(f(xs, gs as tf.Tensor1D, bs as tf.Tensor1D, 1e-5), w));
    expect(await maxDiff(layerNorm(x, g as tf.Tensor1D, b as tf.Tensor1D, 1e-5), autodiffLayerNorm(x, g, b, 1e-5))).toBeLessThan(1e-5);
    const got = tf.grads(loss(layerNorm))([x, g, b]);
    const want = tf.grads(loss(autodiffLayerNorm as typeof layerNorm))([x, g, b]);
    for (let k = 0; k < 3; k++) {
      expect(got[k]!.shape).toEqual(want[k]!.shape);
      expect(await maxDiff(got[k]!, want[k]!)).toBeLessThan(1e-4);
    }
  });

  it('gelu: values and gradient match autodiff of ½x(1 + erf(x/√2))', async () => {
    const x = values([4, 16], 5, 3);
    const w = values([4, 16], 6);
    expect(await maxDiff(gelu(x), autodiffGelu(x))).toBeLessThan(1e-6);
    const got = tf.grad((xs: tf.Tensor) => tf.sum(tf.mul(gelu(xs), w)))(x);
    const want = tf.grad((xs: tf.Tensor) => tf.sum(tf.mul(autodiffGelu(xs), w)))(x);
    expect(await maxDiff(got, want)).toBeLessThan(1e-5);
  });

  it('keeps no tensor alive after a gradient', () => {
    const x = values([2, 3, 4], 7);
    const g = values([4], 8);
    const b = values([4], 9);
    const before = tf.memory().numTensors;
    const grads = tf.tidy(() => tf.grads((xs: tf.Tensor, gs: tf.Tensor, bs: tf.Tensor) => tf.sum(gelu(layerNorm(xs, gs as tf.Tensor1D, bs as tf.Tensor1D, 1e-5))))([x, g, b]));
    expect(tf.memory().numTensors).toBe(before + 3);
    tf.dispose(grads);
    expect(tf.memory().numTensors).toBe(before);
  });
});
