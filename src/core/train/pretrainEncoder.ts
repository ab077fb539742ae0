/**
 * The encoder `xlir pretrain` starts from: a WordPiece tokenizer trained on the corpus (both sides,
 * languages balanced like XLM-R's sampling) and a seeded random initialisation in the XLM-R layout, so the
 * result is an ordinary HF checkpoint that `model.checkpoint`, the app and Python all load.
 *
 * With 0 layers the encoder is an embedding bag: mean of LayerNorm(word embedding) over the tokens. Its
 * position and token-type embeddings start at 0 and stay frozen while pretraining, so the bag ignores word
 * order exactly (fine-tuning may train them later).
 */
import type { ParallelPairs } from '../data/parallelCorpus';
import type { PretrainConfig } from '../experiment/pretrainConfig';
import { buildBuiltinTokenizer } from '../model/builtinTokenizer/buildBuiltinTokenizer';
import { TransformerEncoder } from '../model/encoder';
import { initEncoderWeights } from '../model/init';
import { TOKENIZER_CONFIG_FILE, TOKENIZER_FILE, type HfTokenizer } from '../model/tokenizer';
import type { EncoderConfig } from '../model/types';
import { deriveSeed } from '../metrics/rng';

const ORDER_FREE = ['embeddings.position_embeddings.weight', 'embeddings.token_type_embeddings.weight'];

/** Longest input of a pretrained encoder: XQuAD/MLQA sentences run past 128 tokens; a bag costs nothing per position. */
export const PRETRAIN_MAX_POSITIONS = 514;

/** Every distinct text of the corpus with its language (English once, however many languages share it). */
export function tokenizerTrainingTexts(corpus: readonly ParallelPairs[]): { texts: string[]; languages: string[] } {
  const texts: string[] = [];
  const languages: string[] = [];
  const seen = new Set<string>();
  const add = (text: string, lang: string) => {
    const key = `${lang}\u0000${text}`;
    if (seen.has(key)) return;
    seen.add(key);
    texts.push(text);
    languages.push(lang);
  };
  for (const p of corpus) p.english.forEach((t) => add(t, 'en'));
  for (const p of corpus) p.translation.forEach((t) => add(t, p.lang));
  return { texts, languages };
}

export interface PretrainTokenizer {
  tokenizer: HfTokenizer;
  /** `tokenizer.json` and `tokenizer_config.json` as JSON values */
  files: Record<string, unknown>;
}

export function buildPretrainTokenizer(config: PretrainConfig, corpus: readonly ParallelPairs[]): PretrainTokenizer {
  const { texts, languages } = tokenizerTrainingTexts(corpus);
  const tok = buildBuiltinTokenizer(texts, { vocabSize: config.tokenizer.vocabSize, minFrequency: config.tokenizer.minFrequency, languages });
  return { tokenizer: tok.tokenizer, files: { [TOKENIZER_FILE]: tok.json, [TOKENIZER_CONFIG_FILE]: tok.config } };
}

export function pretrainEncoderConfig(config: PretrainConfig, tokenizer: HfTokenizer): EncoderConfig {
  const m = config.model;
  return {
    modelType: 'xlm-roberta',
    vocabSize: tokenizer.vocabSize,
    hiddenSize: m.hiddenSize,
    numLayers: m.numLayers,
    numHeads: m.numHeads,
    intermediateSize: m.intermediateSize,
    maxPositions: PRETRAIN_MAX_POSITIONS,
    typeVocabSize: 1,
    layerNormEps: m.layerNormEps,
    hiddenAct: 'gelu',
    hiddenDropout: config.dropout,
    attentionDropout: config.dropout,
    padTokenId: tokenizer.padId,
  };
}

/** @returns the fresh encoder and the variables that stay frozen while pretraining */
export function createPretrainEncoder(config: PretrainConfig, tokenizer: HfTokenizer): { encoder: TransformerEncoder; frozen: string[] } {
  const encConfig = pretrainEncoderConfig(config, tokenizer);
  const weights = initEncoderWeights(encConfig, deriveSeed(config.seed, 'pretrain-init'));
  const frozen = frozenWhilePretraining(config);
  for (const name of frozen) weights.get(name)!.data.fill(0);
  const encoder = new TransformerEncoder({ config: encConfig, weights, tokenizer, pooling: config.model.pooling, freezeEmbeddings: false });
  return { encoder, frozen };
}

/** The frozen variables of a pretraining run with this config (a resumed run's encoder comes from its checkpoint). */
export function frozenWhilePretraining(config: PretrainConfig): string[] {
  return config.model.numLayers === 0 ? [...ORDER_FREE] : [];
}
