/**
 * InfoNCE over in-batch negatives (notes/paper-method.md §1.1, §6 "Defaults"). For a batch of B triplets
 * (q_i, d⁺_i, d⁻_i) the passages are P = [d⁺_1 … d⁺_B, d⁻_1 … d⁻_B] (2B rows) and
 *
 *   L = (1/B) Σ_i −log( exp(cos(q_i, d⁺_i)/τ) / Σ_{j ∈ P, j kept for i} exp(cos(q_i, p_j)/τ) )
 *
 * The paper prints only the negatives d⁻_j in the denominator; following DPR / Tevatron practice (OUR
 * CHOICE, §1.1 "UNVERIFIED") every passage of the batch is in it. Columns whose text equals query i's
 * positive text (a duplicate of its own positive, j ≠ i) are dropped for row i: they would be false
 * negatives. The paper gives no temperature; τ = 0.05 is our default. We take the mean over queries
 * rather than the paper's sum so the loss scale does not depend on B.
 */
import * as tf from '@tensorflow/tfjs';

/** Default temperature τ (OUR CHOICE; the paper states none). */
export const DEFAULT_TAU = 0.05;

/** Logit given to masked columns: exp(−1e9) is exactly 0 in float32, and the value stays finite. */
const MASKED_LOGIT = -1e9;

/**
 * Which (query, passage) logits take part: `keep[i * P + j] = 0` where passage j ≠ i has the same key
 * (text) as query i's positive `keys[i]`.
 *
 * @param passageKeys P keys; the first B are the positives of queries 0…B−1
 * @param batchSize B
 * @returns a [B, P] 0/1 mask, row-major, or null when nothing is masked
 */
export function duplicatePositiveMask(passageKeys: readonly string[], batchSize: number): Float32Array | null {
  const P = passageKeys.length;
  if (P < batchSize) throw new RangeError(`need at least ${batchSize} passages for ${batchSize} queries (got ${P})`);
  const keep = new Float32Array(batchSize * P).fill(1);
  let masked = false;
  for (let i = 0; i < batchSize; i++) {
    for (let j = 0; j < P; j++) {
      if (j !== i && passageKeys[j] === passageKeys[i]) {
        keep[i * P + j] = 0;
        masked = true;
      }
    }
  }
  return masked ? keep : null;
}

export interface InfoNCEOptions {
  /** temperature τ > 0 */
  tau: number;
  /** P keys (the passages' texts) for masking duplicates of each query's positive; omit for no mask */
  passageKeys?: readonly string[];
}

/**
 * @param queries [B, d] query embeddings (normalised again here, so the score is a cosine)
 * @param passages [P, d], P ≥ B; row i (i < B) is the positive of query i, the rest are negatives
 * @returns the mean InfoNCE loss over the B queries (scalar, nats)
 */
export function infoNCELoss(queries: tf.Tensor2D, passages: tf.Tensor2D, options: InfoNCEOptions): tf.Scalar {
  const [B] = queries.shape;
  const [P] = passages.shape;
  if (!(options.tau > 0)) throw new RangeError(`tau must be > 0 (got ${options.tau})`);
  if (P < B) throw new RangeError(`need at least ${B} passages for ${B} queries (got ${P})`);
  if (options.passageKeys && options.passageKeys.length !== P) throw new RangeError(`passageKeys has ${options.passageKeys.length} keys for ${P} passages`);
  return tf.tidy(() => {
    const q = tf.div(queries, tf.norm(queries, 'euclidean', 1, true));
    const p = tf.div(passages, tf.norm(passages, 'euclidean', 1, true));
    let logits = tf.div(tf.matMul(q, p, false, true), options.tau) as tf.Tensor2D;
    const keep = options.passageKeys ? duplicatePositiveMask(options.passageKeys, B) : null;
    if (keep) logits = tf.where(tf.tensor2d(keep, [B, P]).cast('bool'), logits, tf.fill([B, P], MASKED_LOGIT));
    const logProbs = tf.logSoftmax(logits, 1);
    const target = tf.oneHot(tf.range(0, B, 1, 'int32'), P).cast('float32');
    return tf.neg(tf.sum(tf.mul(logProbs, target))).div(B) as tf.Scalar;
  });
}
