import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { CheckpointError } from '../errors';
import { initBackend } from '../model/backend';
import { AdamW, decaysWeight } from './adamw';
import { clipByGlobalNorm } from './clipByGlobalNorm';
import { learningRate } from './learningRate';

beforeAll(async () => {
  await initBackend('cpu');
});

let counter = 0;
const variable = (values: number[], shape: number[]) => tf.variable(tf.tensor(values, shape), true, `adamw-test-${counter++}`);

/** Float64 AdamW by hand (PyTorch order: decay, then the moment update). */
function handAdamW(theta: number[], grads: number[][], lrs: number[], o: { b1: number; b2: number; eps: number; wd: number; decay: boolean }) {
  const m = theta.map(() => 0);
  const v = theta.map(() => 0);
  let th = [...theta];
  grads.forEach((g, k) => {
    const t = k + 1;
    const lr = lrs[k]!;
    th = th.map((x, i) => {
      const decayed = o.decay ? x * (1 - lr * o.wd) : x;
      m[i] = o.b1 * m[i]! + (1 - o.b1) * g[i]!;
      v[i] = o.b2 * v[i]! + (1 - o.b2) * g[i]! ** 2;
      const mHat = m[i]! / (1 - o.b1 ** t);
      const vHat = v[i]! / (1 - o.b2 ** t);
      return decayed - (lr * mHat) / (Math.sqrt(vHat) + o.eps);
    });
  });
  return th;
}

