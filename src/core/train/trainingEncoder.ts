/**
 * Builds the encoder a run trains, from its config (shared by the CLI and the training worker):
 *  - `model.builtin` multilingual (pretrained): the shipped HF-layout folder, given as
 *    {@link TrainingEncoderSources.pretrained} (Node: `dirSource(<package>/public/models/multilingual)`, the
 *    browser: the files fetched from the app's origin), loaded like `model.checkpoint` with the run config's
 *    pooling, dropout and freezeEmbeddings;
 *  - `model.builtin` tiny | small (random init): a WordPiece tokenizer trained on the run's TRAINING texts (with the
 *    "Query: " / "Passage: " prefixes, exactly the inputs the encoder sees; never evaluation texts) and
 *    a seeded random init `initEncoderWeights(config, deriveSeed(seed, 'model-init'))`, dropout from the
 *    run config;
 *  - `model.checkpoint`: a HF-layout folder (weights, config.json, tokenizer.json), trained with the run
 *    config's dropout (not config.json's, so every arm of a comparison uses the same rate);
 *  - resuming: the run checkpoint's own model files (written by {@link exportModel}), so the tokenizer,
 *    architecture and frozen weights are exactly those of the interrupted run.
 */
import type { RetrievalDataset } from '../data/types';
import type { RunConfig } from '../experiment/runConfig';
import { ConfigError } from '../errors';
import { builtinEncoderConfig, isPretrainedModel, PRETRAINED_FOLDERS, type BuiltinModel } from '../model/builtinConfigs';
import { buildBuiltinTokenizer } from '../model/builtinTokenizer/buildBuiltinTokenizer';
import type { CheckpointSource } from '../model/checkpointSource';
import { TransformerEncoder } from '../model/encoder';
import { initEncoderWeights } from '../model/init';
import { loadEncoderCheckpoint } from '../model/loadEncoderCheckpoint';
import { maxSequenceLength } from '../model/positionIds';
import { saveEncoderCheckpoint } from '../model/saveEncoderCheckpoint';
import { loadTokenizer, TOKENIZER_CONFIG_FILE, TOKENIZER_FILE } from '../model/tokenizer';
import { deriveSeed } from '../metrics/rng';
import { PASSAGE_PREFIX, QUERY_PREFIX } from './textPrefixes';

export interface TrainingEncoder {
  encoder: TransformerEncoder;
  /** the model's checkpoint files (HF + sentence-transformers layout, tokenizer included): `TrainDeps.exportModel` */
  exportModel: () => Promise<Record<string, Uint8Array>>;
  /** how it was built, for logs */
  origin: 'builtin' | 'pretrained' | 'checkpoint' | 'resumed';
  /**
   * random-init built-ins: the tokenizer trained for the run. `size` can exceed `requested` (the run
   * config's vocabSize, or the default) when the training languages' alphabet did not fit; it is a
   * function of the config and the training files, so a rerun gets the same, and the checkpoint's
   * config.json records it as vocab_size.
   */
  vocabulary?: { requested: number; size: number; alphabetEntries: number };
}

export interface TrainingEncoderSources {
  /** the training dataset: its texts in the training languages train the built-in tokenizer */
  trainDataset: RetrievalDataset;
  /** the folder named by `model.checkpoint` (Node: `dirSource(path)`) */
  baseCheckpoint?: CheckpointSource;
  /** the run checkpoint being resumed (its model files) */
  resume?: CheckpointSource;
  /** the shipped folder of the pretrained built-in `model.builtin` names (`PRETRAINED_FOLDERS`) */
  pretrained?: CheckpointSource;
}

/** The texts the built-in tokenizer is trained on: prefixed training queries and candidates. */
export function builtinTokenizerTexts(dataset: RetrievalDataset, languages: readonly string[]): string[] {
  const keep = new Set(languages);
  return [...dataset.queries.filter((q) => keep.has(q.lang)).map((q) => QUERY_PREFIX + q.text), ...dataset.candidates.filter((c) => keep.has(c.lang)).map((c) => PASSAGE_PREFIX + c.text)];
}

