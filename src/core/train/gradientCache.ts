/**
 * The chunked backward pass ("gradient cache", Gao et al. 2021, "Scaling Deep Contrastive Learning Batch
 * Size under Memory Limited Setup"), so that a batch whose saved activations do not fit (the BERT-base-shaped
 * step at batch 32 passes tfjs-wasm's 4 GiB heap, bench/RESULTS.md) trains with the same loss and gradients:
 *   1. embed every tower (queries, passages) without a tape, `chunkRows` sequences at a time;
 *   2. the head (InfoNCE [+ the adversary through its GRL]) on those embeddings, differentiated with respect
 *      to the embeddings and the head's own variables: a small graph;
 *   3. per chunk, embed again under the tape and backpropagate that chunk's rows of ∂L/∂embeddings into the
 *      encoder's variables, summing over chunks.
 * Step 3 re-runs step 1's forward exactly: same rows, same dropout masks (`EncodeOptions.rows`: a chunk
 * draws the whole batch's mask rows). By the chain rule the sum is the whole-batch gradient; only the float
 * summation order differs. The cost is one more forward pass of the encoder.
 */
import * as tf from '@tensorflow/tfjs';
import type { TokenBatch, TrainableEncoder } from '../model/types';

/** One tower of the batch: its token ids and the dropout seed of its `embed` call. */
export interface Tower {
  batch: TokenBatch;
  dropoutSeed: number;
}

/** `[offset, rows]` pairs covering `total` rows, `size` at a time (the last one shorter). */
export function rowChunks(total: number, size: number): [number, number][] {
  const out: [number, number][] = [];
  for (let offset = 0; offset < total; offset += size) out.push([offset, Math.min(size, total - offset)]);
  return out;
}

/** Rows `offset … offset + rows − 1` of a token batch (views of its arrays, nothing copied). */
export function sliceTokenBatch(batch: TokenBatch, offset: number, rows: number): TokenBatch {
  const L = batch.seqLen;
  return {
    inputIds: batch.inputIds.subarray(offset * L, (offset + rows) * L),
    attentionMask: batch.attentionMask.subarray(offset * L, (offset + rows) * L),
    batchSize: rows,
    seqLen: L,
  };
}

const embedChunk = (encoder: TrainableEncoder, tower: Tower, offset: number, rows: number): tf.Tensor2D =>
  encoder.embed(sliceTokenBatch(tower.batch, offset, rows), { training: true, dropoutSeed: tower.dropoutSeed, rows: { offset, total: tower.batch.batchSize } });

/**
 * Step 1: the tower's embeddings [rows, dim] as the whole-batch `embed` gives them (up to float rounding),
 * holding one chunk's activations at a time. Call outside any gradient tape.
 */
export function embedInChunks(encoder: TrainableEncoder, tower: Tower, chunkRows: number): tf.Tensor2D {
  const parts = rowChunks(tower.batch.batchSize, chunkRows).map(([offset, rows]) => tf.tidy(() => embedChunk(encoder, tower, offset, rows)));
  if (parts.length === 1) return parts[0]!;
  const out = tf.concat(parts, 0);
  tf.dispose(parts);
  return out;
}

/** What {@link chunkedGradients} returns; the caller disposes `value`, every gradient and `kept`. */
export interface ChunkedGradients {
  value: tf.Scalar;
  /** ∂L/∂v of the encoder's variables, by `tf.Variable.name` (absent: no gradient reaches it) */
  encoder: tf.NamedTensorMap;
  /** ∂L/∂v of `headVariables`, in their order (null: no gradient reaches it) */
  head: (tf.Tensor | null)[];
}

/**
 * The loss `head(embeddings)` and its gradients, computed by the gradient cache (steps 1–3 above).
 * @param towers the batch's towers; `head` gets their embeddings in this order
 * @param chunkRows sequences per forward/backward chunk (≥ 1)
 * @param head the loss of the embeddings; runs once, under a tape, inside a tidy (use tf.keep for extras)
 * @param headVariables variables of the head (the discriminator) to differentiate as well
 * @param encoderVariables the encoder's variables to differentiate
 */
export function chunkedGradients(
  encoder: TrainableEncoder,
  towers: readonly Tower[],
  chunkRows: number,
  head: (embeddings: tf.Tensor2D[]) => tf.Scalar,
  headVariables: readonly tf.Variable[],
  encoderVariables: readonly tf.Variable[],
): ChunkedGradients {
  const embeddings = towers.map((t) => embedInChunks(encoder, t, chunkRows));
  let value: tf.Scalar;
  let dEmbeddings: (tf.Tensor | undefined)[];
  let headGrads: (tf.Tensor | null)[];
  try {
    // allowNoGradients: a head may not reach every tower or variable (e.g. a discriminator with no hidden path)
    const r = tf.engine().gradients(() => head(embeddings), [...embeddings, ...headVariables], undefined, true);
    value = r.value as tf.Scalar;
    dEmbeddings = r.grads.slice(0, towers.length);
    headGrads = r.grads.slice(towers.length).map((g) => g ?? null);
  } finally {
    tf.dispose(embeddings);
  }
  const encoderGrads: tf.NamedTensorMap = {};
  const vars = [...encoderVariables];
  try {
    towers.forEach((tower, i) => {
      const d = dEmbeddings[i];
      if (!d) return;
      for (const [offset, rows] of rowChunks(tower.batch.batchSize, chunkRows)) {
        const dy: tf.Tensor = rows === tower.batch.batchSize ? d : tf.slice(d, [offset, 0], [rows, d.shape[1]!]);
        // backpropagates dy, this chunk's rows of ∂L/∂embeddings, from the re-run chunk into the variables
        const r = tf.engine().gradients(() => embedChunk(encoder, tower, offset, rows), vars, dy as tf.Tensor2D, true);
        r.value.dispose();
        if (dy !== d) dy.dispose();
        r.grads.forEach((g, j) => {
          if (!g) return;
          const name = vars[j]!.name;
          const sum = encoderGrads[name];
          if (!sum) encoderGrads[name] = g;
          else {
            encoderGrads[name] = tf.add(sum, g);
            tf.dispose([sum, g]);
          }
        });
      }
    });
  } catch (e) {
    tf.dispose([value, ...Object.values(encoderGrads), ...headGrads.filter((g): g is tf.Tensor => g !== null)]);
    throw e;
  } finally {
    tf.dispose(dEmbeddings.filter((g): g is tf.Tensor => g !== undefined));
  }
  return { value, encoder: encoderGrads, head: headGrads };
}
