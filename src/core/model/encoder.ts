/**
 * The trainable Transformer encoder: one `tf.Variable` per HF tensor (names map 1:1 to the checkpoint)
 * and a hand-written post-LN forward pass mirroring HF `modeling_xlm_roberta.py` / `modeling_bert.py`
 * (shared/notes/checkpoints.md §1.3, §2). The sentence embedding of paper §1.1 is the masked mean or
 * the CLS state, optionally through a sentence-transformers Dense head, L2-normalised.
 */
import * as tf from '@tensorflow/tfjs';
import { ConfigError } from '../errors';
import { embeddingLookup, gelu, hostEmbeddingLookup, l2Normalize, layerNorm, linear } from './encoderOps';
import { deriveSeed } from './init';
import { positionIds } from './positionIds';
import type { DenseActivation, SentenceHead } from './sentenceHead';
import type { EncodeOptions, EncoderConfig, HostTensor, Pooling, TokenBatch, TokenizeOptions, Tokenizer, TrainableEncoder } from './types';
import type { VocabularyPruning } from './vocabularyPruning';
import { mapCheckpointWeights } from './weightNames';

/**
 * Word-embedding matrices with more parameters than this are frozen by default: their dense gradient and
 * Adam moments would triple a matrix that is 69–82 % of XLM-R/LaBSE (checkpoints.md §1.4).
 */
export const FREEZE_EMBEDDINGS_ABOVE = 8_000_000;

/** Additive attention bias of padded keys; any large negative gives HF's outputs on real tokens. */
const MASK_BIAS = -1e9;

const WORD = 'embeddings.word_embeddings.weight';

export interface TransformerEncoderOptions {
  config: EncoderConfig;
  /** every encoder tensor keyed by HF name (pooler optional); copied to the accelerator */
  weights: ReadonlyMap<string, HostTensor>;
  /** used by `tokenize`; null for an encoder fed with token ids only */
  tokenizer?: Tokenizer | null;
  /** sentence-transformers pooling and Dense layers (LaBSE) */
  head?: SentenceHead | null;
  /** overrides the head's pooling; default the head's, else `mean` */
  pooling?: Pooling;
  /** keep the word embeddings frozen, in JS memory; default: when V·H > {@link FREEZE_EMBEDDINGS_ABOVE} */
  freezeEmbeddings?: boolean;
  /** prefix of the tf.Variable names (unique per engine); default `encoder<n>` */
  name?: string;
  /** set when `config`/`weights`/`tokenizer` come from `pruneVocabulary`: saving restores the full vocabulary */
  vocabularyPruning?: VocabularyPruning | null;
}

/** Outputs of {@link TransformerEncoder.forward}. */
export interface EncoderOutput {
  /** [batch, seqLen, H] */
  lastHiddenState: tf.Tensor3D;
  /** tanh(dense(h[:, 0])) [batch, H]; null when the checkpoint has no pooler */
  poolerOutput: tf.Tensor2D | null;
}

interface DenseVariables {
  path: string;
  activation: DenseActivation;
  weight: tf.Variable;
  bias: tf.Variable | null;
}

function freeName(base: string): string {
  const taken = Object.keys(tf.engine().registeredVariables);
  for (let n = 0; ; n++) {
    const candidate = `${base}${n}`;
    if (!taken.some((v) => v.startsWith(`${candidate}/`))) return candidate;
  }
}

export class TransformerEncoder implements TrainableEncoder {
  readonly config: EncoderConfig;
  /** size of the output embedding: the last Dense layer's width, else H */
  readonly dim: number;
  readonly pooling: Pooling;
  readonly tokenizer: Tokenizer | null;
  /** prefix of this instance's variable names */
  readonly name: string;
  readonly hasPooler: boolean;
  /** true when the word embeddings live in JS memory and are not trained */
  readonly embeddingsFrozen: boolean;
  /** the pruning behind a reduced vocabulary (vocabularyPruning.ts), else null */
  readonly vocabularyPruning: VocabularyPruning | null;
  private readonly vars = new Map<string, tf.Variable>();
  private readonly dense: DenseVariables[];
  private readonly hostWordEmbeddings: Float32Array | null;
  private disposed = false;

