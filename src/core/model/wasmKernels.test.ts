import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { geluGrad64, normalCdf64 } from '../testing/erf64.testutil';
import { initBackend } from './backend';
import { gelu, layerNorm, linear } from './encoderOps';
import { AdamW } from '../train/adamw';
import { clipByGlobalNorm } from '../train/clipByGlobalNorm';
import { ADAMW_KERNEL, GELU_KERNEL, LAYER_NORM_GRAD_KERNEL, LAYER_NORM_KERNEL, LINEAR_KERNEL, SQUARED_NORM_KERNEL } from './fusedKernelNames';
import { FAST_WASM_KERNELS, installedWasmKernels, installWasmKernels, STOCK_WASM_KERNELS } from './wasmKernels';

const installWasmTransposeMatMul = () => installWasmKernels({ ...STOCK_WASM_KERNELS, matmul: true, sharedIdentity: false, leadingSum: false, ownGemm: false });

/** `transposed`: the shapes our kernel hands to the Transpose kernel (none where it leaves the product to the stock one) */
const CASES: { name: string; a: number[]; b: number[]; ta: boolean; tb: boolean; transposed?: number[][] }[] = [
  { name: 'NN 2-D', a: [7, 5], b: [5, 3], ta: false, tb: false },
  { name: 'NT 2-D (linear x·Wᵀ)', a: [7, 5], b: [3, 5], ta: false, tb: true, transposed: [[3, 5]] },
  { name: 'TN 2-D (weight gradient)', a: [5, 7], b: [5, 3], ta: true, tb: false, transposed: [[5, 7]] },
  {
    name: 'TT 2-D',
    a: [5, 7],
    b: [3, 5],
    ta: true,
    tb: true,
    transposed: [
      [5, 7],
      [3, 5],
    ],
  },
  { name: 'TN with one batch of rank 3', a: [1, 5, 9], b: [1, 5, 2], ta: true, tb: false, transposed: [[1, 5, 9]] },
  { name: 'batched NT (attention q·kᵀ)', a: [2, 3, 6, 4], b: [2, 3, 6, 4], ta: false, tb: true },
  { name: 'batched TN', a: [2, 3, 4, 6], b: [2, 3, 4, 5], ta: true, tb: false },
  { name: 'batched NN', a: [6, 4, 5], b: [6, 5, 2], ta: false, tb: false },
  { name: 'broadcast batch (left to the original kernel)', a: [3, 4, 5], b: [1, 5, 2], ta: false, tb: false },
];

/**
 * Re-register a wasm kernel with a wrapper that reports each call, before our kernels capture it.
 * @returns a function that puts the original back
 */
function spyOnKernel(name: string, onCall: (args: Parameters<tf.KernelFunc>[0]) => void): () => void {
  const original = tf.getKernel(name, 'wasm')!;
  tf.unregisterKernel(name, 'wasm');
  tf.registerKernel({
    kernelName: name,
    backendName: 'wasm',
    kernelFunc: (args) => {
      onCall(args);
      return original.kernelFunc(args);
    },
  });
  return () => {
    tf.unregisterKernel(name, 'wasm');
    tf.registerKernel({ ...original, setupFunc: undefined });
  };
}

function values(shape: number[], seed: number): tf.Tensor {
  const n = shape.reduce((p, d) => p * d, 1);
  return tf.tensor(
    Float32Array.from({ length: n }, (_, i) => Math.sin(seed * 100 + i * 0.7)),
    shape,
  );
}

