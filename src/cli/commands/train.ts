/**
 * `xlir train`: trains a dual encoder by a run config (experiments/*.json) with the same `runTraining`
 * as the app's worker, writing a run folder (src/cli/runDir.ts). `--resume RUNDIR` continues the run
 * from its latest checkpoint, bit for bit on cpu/wasm. Ctrl-C stops after the current step, or within a
 * batch of an evaluation in progress (without that evaluation), and writes a checkpoint.
 */
import { headlineMetrics } from '../../core/metrics/metricKeys';
import { InvalidArgumentError, type Command } from 'commander';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { ConfigError } from '../../core/errors';
import { parseRunConfig, parseRunConfigJson, type RunConfig } from '../../core/experiment/runConfig';
import type { EvalLog, StepLog } from '../../core/experiment/runLog';
import { padMultipleFor } from '../../core/model/backendNames';
import { isPretrainedModel } from '../../core/model/builtinConfigs';
import { memorySource } from '../../core/model/checkpointSource';
import { decodeUtf8Text } from '../../core/textDecoding';
import { embedAndEvaluate } from '../../core/train/embedAndEvaluate';
import { createTrainingEncoder } from '../../core/train/trainingEncoder';
import { runTraining, TrainingDivergedError, type TrainResult } from '../../core/train/trainLoop';
import { validationDataset } from '../../core/train/validationSet';
import { resolveDataDir } from '../dataDir';
import { dirSource } from '../loadCheckpoint';
import { loadDatasetFromDir } from '../loadDataset';
import { pretrainedSource } from '../pretrainedModel';
import { parseChoice, parsePositiveInt } from '../options';
import { createOutput } from '../output';
import { recordProducts, productsOf } from '../productsRecord';
import { backendSummary, initCliBackend, THREADS_OPTION_HELP } from '../wasmThreads';
import { PRODUCT_CHOICES, type ProductChoice, PRODUCTS_OPTION_HELP } from '../nativeProducts';
import { createProgress } from '../progressBar';
import {
  appendEvalLog,
  appendStepLog,
  checkNewRunDir,
  checkpointDir,
  checkResumableRunDir,
  createRunDir,
  readRunConfig,
  resumePoint,
  settleDivergedRun,
  truncateLogsAfter,
  writeCheckpoint,
  writeEvalResult,
  writeRunConfig,
  writeValidationResult,
} from '../runDir';

export const TRAIN_BACKENDS = ['wasm', 'cpu'] as const;
type TrainBackend = (typeof TRAIN_BACKENDS)[number];

interface TrainOptions {
  /** wasm threads (src/cli/wasmThreads.ts); default every core */
  threads?: number;
  /** where the wasm backend's products run (src/cli/nativeProducts.ts) */
  products: ProductChoice;
  config?: string;
  out?: string;
  steps?: number;
  until?: number;
  resume?: string;
  init?: string;
  data?: string;
  backend: TrainBackend;
  eval: boolean;
  backwardChunkRows?: number;
}

/** A `model.checkpoint` path is read relative to the config file's folder; the run records it absolute. */
function resolveModelPath(config: RunConfig, configFile: string): RunConfig {
  if (config.model.checkpoint === undefined) return config;
  return { ...config, model: { ...config.model, checkpoint: path.resolve(path.dirname(configFile), config.model.checkpoint) } };
}

async function loadConfig(opts: TrainOptions, runDir: string): Promise<RunConfig> {
  if (opts.resume) return readRunConfig(runDir);
  const file = path.resolve(opts.config!);
  let bytes: Uint8Array;
  try {
    bytes = await readFile(file);
  } catch (err) {
    throw new ConfigError(`cannot read the config ${file} (${(err as NodeJS.ErrnoException).code ?? String(err)})`);
  }
  return resolveModelPath(parseRunConfigJson(decodeUtf8Text(bytes, file), file), file);
}

