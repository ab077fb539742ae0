/**
 * The training loop (house rule 9: the same `runTraining()` serves the CLI, the web workers and the
 * tests). Per step (notes/paper-method.md §1, §5.2):
 *   batch ← sampler (`createRunSampler`: xx-mono | xy | hybrid | xx; adversarial trains on xx-mono or xx)
 *   tokens ← "Query: " + question, "Passage: " + sentence (positives then hard negatives)
 *   update ← `createTrainingStep` (trainStep.ts: InfoNCE [+ adversary], gradients, clipping, AdamW)
 * Every random choice derives from `config.seed`: the sampler's RNG (saved in checkpoints), dropout seeds
 * `deriveSeed(seed, 'dropout', step, site)`, hard negatives and the discriminator init. A run resumed from
 * a checkpoint therefore continues bit for bit on cpu/wasm (notes/checkpoints.md §5).
 */
import * as tf from '@tensorflow/tfjs';
import packageJson from '../../../package.json';
import { CancelledError, ConfigError, CheckpointError } from '../errors';
import type { RetrievalDataset } from '../data/types';
import type { RunConfig } from '../experiment/runConfig';
import type { EvalLog, StepLog } from '../experiment/runLog';
import type { TrainableEncoder } from '../model/types';
import type { AdamW, AdamWState } from './adamw';
import { createRunSampler } from './runSampler';
import type { Batch } from './samplers';
import { PASSAGE_PREFIX, QUERY_PREFIX } from './textPrefixes';
import { createTrainingStep, TrainingDivergedError, type StepInput } from './trainStep';
import { yieldToEventLoop } from './yieldToEventLoop';
import {
  CHECKPOINT_FORMAT,
  checkpointFile,
  decodeTensors,
  DISCRIMINATOR_SLOTS,
  DISCRIMINATOR_WEIGHTS,
  encodeManifest,
  encodeTensors,
  ENCODER_SLOTS,
  MANIFEST_FILE,
  MODEL_FILE,
  OPTIMIZER_FILE,
  parseManifest,
  prefixedSlots,
  slotsUnder,
  type CheckpointManifest,
  type TrainingCheckpoint,
} from './trainingCheckpoint';

export { TrainingDivergedError };

export interface TrainDeps {
  /** the training dataset (`config.data.train`), loaded with at least the training languages */
  dataset: RetrievalDataset;
  encoder: TrainableEncoder;
  /**
   * Wall clock in milliseconds since the epoch, as `Date.now()` gives it (house rule 11: no Date.now() in core):
   * it stamps each checkpoint's `created` and times the step log's `seconds`. A monotonic clock such as
   * `performance.now()` would stamp checkpoints in 1970.
   */
  now: () => number;
  /** called after every step with its log line */
  onStep?: (log: StepLog) => void | Promise<void>;
  /** called with each checkpoint's files (every `checkpointEvery` steps, at the end and when stopped) */
  onCheckpoint?: (ckpt: TrainingCheckpoint) => void | Promise<void>;
  /**
   * Evaluates the current encoder (every `evalEvery` steps and at the end); returns flat metrics.
   * Reported through `onEval`.
   */
  evaluate?: (step: number) => Promise<Record<string, number>>;
  onEval?: (log: EvalLog) => void | Promise<void>;
  /**
   * Polled before every step; true stops the run after writing a checkpoint. A stop inside `onStep` or
   * `evaluate` (their own loops poll it too) surfaces as a CancelledError: the run stops the same way,
   * at the last completed step, without that evaluation.
   */
  shouldStop?: () => boolean;
  /**
   * Awaited before polling `shouldStop` at every step, so a stop message reaches a worker between steps
   * (TF.js reads on cpu/wasm resolve as microtasks; see `yieldToEventLoop.ts`). Default {@link yieldToEventLoop}.
   */
  yieldToEventLoop?: () => Promise<void>;
  /** continue this checkpoint's run (same config apart from steps/checkpointEvery/evalEvery/description/backwardChunkRows) */
  resumeFrom?: TrainingCheckpoint;
  /** stop after this step (writing a checkpoint) without changing the schedules, which use `config.steps` */
  stopAtStep?: number;
  /**
   * The model's files for a checkpoint (e.g. the encoder's `saveEncoderCheckpoint`: model.safetensors,
   * config.json, tokenizer.json). Default: `model.safetensors` with the trainable variables. Whatever it
   * writes, `model.safetensors` must hold every trainable variable under its name, for resuming.
   */
  exportModel?: () => Record<string, Uint8Array> | Promise<Record<string, Uint8Array>>;
  /** pad token batches to a multiple of this many ids (GPU backends: fewer shapes to compile; default 1) */
  padMultiple?: number;
  /** the running code's version for the manifest (default: package.json's) */
  codeVersion?: string;
}

