/// <reference lib="webworker" />
// One run per worker (issue 6): validates commands, builds the run from core pieces and calls the same
// runTraining() as the CLI; posts typed events (protocol.ts). Checkpoints go to OPFS from here, so the
// page's main thread never touches weights.
import { headlineMetrics } from '../src/core/metrics/metricKeys';
import { TrainCommandSchema, type RunTiming, type TrainEvent } from '../src/core/experiment/protocol';
import type { StepLog } from '../src/core/experiment/runLog';
import { EvaluationSchema } from '../src/core/experiment/notebook';
import { packEvaluationMessage } from '../src/core/experiment/evaluationMessage';
import { PackedCellError } from '../src/core/experiment/packedEvaluations';
import { parseRunConfig, type RunConfig } from '../src/core/experiment/runConfig';
import { parseDataset } from '../src/core/data/parseDataset';
import type { RetrievalDataset } from '../src/core/data/types';
import { initBackend, watchDeviceLoss } from '../src/core/model/backend';
import { padMultipleFor, type BackendName } from '../src/core/model/backendNames';
import { serializeError, type SerializedError } from '../src/core/errors';
import { zodProblem } from '../src/core/zodMessage';
import type { RetrievalResult } from '../src/core/metrics/resultSchema';
import { runTraining } from '../src/core/train/trainLoop';
import type { TrainingCheckpoint } from '../src/core/train/trainingCheckpoint';
import { WASM_PATHS } from './wasmAssets';
import { createTrainingEncoder, type TrainingEncoder } from '../src/core/train/trainingEncoder';
import { memorySource } from '../src/core/model/checkpointSource';
import { isPretrainedModel } from '../src/core/model/builtinConfigs';
import { pretrainedSource } from './pretrainedFiles';
import { evaluateEncoder } from './evaluateEncoder';
import { sampledEvaluationSet, sampledEvaluationSummary } from '../src/core/train/sampledEvaluation';
import { deleteCheckpointFolder, describeStorageError, readCheckpointFolder, writeCheckpointFolder } from '../src/storage/opfsCheckpoints';

/** Checkpoints kept in storage per run; older ones are removed as new ones land. */
const KEEP_CHECKPOINTS = 2;
/** Step logs are posted at most this often (ms); a burst of fast steps travels in one message. */
const POST_EVERY_MS = 100;

const post = (event: TrainEvent) => self.postMessage(event);

let runId = '';
let started = false;
let stopRequest: 'paused' | 'stopped' | null = null;

const pendingLogs: StepLog[] = [];
let lastPost = 0;
const stepTimes: number[] = [];

function flushLogs(): void {
  if (pendingLogs.length === 0) return;
  const n = stepTimes.length;
  const rate = n >= 2 ? ((n - 1) * 1000) / (stepTimes[n - 1]! - stepTimes[0]!) : null;
  post({ type: 'train/steps', runId, logs: pendingLogs.splice(0), stepsPerSecond: rate !== null && Number.isFinite(rate) ? rate : null });
  lastPost = performance.now();
}

/**
 * Posts an evaluation: validated here, where it was produced, and its per-query data packed into strings
 * (issue 20: as objects, a full evaluation blocked the page for over 3 s to clone and validate). One that
 * fails is reported and dropped; training goes on.
 */
function result(evaluationKind: 'sampled' | 'full', step: number, r: RetrievalResult): void {
  flushLogs();
  const what = `${evaluationKind} evaluation at step ${step}`;
  const checked = EvaluationSchema.safeParse({ step, kind: evaluationKind, result: r });
  if (!checked.success) {
    const { field, message } = zodProblem(checked.error);
    post({ type: 'train/storage-error', runId, message: `${what} dropped: ${field}: ${message}` });
    return;
  }
  try {
    post({ type: 'train/evaluation', runId, evaluation: packEvaluationMessage(checked.data) });
  } catch (err) {
    post({ type: 'train/storage-error', runId, message: `${what} dropped: ${err instanceof PackedCellError ? `per_query.${err.field}: ` : ''}${err instanceof Error ? err.message : String(err)}` });
  }
}

interface Start {
  config: RunConfig;
  train: RetrievalDataset;
  evalData: RetrievalDataset;
  sampledEvalEvery: number;
  checkpointRoot: string;
  resumeFrom: string | null;
  backend: BackendName;
}

