import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '../src/core/model/backend';
import { installWasmTransposeMatMul } from './wasmMatMulPatch';

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
  return tf.tensor(Float32Array.from({ length: n }, (_, i) => Math.sin(seed * 100 + i * 0.7)), shape);
}

describe('bench wasm BatchMatMul patch (transpose materialised, per-batch XNNPACK)', () => {
  const reference = new Map<string, Float32Array>();

  beforeAll(async () => {
    await initBackend('wasm');
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

  it('restores the original kernel', () => {
    const original = tf.getKernel('BatchMatMul', 'wasm')!.kernelFunc;
    const restore = installWasmTransposeMatMul();
    expect(tf.getKernel('BatchMatMul', 'wasm')!.kernelFunc).not.toBe(original);
    restore();
    expect(tf.getKernel('BatchMatMul', 'wasm')!.kernelFunc).toBe(original);
  });
});