describe('wasm BatchMatMul replacement (transpose materialised, per-batch XNNPACK)', () => {
  const reference = new Map<string, Float32Array>();

  beforeAll(async () => {
    await initBackend('wasm', { wasmKernels: STOCK_WASM_KERNELS });
    for (const c of CASES) {
      const y = tf.tidy(() => tf.matMul(values(c.a, 1), values(c.b, 2), c.ta, c.tb));
      reference.set(c.name, (await y.data()) as Float32Array);
      y.dispose();
    }
  });
  afterAll(() => {
    tf.disposeVariables();
  });

  it.each(CASES)('$name gives the original kernel’s result and shape', async (c) => {
    const transposed: number[][] = [];
    const restoreSpy = spyOnKernel('Transpose', (args) => transposed.push([...(args.inputs as { x: tf.TensorInfo }).x.shape]));
    const restore = installWasmTransposeMatMul();
    try {
      const before = tf.memory().numTensors;
      const y = tf.tidy(() => tf.matMul(values(c.a, 1), values(c.b, 2), c.ta, c.tb));
      const got = (await y.data()) as Float32Array;
      const want = reference.get(c.name)!;
      expect(got.length).toBe(want.length);
      let worst = 0;
      for (let i = 0; i < got.length; i++) worst = Math.max(worst, Math.abs(got[i]! - want[i]!));
      expect(worst).toBeLessThan(1e-5);
      y.dispose();
      expect(tf.memory().numTensors).toBe(before);
      if (c.transposed) expect(transposed).toEqual(c.transposed);
    } finally {
      restore();
      restoreSpy();
    }
  });

  it('gives the same gradients as the original kernel for the encoder’s linear layer', async () => {
    const x = values([9, 6], 3);
    const w = values([4, 6], 4);
    const grads = () => tf.grads((a: tf.Tensor, b: tf.Tensor) => tf.matMul(a, b, false, true).square().sum())([x, w]);
    const want = await Promise.all(grads().map((g) => g.data()));
    const restore = installWasmTransposeMatMul();
    try {
      const got = await Promise.all(grads().map((g) => g.data()));
      for (let k = 0; k < 2; k++) {
        for (let i = 0; i < want[k]!.length; i++) expect(got[k]![i]).toBeCloseTo(want[k]![i]!, 4);
      }
    } finally {
      restore();
    }
  });

  it('restores the original kernel, and installing twice wraps nothing twice', () => {
    const original = tf.getKernel('BatchMatMul', 'wasm')!.kernelFunc;
    const restore = installWasmTransposeMatMul();
    const ours = tf.getKernel('BatchMatMul', 'wasm')!.kernelFunc;
    expect(ours).not.toBe(original);
    installWasmTransposeMatMul();
    expect(tf.getKernel('BatchMatMul', 'wasm')!.kernelFunc).toBe(ours);
    expect(installedWasmKernels()).toEqual({ ...STOCK_WASM_KERNELS, matmul: true });
    restore();
    expect(tf.getKernel('BatchMatMul', 'wasm')!.kernelFunc).toBe(original);
    expect(installedWasmKernels()).toEqual(STOCK_WASM_KERNELS);
  });
});

/** A two-layer net whose gradients need saved inputs and outputs (matMul, gelu-like erf, softmax). */
function lossAndGrads(w1: tf.Variable, w2: tf.Variable, x: tf.Tensor2D) {
  return tf.variableGrads(() => {
    const h = tf.matMul(x, w1);
    const g = h.mul(0.5).mul(tf.erf(h.mul(Math.SQRT1_2)).add(1));
    return tf.logSoftmax(tf.matMul(g, w2)).mean() as tf.Scalar;
  }, [w1, w2]);
}