  constructor(options: TransformerEncoderOptions) {
    const { config } = options;
    this.config = config;
    this.tokenizer = options.tokenizer ?? null;
    if (this.tokenizer && this.tokenizer.padId !== config.padTokenId) {
      throw new ConfigError(`the tokenizer pads with id ${this.tokenizer.padId} but the model's pad_token_id is ${config.padTokenId}`);
    }
    if (this.tokenizer && this.tokenizer.vocabSize > config.vocabSize) {
      throw new ConfigError(`the tokenizer has ${this.tokenizer.vocabSize} ids but the model's vocab_size is ${config.vocabSize}`);
    }
    const mapped = mapCheckpointWeights(options.weights, config, 'encoder weights');
    this.hasPooler = mapped.hasPooler;
    this.embeddingsFrozen = options.freezeEmbeddings ?? config.vocabSize * config.hiddenSize > FREEZE_EMBEDDINGS_ABOVE;
    this.pooling = options.pooling ?? options.head?.pooling ?? 'mean';
    this.name = options.name ?? freeName('encoder');
    this.vocabularyPruning = options.vocabularyPruning ?? null;
    this.hostWordEmbeddings = this.embeddingsFrozen ? mapped.weights.get(WORD)!.data : null;

    let width = config.hiddenSize;
    for (const d of options.head?.dense ?? []) {
      const out = d.weight.shape[0]!;
      const shapeOk = d.weight.shape.length === 2 && d.weight.shape[1] === width && (!d.bias || (d.bias.shape.length === 1 && d.bias.shape[0] === out));
      if (!shapeOk) throw new ConfigError(`${d.path}: linear.weight ${JSON.stringify(d.weight.shape)} / linear.bias ${JSON.stringify(d.bias?.shape ?? null)} do not take ${width} inputs`);
      width = out;
    }
    this.dim = width;

    for (const [hfName, t] of mapped.weights) {
      if (hfName === WORD && this.embeddingsFrozen) continue;
      this.vars.set(hfName, this.makeVariable(hfName, t));
    }
    this.dense = (options.head?.dense ?? []).map((d) => ({
      path: d.path,
      activation: d.activation,
      weight: this.makeVariable(`${d.path}/linear.weight`, d.weight),
      bias: d.bias ? this.makeVariable(`${d.path}/linear.bias`, d.bias) : null,
    }));
  }

  private makeVariable(key: string, t: HostTensor): tf.Variable {
    const init = tf.tensor(t.data, t.shape, 'float32');
    // trainable in tf's sense so tf.variableGrads can differentiate it; what the optimiser updates is
    // decided by trainableVariables()
    const v = tf.variable(init, true, `${this.name}/${key}`);
    init.dispose();
    this.vars.set(key, v);
    return v;
  }

  private v<R extends tf.Rank>(key: string): tf.Variable<R> {
    const v = this.vars.get(key);
    if (!v) throw new Error(`encoder ${this.name}: no variable "${key}"`);
    return v as tf.Variable<R>;
  }

  tokenize(texts: string[], maxLength: number, options?: TokenizeOptions): TokenBatch {
    if (!this.tokenizer) throw new ConfigError(`encoder ${this.name} was built without a tokenizer`);
    return this.tokenizer.encode(texts, maxLength, options);
  }

  private dropout(x: tf.Tensor, rate: number, options: EncodeOptions, layer: number, site: string): tf.Tensor {
    if (!options.training || rate === 0) return x;
    if (options.dropoutSeed === undefined) throw new ConfigError('EncodeOptions.dropoutSeed is required when training with dropout, so that masks are reproducible');
    const seed = deriveSeed(options.dropoutSeed, 'dropout', layer, site);
    const rows = options.rows;
    if (!rows || (rows.offset === 0 && rows.total === x.shape[0])) return tf.dropout(x, rate, undefined, seed);
    return rowChunkDropout(x, rate, seed, rows);
  }