describe('AdamW', () => {
  const wInit = [0.5, -1, 2, 0.25];
  const bInit = [0.1, -0.2];
  const gradsW = [
    [0.1, -0.2, 0.3, 0.05],
    [-0.4, 0.1, 0.2, 0.0],
    [0.3, 0.3, -0.1, 1.5],
  ];
  const gradsB = [
    [1, -1],
    [0.5, 0.25],
    [-2, 0],
  ];
  const lrs = [0.01, 0.05, 0.02];
  const config = { epsilon: 1e-6, weightDecay: 0.1, beta1: 0.9, beta2: 0.999 };

  it('matches a float64 hand computation over three steps; biases are not decayed', () => {
    const w = variable(wInit, [2, 2]);
    const b = variable(bInit, [2]);
    const opt = new AdamW({ 'layer.dense.weight': w, 'layer.dense.bias': b }, config);
    for (let k = 0; k < 3; k++) {
      opt.apply({ 'layer.dense.weight': tf.tensor(gradsW[k]!, [2, 2]), 'layer.dense.bias': tf.tensor(gradsB[k]!) }, lrs[k]!);
    }
    expect(opt.step).toBe(3);
    const common = { b1: 0.9, b2: 0.999, eps: 1e-6, wd: 0.1 };
    const wantW = handAdamW(wInit, gradsW, lrs, { ...common, decay: true });
    const wantB = handAdamW(bInit, gradsB, lrs, { ...common, decay: false });
    Array.from(w.dataSync()).forEach((x, i) => expect(x).toBeCloseTo(wantW[i]!, 6));
    Array.from(b.dataSync()).forEach((x, i) => expect(x).toBeCloseTo(wantB[i]!, 6));
    // decay really happened on the matrix: without it the result differs
    const noDecay = handAdamW(wInit, gradsW, lrs, { ...common, decay: false });
    expect(Math.abs(noDecay[2]! - wantW[2]!)).toBeGreaterThan(1e-4);
    // the first step moves each coordinate by about lr (Adam's normalised step), sign of −g
    opt.dispose();
  });

  it('uses the explicit ε: a huge ε shrinks the step to about lr·g/ε', () => {
    const x = variable([0], [1]);
    const opt = new AdamW({ x }, { epsilon: 10, weightDecay: 0 });
    opt.apply({ x: tf.tensor([2]) }, 1);
    // m̂ = 2, v̂ = 4 → step = 2 / (2 + 10)
    expect(x.dataSync()[0]).toBeCloseTo(-2 / 12, 6);
    opt.dispose();
  });

  it('skips variables without a gradient and refuses unknown names', () => {
    const x = variable([1, 2], [2]);
    const y = variable([3], [1]);
    const opt = new AdamW({ x, y }, config);
    opt.apply({ x: tf.tensor([1, 1]) }, 0.1);
    expect(Array.from(y.dataSync())).toEqual([3]);
    expect(() => opt.apply({ z: tf.tensor([1]) }, 0.1)).toThrow(/unknown variable "z"/);
    opt.dispose();
  });

  it('exports and imports its state so a continued run is bit-identical', async () => {
    const run = async (split: boolean) => {
      const w = variable(wInit, [2, 2]);
      let opt = new AdamW({ w }, config);
      for (let k = 0; k < 3; k++) {
        if (split && k === 2) {
          const state = await opt.exportState();
          const snapshot = w.dataSync().slice();
          opt.dispose();
          // a fresh variable and optimiser, as after loading a checkpoint
          const w2 = variable(Array.from(snapshot), [2, 2]);
          opt = new AdamW({ w: w2 }, config);
          opt.importState(state);
          expect(opt.step).toBe(2);
          opt.apply({ w: tf.tensor(gradsW[k]!, [2, 2]) }, lrs[k]!);
          return { weights: w2.dataSync().slice(), state: await opt.exportState() };
        }
        opt.apply({ w: tf.tensor(gradsW[k]!, [2, 2]) }, lrs[k]!);
      }
      return { weights: w.dataSync().slice(), state: await opt.exportState() };
    };
    const straight = await run(false);
    const resumed = await run(true);
    expect(resumed.weights).toEqual(straight.weights);
    expect(resumed.state.slots['w/m']!.data).toEqual(straight.state.slots['w/m']!.data);
    expect(resumed.state.slots['w/v']!.data).toEqual(straight.state.slots['w/v']!.data);
    expect(Object.keys(straight.state.slots)).toEqual(['w/m', 'w/v']);
  });

  it('the fused update (webgpu) gives the same bits as the per-variable one, groups split at the size cap', async () => {
    // decayed matrices that need two fused groups (4200 + 1200 + 200 elements, groups of at most 5000), a bias, a
    // LayerNorm gain, and a variable left without a gradient
    const groupElements = 5000;
    const shapes: Record<string, number[]> = {
      'encoder.big.weight': [60, 70],
      'encoder.dense.weight': [30, 40],
      'encoder.small.weight': [20, 10],
      'encoder.dense.bias': [7],
      'encoder.LayerNorm.weight': [5],
      'encoder.idle.weight': [3, 3],
    };
    // seeds from 1: tfjs draws an unseeded sequence for seed 0
    const random = (shape: number[], seed: number) => tf.randomNormal(shape, 0, 1, 'float32', seed + 1);
    /** elements whose bits differ */
    const differing = (a: Float32Array, b: Float32Array) => {
      expect(a.length).toBe(b.length);
      let n = 0;
      for (let i = 0; i < a.length; i++) if (!Object.is(a[i], b[i])) n++;
      return n;
    };
    const run = async (fused: boolean) => {
      const vars = Object.fromEntries(Object.entries(shapes).map(([name, shape], i) => [name, tf.variable(random(shape, i), true, `adamw-fused-${fused}-${counter++}`)]));
      const opt = new AdamW(vars, config, { fused, groupElements });
      for (let k = 0; k < 3; k++) {
        const grads = Object.fromEntries(
          Object.entries(shapes)
            .filter(([name]) => name !== 'encoder.idle.weight')
            .map(([name, shape], i) => [name, random(shape, 100 * (k + 1) + i)]),
        );
        opt.apply(grads, lrs[k]!);
        for (const g of Object.values(grads)) g.dispose();
      }
      const weights = Object.fromEntries(Object.entries(vars).map(([name, v]) => [name, v.dataSync().slice() as Float32Array]));
      const state = await opt.exportState();
      opt.dispose();
      for (const v of Object.values(vars)) v.dispose();
      return { weights, state };
    };
    const perVariable = await run(false);
    const fused = await run(true);
    for (const name of Object.keys(shapes)) {
      expect(differing(fused.weights[name]!, perVariable.weights[name]!), name).toBe(0);
      expect(differing(fused.state.slots[`${name}/m`]!.data, perVariable.state.slots[`${name}/m`]!.data), `${name}/m`).toBe(0);
      expect(differing(fused.state.slots[`${name}/v`]!.data, perVariable.state.slots[`${name}/v`]!.data), `${name}/v`).toBe(0);
      expect(fused.state.slots[`${name}/m`]!.shape).toEqual(shapes[name]);
    }
    // the update did move the weights (a no-op would pass the comparison too)
    const initial = random(shapes['encoder.dense.weight']!, 1);
    expect(differing(fused.weights['encoder.dense.weight']!, initial.dataSync() as Float32Array)).toBeGreaterThan(0);
    initial.dispose();
    expect(Array.from(fused.state.slots['encoder.idle.weight/m']!.data).every((x) => x === 0)).toBe(true);
  });

  it('refuses a state with a missing or misshapen slot, naming it', () => {
    const w = variable(wInit, [2, 2]);
    const opt = new AdamW({ w }, config);
    expect(() => opt.importState({ step: 1, slots: {} }, 'optimizer.safetensors')).toThrow(CheckpointError);
    expect(() => opt.importState({ step: 1, slots: {} }, 'optimizer.safetensors')).toThrow('optimizer.safetensors: missing slot "w/m"');
    const bad = { shape: [4], data: new Float32Array(4) };
    expect(() => opt.importState({ step: 1, slots: { 'w/m': bad, 'w/v': bad } })).toThrow(/shape \[4\]/);
    opt.dispose();
  });

  it('decays matrices only, never biases or LayerNorm parameters', () => {
    expect(decaysWeight('encoder.layer.0.attention.self.query.weight', [64, 64])).toBe(true);
    expect(decaysWeight('embeddings.word_embeddings.weight', [100, 64])).toBe(true);
    expect(decaysWeight('encoder.layer.0.attention.self.query.bias', [64])).toBe(false);
    expect(decaysWeight('embeddings.LayerNorm.weight', [64])).toBe(false);
    expect(decaysWeight('encoder.layer_norm.weight', [64, 2])).toBe(false);
    expect(decaysWeight('discriminator.dense1.weight', [8, 4])).toBe(true);
  });
});