describe('wasm Identity replacement (saved tensors share data instead of being copied)', () => {
  beforeAll(async () => {
    await initBackend('wasm', { wasmKernels: STOCK_WASM_KERNELS });
  });

  it('gives the same loss and gradients, frees everything, and restores the kernel', async () => {
    const x = tf.tensor2d(
      Float32Array.from({ length: 6 * 5 }, (_, i) => Math.sin(i)),
      [6, 5],
    );
    const w1 = tf.variable(
      tf.tensor2d(
        Float32Array.from({ length: 5 * 4 }, (_, i) => Math.cos(i) / 3),
        [5, 4],
      ),
      true,
      'idpatch-w1',
    );
    const w2 = tf.variable(
      tf.tensor2d(
        Float32Array.from({ length: 4 * 3 }, (_, i) => Math.sin(2 * i) / 3),
        [4, 3],
      ),
      true,
      'idpatch-w2',
    );
    const run = async () => {
      const { value, grads } = lossAndGrads(w1, w2, x);
      const out = [await value.data(), await grads[w1.name]!.data(), await grads[w2.name]!.data()].map((a) => Array.from(a));
      tf.dispose([value, ...Object.values(grads)]);
      return out;
    };
    const want = await run();
    const original = tf.getKernel('Identity', 'wasm')!.kernelFunc;
    const before = { tensors: tf.memory().numTensors, bytes: tf.memory().numBytes, data: tf.backend().numDataIds() };
    const restore = installWasmKernels({ ...STOCK_WASM_KERNELS, matmul: false, sharedIdentity: true, leadingSum: false, ownGemm: false });
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

/** `own`: whether our product kernel takes it (the others go to the XNNPACK paths) */
const OWN_CASES: { name: string; a: number[]; b: number[]; ta: boolean; tb: boolean; own: boolean }[] = [
  { name: 'NN 2-D, M not a multiple of 4', a: [7, 5], b: [5, 16], ta: false, tb: false, own: true },
  { name: 'NT 2-D (linear x·Wᵀ)', a: [9, 6], b: [8, 6], ta: false, tb: true, own: true },
  { name: 'TN 2-D (weight gradient dyᵀ·x)', a: [6, 9], b: [6, 24], ta: true, tb: false, own: true },
  { name: 'TT 2-D', a: [5, 7], b: [8, 5], ta: true, tb: true, own: true },
  { name: 'batched NT (attention q·kᵀ)', a: [2, 3, 6, 4], b: [2, 3, 8, 4], ta: false, tb: true, own: true },
  { name: 'batched TN', a: [2, 3, 4, 6], b: [2, 3, 4, 8], ta: true, tb: false, own: true },
  { name: 'a batched, b shared by every batch', a: [3, 4, 5], b: [5, 8], ta: false, tb: false, own: true },
  { name: 'N not a multiple of 8 (left to XNNPACK)', a: [7, 5], b: [5, 3], ta: false, tb: false, own: false },
  { name: 'b batched, a not (left to XNNPACK)', a: [4, 5], b: [3, 5, 8], ta: false, tb: false, own: false },
];

describe('wasm BatchMatMul on our own product kernel (wasmGemm.ts)', () => {
  const reference = new Map<string, { values: Float32Array; shape: number[] }>();

  beforeAll(async () => {
    await initBackend('wasm', { wasmKernels: STOCK_WASM_KERNELS });
    for (const c of OWN_CASES) {
      const y = tf.tidy(() => tf.matMul(values(c.a, 1), values(c.b, 2), c.ta, c.tb));
      reference.set(c.name, { values: (await y.data()) as Float32Array, shape: y.shape });
      y.dispose();
    }
  });

  it.each(OWN_CASES)('$name gives the stock kernel’s result and shape', async (c) => {
    let stockCalls = 0;
    const restoreSpy = spyOnKernel('BatchMatMul', () => stockCalls++);
    const restore = installWasmKernels({ ...STOCK_WASM_KERNELS, matmul: true, sharedIdentity: false, leadingSum: false, ownGemm: true });
    try {
      expect(installedWasmKernels().ownGemm).toBe(true);
      const before = { tensors: tf.memory().numTensors, data: tf.backend().numDataIds() };
      const y = tf.tidy(() => tf.matMul(values(c.a, 1), values(c.b, 2), c.ta, c.tb));
      const want = reference.get(c.name)!;
      expect(y.shape).toEqual(want.shape);
      const got = (await y.data()) as Float32Array;
      for (let i = 0; i < got.length; i++) expect(Math.abs(got[i]! - want.values[i]!)).toBeLessThan(1e-5);
      y.dispose();
      expect({ tensors: tf.memory().numTensors, data: tf.backend().numDataIds() }).toEqual(before);
      if (c.own) expect(stockCalls).toBe(0);
      else expect(stockCalls).toBeGreaterThan(0);
    } finally {
      restore();
      restoreSpy();
    }
  });

  it('gives the stock kernel’s gradients through an encoder-like layer', async () => {
    const x = values([10, 16], 3);
    const w = values([24, 16], 4);
    const grads = () => tf.grads((p: tf.Tensor, q: tf.Tensor) => tf.matMul(p, q, false, true).square().sum())([x, w]);
    const want = await Promise.all(grads().map((g) => g.data()));
    const restore = installWasmKernels({ ...STOCK_WASM_KERNELS, matmul: true, sharedIdentity: false, leadingSum: false, ownGemm: true });
    try {
      const got = await Promise.all(grads().map((g) => g.data()));
      for (let k = 0; k < 2; k++) for (let i = 0; i < want[k]!.length; i++) expect(got[k]![i]).toBeCloseTo(want[k]![i]!, 3);
    } finally {
      restore();
    }
  });
});

/** `ours`: whether our kernel sums it (the others go to the stock kernel) */
const SUM_CASES: { name: string; shape: number[]; axis: number | number[]; keepDims: boolean; dtype?: 'int32'; ours?: true }[] = [
  { name: 'axis 0 of a matrix (bias gradient)', shape: [37, 5], axis: 0, keepDims: false, ours: true },
  { name: 'axis 0, keepDims', shape: [37, 5], axis: [0], keepDims: true, ours: true },
  { name: 'two leading axes, given unsorted and negative', shape: [4, 9, 6], axis: [1, -3], keepDims: false, ours: true },
  { name: 'two leading axes, keepDims', shape: [4, 9, 6], axis: [0, 1], keepDims: true, ours: true },
  { name: 'a middle axis (left to the original kernel)', shape: [4, 9, 6], axis: 1, keepDims: false },
  { name: 'the last axis (left to the original kernel)', shape: [4, 9, 6], axis: -1, keepDims: true },
  { name: 'every axis (left to the original kernel)', shape: [4, 9], axis: [0, 1], keepDims: false },
  { name: 'int32 (left to the original kernel)', shape: [7, 3], axis: 0, keepDims: false, dtype: 'int32' },
];

describe('wasm Sum replacement (leading axes summed row by row)', () => {
  const sum = (c: (typeof SUM_CASES)[number]) => tf.tidy(() => tf.sum(c.dtype ? values(c.shape, 5).mul(10).cast(c.dtype) : values(c.shape, 5), c.axis, c.keepDims));

  beforeAll(async () => {
    await initBackend('wasm', { wasmKernels: STOCK_WASM_KERNELS });
  });

  it.each(SUM_CASES)('$name gives the original kernel’s values, shape and dtype, and leaks nothing', async (c) => {
    const want = sum(c);
    const wantValues = await want.data();
    let stockCalls = 0;
    const restoreSpy = spyOnKernel('Sum', () => stockCalls++);
    const restore = installWasmKernels({ ...STOCK_WASM_KERNELS, matmul: false, sharedIdentity: false, leadingSum: true, ownGemm: false });
    try {
      expect(installedWasmKernels().leadingSum).toBe(true);
      const before = { tensors: tf.memory().numTensors, data: tf.backend().numDataIds() };
      const got = sum(c);
      expect(got.shape).toEqual(want.shape);
      expect(got.dtype).toBe(want.dtype);
      const gotValues = await got.data();
      for (let i = 0; i < wantValues.length; i++) expect(Math.abs(gotValues[i]! - wantValues[i]!)).toBeLessThan(1e-5);
      got.dispose();
      expect({ tensors: tf.memory().numTensors, data: tf.backend().numDataIds() }).toEqual(before);
      expect(stockCalls).toBe(c.ours ? 0 : 1);
    } finally {
      restore();
      restoreSpy();
      want.dispose();
    }
    expect(installedWasmKernels().leadingSum).toBe(false);
  });

  it('gives the same bias gradient through a broadcast add', async () => {
    const x = values([33, 7], 6);
    const bias = values([7], 7);
    const grad = () => tf.grad((b: tf.Tensor) => tf.add(x, b).square().sum())(bias);
    const want = await grad().data();
    const restore = installWasmKernels({ ...STOCK_WASM_KERNELS, matmul: false, sharedIdentity: false, leadingSum: true, ownGemm: false });
    try {
      const got = await grad().data();
      for (let i = 0; i < want.length; i++) expect(got[i]).toBeCloseTo(want[i]!, 4);
    } finally {
      restore();
    }
  });
});

describe('wasm GELU as one pass each way, and the row gather', () => {
  beforeAll(async () => {
    await initBackend('wasm', { wasmKernels: STOCK_WASM_KERNELS });
  });

  it('gelu takes our kernels where registered: values and gradient match float64 GELU, tails of n mod 4 included', async () => {
    const x = tf.tensor1d(Array.from({ length: 4 * 50 + 3 }, (_, i) => (i - 101) * 0.09));
    const w = values([203], 8);
    const run = () => {
      const y = gelu(x);
      const dx = tf.grad((xs: tf.Tensor) => tf.sum(tf.mul(gelu(xs), w)))(x);
      return { y, dx };
    };
    let geluCalls = 0;
    const restore = installWasmKernels({ ...STOCK_WASM_KERNELS, fusedGelu: true });
    expect(installedWasmKernels().fusedGelu).toBe(true);
    const restoreSpy = spyOnKernel(GELU_KERNEL, () => geluCalls++);
    try {
      const before = tf.memory().numTensors;
      const { y, dx } = run();
      const [xv, yv, dxv, wv] = await Promise.all([x.data(), y.data(), dx.data(), w.data()]);
      for (let i = 0; i < xv.length; i++) {
        const v = xv[i]!;
        expect(Math.abs(yv[i]! - v * normalCdf64(v))).toBeLessThan(3e-7 * Math.max(1, Math.abs(v)));
        expect(Math.abs(dxv[i]! - wv[i]! * geluGrad64(v))).toBeLessThan(1e-6);
      }
      tf.dispose([y, dx]);
      expect(tf.memory().numTensors).toBe(before);
      expect(geluCalls).toBe(2);
    } finally {
      restoreSpy();
      restore();
    }
    expect(tf.getKernel(GELU_KERNEL, 'wasm')).toBeUndefined();
    tf.dispose([x, w]);
  });

  it('GatherV2 of rows copies the stock kernel’s bits; other gathers and bad ids go to the stock kernel', async () => {
    const table = values([20, 3, 4], 9);
    const ids = tf.tensor2d([3, 0, 19, 3, 7, 7], [2, 3], 'int32');
    const want = await tf.gather(table, ids).data();
    const wantColumns = await tf.gather(table, tf.tensor1d([2, 0], 'int32'), 2).data();
    let stockCalls = 0;
    const restoreSpy = spyOnKernel('GatherV2', () => stockCalls++);
    const restore = installWasmKernels({ ...STOCK_WASM_KERNELS, gather: true });
    try {
      const got = tf.gather(table, ids);
      expect(got.shape).toEqual([2, 3, 3, 4]);
      expect(Array.from(await got.data())).toEqual(Array.from(want));
      expect(stockCalls).toBe(0);
      expect(Array.from(await tf.gather(table, tf.tensor1d([2, 0], 'int32'), 2).data())).toEqual(Array.from(wantColumns));
      expect(stockCalls).toBe(1);
      expect(() => tf.gather(table, tf.tensor1d([20], 'int32'))).toThrow('GatherV2: the index value 20 is not in [0, 19]');
      expect(stockCalls).toBe(2);
    } finally {
      restore();
      restoreSpy();
    }
  });
});

describe('wasm AdamW as one pass per variable', () => {
  beforeAll(async () => {
    await initBackend('wasm', { wasmKernels: STOCK_WASM_KERNELS });
  });

  it('gives the bits of the update composed of stock kernels, decayed or not, tails of n mod 4 included', async () => {
    const shapes: Record<string, number[]> = { 'enc.big.weight': [60, 70], 'enc.odd.weight': [7, 3], 'enc.dense.bias': [7], 'enc.LayerNorm.weight': [5], 'enc.idle.weight': [3, 3] };
    const random = (shape: number[], seed: number) => tf.randomNormal(shape, 0, 1, 'float32', seed + 1);
    const run = async () => {
      // variables outlive tidy; their initial tensors do not
      const vars = Object.fromEntries(Object.entries(shapes).map(([name, shape], i) => [name, tf.tidy(() => tf.variable(random(shape, i), true, `adamw-wasm-${name}-${Math.random()}`))]));
      const opt = new AdamW(vars, { epsilon: 1e-6, weightDecay: 0.1, beta1: 0.9, beta2: 0.999 });
      for (let k = 0; k < 3; k++) {
        const grads = Object.fromEntries(
          Object.entries(shapes)
            .filter(([name]) => name !== 'enc.idle.weight')
            .map(([name, shape], i) => [name, random(shape, 100 * (k + 1) + i)]),
        );
        opt.apply(grads, [0.01, 0.05, 0.02][k]!);
        tf.dispose(Object.values(grads));
      }
      const weights = Object.fromEntries(Object.entries(vars).map(([name, v]) => [name, Array.from(v.dataSync())]));
      const state = await opt.exportState();
      opt.dispose();
      tf.dispose(Object.values(vars));
      return { weights, slots: Object.fromEntries(Object.entries(state.slots).map(([k, v]) => [k, Array.from(v.data)])) };
    };
    const composed = await run();
    let calls = 0;
    const restore = installWasmKernels({ ...STOCK_WASM_KERNELS, fusedAdamW: true });
    expect(installedWasmKernels().fusedAdamW).toBe(true);
    const restoreSpy = spyOnKernel(ADAMW_KERNEL, () => calls++);
    try {
      const before = tf.memory().numTensors;
      const onePass = await run();
      expect(tf.memory().numTensors).toBe(before);
      expect(calls).toBe(3 * 4);
      expect(onePass.weights).toEqual(composed.weights);
      expect(onePass.slots).toEqual(composed.slots);
      const initial = random([60, 70], 0);
      expect(onePass.weights['enc.big.weight']).not.toEqual(Array.from(initial.dataSync()));
      initial.dispose();
    } finally {
      restoreSpy();
      restore();
    }
  });
});

/** LayerNorm of one row and the gradients of Σ w·LayerNorm(x) to x, γ and β, all in float64. */
function layerNorm64(x: number[], gamma: number[], beta: number[], w: number[], eps: number) {
  const h = x.length;
  const mean = x.reduce((p, v) => p + v, 0) / h;
  const r = 1 / Math.sqrt(x.reduce((p, v) => p + (v - mean) ** 2, 0) / h + eps);
  const xhat = x.map((v) => (v - mean) * r);
  const g = w.map((wj, j) => wj * gamma[j]!);
  const m1 = g.reduce((p, v) => p + v, 0) / h;
  const m2 = g.reduce((p, v, j) => p + v * xhat[j]!, 0) / h;
  return { y: xhat.map((v, j) => v * gamma[j]! + beta[j]!), dx: g.map((gj, j) => r * (gj - m1 - xhat[j]! * m2)), dgamma: w.map((wj, j) => wj * xhat[j]!), dbeta: w };
}

describe('wasm LayerNorm as one pass each way, and Σx² in float64', () => {
  beforeAll(async () => {
    await initBackend('wasm', { wasmKernels: STOCK_WASM_KERNELS });
  });

  /** y = LayerNorm(x), and the gradients of Σ w·y, against float64, with how often our two kernels ran */
  const checkLayerNorm = async (shape: number[]) => {
    const h = shape[shape.length - 1]!;
    const rows = shape.slice(0, -1).reduce((p, d) => p * d, 1);
    const x = tf.tidy(() => values(shape, 1).mul(4).add(values(shape, 2)));
    const gamma = values([h], 3).add(1) as tf.Tensor1D;
    const beta = values([h], 4) as tf.Tensor1D;
    const w = values(shape, 5);
    const calls = { forward: 0, backward: 0 };
    const registered = tf.getKernel(LAYER_NORM_KERNEL, 'wasm') !== undefined;
    const spies = registered ? [spyOnKernel(LAYER_NORM_KERNEL, () => calls.forward++), spyOnKernel(LAYER_NORM_GRAD_KERNEL, () => calls.backward++)] : [];
    try {
      const before = tf.memory().numTensors;
      const y = layerNorm(x, gamma, beta, 1e-5);
      const [dx, dgamma, dbeta] = tf.grads((xs: tf.Tensor, g: tf.Tensor, b: tf.Tensor) => tf.sum(tf.mul(layerNorm(xs, g as tf.Tensor1D, b as tf.Tensor1D, 1e-5), w)))([x, gamma, beta]);
      const [xv, gv, bv, wv, yv, dxv, dgv, dbv] = await Promise.all([x, gamma, beta, w, y, dx!, dgamma!, dbeta!].map((t) => t.data()));
      const wantGamma = new Float64Array(h);
      const wantBeta = new Float64Array(h);
      for (let r = 0; r < rows; r++) {
        const row = (t: ArrayLike<number>) => Array.from({ length: h }, (_, j) => t[r * h + j]!);
        const want = layerNorm64(row(xv!), Array.from(gv!), Array.from(bv!), row(wv!), 1e-5);
        for (let j = 0; j < h; j++) {
          expect(Math.abs(yv![r * h + j]! - want.y[j]!)).toBeLessThan(2e-6);
          expect(Math.abs(dxv![r * h + j]! - want.dx[j]!)).toBeLessThan(2e-6);
          wantGamma[j]! += want.dgamma[j]!;
          wantBeta[j]! += want.dbeta[j]!;
        }
      }
      for (let j = 0; j < h; j++) {
        expect(Math.abs(dgv![j]! - wantGamma[j]!)).toBeLessThan(1e-5);
        expect(Math.abs(dbv![j]! - wantBeta[j]!)).toBeLessThan(1e-5);
      }
      tf.dispose([y, dx!, dgamma!, dbeta!]);
      expect(tf.memory().numTensors).toBe(before);
    } finally {
      for (const restore of spies.reverse()) restore();
      tf.dispose([x, gamma, beta, w]);
    }
    return calls;
  };

  it('layerNorm takes our kernels where registered: values and the gradients of x, γ and β match float64', async () => {
    const restore = installWasmKernels({ ...STOCK_WASM_KERNELS, leadingSum: true, fusedLayerNorm: true });
    expect(installedWasmKernels().fusedLayerNorm).toBe(true);
    try {
      // the forward pass of y and of the loss, one backward pass
      expect(await checkLayerNorm([3, 5, 12])).toEqual({ forward: 2, backward: 1 });
      expect(await checkLayerNorm([1, 4])).toEqual({ forward: 2, backward: 1 });
      // a last axis our kernels do not take (not a multiple of 4): the composed LayerNorm, the same values
      expect(await checkLayerNorm([7, 6])).toEqual({ forward: 0, backward: 0 });
    } finally {
      restore();
    }
    expect(tf.getKernel(LAYER_NORM_KERNEL, 'wasm')).toBeUndefined();
    // and without our kernels, the composed one
    expect(await checkLayerNorm([3, 5, 12])).toEqual({ forward: 0, backward: 0 });
  });

  it('our LayerNorm kernels name what is wrong with their inputs', () => {
    const restore = installWasmKernels({ ...STOCK_WASM_KERNELS, fusedLayerNorm: true });
    try {
      const x = tf.zeros([2, 8]);
      expect(() => tf.engine().runKernel(LAYER_NORM_KERNEL, { x, gamma: tf.ones([4]), beta: tf.zeros([8]) }, { epsilon: 1e-5 } as unknown as tf.NamedAttrMap)).toThrow(
        /XlirLayerNorm: the last axis of x must be a multiple of 4 and the size of γ and β \(got \[2,8\], \[4\], \[8\]\)/,
      );
      expect(() => tf.engine().runKernel(LAYER_NORM_GRAD_KERNEL, { dy: x, xhat: x, rstd: tf.ones([3, 1]), gamma: tf.ones([8]) })).toThrow(/XlirLayerNormGrad: .*one 1\/σ each/);
      expect(() => tf.engine().runKernel(LAYER_NORM_KERNEL, { x: tf.zeros([2, 8], 'int32'), gamma: tf.ones([8]), beta: tf.zeros([8]) }, { epsilon: 1e-5 } as unknown as tf.NamedAttrMap)).toThrow(TypeError);
    } finally {
      restore();
      tf.disposeVariables();
    }
  });

  it('Σx² sums in float64 over runs, tails included, and gradient clipping uses it', async () => {
    const restore = installWasmKernels({ ...STOCK_WASM_KERNELS, fusedSquaredNorm: true });
    let calls = 0;
    const restoreSpy = spyOnKernel(SQUARED_NORM_KERNEL, () => calls++);
    try {
      const sizes = [1, 3, 4, 16384, 2 * 16384 + 4 * 9 + 3];
      const grads = Object.fromEntries(sizes.map((n, i) => [`g${i}`, tf.tensor1d(Float32Array.from({ length: n }, (_, j) => Math.sin(j * 0.01 + i) * (i + 1)))]));
      let total = 0;
      for (const g of Object.values(grads)) {
        const want = Array.from(g.dataSync()).reduce((p, v) => p + v * v, 0);
        total += want;
        const got = tf.engine().runKernel(SQUARED_NORM_KERNEL, { x: g }) as tf.Scalar;
        expect(got.shape).toEqual([]);
        expect(got.dataSync()[0]).toBe(Math.fround(want));
        got.dispose();
      }
      expect(calls).toBe(sizes.length);
      const before = tf.memory().numTensors;
      const clipped = await clipByGlobalNorm(grads, 1);
      expect(calls).toBe(2 * sizes.length);
      expect(Math.abs(clipped.norm - Math.sqrt(total))).toBeLessThan(1e-6 * Math.sqrt(total));
      tf.dispose(Object.values(clipped.grads));
      expect(tf.memory().numTensors).toBe(before);
      tf.dispose(Object.values(grads));
    } finally {
      restoreSpy();
      restore();
    }
  });
});

describe('wasm x·Wᵀ + b as one product, the bias in our kernel’s tiles', () => {
  beforeAll(async () => {
    await initBackend('wasm', { wasmKernels: STOCK_WASM_KERNELS });
  });

  /** y = linear(x, W, b) and the gradients of Σ weights·y to x, W and b */
  const run = (x: tf.Tensor, w: tf.Tensor2D, b: tf.Tensor1D, weights: tf.Tensor) =>
    tf.tidy(() => {
      const y = linear(x, w, b);
      const grads = tf.grads((xs: tf.Tensor, ws: tf.Tensor, bs: tf.Tensor) => tf.sum(tf.mul(linear(xs, ws as tf.Tensor2D, bs as tf.Tensor1D), weights)))([x, w, b]);
      return [y, ...grads].map((t) => Array.from(t.dataSync()));
    });

  it('linear takes it where registered: values and the gradients of x, W and b match matMul + add; N not a multiple of 8 gives their bits', async () => {
    const cases = [16, 12].map((n, i) => ({ n, x: values([2, 5, 24], 10 * i + 1), w: values([n, 24], 10 * i + 2) as tf.Tensor2D, b: values([n], 10 * i + 3).mul(3) as tf.Tensor1D, weights: values([2, 5, n], 10 * i + 4) }));
    const stock = cases.map((c) => run(c.x, c.w, c.b, c.weights));
    let calls = 0;
    const restore = installWasmKernels({ ...STOCK_WASM_KERNELS, fusedBias: true });
    expect(installedWasmKernels().fusedBias).toBe(true);
    const restoreSpy = spyOnKernel(LINEAR_KERNEL, () => calls++);
    try {
      const before = tf.memory().numTensors;
      const ours = cases.map((c) => run(c.x, c.w, c.b, c.weights));
      expect(tf.memory().numTensors).toBe(before);
      // y and the loss, for each case
      expect(calls).toBe(4);
      for (let t = 0; t < 4; t++) {
        expect(ours[0]![t]!.length).toBe(stock[0]![t]!.length);
        for (let i = 0; i < ours[0]![t]!.length; i++) expect(Math.abs(ours[0]![t]![i]! - stock[0]![t]![i]!)).toBeLessThan(1e-5);
      }
      // the bias is in: y differs from the product alone
      const product = tf.tidy(() => Array.from(tf.matMul(cases[0]!.x.reshape([10, 24]), cases[0]!.w, false, true).dataSync()));
      expect(Math.max(...ours[0]![0]!.map((v, i) => Math.abs(v - product[i]!)))).toBeGreaterThan(0.5);
      // N = 12: the registered BatchMatMul and Add, the same bits as matMul + add
      expect(ours[1]).toEqual(stock[1]);
      expect(() => tf.engine().runKernel(LINEAR_KERNEL, { x: cases[0]!.x, weight: cases[0]!.w, bias: cases[0]!.b })).toThrow(/XlirLinear: x \[M, K\], W \[N, K\] and b \[N\] \(got \[2,5,24\], \[16,24\], \[16\]\)/);
    } finally {
      restoreSpy();
      restore();
      tf.dispose(cases.flatMap((c) => [c.x, c.w, c.b, c.weights]));
    }
    expect(installedWasmKernels().fusedBias).toBe(false);
  });
});

describe('initBackend on wasm', () => {
  it('installs every replacement by default and says so', async () => {
    const info = await initBackend('wasm');
    // Node runs the single-threaded build, whose memory our product kernel can use
    expect(info.wasmKernels).toEqual(FAST_WASM_KERNELS);
    expect(installedWasmKernels()).toEqual(info.wasmKernels);
  });
});
