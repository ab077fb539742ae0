/**
 * Position ids per HF model type (shared/notes/checkpoints.md §1.3). XLM-R/RoBERTa:
 * `cumsum(ids ≠ pad)·(ids ≠ pad) + pad`, so real tokens get pad+1, pad+2, … and pads get `pad`;
 * BERT: 0..L−1.
 */
import { ConfigError } from '../errors';
import type { EncoderConfig, TokenBatch } from './types';

/** Longest token sequence (special tokens included) whose positions fit `max_position_embeddings`. */
export function maxSequenceLength(config: EncoderConfig): number {
  return config.modelType === 'bert' ? config.maxPositions : config.maxPositions - config.padTokenId - 1;
}

/**
 * @returns position ids [batch·seqLen], row-major
 * @throws ConfigError when a sequence is longer than {@link maxSequenceLength}
 */
export function positionIds(batch: TokenBatch, config: EncoderConfig): Int32Array {
  const { batchSize: B, seqLen: L, inputIds } = batch;
  const out = new Int32Array(B * L);
  let max = 0;
  for (let b = 0; b < B; b++) {
    let count = 0;
    for (let t = 0; t < L; t++) {
      const i = b * L + t;
      if (config.modelType === 'bert') out[i] = t;
      else out[i] = inputIds[i] === config.padTokenId ? config.padTokenId : config.padTokenId + ++count;
      max = Math.max(max, out[i]!);
    }
  }
  if (max >= config.maxPositions) {
    throw new ConfigError(`a sequence needs position id ${max} but max_position_embeddings is ${config.maxPositions}: tokenize with maxLength ≤ ${maxSequenceLength(config)}`);
  }
  return out;
}