async function readOptional(source: CheckpointSource, name: string): Promise<Uint8Array | null> {
  return (await source.list()).includes(name) ? source.read(name) : null;
}

/**
 * @throws ConfigError / CheckpointError / DataFormatError from the model loaders, naming the file
 */
export async function createTrainingEncoder(config: RunConfig, sources: TrainingEncoderSources): Promise<TrainingEncoder> {
  const m = config.model;
  const load = (source: CheckpointSource) => loadEncoderCheckpoint(source, { loadTokenizer: (s) => loadTokenizer(s), pooling: m.pooling, freezeEmbeddings: m.freezeEmbeddings, dropout: config.dropout });
  let encoder: TransformerEncoder;
  let tokenizerFiles: Record<string, unknown>;
  let origin: TrainingEncoder['origin'];
  let vocabulary: TrainingEncoder['vocabulary'];
  const pretrained = m.builtin !== undefined && isPretrainedModel(m.builtin) ? m.builtin : null;
  if (sources.resume || m.checkpoint !== undefined || pretrained !== null) {
    const source = sources.resume ?? (pretrained !== null ? sources.pretrained : sources.baseCheckpoint);
    if (!source) {
      throw pretrained !== null
        ? new ConfigError(`the pretrained built-in model "${pretrained}" needs its files (public/${PRETRAINED_FOLDERS[pretrained].path}/), and none were given`)
        : new Error('createTrainingEncoder: model.checkpoint is set but no baseCheckpoint source was given');
    }
    encoder = await load(source);
    if (!sources.resume && m.maxLength > maxSequenceLength(encoder.config)) {
      const limit = maxSequenceLength(encoder.config);
      encoder.dispose();
      const what = pretrained !== null ? `the built-in "${pretrained}" model` : `the checkpoint ${source.name}`;
      throw new ConfigError(`model.maxLength: ${what} takes at most ${limit} tokens (got ${m.maxLength})`);
    }
    tokenizerFiles = {};
    for (const name of [TOKENIZER_FILE, TOKENIZER_CONFIG_FILE]) {
      const bytes = await readOptional(source, name);
      if (bytes) tokenizerFiles[name] = bytes;
    }
    origin = sources.resume ? 'resumed' : pretrained !== null ? 'pretrained' : 'checkpoint';
  } else {
    // neither a checkpoint nor a pretrained built-in: a random-init one (the schema allows no other)
    const builtin = m.builtin as BuiltinModel;
    const tok = buildBuiltinTokenizer(builtinTokenizerTexts(sources.trainDataset, config.data.train.languages), m.vocabSize ? { vocabSize: m.vocabSize } : {});
    const encConfig = {
      ...builtinEncoderConfig(builtin, { vocabSize: tok.tokenizer.vocabSize, padTokenId: tok.tokenizer.padId }),
      hiddenDropout: config.dropout,
      attentionDropout: config.dropout,
    };
    encoder = new TransformerEncoder({
      config: encConfig,
      weights: initEncoderWeights(encConfig, deriveSeed(config.seed, 'model-init')),
      tokenizer: tok.tokenizer,
      pooling: m.pooling,
      freezeEmbeddings: m.freezeEmbeddings,
    });
    tokenizerFiles = { [TOKENIZER_FILE]: tok.json, [TOKENIZER_CONFIG_FILE]: tok.config };
    origin = 'builtin';
    vocabulary = { requested: tok.stats.requestedVocabSize, size: tok.tokenizer.vocabSize, alphabetEntries: tok.stats.alphabetEntries };
  }
  return {
    encoder,
    origin,
    ...(vocabulary ? { vocabulary } : {}),
    // sentence_bert_config.json's max_seq_length is the run's maxLength, so whoever embeds with the
    // checkpoint later (xlir evaluate, the app, Python's SentenceTransformer) uses the length it trained with
    exportModel: async () => Object.fromEntries(await saveEncoderCheckpoint(encoder, tokenizerFiles, { maxSeqLength: m.maxLength })),
  };
}
