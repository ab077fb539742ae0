/**
 * Dot-product score blocks between query embeddings and the whole candidate pool. The evaluator asks for
 * one block of query rows at a time, so memory stays at `rows × nCandidates` floats (256 × 20,534 × 4 B ≈
 * 21 MB for MLQA-R) instead of the full matrix. Two interchangeable implementations: TF.js `matMul` on the
 * active backend (the default; wasm SIMD is several times faster than JavaScript loops, see
 * `bench/RESULTS.md` "Evaluation") and plain Float32 loops (no TF.js; exact ties for identical vectors).
 */
import * as tf from '@tensorflow/tfjs';

export interface Scorer {
  /**
   * @param queries row-major `[rows, dim]` query embeddings (may be a view into a larger array)
   * @param rows number of query rows
   * @returns row-major `[rows, nCandidates]` dot products
   */
  score(queries: Float32Array, rows: number): Promise<Float32Array>;
  /** frees what the scorer holds (TF.js tensors) */
  dispose(): void;
}

/**
 * Builds a scorer over a fixed candidate matrix.
 * @param candidates row-major `[nCandidates, dim]`
 */
export type ScorerFactory = (candidates: Float32Array, nCandidates: number, dim: number) => Scorer;

/** Scorer names for configs and the `--scorer` flag. */
export const SCORER_NAMES = ['tf', 'loop'] as const;
export type ScorerName = (typeof SCORER_NAMES)[number];

/**
 * `queries · candidatesᵀ` with `tf.matMul` on whatever backend is active (call `initBackend` first). The
 * candidate matrix is uploaded once, already transposed to `[dim, nCandidates]` so every block is a plain
 * product.
 */
export const createTfScorer: ScorerFactory = (candidates, nCandidates, dim) => {
  const transposed = tf.tidy(() => tf.transpose(tf.tensor2d(candidates, [nCandidates, dim])));
  return {
    async score(queries, rows) {
      const product = tf.tidy(() => tf.matMul(tf.tensor2d(queries.subarray(0, rows * dim), [rows, dim]), transposed));
      try {
        return (await product.data()) as Float32Array;
      } finally {
        product.dispose();
      }
    },
    dispose() {
      transposed.dispose();
    },
  };
};

/**
 * The same product in JavaScript with float64 accumulation, rounded to float32 on store. Identical vectors
 * give bit-identical scores, so duplicate candidate strings tie exactly.
 */
export const createLoopScorer: ScorerFactory = (candidates, nCandidates, dim) => ({
  async score(queries, rows) {
    const out = new Float32Array(rows * nCandidates);
    for (let i = 0; i < rows; i++) {
      const q = i * dim;
      const o = i * nCandidates;
      for (let j = 0; j < nCandidates; j++) {
        const c = j * dim;
        let s0 = 0;
        let s1 = 0;
        let s2 = 0;
        let s3 = 0;
        let k = 0;
        for (; k + 3 < dim; k += 4) {
          s0 += queries[q + k]! * candidates[c + k]!;
          s1 += queries[q + k + 1]! * candidates[c + k + 1]!;
          s2 += queries[q + k + 2]! * candidates[c + k + 2]!;
          s3 += queries[q + k + 3]! * candidates[c + k + 3]!;
        }
        for (; k < dim; k++) s0 += queries[q + k]! * candidates[c + k]!;
        out[o + j] = s0 + s1 + (s2 + s3);
      }
    }
    return out;
  },
  dispose() {},
});

/** The scorers by name (house rule 7: registries are data). */
export const SCORERS: Record<ScorerName, ScorerFactory> = { tf: createTfScorer, loop: createLoopScorer };
