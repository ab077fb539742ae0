/**
 * Test support (not a test): a tiny {@link TrainableEncoder} for training-loop tests, so they do not
 * depend on the Transformer: words hashed into a small vocabulary, mean of their embeddings over the
 * attention mask, one dense layer (torch [out, in] layout), dropout with the caller's seed, L2 norm.
 * Seeded init from our RNG, so two instances with one seed are identical on every backend.
 */
import * as tf from '@tensorflow/tfjs';
import type { EncodeOptions, TokenBatch, TrainableEncoder } from '../model/types';
import { Mulberry32 } from '../metrics/rng';

export interface BagOfTokensOptions {
  seed: number;
  /** ids are 1…vocabSize−1; 0 is padding (default 257) */
  vocabSize?: number;
  /** embedding size (default 16) */
  dim?: number;
  /** dropout rate on the pooled vector while training (default 0) */
  dropout?: number;
}

let instances = 0;

function wordId(word: string, vocabSize: number): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < word.length; i++) h = Math.imul(h ^ word.charCodeAt(i), 0x01000193);
  return 1 + ((h >>> 0) % (vocabSize - 1));
}

export class BagOfTokensEncoder implements TrainableEncoder {
  readonly dim: number;
  readonly vocabSize: number;
  readonly dropout: number;
  private readonly vars: Record<string, tf.Variable>;

  constructor(o: BagOfTokensOptions) {
    this.dim = o.dim ?? 16;
    this.vocabSize = o.vocabSize ?? 257;
    this.dropout = o.dropout ?? 0;
    const rng = new Mulberry32(o.seed);
    const prefix = `bag-of-tokens-${instances++}`;
    const init = (shape: number[], scale: number) => {
      const data = new Float32Array(shape.reduce((a, b) => a * b, 1));
      for (let i = 0; i < data.length; i++) data[i] = (2 * rng.float() - 1) * scale;
      return tf.tensor(data, shape);
    };
    const variable = (t: tf.Tensor, name: string) => {
      const v = tf.variable(t, true, `${prefix}/${name}`);
      t.dispose();
      return v;
    };
    this.vars = {
      'embeddings.word_embeddings.weight': variable(init([this.vocabSize, this.dim], 1), 'emb'),
      'dense.weight': variable(
        tf.tidy(() => tf.add(tf.eye(this.dim), init([this.dim, this.dim], 0.1))),
        'dense.weight',
      ),
      'dense.bias': variable(tf.zeros([this.dim]), 'dense.bias'),
    };
  }

  tokenize(texts: string[], maxLength: number): TokenBatch {
    const rows = texts.map((t) =>
      t
        .toLowerCase()
        .split(/[^\p{L}\p{N}]+/u)
        .filter((w) => w.length > 0)
        .slice(0, maxLength)
        .map((w) => wordId(w, this.vocabSize)),
    );
    const seqLen = Math.max(1, ...rows.map((r) => r.length));
    const inputIds = new Int32Array(texts.length * seqLen);
    const attentionMask = new Int32Array(texts.length * seqLen);
    rows.forEach((r, i) =>
      r.forEach((id, j) => {
        inputIds[i * seqLen + j] = id;
        attentionMask[i * seqLen + j] = 1;
      }),
    );
    return { inputIds, attentionMask, batchSize: texts.length, seqLen };
  }

  embed(batch: TokenBatch, options: EncodeOptions): tf.Tensor2D {
    return tf.tidy(() => {
      const ids = tf.tensor2d(batch.inputIds, [batch.batchSize, batch.seqLen], 'int32');
      const mask = tf.tensor2d(batch.attentionMask, [batch.batchSize, batch.seqLen], 'int32').cast('float32');
      // one-hot × matrix instead of tf.gather: gather's gradient (UnsortedSegmentSum) has no wasm kernel
      const oneHot = tf.oneHot(ids.reshape([-1]), this.vocabSize).cast('float32');
      const tokens = tf.matMul(oneHot, this.vars['embeddings.word_embeddings.weight']!).reshape([batch.batchSize, batch.seqLen, this.dim]);
      const summed = tf.sum(tf.mul(tokens, mask.expandDims(2)), 1);
      const pooled = tf.div(summed, tf.maximum(tf.sum(mask, 1, true), 1));
      let h = tf.add(tf.matMul(pooled, this.vars['dense.weight']!, false, true), this.vars['dense.bias']!);
      if (options.training && this.dropout > 0) h = tf.dropout(h, this.dropout, undefined, options.dropoutSeed);
      return tf.div(h, tf.add(tf.norm(h, 'euclidean', 1, true), 1e-12)) as tf.Tensor2D;
    });
  }

  trainableVariables(): Record<string, tf.Variable> {
    return { ...this.vars };
  }

  dispose(): void {
    for (const v of Object.values(this.vars)) v.dispose();
  }
}
