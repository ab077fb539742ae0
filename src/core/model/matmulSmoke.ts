/**
 * A matmul on the active backend checked against a float64 reference: proves the backend computes,
 * and gives a rough GFLOP/s figure for the "About this machine" cell.
 */
import * as tf from '@tensorflow/tfjs';

export interface MatmulSmokeResult {
  /** square size n of the n×n·n×n product */
  size: number;
  /** max |tfjs − float64 reference| over all entries */
  maxAbsError: number;
  /** median wall time of the timed repetitions, ms, including the device→host read */
  medianMs: number;
  /** 2·n³ / median time */
  gflops: number;
  ok: boolean;
}

/** Deterministic inputs that exercise signs and magnitudes without a RNG. */
function fill(n: number, phase: number): Float32Array {
  const a = new Float32Array(n * n);
  for (let i = 0; i < a.length; i++) a[i] = Math.sin(i * 0.37 + phase) * 0.5;
  return a;
}

function referenceProduct(a: Float32Array, b: Float32Array, n: number): Float64Array {
  const c = new Float64Array(n * n);
  for (let i = 0; i < n; i++) {
    for (let k = 0; k < n; k++) {
      const aik = a[i * n + k]!;
      for (let j = 0; j < n; j++) c[i * n + j]! += aik * b[k * n + j]!;
    }
  }
  return c;
}

export interface MatmulSmokeOptions {
  size?: number;
  repeats?: number;
  /** clock in ms; injected so core stays free of ambient time */
  now: () => number;
}

export async function matmulSmoke({ size = 256, repeats = 5, now }: MatmulSmokeOptions): Promise<MatmulSmokeResult> {
  const aData = fill(size, 0);
  const bData = fill(size, 1.3);
  const a = tf.tensor2d(aData, [size, size]);
  const b = tf.tensor2d(bData, [size, size]);
  try {
    const first = tf.matMul(a, b);
    const got = await first.data();
    first.dispose();
    const want = referenceProduct(aData, bData, size);
    let maxAbsError = 0;
    for (let i = 0; i < want.length; i++) maxAbsError = Math.max(maxAbsError, Math.abs(got[i]! - want[i]!));
    const times: number[] = [];
    for (let r = 0; r < repeats; r++) {
      const t0 = now();
      const c = tf.matMul(a, b);
      await c.data();
      times.push(now() - t0);
      c.dispose();
    }
    times.sort((x, y) => x - y);
    const medianMs = times[Math.floor(times.length / 2)]!;
    // float32 accumulation over n terms of magnitude ≤ 0.25: 1e-3 is loose enough for every backend.
    return { size, maxAbsError, medianMs, gflops: (2 * size ** 3) / (medianMs * 1e6), ok: maxAbsError < 1e-3 };
  } finally {
    a.dispose();
    b.dispose();
  }
}
