/**
 * The models a run config names by `model.builtin`:
 *  - {@link PRETRAINED_MODELS}: shipped with the app as a HF-layout checkpoint folder under `public/`
 *    (weights, config.json, tokenizer), loaded like `model.checkpoint`; the default;
 *  - {@link BUILTIN_MODELS}: our own small encoders, trained from a seeded random initialisation
 *    (`init.ts`), the "random init" controls. They are in the XLM-R layout so their checkpoints load in
 *    Python `transformers` as `XLMRobertaModel`. The vocabulary (size and pad id) comes from the tokenizer
 *    they are paired with, so parameter counts are given as `non-embedding + V·H` (no pooler: `embed()`
 *    pools by mean or CLS).
 */
import type { EncoderConfig } from './types';

/** The random-init built-ins: a WordPiece tokenizer trained on the run's training texts, seeded random weights. */
export const BUILTIN_MODELS = ['tiny', 'small'] as const;
export type BuiltinModel = (typeof BUILTIN_MODELS)[number];

/** The pretrained built-ins: weights and tokenizer shipped under `public/` ({@link PRETRAINED_FOLDERS}). */
export const PRETRAINED_MODELS = ['multilingual'] as const;
export type PretrainedModel = (typeof PRETRAINED_MODELS)[number];

/** Every value `model.builtin` takes, the default first. */
export const MODEL_BUILTINS = [...PRETRAINED_MODELS, ...BUILTIN_MODELS] as const;
export type ModelBuiltin = (typeof MODEL_BUILTINS)[number];

/** The built-in a new notebook, a new CLI config and the presets start from. */
export const DEFAULT_MODEL_BUILTIN: ModelBuiltin = 'multilingual';

export function isPretrainedModel(name: ModelBuiltin): name is PretrainedModel {
  return (PRETRAINED_MODELS as readonly string[]).includes(name);
}

/** Where a pretrained built-in lives: a folder relative to the app's `public/` (and the package root's `public/`). */
export interface PretrainedFolder {
  /** relative to `public/`, `/`-separated, no trailing slash */
  readonly path: string;
  /** the files the loader reads (HF + sentence-transformers layout), relative to {@link path} */
  readonly files: readonly string[];
  /** its model card (what it was trained on, licences), relative to {@link path} */
  readonly card: string;
}

export const PRETRAINED_FOLDERS: Readonly<Record<PretrainedModel, PretrainedFolder>> = {
  multilingual: {
    path: 'models/multilingual',
    files: ['config.json', 'model.safetensors', 'tokenizer.json', 'tokenizer_config.json', 'modules.json', 'sentence_bert_config.json', '1_Pooling/config.json'],
    card: 'MODEL_CARD.md',
  },
};

/** An encoder config without its vocabulary. */
export type BuiltinArchitecture = Omit<EncoderConfig, 'vocabSize' | 'padTokenId' | 'bosTokenId' | 'eosTokenId'>;

const COMMON = {
  modelType: 'xlm-roberta',
  typeVocabSize: 1,
  layerNormEps: 1e-5,
  hiddenAct: 'gelu',
  hiddenDropout: 0.1,
  attentionDropout: 0.1,
} as const;

export const BUILTIN_CONFIGS: Readonly<Record<BuiltinModel, BuiltinArchitecture>> = {
  /**
   * For tests and smoke runs: H 32, 2 layers, 4 heads (head dim 8), FFN 64, 64 tokens
   * (max_position_embeddings 66 = 64 + pad + 1). 19,296 + 32·V parameters
   * (51,296 with V = 1000).
   */
  tiny: { ...COMMON, hiddenSize: 32, numLayers: 2, numHeads: 4, intermediateSize: 64, maxPositions: 66 },
  /**
   * The default for in-browser experiments: H 128, 4 layers, 4 heads (head dim 32), FFN 512, 128 tokens
   * (max_position_embeddings 130). 810,112 + 128·V parameters (32.8 M with XLM-R's V = 250,002, whose
   * 32 M-parameter embedding matrix is then frozen by default).
   */
  small: { ...COMMON, hiddenSize: 128, numLayers: 4, numHeads: 4, intermediateSize: 512, maxPositions: 130 },
};

/**
 * @param vocab the tokenizer's vocabulary size and pad id
 * @returns the full config of a built-in model
 */
export function builtinEncoderConfig(name: BuiltinModel, vocab: { vocabSize: number; padTokenId: number }): EncoderConfig {
  if (!Number.isInteger(vocab.vocabSize) || vocab.vocabSize <= vocab.padTokenId || vocab.padTokenId < 0) {
    throw new RangeError(`builtinEncoderConfig: vocabSize ${vocab.vocabSize} must be an integer above padTokenId ${vocab.padTokenId}`);
  }
  return { ...BUILTIN_CONFIGS[name], vocabSize: vocab.vocabSize, padTokenId: vocab.padTokenId };
}
