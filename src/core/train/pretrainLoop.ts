/**
 * The pretraining loop of `xlir pretrain` (a sibling of `runTraining`, which trains on question/answer
 * datasets). Per step s (0-based):
 *   batch ← PretrainBatches.batch(s)                 (one language with English, a pure function of seed and s)
 *   L ← translationRankingLoss(embed(English), embed(translation); scale, margin)
 *   {L, ∇} ← tf.variableGrads(L, varList); clip by global norm; AdamW
 * Checkpoints hold the model files (HF layout, loadable as a checkpoint), the optimizer state and a
 * manifest with the config; batches and dropout masks derive from (seed, step), so a run resumed from a
 * checkpoint continues bit for bit on cpu/wasm.
 */
import * as tf from '@tensorflow/tfjs';
import { z } from 'zod';
import packageJson from '../../../package.json';
import type { ParallelPairs } from '../data/parallelCorpus';
import { CheckpointError, ConfigError } from '../errors';
import { parseJsonWith } from '../data/parseJsonText';
import { PretrainConfigSchema, type PretrainConfig } from '../experiment/pretrainConfig';
import type { TrainableEncoder } from '../model/types';
import { decodeUtf8Text } from '../textDecoding';
import { AdamW } from './adamw';
import { clipByGlobalNorm } from './clipByGlobalNorm';
import { learningRate } from './learningRate';
import { PretrainBatches } from './pretrainBatches';
import { deriveSeed } from '../metrics/rng';
import { PASSAGE_PREFIX, QUERY_PREFIX } from './textPrefixes';
import { TrainingDivergedError } from './trainLoop';
import { decodeTensors, encodeTensors, ENCODER_SLOTS, MANIFEST_PROVENANCE_SHAPE, manifestHeaderShape, MODEL_FILE, OPTIMIZER_FILE, prefixedSlots, slotsUnder, type TrainingCheckpoint } from './trainingCheckpoint';
import { translationRankingLoss } from './translationRankingLoss';

export const PRETRAIN_CHECKPOINT_FORMAT = 'xlir-pretrain-ckpt/1';
export const PRETRAIN_MANIFEST_FILE = 'pretrain.json';

export interface PretrainStepLog {
  step: number;
  /** the language paired with English in this step's batch */
  lang: string;
  loss: number;
  lr: number;
  grad_norm: number;
  /** seconds since this call started */
  seconds: number;
}

export const PretrainManifestSchema = z
  .object({
    ...manifestHeaderShape(PRETRAIN_CHECKPOINT_FORMAT),
    config: PretrainConfigSchema,
    /** SHA-256 of each language's pairs file: a resumed run must read the same corpus */
    corpus: z.record(z.string(), z.string()),
    trainable: z.array(z.string()),
    optimizerStep: z.number().int().min(0),
    ...MANIFEST_PROVENANCE_SHAPE,
  })
  .strict();
export type PretrainManifest = z.infer<typeof PretrainManifestSchema>;

export interface PretrainDeps {
  /** pairs per language, in `config.corpus.languages` order */
  corpus: readonly ParallelPairs[];
  /** SHA-256 per language of the pairs as read (recorded in checkpoints, checked on resume) */
  corpusHashes: Readonly<Record<string, string>>;
  encoder: TrainableEncoder;
  /** HF names of variables that stay as initialised (e.g. position embeddings of an embedding bag) */
  frozen?: readonly string[];
  now: () => number;
  onStep?: (log: PretrainStepLog) => void | Promise<void>;
  onCheckpoint?: (ckpt: TrainingCheckpoint) => void | Promise<void>;
  /** the model's files for a checkpoint (HF layout with tokenizer); must hold `model.safetensors` */
  exportModel: () => Promise<Record<string, Uint8Array>>;
  /** polled before every step; true stops after writing a checkpoint */
  shouldStop?: () => boolean;
  /** stop after this step (writing a checkpoint) without changing the schedule */
  stopAtStep?: number;
  /** continue this checkpoint's run; the encoder must already hold its weights */
  resumeFrom?: TrainingCheckpoint;
}

export interface PretrainResult {
  step: number;
  status: 'completed' | 'stopped';
  startStep: number;
  /** mean loss of the first and last up-to-50 steps of this call */
  firstLoss: number;
  lastLoss: number;
}