export interface TrainResult {
  /** updates done */
  step: number;
  /** `completed`: reached config.steps; `stopped`: shouldStop or stopAtStep */
  status: 'completed' | 'stopped';
  /** the step the run started from (0, or the resumed checkpoint's) */
  startStep: number;
  lastLog: StepLog | null;
  /** step of the last checkpoint written (null when none) */
  checkpointStep: number | null;
  /** mean retrieval loss over the first and the last up-to-10 steps of this call (NaN when no step ran) */
  firstLoss: number;
  lastLoss: number;
}

/**
 * Config fields a resumed run may change: they do not affect what the next update computes, or (the chunked
 * backward's `backwardChunkRows`) only its float rounding, so a run started whole-batch on one machine can
 * continue in chunks in a browser; with the same value the run continues bit for bit.
 */
const RESUMABLE_CHANGES = new Set(['steps', 'checkpointEvery', 'evalEvery', 'description', 'backwardChunkRows']);

function configDifference(a: RunConfig, b: RunConfig): string | null {
  const keys = new Set([...Object.keys(a), ...Object.keys(b)]);
  for (const key of keys) {
    if (RESUMABLE_CHANGES.has(key)) continue;
    const x = JSON.stringify((a as Record<string, unknown>)[key]);
    const y = JSON.stringify((b as Record<string, unknown>)[key]);
    if (x !== y) return `${key} (checkpoint: ${x}, now: ${y})`;
  }
  return null;
}

function mean(xs: readonly number[]): number {
  return xs.length === 0 ? Number.NaN : xs.reduce((s, x) => s + x, 0) / xs.length;
}

/**
 * Trains `deps.encoder` by `config`, from scratch or from `deps.resumeFrom`.
 * @throws ConfigError on an impossible config (e.g. batch larger than a language's questions),
 *   CheckpointError on a checkpoint that does not match, TrainingDivergedError on NaN/∞
 */
