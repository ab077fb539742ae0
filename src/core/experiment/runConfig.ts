/**
 * The configuration of one training run (house rules 5–6): a JSON file with `schemaVersion` and the
 * seed, validated with zod at every boundary (CLI `--config`, URL hash, worker messages). The same object
 * is stored as `config.json` in the run folder and inside every checkpoint's manifest.
 *
 * Field meanings follow notes/paper-method.md §1 (hybrid batches, InfoNCE, AdamW), §5.2 (adversarial
 * baseline) and §6 (our defaults for a small-scale reproduction).
 */
import { z } from 'zod';
import { DATASET_LANGUAGES, DATASET_NAMES, LANGUAGES } from '../data/languages';
import { parseJsonText } from '../data/parseJsonText';
import { zodDataFormatError } from '../zodMessage';
import { BUILTIN_CONFIGS, isPretrainedModel, MODEL_BUILTINS } from '../model/builtinConfigs';
import { POOLINGS } from '../model/types';
import { LR_SCHEDULES } from '../train/learningRate';

export const RUN_CONFIG_SCHEMA_VERSION = 1;

export const STRATEGY_KINDS = ['xx-mono', 'xy', 'hybrid', 'xx', 'adversarial'] as const;
export type StrategyKind = (typeof STRATEGY_KINDS)[number];
export const ADVERSARIAL_SAMPLERS = ['xx-mono', 'xx'] as const;

const probability = z.number().min(0).max(1);

/**
 * Sane ranges of the hyperparameters (issue 21), each far wider than any value a paper or our presets
 * use, so that a typo (τ = 50, lr = 3, ε = 1) or a hostile file fails at load naming the field instead
 * of training to NaN or dividing by ~0. `[min, max]`, both inclusive.
 */
export const HYPERPARAMETER_BOUNDS = {
  /** InfoNCE temperature: logits are scores/τ, so τ → 0 overflows float32 and τ ≫ 1 flattens the softmax */
  tau: [1e-4, 10],
  /** peak learning rate; AdamW steps are ~lr per parameter */
  lr: [1e-9, 1],
  /** AdamW decoupled weight decay: at 1 a step removes lr·θ; more shrinks weights faster than the gradient can act */
  weightDecay: [0, 1],
  /** AdamW ε: below 1e-12 it vanishes next to float32 √v̂; above 1e-3 it dominates the update */
  epsilon: [1e-12, 1e-3],
  /** global gradient-norm clip */
  clipNorm: [1e-6, 1e6],
  /** λ_max of the DANN schedule (§5.2 sweeps 0.1, 0.3, 1) */
  lambdaMax: [0, 100],
  /** weight of the adversarial term */
  weight: [0, 100],
  /** discriminator peak learning rate */
  discriminatorLr: [1e-9, 1],
} as const satisfies Record<string, readonly [number, number]>;

const bounded = (name: keyof typeof HYPERPARAMETER_BOUNDS) => {
  const [min, max] = HYPERPARAMETER_BOUNDS[name];
  const error = `must be in [${min}, ${max}]`;
  return z
    .number({ error: `expected a number in [${min}, ${max}]` })
    .min(min, { error })
    .max(max, { error });
};
/** Step counts: bounded like `steps`, so that a schedule cannot be asked to span 10^300 steps. */
const MAX_STEPS = 10_000_000;