  private checkBatch(batch: TokenBatch, options: EncodeOptions): void {
    if (this.disposed) throw new Error(`encoder ${this.name} was disposed`);
    const n = batch.batchSize * batch.seqLen;
    if (batch.inputIds.length !== n || batch.attentionMask.length !== n || n === 0) {
      throw new ConfigError(`token batch of shape [${batch.batchSize}, ${batch.seqLen}] holds ${batch.inputIds.length} ids and ${batch.attentionMask.length} mask values`);
    }
    const rows = options.rows;
    if (rows && !(Number.isInteger(rows.offset) && Number.isInteger(rows.total) && rows.offset >= 0 && rows.offset + batch.batchSize <= rows.total)) {
      throw new ConfigError(`EncodeOptions.rows: rows ${rows.offset}…${rows.offset + batch.batchSize - 1} are not rows of a ${rows.total}-row batch`);
    }
    for (const id of batch.inputIds) {
      if (!(id >= 0 && id < this.config.vocabSize)) throw new ConfigError(`token id ${id} is outside the vocabulary of ${this.config.vocabSize}`);
    }
  }

  /**
   * The Transformer: embeddings → post-LN layers (→ pooler). Creates tensors: call inside tf.tidy or
   * tf.variableGrads.
   */
  forward(batch: TokenBatch, options: EncodeOptions = { training: false }): EncoderOutput {
    this.checkBatch(batch, options);
    const c = this.config;
    const { batchSize: B, seqLen: L } = batch;
    const H = c.hiddenSize;
    const nh = c.numHeads;
    const hd = H / nh;

    const word = this.hostWordEmbeddings ? hostEmbeddingLookup(this.hostWordEmbeddings, H, batch.inputIds) : embeddingLookup(this.v<tf.Rank.R2>(WORD), batch.inputIds);
    const pos = embeddingLookup(this.v<tf.Rank.R2>('embeddings.position_embeddings.weight'), positionIds(batch, c));
    // token_type_ids are all 0 (type_vocab 1 for XLM-R; LaBSE encodes single sentences)
    const type = this.v<tf.Rank.R2>('embeddings.token_type_embeddings.weight').slice([0, 0], [1, H]);
    let x = layerNorm(word.add(pos).add(type).reshape([B, L, H]), this.v('embeddings.LayerNorm.weight'), this.v('embeddings.LayerNorm.bias'), c.layerNormEps);
    x = this.dropout(x, c.hiddenDropout, options, -1, 'embeddings');

    const maskBias = tf.tensor(batch.attentionMask, [B, 1, 1, L], 'float32').sub(1).mul(-MASK_BIAS);
    const heads = (t: tf.Tensor) => t.reshape([B, L, nh, hd]).transpose([0, 2, 1, 3]);
    for (let l = 0; l < c.numLayers; l++) {
      const p = `encoder.layer.${l}.`;
      const lin = (t: tf.Tensor, n: string) => linear(t, this.v(`${p}${n}.weight`), this.v(`${p}${n}.bias`));
      const q = heads(lin(x, 'attention.self.query'));
      const k = heads(lin(x, 'attention.self.key'));
      const val = heads(lin(x, 'attention.self.value'));
      const scores = tf
        .matMul(q, k, false, true)
        .mul(1 / Math.sqrt(hd))
        .add(maskBias);
      const probs = this.dropout(tf.softmax(scores), c.attentionDropout, options, l, 'attention.probs');
      const ctx = tf.matMul(probs, val).transpose([0, 2, 1, 3]).reshape([B, L, H]);
      const attnOut = this.dropout(lin(ctx, 'attention.output.dense'), c.hiddenDropout, options, l, 'attention.output');
      const attn = layerNorm(attnOut.add(x), this.v(`${p}attention.output.LayerNorm.weight`), this.v(`${p}attention.output.LayerNorm.bias`), c.layerNormEps);
      const ffn = this.dropout(lin(gelu(lin(attn, 'intermediate.dense')), 'output.dense'), c.hiddenDropout, options, l, 'output');
      x = layerNorm(ffn.add(attn), this.v(`${p}output.LayerNorm.weight`), this.v(`${p}output.LayerNorm.bias`), c.layerNormEps);
    }
    const lastHiddenState = x as tf.Tensor3D;
    const poolerOutput = this.hasPooler ? (linear(cls(lastHiddenState), this.v('pooler.dense.weight'), this.v('pooler.dense.bias')).tanh() as tf.Tensor2D) : null;
    return { lastHiddenState, poolerOutput };
  }

