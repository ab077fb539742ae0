/**
 * The contract between the model code (`src/core/model`) and the training loop (`src/core/train`).
 * The encoder is one tower shared by queries and passages (paper §1.1).
 */
import type * as tf from '@tensorflow/tfjs';

export const POOLINGS = ['mean', 'cls'] as const;
export type Pooling = (typeof POOLINGS)[number];

/** Token ids of a batch, right-padded; shapes [batch, seqLen]. */
export interface TokenBatch {
  inputIds: Int32Array;
  attentionMask: Int32Array;
  batchSize: number;
  seqLen: number;
}

export interface EncodeOptions {
  /** dropout on when true */
  training: boolean;
  /** seed for dropout masks; the loop derives it from (run seed, step, call site) so resume is exact */
  dropoutSeed?: number;
}

export interface TrainableEncoder {
  /** hidden size of the output embedding */
  readonly dim: number;
  /** texts → token batch (prefixes such as "Query: " are added by the caller) */
  tokenize(texts: string[], maxLength: number): TokenBatch;
  /** pooled, L2-normalised embeddings [batch, dim]; call inside tf.tidy / variableGrads */
  embed(batch: TokenBatch, options: EncodeOptions): tf.Tensor2D;
  /** the variables the optimiser updates (frozen ones excluded), keyed by HF tensor name */
  trainableVariables(): Record<string, tf.Variable>;
}
