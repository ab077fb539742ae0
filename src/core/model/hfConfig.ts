/**
 * HF `config.json` of an XLM-R / RoBERTa / BERT encoder ↔ our {@link EncoderConfig} (house rule 3:
 * convert once at the edge). Fields missing from the file take the defaults of HF's config classes;
 * the architecture sizes have no default. Anything we cannot run exactly (another activation, relative
 * position embeddings) is refused rather than approximated.
 */
import { z } from 'zod';
import { DataFormatError } from '../errors';
import { validate } from '../zodMessage';
import { MODEL_TYPES, type EncoderConfig, type ModelType } from './types';

const positiveInt = z.number().int().positive();
const rate = z.number().min(0).lt(1);
/** More layers than any published encoder (XLM-R XXL has 48); a bigger number is a broken file, not a model. */
const MAX_LAYERS = 256;

/**
 * Upper bounds on the other sizes, each well above any published encoder (XLM-R XXL: V 250,002, H 4096,
 * I 16,384, 514 positions, 32 heads), so that a hostile config.json fails here, naming the field, before
 * `V·H` or `I·H` floats are counted or allocated. The header-vs-config shape check (checkpointWeights.ts)
 * then bounds what is left by the size of the weight file.
 */
export const HF_CONFIG_BOUNDS = {
  vocab_size: 4_194_304,
  hidden_size: 65_536,
  intermediate_size: 262_144,
  max_position_embeddings: 1_048_576,
  num_attention_heads: 1024,
  type_vocab_size: 1024,
} as const;

const bounded = (field: keyof typeof HF_CONFIG_BOUNDS) => positiveInt.max(HF_CONFIG_BOUNDS[field], { error: `must be at most ${HF_CONFIG_BOUNDS[field].toLocaleString('en-US')} (a larger value is a broken config, not a model)` });

/** The subset of HF `config.json` we read; other keys are kept by HF and ignored here. */
export const HfConfigSchema = z
  .looseObject({
    model_type: z.enum(MODEL_TYPES),
    vocab_size: bounded('vocab_size'),
    hidden_size: bounded('hidden_size'),
    // 0 layers is an embedding bag (embeddings → LayerNorm → pooling): the built-in multilingual model
    num_hidden_layers: z.number().int().min(0).max(MAX_LAYERS),
    num_attention_heads: bounded('num_attention_heads'),
    intermediate_size: bounded('intermediate_size'),
    max_position_embeddings: bounded('max_position_embeddings'),
    type_vocab_size: bounded('type_vocab_size').optional(),
    layer_norm_eps: z.number().positive().optional(),
    pad_token_id: z.number().int().nonnegative().optional(),
    bos_token_id: z.number().int().nonnegative().nullish(),
    eos_token_id: z.number().int().nonnegative().nullish(),
    hidden_act: z.literal('gelu', { error: 'only "gelu" (exact erf GELU) is supported' }).optional(),
    hidden_dropout_prob: rate.optional(),
    attention_probs_dropout_prob: rate.optional(),
    position_embedding_type: z.literal('absolute', { error: 'only "absolute" position embeddings are supported' }).optional(),
  })
  .refine((c) => c.hidden_size % c.num_attention_heads === 0, {
    path: ['num_attention_heads'],
    message: 'must divide hidden_size',
  });
export type HfConfig = z.infer<typeof HfConfigSchema>;

/** HF class defaults (RobertaConfig / BertConfig) for fields a config may omit. */
const DEFAULT_PAD: Record<ModelType, number> = { 'xlm-roberta': 1, roberta: 1, bert: 0 };

const ARCHITECTURES: Record<ModelType, string> = { 'xlm-roberta': 'XLMRobertaModel', roberta: 'RobertaModel', bert: 'BertModel' };

/**
 * @param raw the parsed JSON of `config.json`
 * @param fileName named in errors
 * @throws DataFormatError naming the file and the field
 */
export function parseHfConfig(raw: unknown, fileName = 'config.json'): EncoderConfig {
  const c = validate(HfConfigSchema, raw, fileName);
  const config: EncoderConfig = {
    modelType: c.model_type,
    vocabSize: c.vocab_size,
    hiddenSize: c.hidden_size,
    numLayers: c.num_hidden_layers,
    numHeads: c.num_attention_heads,
    intermediateSize: c.intermediate_size,
    maxPositions: c.max_position_embeddings,
    typeVocabSize: c.type_vocab_size ?? 2,
    layerNormEps: c.layer_norm_eps ?? 1e-12,
    padTokenId: c.pad_token_id ?? DEFAULT_PAD[c.model_type],
    hiddenAct: 'gelu',
    hiddenDropout: c.hidden_dropout_prob ?? 0.1,
    attentionDropout: c.attention_probs_dropout_prob ?? 0.1,
  };
  if (c.bos_token_id != null) config.bosTokenId = c.bos_token_id;
  if (c.eos_token_id != null) config.eosTokenId = c.eos_token_id;
  if (config.padTokenId >= config.vocabSize) throw new DataFormatError(fileName, 'pad_token_id', `${config.padTokenId} is not below vocab_size ${config.vocabSize}`);
  return config;
}

/** The HF `config.json` for a config, loadable by Python `transformers` (`AutoModel.from_pretrained`). */
export function toHfConfig(config: EncoderConfig): Record<string, unknown> {
  const out: Record<string, unknown> = {
    architectures: [ARCHITECTURES[config.modelType]],
    model_type: config.modelType,
    vocab_size: config.vocabSize,
    hidden_size: config.hiddenSize,
    num_hidden_layers: config.numLayers,
    num_attention_heads: config.numHeads,
    intermediate_size: config.intermediateSize,
    hidden_act: config.hiddenAct,
    hidden_dropout_prob: config.hiddenDropout,
    attention_probs_dropout_prob: config.attentionDropout,
    max_position_embeddings: config.maxPositions,
    type_vocab_size: config.typeVocabSize,
    initializer_range: 0.02,
    layer_norm_eps: config.layerNormEps,
    pad_token_id: config.padTokenId,
    position_embedding_type: 'absolute',
    torch_dtype: 'float32',
  };
  if (config.bosTokenId !== undefined) out.bos_token_id = config.bosTokenId;
  if (config.eosTokenId !== undefined) out.eos_token_id = config.eosTokenId;
  return out;
}
