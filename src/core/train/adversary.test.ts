import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '../model/backend';
import { AdamW } from './adamw';
import { adversarialLoss, dannLambda, gradientReversal, LanguageDiscriminator, LOGIT_CLAMP } from './adversary';
import { Mulberry32 } from '../metrics/rng';

beforeAll(async () => {
  await initBackend('cpu');
});

let instances = 0;
const makeDiscriminator = (o: { inputDim: number; hidden: number; numClasses: number; seed: number; dropout?: number }) => new LanguageDiscriminator({ ...o, namePrefix: `adv-test-${instances++}` });

/** Central finite differences of a scalar function of a flat vector, in float64 around float32 evaluations. */
function finiteDifference(f: (x: Float32Array) => number, x: Float32Array, eps: number): number[] {
  return Array.from(x, (_, i) => {
    const plus = x.slice();
    const minus = x.slice();
    plus[i]! += eps;
    minus[i]! -= eps;
    return (f(plus) - f(minus)) / (2 * eps);
  });
}

describe('gradientReversal', () => {
  it('is the identity forward', () => {
    const x = tf.tensor2d([
      [1, -2],
      [3, 0.5],
    ]);
    expect(gradientReversal(x, 0.7).arraySync()).toEqual(x.arraySync());
  });

  it.each([0.3, 1, 2.5])('flips the gradient sign and scales it by λ = %s (finite difference of the forward)', (lambda) => {
    const w = tf.tensor1d([0.5, -1.5, 2, 0.25]);
    const f = (x: tf.Tensor) => tf.sum(tf.mul(tf.sin(gradientReversal(x, lambda)), w)) as tf.Scalar;
    const x0 = new Float32Array([0.1, -0.4, 0.9, 1.3]);
    const autodiff = tf.grad(f)(tf.tensor1d(x0)).dataSync();
    const fd = finiteDifference((x) => f(tf.tensor1d(x)).dataSync()[0]!, x0, 1e-2);
    autodiff.forEach((g, i) => expect(g).toBeCloseTo(-lambda * fd[i]!, 3));
  });
});