describe('clipByGlobalNorm', () => {
  it('scales every gradient by maxNorm / globalNorm when over the limit, and leaves them alone otherwise', async () => {
    const grads = { a: tf.tensor([3, 0]), b: tf.tensor([[0, 4]]) }; // global norm 5
    const clipped = await clipByGlobalNorm(grads, 1);
    expect(clipped.norm).toBeCloseTo(5, 6);
    expect(Array.from(clipped.grads.a!.dataSync())).toEqual([expect.closeTo(0.6, 5), 0]);
    expect(Array.from(clipped.grads.b!.dataSync())).toEqual([0, expect.closeTo(0.8, 5)]);
    const free = await clipByGlobalNorm(grads, 10);
    expect(Array.from(free.grads.a!.dataSync())).toEqual([3, 0]);
    await expect(clipByGlobalNorm(grads, 0)).rejects.toThrow(/clip/);
  });
});

describe('learningRate', () => {
  const o = { lr: 1e-3, warmupSteps: 4, totalSteps: 12, schedule: 'linear' as const };
  it('warms up linearly from lr/W at step 0 to lr at step W−1', () => {
    expect([0, 1, 2, 3].map((s) => learningRate(s, o))).toEqual([0.25e-3, 0.5e-3, 0.75e-3, 1e-3]);
  });
  it('then decays linearly to lr/(T−W) at the last step', () => {
    expect(learningRate(4, o)).toBeCloseTo(1e-3, 15);
    expect(learningRate(8, o)).toBeCloseTo(0.5e-3, 15); // (12 − 8) / 8
    expect(learningRate(11, o)).toBeCloseTo(1e-3 / 8, 15);
  });
  it('or stays constant after warm-up; no warm-up starts at lr', () => {
    expect(learningRate(11, { ...o, schedule: 'constant' })).toBe(1e-3);
    expect(learningRate(0, { ...o, warmupSteps: 0 })).toBe(1e-3);
    expect(learningRate(0, { ...o, warmupSteps: 0, schedule: 'constant' })).toBe(1e-3);
  });
});
