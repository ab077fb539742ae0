/**
 * The training-step shapes the benchmark measures, shared by the Node runner, the browser worker and
 * the PyTorch reference (`reference/train_step.py` takes the same fields), so every column of a row
 * computes the same thing.
 */
import { BUILTIN_CONFIGS } from '../src/core/model/builtinConfigs';
import type { EncoderConfig } from '../src/core/model/types';

export const SHAPE_NAMES = ['demo', 'bert-base-2l'] as const;
export type ShapeName = (typeof SHAPE_NAMES)[number];

export interface TrainShape {
  name: ShapeName;
  /** what the row is, for the tables */
  label: string;
  hidden: number;
  layers: number;
  heads: number;
  intermediate: number;
  /** word-embedding rows (the demo tokenizer's 16,000; trained in both frameworks) */
  vocab: number;
  /** triplets per step B: B queries, B positives, B hard negatives = 3·B sequences */
  batch: number;
  /** tokens per sequence (no padding: every mask is 1) */
  seq: number;
}

/** The built-in demo model as the presets train it (`experiments/*.json`: small, vocab 16,000, batch 32). */
const small = BUILTIN_CONFIGS.small;

export const TRAIN_SHAPES: Readonly<Record<ShapeName, TrainShape>> = {
  demo: {
    name: 'demo',
    label: `demo model (built-in small: H ${small.hiddenSize}, ${small.numLayers} layers, ${small.numHeads} heads, FFN ${small.intermediateSize})`,
    hidden: small.hiddenSize,
    layers: small.numLayers,
    heads: small.numHeads,
    intermediate: small.intermediateSize,
    vocab: 16_000,
    batch: 32,
    seq: 64,
  },
  'bert-base-2l': {
    name: 'bert-base-2l',
    label: 'BERT-base-shaped stack (H 768, 2 layers, 12 heads, FFN 3072)',
    hidden: 768,
    layers: 2,
    heads: 12,
    intermediate: 3072,
    vocab: 16_000,
    batch: 32,
    seq: 64,
  },
};

/** Tokens a step encodes: queries, positives and hard negatives, each `seq` long. */
export function tokensPerStep(s: TrainShape): number {
  return 3 * s.batch * s.seq;
}

/**
 * The encoder config of a shape: the built-in models' XLM-R layout (pad id 0 as the built-in
 * tokenizer's), dropout as given (0 to match the PyTorch reference, which has none).
 */
export function shapeEncoderConfig(s: TrainShape, dropout: number): EncoderConfig {
  return {
    modelType: 'xlm-roberta',
    vocabSize: s.vocab,
    hiddenSize: s.hidden,
    numLayers: s.layers,
    numHeads: s.heads,
    intermediateSize: s.intermediate,
    maxPositions: s.seq + 2,
    typeVocabSize: 1,
    layerNormEps: 1e-5,
    padTokenId: 0,
    hiddenAct: 'gelu',
    hiddenDropout: dropout,
    attentionDropout: dropout,
  };
}