describe('adversarialLoss', () => {
  const d = 6;
  const labels = new Int32Array([0, 1, 2, 1, 0]);
  const rng = new Mulberry32(4);
  const z0 = Float32Array.from({ length: 5 * d }, () => rng.float() - 0.5);

  it('gives the encoder −λ × the discriminator loss gradient (finite differences through the MLP)', () => {
    const disc = makeDiscriminator({ inputDim: d, hidden: 8, numClasses: 3, seed: 1 });
    const lambda = 0.4;
    const lossAt = (z: Float32Array) => tf.tidy(() => adversarialLoss(disc, tf.tensor2d(z, [5, d]), labels, lambda, { training: false }).loss.dataSync()[0]!);
    const g = tf.grad((z: tf.Tensor) => adversarialLoss(disc, z as tf.Tensor2D, labels, lambda, { training: false }).loss)(tf.tensor2d(z0, [5, d]));
    const fd = finiteDifference(lossAt, z0, 5e-3);
    const gs = g.dataSync();
    let maxAbs = 0;
    fd.forEach((v, i) => {
      expect(gs[i]).toBeCloseTo(-lambda * v, 3);
      maxAbs = Math.max(maxAbs, Math.abs(v));
    });
    expect(maxAbs).toBeGreaterThan(1e-3); // the check is not vacuous
    disc.dispose();
  });

  it('gives the discriminator its un-reversed gradient, whatever λ is', () => {
    const disc = makeDiscriminator({ inputDim: d, hidden: 8, numClasses: 3, seed: 2 });
    const vars = Object.values(disc.variables());
    const gradsFor = (lambda: number) => {
      const { grads } = tf.variableGrads(() => adversarialLoss(disc, tf.tensor2d(z0, [5, d]), labels, lambda, { training: false }).loss, vars);
      return vars.map((v) => Array.from(grads[v.name]!.dataSync()));
    };
    const a = gradsFor(0);
    const b = gradsFor(3);
    expect(b).toEqual(a);
    // and it is the plain cross-entropy gradient: finite difference on dense2.bias
    const bias = disc.variables()['dense2.bias']!;
    const b0 = Float32Array.from(bias.dataSync());
    const lossWithBias = (values: Float32Array) => {
      bias.assign(tf.tensor1d(values));
      return adversarialLoss(disc, tf.tensor2d(z0, [5, d]), labels, 1, { training: false }).loss.dataSync()[0]!;
    };
    const fd = finiteDifference(lossWithBias, b0, 1e-2);
    bias.assign(tf.tensor1d(b0));
    a[3]!.forEach((g, i) => expect(g).toBeCloseTo(fd[i]!, 3));
    disc.dispose();
  });

  it('reports accuracy and clamps logits to ±5', () => {
    const disc = makeDiscriminator({ inputDim: 2, hidden: 2, numClasses: 2, seed: 3 });
    const v = disc.variables();
    v['dense1.weight']!.assign(
      tf.tensor2d([
        [100, 0],
        [0, 100],
      ]),
    );
    v['dense1.bias']!.assign(tf.zeros([2]));
    v['dense2.weight']!.assign(
      tf.tensor2d([
        [1, 0],
        [0, 1],
      ]),
    );
    v['dense2.bias']!.assign(tf.zeros([2]));
    const z = tf.tensor2d([
      [1, 0],
      [0, 1],
      [1, 0],
    ]);
    const logits = disc.logits(z, { training: false });
    expect(Math.max(...Array.from(logits.dataSync()))).toBe(LOGIT_CLAMP);
    const out = adversarialLoss(disc, z, new Int32Array([0, 1, 1]), 1, { training: false });
    expect(out.accuracy.dataSync()[0]).toBeCloseTo(2 / 3, 6);
    // CE with clamped logits (5, 0): log(1 + e^−5) for right answers, 5 + log(1 + e^−5) for the wrong one
    expect(out.loss.dataSync()[0]).toBeCloseTo(Math.log(1 + Math.exp(-5)) + 5 / 3, 5);
    disc.dispose();
  });

  it('learns to tell two languages apart when λ = 0 (discriminator gradients have the right sign)', () => {
    const disc = makeDiscriminator({ inputDim: 2, hidden: 8, numClasses: 2, seed: 5, dropout: 0.1 });
    const opt = new AdamW(disc.variables(), { epsilon: 1e-8, weightDecay: 0 });
    const r = new Mulberry32(9);
    const points = Array.from({ length: 32 }, (_, i) => [(i % 2 ? 1 : -1) + 0.3 * (r.float() - 0.5), r.float() - 0.5]);
    const z = tf.tensor2d(points);
    const y = new Int32Array(points.map((_, i) => i % 2));
    const vars = disc.variables();
    let first = 0;
    let last = 0;
    let acc = 0;
    for (let step = 0; step < 60; step++) {
      let accT: tf.Scalar | null = null;
      const { value, grads } = tf.variableGrads(() => {
        const out = adversarialLoss(disc, z, y, 0, { training: true, dropoutSeed: step });
        accT = tf.keep(out.accuracy);
        return out.loss;
      }, Object.values(vars));
      const loss = value.dataSync()[0]!;
      if (step === 0) first = loss;
      last = loss;
      acc = accT!.dataSync()[0]!;
      const named: Record<string, tf.Tensor> = {};
      for (const [name, v] of Object.entries(vars)) named[name] = grads[v.name]!;
      opt.apply(named, 0.05);
      tf.dispose([value, accT!, ...Object.values(grads)]);
    }
    expect(last).toBeLessThan(0.5 * first);
    expect(acc).toBeGreaterThan(0.9);
    opt.dispose();
    disc.dispose();
  });
});

describe('dannLambda', () => {
  it('follows λ_max (2 / (1 + e^(−10p)) − 1)', () => {
    expect(dannLambda(0, 100, 0.3)).toBe(0);
    expect(dannLambda(50, 100, 1)).toBeCloseTo(2 / (1 + Math.exp(-5)) - 1, 12);
    expect(dannLambda(50, 100, 1)).toBeCloseTo(0.9866142981514305, 12);
    expect(dannLambda(100, 100, 0.3)).toBeCloseTo(0.3 * (2 / (1 + Math.exp(-10)) - 1), 12);
    expect(dannLambda(10, 100, 1)).toBeCloseTo(0.46211715726000974, 12); // tanh(0.5)
  });
});