  /**
   * Pooling and the sentence head, before normalisation.
   * @param lastHiddenState [batch, seqLen, H]
   * @returns [batch, dim]
   */
  pool(lastHiddenState: tf.Tensor3D, batch: TokenBatch): tf.Tensor2D {
    let y: tf.Tensor2D;
    if (this.pooling === 'cls') {
      y = cls(lastHiddenState);
    } else {
      const mask = tf.tensor(batch.attentionMask, [batch.batchSize, batch.seqLen, 1], 'float32');
      y = lastHiddenState.mul(mask).sum(1).div(mask.sum(1).maximum(1e-9)) as tf.Tensor2D;
    }
    for (const d of this.dense) {
      const z = linear(y, d.weight as tf.Variable<tf.Rank.R2>, d.bias as tf.Variable<tf.Rank.R1> | null);
      y = (d.activation === 'tanh' ? z.tanh() : z) as tf.Tensor2D;
    }
    return y;
  }

  /** Pooled, L2-normalised embeddings [batch, dim]; call inside tf.tidy / tf.variableGrads. */
  embed(batch: TokenBatch, options: EncodeOptions): tf.Tensor2D {
    return l2Normalize(this.pool(this.forward(batch, options).lastHiddenState, batch));
  }

  /**
   * Variables the optimiser updates, keyed by HF name (head layers as `<path>/linear.*`). The HF pooler
   * is left out: embed() does not use it, so it stays (and is saved) as loaded.
   */
  trainableVariables(): Record<string, tf.Variable> {
    return Object.fromEntries([...this.vars].filter(([key]) => !key.startsWith('pooler.')));
  }

  /** Every variable, the pooler included (not host-held frozen word embeddings, which are no variable). */
  variables(): Record<string, tf.Variable> {
    return Object.fromEntries(this.vars);
  }

  /** The sentence head's Dense layers, without their weights. */
  headLayers(): { path: string; activation: DenseActivation; inFeatures: number; outFeatures: number; bias: boolean }[] {
    return this.dense.map((d) => ({ path: d.path, activation: d.activation, inFeatures: d.weight.shape[1]!, outFeatures: d.weight.shape[0]!, bias: d.bias !== null }));
  }

  /** Current values of every tensor, keyed like {@link variables} plus host-held word embeddings. */
  async weightValues(): Promise<Map<string, HostTensor>> {
    const out = new Map<string, HostTensor>();
    if (this.hostWordEmbeddings) out.set(WORD, { shape: [this.config.vocabSize, this.config.hiddenSize], data: this.hostWordEmbeddings });
    for (const [key, v] of this.vars) out.set(key, { shape: [...v.shape], data: (await v.data()) as Float32Array });
    return new Map([...out].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
  }

  dispose(): void {
    for (const v of this.vars.values()) v.dispose();
    this.vars.clear();
    this.disposed = true;
  }
}

/**
 * Rows `rows.offset …` of `tf.dropout(whole, rate, undefined, seed)` for the `rows.total`-row tensor `whole`
 * of which `x` holds those rows. tfjs-core 4.22's dropout (ops/dropout.js) is x · floor(U + keep) / keep with
 * U = randomUniform(shape, 0, 1, 'float32', seed) filled row-major from one seeded stream, so a chunk's U is a
 * contiguous run of the whole batch's: drawn whole, read back and cut here, then put through the same ops.
 * Drawing U for the chunk's own shape would give other masks, and a chunked step would train another model.
 */
function rowChunkDropout(x: tf.Tensor, rate: number, seed: number, rows: { offset: number; total: number }): tf.Tensor {
  const [n, ...rest] = x.shape;
  const rowSize = rest.reduce((a, b) => a * b, 1);
  // randomUniform is no kernel, so the full draw never enters a gradient tape; it is freed at once
  const whole = tf.randomUniform([rows.total, ...rest], 0, 1, 'float32', seed);
  const values = (whole.dataSync() as Float32Array).slice(rows.offset * rowSize, (rows.offset + n!) * rowSize);
  whole.dispose();
  const keepProb = 1 - rate;
  return tf.mul(x, tf.div(tf.floor(tf.add(tf.tensor(values, x.shape, 'float32'), keepProb)), keepProb));
}

/** h[:, 0] [batch, H] of [batch, seqLen, H]. */
function cls(h: tf.Tensor3D): tf.Tensor2D {
  const [B, , H] = h.shape;
  return h.slice([0, 0, 0], [B, 1, H]).reshape([B, H]);
}