const ModelSchema = z
  .object({
    /** a built-in model: the pretrained `multilingual` (shipped weights and tokenizer), or `tiny` / `small` trained from a seeded random init */
    builtin: z.enum(MODEL_BUILTINS).optional(),
    /** a HF-layout checkpoint folder (model.safetensors, config.json, tokenizer.json) */
    checkpoint: z
      .string()
      .min(1)
      // Node's fs throws a TypeError on a NUL in a path, and the browser refuses control characters in storage names
      .refine((s) => !/[\u0000-\u001f\u007f]/.test(s), { message: 'a folder name must not contain control characters (NUL, newline, ...)' })
      .optional(),
    pooling: z.enum(POOLINGS),
    /** most tokens per text, special tokens included */
    maxLength: z.number().int().min(4).max(512),
    /** keep the word-embedding matrix frozen (notes/checkpoints.md §1.4) */
    freezeEmbeddings: z.boolean(),
    /** random-init built-ins (tiny, small) only: vocabulary size of the WordPiece tokenizer trained on the training texts */
    vocabSize: z.number().int().min(200).max(250_000).optional(),
  })
  .strict()
  .superRefine((m, ctx) => {
    if ((m.builtin === undefined) === (m.checkpoint === undefined)) {
      ctx.addIssue({ code: 'custom', message: `set exactly one of "builtin" (${MODEL_BUILTINS.join(', ')}) and "checkpoint" (a folder)`, path: [] });
    }
    if (m.checkpoint !== undefined && m.vocabSize !== undefined) {
      ctx.addIssue({ code: 'custom', message: 'vocabSize applies to the random-init built-in models only (a checkpoint brings its tokenizer)', path: ['vocabSize'] });
    }
    if (m.builtin !== undefined && isPretrainedModel(m.builtin) && m.vocabSize !== undefined) {
      ctx.addIssue({ code: 'custom', message: `vocabSize applies to the random-init built-in models only (the pretrained "${m.builtin}" brings its tokenizer); remove it`, path: ['vocabSize'] });
    }
  });

const DataSplitSchema = z
  .object({
    dataset: z.enum(DATASET_NAMES),
    /** languages to load; each must belong to the dataset */
    languages: z.array(z.enum(LANGUAGES)).min(1),
  })
  .strict()
  .superRefine((d, ctx) => {
    d.languages.forEach((lang, i) => {
      if (!DATASET_LANGUAGES[d.dataset].includes(lang)) {
        ctx.addIssue({ code: 'custom', message: `${d.dataset} has no language "${lang}" (it has ${DATASET_LANGUAGES[d.dataset].join(', ')})`, path: ['languages', i] });
      }
      if (d.languages.indexOf(lang) !== i) ctx.addIssue({ code: 'custom', message: `"${lang}" is listed twice`, path: ['languages', i] });
    });
  });

const StrategySchema = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('xx-mono') }).strict(),
  z.object({ kind: z.literal('xy') }).strict(),
  z
    .object({
      kind: z.literal('hybrid'),
      /** probability of a monolingual batch (paper: 0.5) */
      alpha: probability,
      /** α at the last step, linear in between; absent = constant α */
      alphaEnd: probability.optional(),
    })
    .strict(),
  z.object({ kind: z.literal('xx') }).strict(),
  z
    .object({
      kind: z.literal('adversarial'),
      /** λ_max of DANN's schedule (§5.2 suggests a sweep over 0.1, 0.3, 1) */
      lambdaMax: bounded('lambdaMax'),
      /** hidden size h of the discriminator d → h → K */
      // bounds keep a file from strangers from asking for an unbounded allocation
      discriminatorHidden: z.number().int().positive().max(16_384),
      /** which batches the adversarial run trains on (default X-X-mono, §5.2) */
      sampler: z.enum(ADVERSARIAL_SAMPLERS).default('xx-mono'),
      /** dropout on the discriminator's hidden layer (default 0.1, §5.2) */
      discriminatorDropout: z.number().min(0).max(0.9).default(0.1),
      /** the discriminator's peak learning rate (default: the run's `lr`); same warm-up/decay shape */
      discriminatorLr: bounded('discriminatorLr').optional(),
      /** weight w of the adversarial term in the encoder's loss (default 1) */
      weight: bounded('weight').default(1),
    })
    .strict(),
]);

