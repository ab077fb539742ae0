import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from './backend';
import { installedWasmKernels, installWasmKernels, STOCK_WASM_KERNELS } from './wasmKernels';

const installWasmTransposeMatMul = () => installWasmKernels({ matmul: true, sharedIdentity: false });

const CASES: { name: string; a: number[]; b: number[]; ta: boolean; tb: boolean }[] = [
  { name: 'NN 2-D', a: [7, 5], b: [5, 3], ta: false, tb: false },
  { name: 'NT 2-D (linear x·Wᵀ)', a: [7, 5], b: [3, 5], ta: false, tb: true },
  { name: 'TN 2-D (weight gradient)', a: [5, 7], b: [5, 3], ta: true, tb: false },
  { name: 'TT 2-D', a: [5, 7], b: [3, 5], ta: true, tb: true },
  { name: 'batched NT (attention q·kᵀ)', a: [2, 3, 6, 4], b: [2, 3, 6, 4], ta: false, tb: true },
  { name: 'batched TN', a: [2, 3, 4, 6], b: [2, 3, 4, 5], ta: true, tb: false },
  { name: 'batched NN', a: [6, 4, 5], b: [6, 5, 2], ta: false, tb: false },
  { name: 'broadcast batch (left to the original kernel)', a: [3, 4, 5], b: [1, 5, 2], ta: false, tb: false },
];

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
    } finally {
      restore();
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
    expect(installedWasmKernels()).toEqual({ matmul: true, sharedIdentity: false });
    restore();
    expect(tf.getKernel('BatchMatMul', 'wasm')!.kernelFunc).toBe(original);
    expect(installedWasmKernels()).toEqual({ matmul: false, sharedIdentity: false });
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
    const restore = installWasmKernels({ matmul: false, sharedIdentity: true });
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

describe('initBackend on wasm', () => {
  it('installs both replacements by default and says so', async () => {
    const info = await initBackend('wasm');
    expect(info.wasmKernels).toEqual({ matmul: true, sharedIdentity: true });
    expect(installedWasmKernels()).toEqual({ matmul: true, sharedIdentity: true });
  });
});