async function train({ config, train: trainData, evalData, sampledEvalEvery, checkpointRoot, resumeFrom, backend }: Start, run: TrainingEncoder, resumeFiles: Map<string, Uint8Array> | null): Promise<void> {
  const phase = (p: 'training' | 'evaluating' | 'saving', detail: string) => post({ type: 'train/phase', runId, phase: p, detail });
  // A fixed sample with bounded candidate pools (≤ 1,000 texts), built once: the same for every run.
  const sample = sampledEvalEvery > 0 ? sampledEvaluationSet(evalData) : null;
  const saved: string[] = [];
  let resume: TrainingCheckpoint | undefined;
  if (resumeFrom && resumeFiles) {
    const step = Number(/step-(\d+)$/.exec(resumeFrom)?.[1] ?? Number.NaN);
    resume = { step, files: Object.fromEntries(resumeFiles) };
    saved.push(resumeFrom);
  }
  const t0 = performance.now();
  const timing: RunTiming = { elapsed: 0, sampled: { count: 0, seconds: 0, texts: sample?.texts ?? 0 }, full: { count: 0, seconds: 0 }, checkpoints: { count: 0, seconds: 0 } };
  const postTiming = () => post({ type: 'train/timing', runId, timing: { ...timing, elapsed: (performance.now() - t0) / 1000 } });
  const evaluate = async (kind: 'sampled' | 'full', step: number) => {
    const label = kind === 'full' ? `full evaluation at step ${step}` : `sampled evaluation at step ${step}, an estimate on ${sampledEvaluationSummary(sample!)}`;
    phase('evaluating', label);
    const started = performance.now();
    try {
      const r = await evaluateEncoder(run.encoder, kind === 'full' ? evalData : sample!.dataset, {
        maxLength: config.model.maxLength,
        padMultiple: padMultipleFor(backend),
        onProgress: (what) => phase('evaluating', `${label}: ${what}`),
        // a pause or stop ends the evaluation within a batch (CancelledError; runTraining stops the run)
        shouldStop: () => stopRequest !== null,
      });
      result(kind, step, r);
      return r;
    } finally {
      const spent = timing[kind];
      spent.count++;
      spent.seconds += (performance.now() - started) / 1000;
      postTiming();
      phase('training', '');
    }
  };

  const out = await runTraining(config, {
    dataset: trainData,
    encoder: run.encoder,
    now: () => Date.now(),
    resumeFrom: resume,
    shouldStop: () => stopRequest !== null,
    exportModel: run.exportModel,
    padMultiple: padMultipleFor(backend),
    onStep: async (log) => {
      pendingLogs.push(log);
      stepTimes.push(performance.now());
      if (stepTimes.length > 8) stepTimes.shift();
      if (performance.now() - lastPost >= POST_EVERY_MS) flushLogs();
      const fullNow = config.evalEvery > 0 && log.step % config.evalEvery === 0;
      if (sampledEvalEvery > 0 && log.step % sampledEvalEvery === 0 && !fullNow && log.step < config.steps) await evaluate('sampled', log.step);
    },
    onCheckpoint: async (ckpt) => {
      flushLogs();
      phase('saving', `checkpoint at step ${ckpt.step}`);
      const started = performance.now();
      const key = `${checkpointRoot}/step-${ckpt.step}`;
      try {
        await writeCheckpointFolder(key, new Map(Object.entries(ckpt.files)));
        saved.push(key);
        const removed: string[] = [];
        while (saved.length > KEEP_CHECKPOINTS) {
          const old = saved.shift()!;
          await deleteCheckpointFolder(old);
          removed.push(old);
        }
        post({ type: 'train/checkpoint', runId, step: ckpt.step, key, removed });
      } catch (err) {
        // Training goes on; the page shows why this checkpoint is missing.
        post({ type: 'train/storage-error', runId, message: `checkpoint at step ${ckpt.step} not saved: ${describeStorageError(err)}` });
      }
      timing.checkpoints.count++;
      timing.checkpoints.seconds += (performance.now() - started) / 1000;
      phase('training', '');
    },
    evaluate: async (step) => headlineMetrics(await evaluate('full', step)),
  });
  flushLogs();
  postTiming();
  post({ type: 'train/ended', runId, reason: out.status === 'completed' ? 'done' : (stopRequest ?? 'stopped'), step: out.step });
}

/**
 * The worker's own copy of dataset files the page sent as views over its shared memory (the page copies
 * nothing on Launch: src/ui/actions/data.ts, runWorkerDatasetFiles). TextDecoder and crypto.subtle refuse
 * shared views, and the page's bytes must stay as they are; transferred (unshared) bytes are used as they came.
 */
function ownCopy(files: readonly { name: string; bytes: Uint8Array<ArrayBufferLike> }[]): { name: string; bytes: Uint8Array }[] {
  return files.map((f) => (f.bytes.buffer instanceof ArrayBuffer ? f : { name: f.name, bytes: f.bytes.slice() }));
}

/** Set once the backend reports its GPU device lost: what fails after that failed because of it. */
let deviceLost = false;