export const RunConfigSchema = z
  .object({
    schemaVersion: z.literal(RUN_CONFIG_SCHEMA_VERSION),
    /** free text shown in the UI and the CLI */
    description: z.string().optional(),
    /** the run seed: every random choice derives from it */
    seed: z.number().int().min(0).max(0xffffffff),
    model: ModelSchema,
    data: z
      .object({
        train: DataSplitSchema,
        /** zero-shot evaluation data; never the training dataset */
        eval: DataSplitSchema,
        /** fraction of training question ids held out for tuning (issue 9); default 0 */
        validationFraction: z.number().min(0).max(0.5).default(0),
      })
      .strict(),
    strategy: StrategySchema,
    /** total optimiser steps (the LR, α and λ schedules run over this length) */
    steps: z.number().int().positive().max(MAX_STEPS),
    /** triplets per batch B (paper: 100) */
    batchSize: z.number().int().min(2).max(4096),
    /**
     * Backpropagate at most this many sequences at a time (the chunked backward, train/gradientCache.ts):
     * the same loss and updates up to float rounding, one more encoder forward per step, and activation
     * memory for one chunk instead of a whole tower (B queries, 2B passages), so a large model fits
     * tfjs-wasm's 4 GiB heap. Absent: the whole batch at once. A memory setting only: a resumed run may
     * change it, and `xlir export-torch` ignores it (its train.py backpropagates the whole batch).
     */
    // at most the largest tower of the largest batch (2 × 4096 passages); more would change nothing
    backwardChunkRows: z.number().int().min(1).max(8192).optional(),
    /** InfoNCE temperature τ (paper: none stated; our default 0.05) */
    tau: bounded('tau'),
    /** peak learning rate (paper: 3e-5) */
    lr: bounded('lr'),
    /** AdamW decoupled weight decay (paper: 1e-2) */
    weightDecay: bounded('weightDecay'),
    /** AdamW ε, always explicit (backends' defaults differ) */
    epsilon: bounded('epsilon'),
    warmupSteps: z.number().int().min(0).max(MAX_STEPS),
    lrSchedule: z.enum(LR_SCHEDULES).default('linear'),
    /** global gradient-norm clip */
    clipNorm: bounded('clipNorm'),
    /** dropout rate of the encoder while training */
    dropout: z.number().min(0).max(0.9),
    /** save a checkpoint every N steps (and always at the end) */
    checkpointEvery: z.number().int().positive().max(MAX_STEPS),
    /** evaluate every N steps (0 = only at the end) */
    evalEvery: z.number().int().min(0).max(MAX_STEPS),
  })
  .strict()
  .superRefine((c, ctx) => {
    if (c.warmupSteps > c.steps) ctx.addIssue({ code: 'custom', message: `warm-up (${c.warmupSteps}) is longer than the run (${c.steps} steps)`, path: ['warmupSteps'] });
    if (c.data.train.dataset === c.data.eval.dataset) {
      ctx.addIssue({
        code: 'custom',
        message: `evaluation data must not be the training data (both ${c.data.train.dataset}); use data.validationFraction to tune on held-out training questions`,
        path: ['data', 'eval', 'dataset'],
      });
    }
    const needsTwo = c.strategy.kind === 'xy' || c.strategy.kind === 'hybrid' || c.strategy.kind === 'adversarial';
    if (needsTwo && c.data.train.languages.length < 2) {
      ctx.addIssue({ code: 'custom', message: `strategy "${c.strategy.kind}" needs at least two training languages`, path: ['data', 'train', 'languages'] });
    }
    // a pretrained built-in's limit is in its config.json, checked when it loads
    if (c.model.builtin !== undefined && !isPretrainedModel(c.model.builtin)) {
      // XLM-R layout: positions start after the pad id, so max_position_embeddings − 2 tokens fit
      const most = BUILTIN_CONFIGS[c.model.builtin].maxPositions - 2;
      if (c.model.maxLength > most) {
        ctx.addIssue({ code: 'custom', message: `the built-in "${c.model.builtin}" model takes at most ${most} tokens (got ${c.model.maxLength})`, path: ['model', 'maxLength'] });
      }
    }
  });

/** A validated run configuration (defaults filled in). */
export type RunConfig = z.infer<typeof RunConfigSchema>;
/** What a config file may contain before defaults are filled in. */
export type RunConfigInput = z.input<typeof RunConfigSchema>;
export type Strategy = RunConfig['strategy'];

/**
 * Validates a parsed config.
 * @param file the config's name for messages (path or "URL hash")
 * @throws DataFormatError naming the file and the first bad field; further problems are listed after it
 */
export function parseRunConfig(raw: unknown, file: string): RunConfig {
  const result = RunConfigSchema.safeParse(raw);
  if (result.success) return result.data;
  throw zodDataFormatError(file, result.error, [], true);
}

/**
 * Parses and validates a config file's text.
 * @throws DataFormatError naming the file and the field, or the line and column of a JSON syntax error
 */
export function parseRunConfigJson(text: string, file: string): RunConfig {
  return parseRunConfig(parseJsonText(text, file), file);
}

/** The sampler a strategy trains on. */
export function samplerOf(strategy: Strategy): 'xx-mono' | 'xy' | 'hybrid' | 'xx' {
  return strategy.kind === 'adversarial' ? strategy.sampler : strategy.kind;
}
