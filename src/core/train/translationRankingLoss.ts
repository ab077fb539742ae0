/**
 * The pretraining loss: LaBSE's bidirectional in-batch softmax with an additive margin (Feng et al. 2022,
 * §3; Yang et al. 2019). For B translation pairs (a_i, b_i) with L2-normalised embeddings and cosines
 * c_ij = a_i · b_j:
 *
 *   φ_ij = s · (c_ij − m·[i = j])
 *   L = ½ · (1/B) Σ_i [ −log softmax_j(φ_i·)_i  −log softmax_j(φ_·i)_i ]
 *
 * i.e. each English text must find its translation among the batch's translations and each translation
 * its English text, with the positive's cosine lowered by the margin m. A pair j ≠ i whose English or whose
 * translation equals pair i's (UI strings repeat across programs) is a false negative: it is left out of
 * both softmaxes of row/column i.
 */
import * as tf from '@tensorflow/tfjs';

/** exp(−1e9) is exactly 0 in float32, and the value stays finite. */
const MASKED_LOGIT = -1e9;

export interface TranslationRankingOptions {
  /** s > 0 */
  scale: number;
  /** m ≥ 0 */
  margin: number;
  /** per pair, the texts that make two pairs duplicates (e.g. [english, translation]) */
  keys?: ReadonlyArray<readonly string[]>;
}

/** @returns a [B, B] 0/1 keep-mask, or null when no two pairs share a key */
export function duplicatePairMask(keys: ReadonlyArray<readonly string[]>): Float32Array | null {
  const B = keys.length;
  const keep = new Float32Array(B * B).fill(1);
  let masked = false;
  const seen = keys[0]?.map(() => new Map<string, number[]>()) ?? [];
  keys.forEach((k, i) => {
    if (k.length !== seen.length) throw new RangeError(`pair ${i} has ${k.length} keys, pair 0 has ${seen.length}`);
    k.forEach((key, s) => {
      const others = seen[s]!.get(key);
      if (others) {
        for (const j of others) {
          keep[i * B + j] = 0;
          keep[j * B + i] = 0;
          masked = true;
        }
        others.push(i);
      } else {
        seen[s]!.set(key, [i]);
      }
    });
  });
  return masked ? keep : null;
}

/**
 * @param a [B, d] embeddings of one side (normalised again here)
 * @param b [B, d] embeddings of the other side, row i the translation of a's row i
 * @returns the mean loss (scalar, nats)
 */
export function translationRankingLoss(a: tf.Tensor2D, b: tf.Tensor2D, o: TranslationRankingOptions): tf.Scalar {
  const [B] = a.shape;
  if (b.shape[0] !== B) throw new RangeError(`both sides need the same number of rows (${B} and ${b.shape[0]})`);
  if (!(o.scale > 0) || !(o.margin >= 0)) throw new RangeError(`scale must be > 0 and margin ≥ 0 (got ${o.scale}, ${o.margin})`);
  if (o.keys && o.keys.length !== B) throw new RangeError(`keys has ${o.keys.length} entries for ${B} pairs`);
  return tf.tidy(() => {
    const an = tf.div(a, tf.norm(a, 'euclidean', 1, true));
    const bn = tf.div(b, tf.norm(b, 'euclidean', 1, true));
    const eye = tf.oneHot(tf.range(0, B, 1, 'int32'), B).cast('float32');
    let logits = tf.mul(tf.sub(tf.matMul(an, bn, false, true), tf.mul(eye, o.margin)), o.scale) as tf.Tensor2D;
    const keep = o.keys ? duplicatePairMask(o.keys) : null;
    if (keep) logits = tf.where(tf.tensor2d(keep, [B, B]).cast('bool'), logits, tf.fill([B, B], MASKED_LOGIT));
    const rows = tf.sum(tf.mul(tf.logSoftmax(logits, 1), eye));
    const cols = tf.sum(tf.mul(tf.logSoftmax(tf.transpose(logits), 1), eye));
    return tf.neg(tf.add(rows, cols)).div(2 * B) as tf.Scalar;
  });
}
