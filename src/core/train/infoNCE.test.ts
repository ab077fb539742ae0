import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '../model/backend';
import { duplicatePositiveMask, infoNCELoss } from './infoNCE';

beforeAll(async () => {
  await initBackend('cpu');
});

/** Hand computation in float64: cosine / τ, log-sum-exp over kept columns, mean over queries. */
function reference(queries: number[][], passages: number[][], tau: number, keys?: string[]): number {
  const cos = (a: number[], b: number[]) => {
    const dot = a.reduce((s, x, k) => s + x * b[k]!, 0);
    return dot / (Math.hypot(...a) * Math.hypot(...b));
  };
  let total = 0;
  queries.forEach((q, i) => {
    const logits = passages.map((p, j) => (keys && j !== i && keys[j] === keys[i] ? null : cos(q, p) / tau));
    const kept = logits.filter((x): x is number => x !== null);
    const max = Math.max(...kept);
    const lse = max + Math.log(kept.reduce((s, x) => s + Math.exp(x - max), 0));
    total += lse - logits[i]!;
  });
  return total / queries.length;
}

describe('infoNCELoss', () => {
  const queries = [
    [1, 0, 0.5],
    [0.2, 1, -0.3],
    [-0.5, 0.4, 1],
  ];
  // 3 positives then 3 hard negatives
  const passages = [
    [0.9, 0.1, 0.4],
    [0.1, 0.8, -0.1],
    [-0.3, 0.2, 0.9],
    [0.5, 0.5, 0.5],
    [1, -1, 0],
    [0, 0.3, -1],
  ];

  it('matches the hand computation over all 2B passages (τ = 0.05 and τ = 1)', () => {
    for (const tau of [0.05, 1]) {
      const loss = infoNCELoss(tf.tensor2d(queries), tf.tensor2d(passages), { tau });
      expect(loss.shape).toEqual([]);
      expect(loss.dataSync()[0]).toBeCloseTo(reference(queries, passages, tau), 4);
      loss.dispose();
    }
    // closed forms, so a wrong reference cannot hide a wrong loss:
    // one query, cosines (1, 0): −log(e^{1/τ} / (e^{1/τ} + 1)) = log(1 + e^{−1/τ})
    const one = infoNCELoss(
      tf.tensor2d([[2, 0]]),
      tf.tensor2d([
        [3, 0],
        [0, 5],
      ]),
      { tau: 0.5 },
    );
    expect(one.dataSync()[0]).toBeCloseTo(Math.log(1 + Math.exp(-2)), 6);
    // two queries on the axes, passages ±e1, ±e2, τ = 1: each row is log(e + 2 + 1/e) − 1 = 2 log(2 cosh ½) − 1
    const axes = infoNCELoss(
      tf.tensor2d([
        [1, 0],
        [0, 1],
      ]),
      tf.tensor2d([
        [1, 0],
        [0, 1],
        [-1, 0],
        [0, -1],
      ]),
      { tau: 1 },
    );
    expect(axes.dataSync()[0]).toBeCloseTo(2 * Math.log(2 * Math.cosh(0.5)) - 1, 6);
  });

  it('masks duplicates of a query’s positive text, and only for that query', () => {
    // passage 4 (a negative) repeats query 0's positive text; passage 5 repeats query 2's
    const keys = ['a', 'b', 'c', 'x', 'a', 'c'];
    for (const tau of [0.05, 1]) {
      const masked = infoNCELoss(tf.tensor2d(queries), tf.tensor2d(passages), { tau, passageKeys: keys });
      expect(masked.dataSync()[0]).toBeCloseTo(reference(queries, passages, tau, keys), 4);
    }
    // the mask matters: at τ = 1 the two dropped columns carry real mass
    expect(reference(queries, passages, 1) - reference(queries, passages, 1, keys)).toBeGreaterThan(0.05);
    const mask = duplicatePositiveMask(keys, 3)!;
    expect(Array.from(mask)).toEqual([1, 1, 1, 1, 0, 1, /* row 1 */ 1, 1, 1, 1, 1, 1, /* row 2 */ 1, 1, 1, 1, 1, 0]);
    expect(duplicatePositiveMask(['a', 'b', 'c', 'd'], 2)).toBeNull();
  });

  it('is log(P) when every score is equal, and falls as the positive wins', () => {
    const same = infoNCELoss(tf.ones([2, 4]) as tf.Tensor2D, tf.ones([4, 4]) as tf.Tensor2D, { tau: 0.05 });
    expect(same.dataSync()[0]).toBeCloseTo(Math.log(4), 5);
    const aligned = infoNCELoss(tf.eye(2, 4) as tf.Tensor2D, tf.eye(4) as tf.Tensor2D, { tau: 0.05 });
    expect(aligned.dataSync()[0]).toBeLessThan(1e-6);
  });

  it('has the softmax gradient: d loss / d logit = softmax − onehot (checked through the embeddings)', () => {
    const q = tf.tensor2d(queries);
    const p = tf.tensor2d(passages);
    const g = tf.grad((x: tf.Tensor) => infoNCELoss(x as tf.Tensor2D, p, { tau: 0.5 }))(q);
    // central finite differences on the float64 reference
    const eps = 1e-4;
    const gd = g.arraySync() as number[][];
    for (let i = 0; i < 3; i++) {
      for (let k = 0; k < 3; k++) {
        const plus = queries.map((r) => [...r]);
        const minus = queries.map((r) => [...r]);
        plus[i]![k]! += eps;
        minus[i]![k]! -= eps;
        const fd = (reference(plus, passages, 0.5) - reference(minus, passages, 0.5)) / (2 * eps);
        expect(gd[i]![k]).toBeCloseTo(fd, 4);
      }
    }
  });

  it('refuses bad shapes and temperatures', () => {
    expect(() => infoNCELoss(tf.ones([3, 2]) as tf.Tensor2D, tf.ones([2, 2]) as tf.Tensor2D, { tau: 0.05 })).toThrow(/passages/);
    expect(() => infoNCELoss(tf.ones([1, 2]) as tf.Tensor2D, tf.ones([2, 2]) as tf.Tensor2D, { tau: 0 })).toThrow(/tau/);
    expect(() => infoNCELoss(tf.ones([1, 2]) as tf.Tensor2D, tf.ones([2, 2]) as tf.Tensor2D, { tau: 1, passageKeys: ['a'] })).toThrow(/keys/);
  });
});
