/**
 * The contract between the model code (`src/core/model`) and the training loop (`src/core/train`).
 * The encoder is one tower shared by queries and passages (paper §1.1).
 */
import type * as tf from '@tensorflow/tfjs';

/** Token ids of a batch, right-padded; shapes [batch, seqLen]. */
export interface TokenBatch {
  inputIds: Int32Array;
  attentionMask: Int32Array;
  batchSize: number;
  seqLen: number;
}

export interface TokenizeOptions {
  /**
   * Pad every row to a multiple of this many ids (never past `maxLength`; default 1, no extra padding).
   * GPU backends compile a shader program per input shape, so a few bucketed lengths beat many exact ones.
   */
  padMultiple?: number;
}

/**
 * How `embed` turns the last hidden states [batch, seqLen, H] into one vector per text: the mean over
 * the real (unpadded) tokens, or the first token's state (`[CLS]` / `<s>`).
 */
export const POOLINGS = ['mean', 'cls'] as const;
export type Pooling = (typeof POOLINGS)[number];

export interface EncodeOptions {
  /** dropout on when true */
  training: boolean;
  /** seed for dropout masks; the loop derives it from (run seed, step, call site) so resume is exact */
  dropoutSeed?: number;
  /**
   * The batch is rows `offset … offset + batchSize − 1` of a `total`-row batch (a chunk of the chunked
   * backward, src/core/train/gradientCache.ts): dropout masks are those rows of the masks the whole batch
   * would draw with the same seed, so a chunked step computes what the whole-batch step does. An encoder
   * that draws dropout must honour it. Default: the batch is whole.
   */
  rows?: { offset: number; total: number };
}

export interface TrainableEncoder {
  /** hidden size of the output embedding */
  readonly dim: number;
  /** texts → token batch (prefixes such as "Query: " are added by the caller) */
  tokenize(texts: string[], maxLength: number, options?: TokenizeOptions): TokenBatch;
  /** pooled, L2-normalised embeddings [batch, dim]; call inside tf.tidy / variableGrads */
  embed(batch: TokenBatch, options: EncodeOptions): tf.Tensor2D;
  /** the variables the optimiser updates (frozen ones excluded), keyed by HF tensor name */
  trainableVariables(): Record<string, tf.Variable>;
}

/**
 * A tokenizer as the encoder needs it (implemented by `HfTokenizer` in `tokenizer.ts`): texts →
 * right-padded ids with special tokens added, truncated to `maxLength` ids.
 */
export interface Tokenizer {
  /** @returns ids and mask of shape [texts.length, seqLen], seqLen ≤ maxLength (special tokens included) */
  encode(texts: readonly string[], maxLength: number, options?: TokenizeOptions): TokenBatch;
  /** the id used for padding (XLM-R 1, BERT 0); must equal the model's `pad_token_id` */
  readonly padId: number;
  /** rows the word-embedding table needs: highest id + 1 */
  readonly vocabSize: number;
  /** the HF `tokenizer.json` object this tokenizer was built from (written next to a saved checkpoint) */
  toJSON(): unknown;
}

export const MODEL_TYPES = ['xlm-roberta', 'roberta', 'bert'] as const;
/** HF `model_type`: xlm-roberta/roberta use pad-offset positions, bert positions 0..L−1. */
export type ModelType = (typeof MODEL_TYPES)[number];

/**
 * The encoder's architecture in our words; `parseHfConfig` (hfConfig.ts) converts HF `config.json`
 * (snake_case) into it once, `toHfConfig` converts back when saving.
 */
export interface EncoderConfig {
  modelType: ModelType;
  /** rows of the word-embedding matrix (HF `vocab_size`) */
  vocabSize: number;
  /** H (HF `hidden_size`) */
  hiddenSize: number;
  /** number of Transformer layers (HF `num_hidden_layers`) */
  numLayers: number;
  /** attention heads; divides `hiddenSize` (HF `num_attention_heads`) */
  numHeads: number;
  /** feed-forward inner size (HF `intermediate_size`) */
  intermediateSize: number;
  /** rows of the position-embedding matrix (HF `max_position_embeddings`) */
  maxPositions: number;
  /** rows of the token-type matrix (HF `type_vocab_size`); we always use type 0 */
  typeVocabSize: number;
  /** ε of every LayerNorm (HF `layer_norm_eps`) */
  layerNormEps: number;
  padTokenId: number;
  bosTokenId?: number;
  eosTokenId?: number;
  /** only exact (erf) GELU is supported */
  hiddenAct: 'gelu';
  /** dropout rate after embeddings and each residual branch while training (HF `hidden_dropout_prob`) */
  hiddenDropout: number;
  /** dropout rate on attention probabilities while training (HF `attention_probs_dropout_prob`) */
  attentionDropout: number;
}

/** A float32 tensor held in JS memory (row-major), e.g. weights between a file and a tf.Variable. */
export interface HostTensor {
  shape: number[];
  data: Float32Array;
}
