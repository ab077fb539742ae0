import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '../model/backend';
import { duplicatePairMask, translationRankingLoss } from './translationRankingLoss';

beforeAll(async () => {
  await initBackend('cpu');
});

/** Float64 by hand: cosines, margin on the diagonal, masked duplicates, both softmax directions. */
function reference(a: number[][], b: number[][], scale: number, margin: number, keys?: string[][]): number {
  const cos = (x: number[], y: number[]) => x.reduce((s, v, k) => s + v * y[k]!, 0) / (Math.hypot(...x) * Math.hypot(...y));
  const B = a.length;
  const dup = (i: number, j: number) => i !== j && keys !== undefined && keys[i]!.some((k, s) => keys[j]![s] === k);
  const phi = (i: number, j: number) => scale * (cos(a[i]!, b[j]!) - (i === j ? margin : 0));
  const nll = (row: (j: number) => number | null, own: number) => {
    const kept = Array.from({ length: B }, (_, j) => row(j)).filter((x): x is number => x !== null);
    const max = Math.max(...kept);
    return max + Math.log(kept.reduce((s, x) => s + Math.exp(x - max), 0)) - own;
  };
  let total = 0;
  for (let i = 0; i < B; i++) {
    total += nll((j) => (dup(i, j) ? null : phi(i, j)), phi(i, i));
    total += nll((j) => (dup(j, i) ? null : phi(j, i)), phi(i, i));
  }
  return total / (2 * B);
}

const a = [
  [1, 0.2, -0.4],
  [0.1, 1, 0.3],
  [-0.6, 0.5, 1],
  [0.3, -0.2, 0.1],
];
const b = [
  [0.8, 0.1, -0.2],
  [0.3, 0.9, 0.1],
  [-0.2, 0.2, 0.7],
  [0.5, 0.5, -0.5],
];

describe('translationRankingLoss', () => {
  it('equals the float64 reference without and with a margin', async () => {
    for (const [scale, margin] of [
      [20, 0],
      [20, 0.3],
      [5, 0.1],
    ] as const) {
      const loss = translationRankingLoss(tf.tensor2d(a), tf.tensor2d(b), { scale, margin });
      expect((await loss.data())[0]).toBeCloseTo(reference(a, b, scale, margin), 4);
    }
  });

  it('leaves duplicate pairs out of each other’s softmax, in both directions', async () => {
    const keys = [
      ['Open', 'Öffnen'],
      ['Close', 'Schließen'],
      ['Save', 'Speichern'],
      ['Open', 'Aufmachen'],
    ];
    const masked = await translationRankingLoss(tf.tensor2d(a), tf.tensor2d(b), { scale: 10, margin: 0.2, keys }).data();
    const plain = await translationRankingLoss(tf.tensor2d(a), tf.tensor2d(b), { scale: 10, margin: 0.2 }).data();
    expect(masked[0]).toBeCloseTo(reference(a, b, 10, 0.2, keys), 4);
    expect(Math.abs(masked[0]! - plain[0]!)).toBeGreaterThan(1e-3);
  });

  it('is lower for aligned pairs than for shuffled ones', async () => {
    const aligned = await translationRankingLoss(tf.tensor2d(a), tf.tensor2d(a), { scale: 20, margin: 0.2 }).data();
    const shuffled = await translationRankingLoss(tf.tensor2d(a), tf.tensor2d([a[1]!, a[2]!, a[3]!, a[0]!]), { scale: 20, margin: 0.2 }).data();
    expect(aligned[0]).toBeLessThan(shuffled[0]!);
  });
});

describe('duplicatePairMask', () => {
  it('masks both (i, j) and (j, i) when any key is shared, and nothing else', () => {
    const keep = duplicatePairMask([
      ['a', 'x'],
      ['b', 'y'],
      ['c', 'x'],
    ])!;
    expect(Array.from(keep)).toEqual([1, 1, 0, 1, 1, 1, 0, 1, 1]);
    expect(duplicatePairMask([['a'], ['b']])).toBeNull();
  });
});