const mean = (xs: readonly number[]) => (xs.length === 0 ? Number.NaN : xs.reduce((s, x) => s + x, 0) / xs.length);

/** @returns the prefixed texts of a batch: side a (English) and side b (the translation) */
export function prefixedBatchTexts(pairs: ParallelPairs, indices: readonly number[], englishIsQuery: readonly boolean[]): { a: string[]; b: string[] } {
  return {
    a: indices.map((i, k) => (englishIsQuery[k] ? QUERY_PREFIX : PASSAGE_PREFIX) + pairs.english[i]!),
    b: indices.map((i, k) => (englishIsQuery[k] ? PASSAGE_PREFIX : QUERY_PREFIX) + pairs.translation[i]!),
  };
}

export async function runPretraining(config: PretrainConfig, deps: PretrainDeps): Promise<PretrainResult> {
  const { encoder, corpus } = deps;
  if (corpus.map((p) => p.lang).join(',') !== config.corpus.languages.join(',')) {
    throw new ConfigError(`the corpus holds ${corpus.map((p) => p.lang).join(', ')} but the config lists ${config.corpus.languages.join(', ')}`);
  }
  const byLang = new Map(corpus.map((p) => [p.lang, p]));
  const batches = new PretrainBatches({ seed: config.seed, batchSize: config.batchSize, sizes: corpus.map((p) => ({ lang: p.lang, pairs: p.english.length })) });
  const frozen = new Set(deps.frozen ?? []);
  const all = encoder.trainableVariables();
  const names = Object.keys(all)
    .filter((n) => !frozen.has(n))
    .sort();
  if (names.length === 0) throw new ConfigError('the encoder has no trainable variables');
  const vars: Record<string, tf.Variable> = Object.fromEntries(names.map((n) => [n, all[n]!]));
  const opt = new AdamW(vars, { epsilon: config.epsilon, weightDecay: config.weightDecay });
  const varList = Object.values(vars);
  const t0 = deps.now();
  let startStep = 0;
  let lastCheckpointStep: number | null = null;
  try {
    if (deps.resumeFrom) {
      startStep = restore(deps.resumeFrom);
      lastCheckpointStep = startStep;
    }
    const losses: number[] = [];
    const until = Math.min(config.steps, deps.stopAtStep ?? config.steps);
    let step = startStep;
    let status: PretrainResult['status'] = 'completed';
    while (step < until) {
      if (deps.shouldStop?.()) {
        status = 'stopped';
        break;
      }
      const log = await trainStep(step);
      step++;
      losses.push(log.loss);
      await deps.onStep?.(log);
      if (step % config.checkpointEvery === 0 || step === until) await checkpoint(step);
    }
    if (step < config.steps) status = 'stopped';
    if (step > startStep && lastCheckpointStep !== step) await checkpoint(step);
    return { step, status, startStep, firstLoss: mean(losses.slice(0, 50)), lastLoss: mean(losses.slice(-50)) };
  } finally {
    opt.dispose();
  }

  async function trainStep(s: number): Promise<PretrainStepLog> {
    const batch = batches.batch(s);
    const pairs = byLang.get(batch.lang)!;
    const { a, b } = prefixedBatchTexts(pairs, batch.pairs, batch.englishIsQuery);
    const ta = encoder.tokenize(a, config.model.maxLength);
    const tb = encoder.tokenize(b, config.model.maxLength);
    const keys = batch.pairs.map((i) => [pairs.english[i]!, pairs.translation[i]!]);
    const lr = learningRate(s, { lr: config.lr, warmupSteps: config.warmupSteps, totalSteps: config.steps, schedule: 'linear' });
    const { value, grads } = tf.variableGrads(() => {
      const ea = encoder.embed(ta, { training: config.dropout > 0, dropoutSeed: deriveSeed(config.seed, 'pretrain-dropout', s, 'english') });
      const eb = encoder.embed(tb, { training: config.dropout > 0, dropoutSeed: deriveSeed(config.seed, 'pretrain-dropout', s, 'translation') });
      return translationRankingLoss(ea, eb, { scale: config.scale, margin: config.margin, keys });
    }, varList);
    const toDispose: tf.Tensor[] = [value, ...Object.values(grads)];
    try {
      const loss = (await value.data())[0]!;
      if (!Number.isFinite(loss)) throw new TrainingDivergedError(s + 1, `the loss (${loss})`, lastCheckpointStep);
      const named: Record<string, tf.Tensor> = {};
      for (const [n, v] of Object.entries(vars)) if (grads[v.name]) named[n] = grads[v.name]!;
      const clipped = await clipByGlobalNorm(named, config.clipNorm);
      toDispose.push(...Object.values(clipped.grads));
      if (!Number.isFinite(clipped.norm)) throw new TrainingDivergedError(s + 1, `the gradient norm (${clipped.norm})`, lastCheckpointStep);
      opt.apply(clipped.grads, lr);
      return { step: s + 1, lang: batch.lang, loss, lr, grad_norm: clipped.norm, seconds: (deps.now() - t0) / 1000 };
    } finally {
      tf.dispose(toDispose);
    }
  }

  async function checkpoint(step: number): Promise<void> {
    const modelFiles = await deps.exportModel();
    if (!modelFiles[MODEL_FILE]) throw new CheckpointError(`the model exporter wrote no ${MODEL_FILE}`);
    const state = await opt.exportState();
    const manifest: PretrainManifest = {
      format: PRETRAIN_CHECKPOINT_FORMAT,
      created: new Date(deps.now()).toISOString(),
      step,
      config,
      corpus: { ...deps.corpusHashes },
      trainable: names,
      optimizerStep: state.step,
      codeVersion: packageJson.version,
      tfjsVersion: tf.version.tfjs,
      backend: tf.getBackend(),
    };
    const files: Record<string, Uint8Array> = {
      ...modelFiles,
      [OPTIMIZER_FILE]: encodeTensors(prefixedSlots(state, ENCODER_SLOTS), { format: PRETRAIN_CHECKPOINT_FORMAT, step: String(step) }),
      [PRETRAIN_MANIFEST_FILE]: new TextEncoder().encode(`${JSON.stringify(manifest, null, 2)}\n`),
    };
    await deps.onCheckpoint?.({ step, files });
    lastCheckpointStep = step;
  }

  function restore(ckpt: TrainingCheckpoint): number {
    const source = `checkpoint step ${ckpt.step}`;
    const m = parsePretrainManifest(ckpt.files[PRETRAIN_MANIFEST_FILE], `${source}/${PRETRAIN_MANIFEST_FILE}`);
    const { steps: _a, checkpointEvery: _b, description: _c, ...then } = m.config;
    const { steps: _d, checkpointEvery: _e, description: _f, ...now } = config;
    if (JSON.stringify(then) !== JSON.stringify(now)) throw new CheckpointError(`${source}: the config differs from the checkpoint's; a resumed run must keep it (only steps, checkpointEvery and description may change)`);
    if (m.step > config.steps) throw new CheckpointError(`${source}: the checkpoint is at step ${m.step}, past the run's ${config.steps} steps`);
    for (const [lang, sha] of Object.entries(m.corpus)) {
      if (deps.corpusHashes[lang] !== sha) throw new CheckpointError(`${source}: the ${lang} pairs have changed since the checkpoint (SHA-256 ${sha.slice(0, 12)}… then, ${(deps.corpusHashes[lang] ?? 'missing').slice(0, 12)}… now)`);
    }
    if (m.trainable.join('\n') !== names.join('\n')) throw new CheckpointError(`${source}: the trainable variables differ from the checkpoint's`);
    const optBytes = ckpt.files[OPTIMIZER_FILE];
    if (!optBytes) throw new CheckpointError(`${source}: ${OPTIMIZER_FILE} is missing`);
    const slots = decodeTensors(optBytes, `${source}/${OPTIMIZER_FILE}`);
    opt.importState({ step: m.optimizerStep, slots: slotsUnder(slots, ENCODER_SLOTS) }, `${source}/${OPTIMIZER_FILE}`);
    return m.step;
  }
}

/** @throws CheckpointError when missing, DataFormatError naming the file and field */
export function parsePretrainManifest(bytes: Uint8Array | undefined, file: string): PretrainManifest {
  if (!bytes) throw new CheckpointError(`${file} is missing`);
  return parseJsonWith(PretrainManifestSchema, decodeUtf8Text(bytes, file), file);
}