/**
 * The error a failed run reports, with its code: DEVICE_LOST when the GPU device was lost (reported by the
 * backend, or only in the message of the TF.js error that followed it), so the page resumes the run from
 * its last checkpoint instead of recording a failure (src/ui/store/runReducer.ts, isRecoverable).
 */
function failure(err: unknown): SerializedError {
  const e = serializeError(err);
  return deviceLost || /\bdevice (was |is )?lost\b/i.test(e.message) ? { ...e, code: 'DEVICE_LOST' } : e;
}

self.onmessage = async (msg: MessageEvent<unknown>) => {
  const parsed = TrainCommandSchema.safeParse(msg.data);
  if (!parsed.success) {
    post({ type: 'train/failed', runId, error: { name: 'ProtocolError', code: 'INTERNAL', message: `invalid training command: ${parsed.error.message}` } });
    return;
  }
  const command = parsed.data;
  switch (command.type) {
    case 'train/pause':
      stopRequest ??= 'paused';
      return;
    case 'train/stop':
      stopRequest = 'stopped';
      return;
    case 'train/start': {
      if (started) return;
      started = true;
      runId = command.runId;
      try {
        const config = parseRunConfig(command.config, 'run config');
        post({ type: 'train/phase', runId, phase: 'training', detail: 'starting the backend' });
        const info = await initBackend(command.backend, { wasmPaths: WASM_PATHS });
        // the page resumes the run from its last checkpoint in a fresh worker (src/ui/actions/runController.ts)
        watchDeviceLoss((reason) => {
          deviceLost = true;
          post({ type: 'train/failed', runId, error: { name: 'DeviceLost', code: 'DEVICE_LOST', message: `the GPU device was lost (${reason})` } });
        });
        post({ type: 'train/phase', runId, phase: 'training', detail: 'parsing the data' });
        const trainData = await parseDataset(command.train.name, ownCopy(command.train.files), { languages: command.train.languages });
        const evalData = await parseDataset(command.eval.name, ownCopy(command.eval.files), { languages: config.data.eval.languages });
        post({ type: 'train/phase', runId, phase: 'training', detail: command.resumeFrom ? 'loading the checkpoint' : 'building the model' });
        // The same builder as `xlir train`; checkpoint folders come from browser storage.
        const resumeFiles = command.resumeFrom ? await readCheckpointFolder(command.resumeFrom) : null;
        const base = config.model.checkpoint ? memorySource(config.model.checkpoint, await readCheckpointFolder(config.model.checkpoint)) : undefined;
        // the pretrained built-in's shipped files, fetched from our origin (not needed to resume: the checkpoint holds the model)
        const { builtin } = config.model;
        const shipped = !resumeFiles && builtin !== undefined && isPretrainedModel(builtin) ? builtin : null;
        if (shipped !== null) post({ type: 'train/phase', runId, phase: 'training', detail: `fetching the built-in ${shipped} model` });
        const pretrained = shipped !== null ? await pretrainedSource(shipped) : undefined;
        const run = await createTrainingEncoder(config, {
          trainDataset: trainData,
          ...(base ? { baseCheckpoint: base } : {}),
          ...(pretrained ? { pretrained } : {}),
          ...(resumeFiles ? { resume: memorySource(command.resumeFrom!, resumeFiles) } : {}),
        });
        const startStep = command.resumeFrom ? Number(/step-(\d+)$/.exec(command.resumeFrom)?.[1] ?? 0) : 0;
        post({ type: 'train/ready', runId, backend: info.backend, startStep });
        const c = run.encoder.config;
        // a vocabSize too small for the training languages' alphabet was grown (issue 20, item 1): say so
        const v = run.vocabulary;
        const grown = v && v.size > v.requested ? ` (grown from vocabSize ${v.requested.toLocaleString('en')}: the training languages need ${v.alphabetEntries.toLocaleString('en')} alphabet entries)` : '';
        // runTraining takes the chunked backward from the config (issue 25); the card says so while it starts
        const chunks = config.backwardChunkRows !== undefined ? `; backward in chunks of ${config.backwardChunkRows} sequences` : '';
        post({ type: 'train/phase', runId, phase: 'training', detail: `${run.origin} encoder: ${c.numLayers} layers, H ${c.hiddenSize}, vocabulary ${c.vocabSize.toLocaleString('en')}${grown}${chunks}` });
        await train({ config, train: trainData, evalData, sampledEvalEvery: command.sampledEvalEvery, checkpointRoot: command.checkpointRoot, resumeFrom: command.resumeFrom, backend: info.backend }, run, resumeFiles);
      } catch (err) {
        flushLogs();
        post({ type: 'train/failed', runId, error: failure(err) });
      }
    }
  }
};
