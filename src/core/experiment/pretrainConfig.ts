/**
 * The config of `xlir pretrain`: translation-pair contrastive pretraining (LaBSE-style; Feng et al. 2022)
 * of an encoder on the parallel corpus that `xlir corpus build` writes. Like a run config it is JSON with a
 * `schemaVersion` and the seed that fixes the tokenizer, the initialisation and every batch.
 */
import { z } from 'zod';
import { LANGUAGES } from '../data/languages';
import { POOLINGS } from '../model/types';
import { parseJsonText } from '../data/parseJsonText';
import { validate } from '../zodMessage';

export const PRETRAIN_CONFIG_SCHEMA_VERSION = 1;

/** The pivot language of every pair: the corpus aligns each language with English. */
export const PIVOT_LANGUAGE = 'en';

export const PretrainConfigSchema = z
  .object({
    schemaVersion: z.literal(PRETRAIN_CONFIG_SCHEMA_VERSION),
    description: z.string().optional(),
    seed: z.number().int().min(0).max(0xffffffff),
    corpus: z
      .object({
        /** the non-English side of the pairs (files `pairs.<lang>.tsv[.gz]`) */
        languages: z.array(z.enum(LANGUAGES).refine((l) => l !== PIVOT_LANGUAGE, { message: 'English is the pivot of every pair; list the other languages' })).min(1),
        /** use at most this many pairs of each language (the first ones in file order); default all */
        maxPairsPerLanguage: z.number().int().positive().optional(),
      })
      .strict(),
    tokenizer: z
      .object({
        /** WordPiece vocabulary size, trained on the corpus texts (both sides) */
        vocabSize: z.number().int().min(1000).max(250_000),
        /** least count of a merged pair */
        minFrequency: z.number().int().min(1).max(1000).default(2),
      })
      .strict(),
    model: z
      .object({
        hiddenSize: z.number().int().min(8).max(4096),
        /** Transformer layers; 0 is an embedding bag (embeddings → LayerNorm → mean) */
        numLayers: z.number().int().min(0).max(48),
        numHeads: z.number().int().min(1).max(64),
        intermediateSize: z.number().int().min(8).max(16384),
        /** most tokens per text while pretraining (special tokens included) */
        maxLength: z.number().int().min(4).max(512),
        pooling: z.enum(POOLINGS),
        /**
         * ε of the embedding LayerNorm (HF `layer_norm_eps`, default 1e-5). With 0 layers, an ε far above the
         * embeddings' variance makes that LayerNorm linear, so a token's vector keeps its norm and the mean
         * becomes a weighted bag whose weights (norms) are learned, like IDF; with a small ε every token
         * weighs the same.
         */
        layerNormEps: z.number().positive().max(1e6).default(1e-5),
      })
      .strict()
      .refine((m) => m.hiddenSize % m.numHeads === 0, { message: 'numHeads must divide hiddenSize', path: ['numHeads'] }),
    steps: z.number().int().positive().max(10_000_000),
    /** translation pairs per batch; every batch holds one language paired with English */
    batchSize: z.number().int().min(2).max(4096),
    /** logit scale s (1/τ) of the softmax over in-batch pairs (LaBSE: learned, ~20) */
    scale: z.number().min(1).max(200),
    /** additive margin m subtracted from the positive's cosine (LaBSE: 0.3) */
    margin: z.number().min(0).max(1),
    lr: z.number().positive().max(1),
    warmupSteps: z.number().int().min(0),
    weightDecay: z.number().min(0).max(1),
    epsilon: z.number().positive().max(1e-3),
    clipNorm: z.number().positive().max(1e6),
    dropout: z.number().min(0).max(0.9),
    checkpointEvery: z.number().int().positive(),
  })
  .strict()
  .superRefine((c, ctx) => {
    if (c.warmupSteps > c.steps) ctx.addIssue({ code: 'custom', message: `warm-up (${c.warmupSteps}) is longer than the run (${c.steps} steps)`, path: ['warmupSteps'] });
    c.corpus.languages.forEach((l, i) => {
      if (c.corpus.languages.indexOf(l) !== i) ctx.addIssue({ code: 'custom', message: `"${l}" is listed twice`, path: ['corpus', 'languages', i] });
    });
  });

export type PretrainConfig = z.infer<typeof PretrainConfigSchema>;

/** @throws DataFormatError naming the file and the first bad field */
export function parsePretrainConfig(raw: unknown, file: string): PretrainConfig {
  return validate(PretrainConfigSchema, raw, file);
}

/** @throws DataFormatError naming the file and the field, or the line and column of a JSON syntax error */
export function parsePretrainConfigJson(text: string, file: string): PretrainConfig {
  return parsePretrainConfig(parseJsonText(text, file), file);
}