export function registerTrain(program: Command): void {
  program
    .command('train')
    .description('train a dual encoder by a run config (experiments/*.json), writing a run folder with logs and checkpoints')
    .option('--config <file>', 'run config JSON (e.g. experiments/multilingual.json); not with --resume')
    .option('--out <dir>', 'new run folder to create (config.json, log.jsonl, checkpoints/step-N/)')
    .option('--steps <n>', 'total steps, overriding the config (the LR, α and λ schedules follow it)', parsePositiveInt('--steps'))
    .option('--until <n>', 'stop after this step with a checkpoint, keeping the schedules of the full run', parsePositiveInt('--until'))
    .option('--resume <dir>', 'continue the run in this folder from its latest checkpoint')
    .option('--init <dir>', "start from this HF checkpoint folder (safetensors + tokenizer.json) instead of the config's model")
    .option('--data <dir>', 'dataset folder (default: XLIR_DATA_DIR, else ../shared/data)')
    .option('--backend <name>', `TF.js backend (${TRAIN_BACKENDS.join(', ')})`, parseChoice('--backend', TRAIN_BACKENDS), 'wasm')
    .option('--threads <n>', THREADS_OPTION_HELP, parsePositiveInt('--threads'))
    .option('--products <where>', PRODUCTS_OPTION_HELP, parseChoice('--products', PRODUCT_CHOICES), 'auto')
    .option('--no-eval', 'skip the zero-shot evaluation (every evalEvery steps and at the end)')
    .option(
      '--backward-chunk-rows <n>',
      "backpropagate at most n sequences at a time: same updates up to float rounding, one more forward pass, less memory (a batch too large for wasm fits); overrides the config's backwardChunkRows and is recorded in the run's config.json",
      parsePositiveInt('--backward-chunk-rows'),
    )
    .action(async (opts: TrainOptions, cmd: Command) => {
      const out = createOutput(Boolean(cmd.optsWithGlobals().json));
      if (opts.resume && opts.config) throw new InvalidArgumentError('--resume continues a run with its own config.json; do not pass --config');
      if (!opts.resume && !opts.config) throw new InvalidArgumentError('pass --config FILE (a new run) or --resume RUNDIR');
      if (!opts.resume && !opts.out) throw new InvalidArgumentError('--out RUNDIR is required for a new run');
      if (opts.resume && opts.out && path.resolve(opts.out) !== path.resolve(opts.resume)) throw new InvalidArgumentError('--out must be the --resume folder (a resumed run continues in place)');
      const runDir = path.resolve(opts.resume ?? opts.out!);
      const now = () => performance.now();
      // before minutes of loading: a folder that holds files or cannot be written (/proc, a full or
      // read-only disk) fails now, leaving nothing behind
      if (opts.resume) await checkResumableRunDir(runDir);
      else await checkNewRunDir(runDir);

      const backend = await initCliBackend(opts.backend, opts.threads, {}, opts.products);
      let config = await loadConfig(opts, runDir);
      if (opts.steps !== undefined) config = parseRunConfig({ ...config, steps: opts.steps }, '--steps');
      // a memory setting: the run folder's config.json records it, so the run says how it was trained
      if (opts.backwardChunkRows !== undefined) config = parseRunConfig({ ...config, backwardChunkRows: opts.backwardChunkRows }, '--backward-chunk-rows');
      if (opts.init !== undefined) {
        if (opts.resume) throw new InvalidArgumentError('--init starts a new run; a resumed run keeps the model it started from');
        // The folder becomes part of the recorded config, so the run folder says what it started from.
        const { builtin: _builtin, vocabSize: _vocab, ...model } = config.model;
        config = parseRunConfig({ ...config, model: { ...model, checkpoint: path.resolve(opts.init) } }, '--init');
      }
      if (opts.until !== undefined && opts.until > config.steps) throw new InvalidArgumentError(`--until ${opts.until} is past the run's ${config.steps} steps`);

      const dataDir = resolveDataDir(opts.data);
      if (dataDir === null) throw new ConfigError('no dataset folder: pass --data DIR or set XLIR_DATA_DIR (../shared/data does not exist)');
      const trainDataset = await loadDatasetFromDir(dataDir, config.data.train.dataset, config.data.train.languages);
      const evalDataset = opts.eval ? await loadDatasetFromDir(dataDir, config.data.eval.dataset, config.data.eval.languages) : null;

      // the newest whole checkpoint: a damaged latest one is passed over, with a note, for the one before
      const resume = opts.resume ? await resumePoint(runDir) : null;
      const resumeFrom = resume?.checkpoint;
      const model = await createTrainingEncoder(config, {
        trainDataset,
        ...(config.model.checkpoint !== undefined ? { baseCheckpoint: dirSource(config.model.checkpoint) } : {}),
        ...(config.model.builtin !== undefined && isPretrainedModel(config.model.builtin) ? { pretrained: pretrainedSource(config.model.builtin) } : {}),
        ...(resumeFrom ? { resume: memorySource(resume!.dir, new Map(Object.entries(resumeFrom.files))) } : {}),
      });
      if (resume) {
        for (const note of resume.notes) out.info(note);
        for (const note of await truncateLogsAfter(runDir, resume.step)) out.info(note);
        if (opts.steps !== undefined || opts.backwardChunkRows !== undefined) await writeRunConfig(runDir, config);
        out.info(`resuming ${runDir} from step ${resume.step} of ${config.steps}`);
      } else {
        await createRunDir(runDir, config);
        out.info(`training ${config.strategy.kind} on ${config.data.train.dataset} (${config.data.train.languages.join(' ')}) for ${config.steps} steps → ${runDir}`);
      }
      const productsNote = await recordProducts(runDir, resume?.step ?? 0, productsOf(backend));
      if (productsNote) out.info(productsNote);
      out.info(
        `backend ${backendSummary(backend)}; model ${config.model.builtin ?? config.model.checkpoint} (${model.origin}), dim ${model.encoder.dim}, ${Object.keys(model.encoder.trainableVariables()).length} trainable tensors${config.backwardChunkRows !== undefined ? `; backward in chunks of ${config.backwardChunkRows} sequences` : ''}`,
      );
      const vocab = model.vocabulary;
      if (vocab) {
        out.info(
          vocab.size > vocab.requested
            ? `tokenizer: vocabulary grown from vocabSize ${vocab.requested} to ${vocab.size}: the training languages need ${vocab.alphabetEntries} special tokens and alphabet entries (config.json of each checkpoint records vocab_size ${vocab.size})`
            : `tokenizer: ${vocab.size} WordPiece ids trained on the training texts (vocabSize ${vocab.requested})`,
        );
      }

      const progress = createProgress({ total: config.steps, start: resume?.step ?? 0, stream: process.stderr, now });
      let lastEval: EvalLog | null = null;
      let stopRequested = false;
      const abort = () => process.exit(130);
      const onSigint = () => {
        stopRequested = true;
        progress.note('stopping after this step (or this batch of an evaluation) and writing a checkpoint (Ctrl-C again to abort)');
        process.once('SIGINT', abort);
      };
      process.once('SIGINT', onSigint);
      // The run's length, which its checkpoints record (manifest and sentence_bert_config.json), so that
      // `xlir evaluate --checkpoint` embeds alike; a stop request ends an evaluation within a batch.
      const evaluate = (dataset: typeof trainDataset) => embedAndEvaluate(model.encoder, dataset, { maxLength: config.model.maxLength, padMultiple: padMultipleFor(backend.backend), shouldStop: () => stopRequested });
      const t0 = now();
      let result: TrainResult;
      try {
        result = await runTraining(config, {
          dataset: trainDataset,
          encoder: model.encoder,
          exportModel: model.exportModel,
          now: () => Date.now(),
          ...(resumeFrom ? { resumeFrom } : {}),
          ...(opts.until !== undefined ? { stopAtStep: opts.until } : {}),
          shouldStop: () => stopRequested,
          onStep: async (log: StepLog) => {
            await appendStepLog(runDir, log);
            progress.update(log);
          },
          onCheckpoint: async (ckpt) => {
            await writeCheckpoint(runDir, ckpt);
          },
          ...(evalDataset
            ? {
                evaluate: async (step: number) => {
                  progress.note(`step ${step}: evaluating zero-shot on ${evalDataset.name} (${evalDataset.languages.join(' ')})`);
                  const r = await evaluate(evalDataset);
                  await writeEvalResult(runDir, step, r);
                  return headlineMetrics(r);
                },
                onEval: async (log: EvalLog) => {
                  lastEval = log;
                  await appendEvalLog(runDir, log);
                  progress.note(
                    `step ${log.step}: ${Object.entries(log.metrics)
                      .map(([k, v]) => `${k} ${v.toFixed(4)}`)
                      .join('  ')}`,
                  );
                },
              }
            : {}),
        });
      } catch (err) {
        progress.done();
        model.encoder.dispose();
        // a diverged run leaves a folder that can be resumed from its last good checkpoint, or none
        if (err instanceof TrainingDivergedError) out.info(await settleDivergedRun(runDir, err.lastCheckpointStep, !opts.resume));
        throw err;
      } finally {
        process.removeListener('SIGINT', onSigint);
        process.removeListener('SIGINT', abort);
      }
      progress.done();
      const seconds = (now() - t0) / 1000;
      // Tuning reads this, never the evaluation set: the held-out training questions (data.validationFraction).
      let validation: Record<string, number> | null = null;
      if (result.status === 'completed' && config.data.validationFraction > 0) {
        const valDataset = validationDataset(trainDataset, config);
        out.info(`validating on ${valDataset.queries.length} held-out ${trainDataset.name} queries (${valDataset.languages.join(' ')})`);
        const r = await evaluate(valDataset);
        await writeValidationResult(runDir, result.step, r);
        validation = headlineMetrics(r);
      }
      model.encoder.dispose();
      const summary = {
        runDir,
        status: result.status,
        step: result.step,
        steps: config.steps,
        startStep: result.startStep,
        backend: backend.backend,
        ...(backend.wasmProducts ? { products: backend.wasmProducts } : {}),
        seconds,
        stepsPerSecond: (result.step - result.startStep) / seconds,
        firstLoss: result.firstLoss,
        lastLoss: result.lastLoss,
        lastLog: result.lastLog,
        checkpoint: result.checkpointStep === null ? null : checkpointDir(runDir, result.checkpointStep),
        eval: lastEval as EvalLog | null,
        validation,
      };
      out.result(summary, (s) =>
        [
          `${s.status} at step ${s.step}/${s.steps} in ${s.seconds.toFixed(1)} s (${s.stepsPerSecond.toFixed(2)} steps/s on ${s.backend})`,
          `retrieval loss ${s.firstLoss.toFixed(4)} (first 10 steps) → ${s.lastLoss.toFixed(4)} (last 10 steps)`,
          ...(s.validation
            ? [
                `validation at step ${s.step}: ${Object.entries(s.validation)
                  .map(([k, v]) => `${k} ${v.toFixed(4)}`)
                  .join('  ')}`,
              ]
            : []),
          ...(s.eval
            ? [
                `eval at step ${s.eval.step}: ${Object.entries(s.eval.metrics)
                  .map(([k, v]) => `${k} ${v.toFixed(4)}`)
                  .join('  ')}`,
              ]
            : []),
          `checkpoint ${s.checkpoint ?? 'none'}`,
        ].join('\n'),
      );
    });
}