export async function runTraining(config: RunConfig, deps: TrainDeps): Promise<TrainResult> {
  const { dataset, encoder } = deps;
  if (dataset.name !== config.data.train.dataset) {
    throw new ConfigError(`the training dataset is ${config.data.train.dataset}, but ${dataset.name} was given`);
  }
  const { set, sampler } = createRunSampler(config, dataset);
  // the chunked backward (gradientCache.ts) when the config asks for it: same maths, less memory
  const update = createTrainingStep(config, encoder, { numLanguages: set.languages.length, ...(config.backwardChunkRows !== undefined ? { backwardChunkRows: config.backwardChunkRows } : {}) });
  const encVars = update.encoderVariables;
  const encNames = Object.keys(encVars);
  const encOpt = update.encoderOptimizer;
  const disc = update.discriminator;
  const discVars = update.discriminatorVariables;
  const discOpt = update.discriminatorOptimizer;
  const langIndex = new Map(set.languages.map((l, i) => [l, i]));

  const t0 = deps.now();
  let startStep = 0;
  let lastCheckpointStep: number | null = null;
  let lastLog: StepLog | null = null;

  try {
    if (deps.resumeFrom) {
      const m = restore(deps.resumeFrom);
      startStep = m.step;
      lastCheckpointStep = m.step;
      lastLog = m.lastLog;
    }

    const losses: number[] = [];
    let status: TrainResult['status'] = 'completed';
    let step = startStep;
    const until = Math.min(config.steps, deps.stopAtStep ?? config.steps);

    const pause = deps.yieldToEventLoop ?? yieldToEventLoop;
    while (step < until) {
      await pause();
      if (deps.shouldStop?.()) {
        status = 'stopped';
        break;
      }
      const k = step + 1;
      const log = await trainStep(k, sampler.next(step));
      step = k;
      lastLog = log;
      losses.push(log.retrieval_loss);
      // The update of step k is applied, so a stop from here on leaves a consistent state at step k.
      if (await stopped(() => deps.onStep?.(log))) {
        status = 'stopped';
        break;
      }
      if (k % config.checkpointEvery === 0 || k === until) await checkpoint(k);
      if (deps.evaluate && config.evalEvery > 0 && k % config.evalEvery === 0 && (await stopped(() => evaluate(k)))) {
        status = 'stopped';
        break;
      }
    }
    if (step < config.steps && status === 'completed') status = 'stopped';
    if (step > startStep && lastCheckpointStep !== step) await checkpoint(step);
    // a stop during the final evaluation ends the run without it (the checkpoint above is the last step)
    if (deps.evaluate && status === 'completed' && !(config.evalEvery > 0 && step % config.evalEvery === 0) && (await stopped(() => evaluate(step)))) status = 'stopped';
    return {
      step,
      status,
      startStep,
      lastLog,
      checkpointStep: lastCheckpointStep,
      firstLoss: mean(losses.slice(0, 10)),
      lastLoss: mean(losses.slice(-10)),
    };
  } finally {
    update.dispose();
  }

  /** Runs `f`; true when it was cancelled (CancelledError), which the loop turns into a stop. */
  async function stopped(f: () => unknown): Promise<boolean> {
    try {
      await f();
      return false;
    } catch (err) {
      if (err instanceof CancelledError) return true;
      throw err;
    }
  }

  /** The tokens of a batch, as the step consumes them (positives then hard negatives). */
  function stepInput(batch: Batch): StepInput {
    const queries = batch.triplets.map((t) => QUERY_PREFIX + dataset.queries[t.query]!.text);
    const passageTexts = [...batch.triplets.map((t) => dataset.candidates[t.positive]!.text), ...batch.triplets.map((t) => dataset.candidates[t.negative]!.text)];
    const tokenizeOptions = { padMultiple: deps.padMultiple ?? 1 };
    return {
      queries: encoder.tokenize(queries, config.model.maxLength, tokenizeOptions),
      passages: encoder.tokenize(
        passageTexts.map((t) => PASSAGE_PREFIX + t),
        config.model.maxLength,
        tokenizeOptions,
      ),
      passageKeys: passageTexts,
      ...(disc ? { languageLabels: Int32Array.from([...batch.triplets.map((t) => langIndex.get(t.queryLang)!), ...batch.triplets.map((t) => langIndex.get(t.passageLang)!), ...batch.triplets.map((t) => langIndex.get(t.passageLang)!)]) } : {}),
    };
  }

  async function trainStep(k: number, batch: Batch): Promise<StepLog> {
    const n = await update.run(k, stepInput(batch), lastCheckpointStep);
    return {
      step: k,
      loss: n.loss,
      retrieval_loss: n.retrievalLoss,
      adv_loss: n.advLoss,
      disc_acc: n.discAcc,
      disc_chance: disc ? 1 / set.languages.length : null,
      lambda: n.lambda,
      lr: n.lr,
      grad_norm: n.gradNorm,
      ...(n.gradientNorms ? { retrieval_grad_norm: n.gradientNorms.retrieval, adv_grad_norm: n.gradientNorms.adversarial, grad_ratio: n.gradientNorms.ratio } : {}),
      seconds: (deps.now() - t0) / 1000,
      batch: { kind: batch.record.kind, pairs: batch.record.pairs },
    };
  }

  async function checkpoint(k: number): Promise<void> {
    const modelFiles = deps.exportModel ? await deps.exportModel() : { [MODEL_FILE]: encodeTensors(await hostCopies(encVars)) };
    if (!modelFiles[MODEL_FILE]) throw new CheckpointError(`the model exporter wrote no ${MODEL_FILE}`);
    const optimizerTensors = { ...prefixedSlots(await encOpt.exportState(), ENCODER_SLOTS) };
    if (disc && discOpt) {
      Object.assign(optimizerTensors, prefixedSlots(await discOpt.exportState(), DISCRIMINATOR_SLOTS));
      for (const [name, t] of Object.entries(await hostCopies(discVars))) optimizerTensors[`${DISCRIMINATOR_WEIGHTS}/${name}`] = t;
    }
    const info = (opt: AdamW) => ({ type: 'adamw' as const, step: opt.step, beta1: opt.beta1, beta2: opt.beta2, epsilon: opt.epsilon, weightDecay: opt.weightDecay });
    const manifest: CheckpointManifest = {
      format: CHECKPOINT_FORMAT,
      created: new Date(deps.now()).toISOString(),
      step: k,
      config,
      sampler: sampler.getState(),
      optimizer: info(encOpt),
      discriminator: discOpt ? { languages: set.languages, optimizer: info(discOpt) } : null,
      datasets: [{ name: dataset.name, files: dataset.files.map((f) => ({ name: f.name, sha256: f.sha256, bytes: f.bytes })) }],
      trainable: encNames,
      codeVersion: deps.codeVersion ?? packageJson.version,
      tfjsVersion: tf.version.tfjs,
      backend: tf.getBackend(),
      lastLog: lastLog && lastLog.step === k ? lastLog : null,
    };
    const files: Record<string, Uint8Array> = {
      ...modelFiles,
      [OPTIMIZER_FILE]: encodeTensors(optimizerTensors, { format: CHECKPOINT_FORMAT, step: String(k) }),
      [MANIFEST_FILE]: encodeManifest(manifest),
    };
    await deps.onCheckpoint?.({ step: k, files });
    lastCheckpointStep = k;
  }

  async function evaluate(k: number): Promise<void> {
    const metrics = await deps.evaluate!(k);
    await deps.onEval?.({ step: k, seconds: (deps.now() - t0) / 1000, metrics });
  }

  function restore(ckpt: TrainingCheckpoint): CheckpointManifest {
    const source = `checkpoint step ${ckpt.step}`;
    const m = parseManifest(checkpointFile(ckpt, MANIFEST_FILE, source), source);
    const diff = configDifference(m.config, config);
    if (diff) throw new CheckpointError(`${source}: the config differs in ${diff}; a resumed run must keep its config`);
    if (m.step > config.steps) throw new CheckpointError(`${source}: the checkpoint is at step ${m.step}, past the run's ${config.steps} steps`);
    const shas = new Map(dataset.files.map((f) => [f.name, f.sha256]));
    for (const d of m.datasets) {
      for (const f of d.files) {
        if (shas.has(f.name) && shas.get(f.name) !== f.sha256) throw new CheckpointError(`${source}: ${f.name} has changed since the checkpoint (SHA-256 ${f.sha256.slice(0, 12)}… then, ${shas.get(f.name)!.slice(0, 12)}… now)`);
      }
    }
    const trainedOn = new Set(m.datasets.flatMap((d) => d.files.map((f) => f.name)));
    for (const f of dataset.files) if (!trainedOn.has(f.name)) throw new CheckpointError(`${source}: ${f.name} was not part of the checkpoint's training data`);
    if (m.trainable.join('\n') !== encNames.join('\n')) {
      throw new CheckpointError(`${source}: the encoder's trainable variables differ from the checkpoint's (${m.trainable.length} then, ${encNames.length} now)`);
    }
    if (m.optimizer.step !== m.step) throw new CheckpointError(`${source}: optimizer step ${m.optimizer.step} ≠ checkpoint step ${m.step}`);

    // Weights under their HF names in model.safetensors; a sentence-transformers head variable
    // `<dir>/linear.weight` sits in `<dir>/model.safetensors` (saveEncoderCheckpoint's layout).
    const weightFiles = new Map<string, Map<string, { shape: number[]; data: Float32Array }>>();
    const weightFile = (file: string) => {
      if (!weightFiles.has(file)) weightFiles.set(file, decodeTensors(checkpointFile(ckpt, file, source), `${source}/${file}`));
      return weightFiles.get(file)!;
    };
    assignAll(
      encVars,
      (name) => {
        const direct = weightFile(MODEL_FILE).get(name);
        const slash = name.indexOf('/');
        if (direct || slash < 0) return direct;
        return weightFile(`${name.slice(0, slash)}/${MODEL_FILE}`).get(name.slice(slash + 1));
      },
      `${source}/${MODEL_FILE}`,
    );
    const opt = decodeTensors(checkpointFile(ckpt, OPTIMIZER_FILE, source), `${source}/${OPTIMIZER_FILE}`);
    encOpt.importState({ step: m.optimizer.step, slots: slotsUnder(opt, ENCODER_SLOTS) } satisfies AdamWState, `${source}/${OPTIMIZER_FILE}`);
    if (disc && discOpt) {
      if (!m.discriminator) throw new CheckpointError(`${source}: the checkpoint has no discriminator`);
      if (m.discriminator.languages.join(',') !== set.languages.join(',')) throw new CheckpointError(`${source}: discriminator languages differ`);
      const dw = slotsUnder(opt, DISCRIMINATOR_WEIGHTS);
      assignAll(discVars, (name) => dw[name], `${source}/${OPTIMIZER_FILE}`);
      discOpt.importState({ step: m.discriminator.optimizer.step, slots: slotsUnder(opt, DISCRIMINATOR_SLOTS) }, `${source}/${OPTIMIZER_FILE}`);
    }
    try {
      sampler.setState(m.sampler);
    } catch (err) {
      throw new CheckpointError(`${source}: sampler state: ${err instanceof Error ? err.message : String(err)}`);
    }
    return m;
  }
}

async function hostCopies(vars: Record<string, tf.Variable>): Promise<Record<string, { shape: number[]; data: Float32Array }>> {
  const out: Record<string, { shape: number[]; data: Float32Array }> = {};
  for (const [name, v] of Object.entries(vars)) out[name] = { shape: [...v.shape], data: (await v.data()) as Float32Array };
  return out;
}

function assignAll(vars: Record<string, tf.Variable>, get: (name: string) => { shape: number[]; data: Float32Array } | undefined, file: string): void {
  for (const [name, v] of Object.entries(vars)) {
    const t = get(name);
    if (!t) throw new CheckpointError(`${file}: missing tensor "${name}"`);
    if (t.shape.join(',') !== v.shape.join(',')) throw new CheckpointError(`${file}: tensor "${name}" has shape [${t.shape}], the model has [${v.shape}]`);
    const value = tf.tensor(t.data, v.shape, 'float32');
    v.assign(value);
    value.dispose();
  }
}
