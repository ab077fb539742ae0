/**
 * Parameter counts and a memory budget for fine-tuning (shared/notes/checkpoints.md §1.4). Weights,
 * gradients and Adam moments are exact for float32; activations are a rough ESTIMATE of what TF.js keeps
 * alive through a training step, to be checked with `tf.memory()` on the real model.
 */
import type { EncoderConfig } from './types';
import { expectedWeightShapes } from './weightNames';

const BYTES_PER_FLOAT = 4;

/** Number of parameters of the encoder (word embeddings included). */
export function countParameters(config: EncoderConfig, withPooler = false): number {
  let n = 0;
  for (const shape of expectedWeightShapes(config, withPooler).values()) n += shape.reduce((a, d) => a * d, 1);
  return n;
}

/** Parameters of the word-embedding matrix, V·H. */
export function wordEmbeddingParameters(config: EncoderConfig): number {
  return config.vocabSize * config.hiddenSize;
}

/**
 * What the optimiser updates, each with its number of trainable parameters out of the encoder's
 * `parameters`: everything, everything but the word embeddings, or nothing (inference).
 */
const TRAINABLE_PARAMETERS = {
  all: (_config: EncoderConfig, parameters: number) => parameters,
  'frozen-embeddings': (config: EncoderConfig, parameters: number) => parameters - wordEmbeddingParameters(config),
  none: () => 0,
} as const;
export type TrainableSet = keyof typeof TRAINABLE_PARAMETERS;

export interface MemoryEstimateOptions {
  batchSize: number;
  seqLen: number;
  trainable: TrainableSet;
  withPooler?: boolean;
}

/** Bytes, float32. */
export interface MemoryEstimate {
  parameters: number;
  trainableParameters: number;
  weightBytes: number;
  gradientBytes: number;
  /** Adam m and v */
  adamBytes: number;
  /**
   * ESTIMATE: per token and layer ≈ 10·H + 3·I floats plus 3·heads·L attention scores/probabilities,
   * kept for every layer while training and for about one layer at a time in inference
   */
  activationBytes: number;
  totalBytes: number;
}

/** The sizes of an encoder that its activations depend on. */
export type ActivationShape = Pick<EncoderConfig, 'hiddenSize' | 'intermediateSize' | 'numHeads' | 'numLayers'>;

/**
 * ESTIMATE of the activations a training step keeps alive for `sequences` sequences of `seqLen` tokens
 * (per token and layer ≈ 10·H + 3·I floats plus 3·heads·L attention scores/probabilities, every layer kept).
 * @returns bytes, float32
 */
export function trainingActivationBytes(shape: ActivationShape, sequences: number, seqLen: number): number {
  const perTokenLayer = 10 * shape.hiddenSize + 3 * shape.intermediateSize + 3 * shape.numHeads * seqLen;
  return sequences * seqLen * shape.numLayers * perTokenLayer * BYTES_PER_FLOAT;
}

/**
 * A training-step memory budget.
 * @returns exact weight/gradient/Adam bytes and an activation estimate (not a measurement)
 */
export function memoryEstimate(config: EncoderConfig, options: MemoryEstimateOptions): MemoryEstimate {
  const parameters = countParameters(config, options.withPooler ?? false);
  const trainableParameters = TRAINABLE_PARAMETERS[options.trainable](config, parameters);
  // inference keeps about one layer's activations at a time
  const activationBytes = trainingActivationBytes({ ...config, numLayers: options.trainable === 'none' ? 1 : config.numLayers }, options.batchSize, options.seqLen);
  const weightBytes = parameters * BYTES_PER_FLOAT;
  const gradientBytes = trainableParameters * BYTES_PER_FLOAT;
  const adamBytes = 2 * trainableParameters * BYTES_PER_FLOAT;
  return {
    parameters,
    trainableParameters,
    weightBytes,
    gradientBytes,
    adamBytes,
    activationBytes,
    totalBytes: weightBytes + gradientBytes + adamBytes + activationBytes,
  };
}
