/**
 * The typed messages between the page and the compute workers (house rule 8). Every message that
 * crosses a worker boundary is validated with these schemas on arrival.
 */
import { z } from 'zod';
import { BACKEND_PREFERENCES, BACKENDS } from '../model/backendNames';
import { ERROR_CODES } from '../errors';
import { DATASET_NAMES, LANGUAGES } from '../data/languages';
import { SETTINGS, type RetrievalResult } from '../metrics/resultSchema';
import { EvaluationMessageSchema } from './evaluationMessage';
import { ModelChoiceSchema } from './notebook';
import { RunConfigSchema } from './runConfig';
import type { RetrievalComparisonSchema } from '../metrics/retrievalComparison';

export const BackendInitCommandSchema = z.object({
  type: z.literal('backend/init'),
  requestId: z.string(),
  preference: z.enum(BACKEND_PREFERENCES),
});

// ── Notebook commands to the compute worker (issue 6): the dataset is parsed there, never on the page. ──

const FileBytesSchema = z.object({ name: z.string(), bytes: z.instanceof(Uint8Array) });

/** Parse these dataset files and keep the dataset for later views; replies `data/loaded`. */
export const DataLoadCommandSchema = z.object({
  type: z.literal('data/load'),
  requestId: z.string(),
  dataset: z.enum(DATASET_NAMES),
  languages: z.array(z.enum(LANGUAGES)).min(1),
  files: z.array(FileBytesSchema).min(1),
});

/** One question in every language of a loaded dataset; replies `data/parallel`. */
export const DataParallelCommandSchema = z.object({ type: z.literal('data/parallel'), requestId: z.string(), dataset: z.enum(DATASET_NAMES), questionId: z.string() });
/** Texts of a heatmap cell's drill-down (question, gold and first-retrieved sentence); replies `data/drilldown`. */
export const DataDrilldownCommandSchema = z.object({
  type: z.literal('data/drilldown'),
  requestId: z.string(),
  dataset: z.enum(DATASET_NAMES),
  candidateLang: z.enum(LANGUAGES),
  queryIds: z.array(z.string()).max(200),
  retrievedIds: z.array(z.string().nullable()).max(200),
});

/**
 * The texts of a run's batch at `step`, re-derived by replaying the sampler (`figures/batchTexts.ts`; the
 * log keeps only pair counts) on the loaded training dataset; replies `batch/texts`.
 */
export const BatchTextsCommandSchema = z.object({
  type: z.literal('batch/texts'),
  requestId: z.string(),
  /** the run's config (`runConfig.ts`) */
  config: RunConfigSchema,
  /** 1-based, as in the log */
  step: z.number().int().positive(),
});

/** Load a checkpoint folder from browser storage (OPFS key) and describe it; replies `model/inspected`. */
export const ModelInspectCommandSchema = z.object({ type: z.literal('model/inspect'), requestId: z.string(), key: z.string() });

/**
 * The fields of a request about a checkpoint folder (OPFS `key`) on a loaded dataset. No length: the worker
 * embeds with the checkpoint's own, by the rule of `xlir evaluate` (`core/train/checkpointEmbedSettings.ts`).
 */
const checkpointOnDataset = {
  requestId: z.string(),
  key: z.string(),
  dataset: z.enum(DATASET_NAMES),
  languages: z.array(z.enum(LANGUAGES)).min(1),
};

/**
 * Evaluate a checkpoint folder from browser storage on a loaded dataset (the same embedding and evaluator
 * as the runs); replies `model/evaluated`.
 */
export const ModelEvaluateCommandSchema = z.object({ type: z.literal('model/evaluate'), ...checkpointOnDataset });

/** `metrics/trecExport.ts` RunDepth: exact, all or the top N per query. */
const RunDepthSchema = z.union([z.literal('exact'), z.literal('all'), z.number().int().positive()]);

/**
 * TREC qrels and run files (`metrics/trecRuns.ts`, the files of `xlir export-trec`) of a checkpoint folder
 * from browser storage on a loaded dataset, embedded as by `model/evaluate`. Streamed (issue 20, item 4):
 * `model/trec-progress` while embedding, then one `model/trec-chunk` at a time, each sent only after the
 * page answered the previous one with `model/export-trec-next` (so neither side holds more than a chunk);
 * replies `model/trec-files` at the end.
 */
export const ModelExportTrecCommandSchema = z.object({
  type: z.literal('model/export-trec'),
  ...checkpointOnDataset,
  settings: z.array(z.enum(SETTINGS)).min(1),
  /** run depth per query (`metrics/trecExport.ts`): exact, all or the top N */
  depth: RunDepthSchema,
  /** run tag, one word */
  tag: z.string().regex(/^\S+$/),
});

/**
 * The page's answer to a `model/trec-chunk` of export `requestId`: send the next chunk, or stop (the export
 * then ends with a CancelledError). Sent with `cancel: true` at any time, it also stops the embedding.
 */
export const ModelExportTrecNextCommandSchema = z.object({ type: z.literal('model/export-trec-next'), requestId: z.string(), cancel: z.boolean() });

export const WorkerCommandSchema = z.discriminatedUnion('type', [
  BackendInitCommandSchema,
  DataLoadCommandSchema,
  DataParallelCommandSchema,
  DataDrilldownCommandSchema,
  BatchTextsCommandSchema,
  ModelInspectCommandSchema,
  ModelEvaluateCommandSchema,
  ModelExportTrecCommandSchema,
  ModelExportTrecNextCommandSchema,
]);
export type WorkerCommand = z.infer<typeof WorkerCommandSchema>;

const AdapterInfoSchema = z.object({
  vendor: z.string(),
  architecture: z.string(),
  description: z.string(),
  isFallbackAdapter: z.boolean(),
});

export const BackendReadyEventSchema = z.object({
  type: z.literal('backend/ready'),
  requestId: z.string(),
  info: z.object({
    backend: z.enum(BACKENDS),
    adapter: AdapterInfoSchema,
    attempts: z.array(z.object({ backend: z.enum(BACKENDS), ok: z.boolean(), error: z.string().optional() })),
    tfjsVersion: z.string(),
    // wasm only: tfjs's threads, our kernels' threads, and which kernel runs the products (backend.ts)
    wasmThreads: z.number().int().positive().optional(),
    wasmProductThreads: z.number().int().positive().optional(),
    wasmProducts: z.string().optional(),
  }),
  smoke: z.object({
    size: z.number(),
    maxAbsError: z.number(),
    medianMs: z.number(),
    gflops: z.number(),
    ok: z.boolean(),
  }),
});

export const ErrorEventSchema = z.object({
  type: z.literal('error'),
  requestId: z.string().optional(),
  error: z.object({ name: z.string(), code: z.enum(ERROR_CODES), message: z.string() }),
});

const LanguageCountsSchema = z.object({ questions: z.number().int(), paragraphs: z.number().int(), candidates: z.number().int() });

export const ParallelExampleSchema = z.object({
  questionId: z.string(),
  title: z.string(),
  entries: z.array(z.object({ lang: z.enum(LANGUAGES), queryId: z.string(), question: z.string(), answerId: z.string(), answer: z.string() })),
});
export type ParallelExample = z.infer<typeof ParallelExampleSchema>;

export const DataLoadedEventSchema = z.object({
  type: z.literal('data/loaded'),
  requestId: z.string(),
  stats: z.object({
    dataset: z.enum(DATASET_NAMES),
    files: z.record(z.string(), z.string()),
    languages: z.partialRecord(z.enum(LANGUAGES), LanguageCountsSchema),
    totals: LanguageCountsSchema,
  }),
  /** every question id, in order of first appearance */
  questionIds: z.array(z.string()),
  parallel: ParallelExampleSchema.nullable(),
});

export const DataParallelEventSchema = z.object({ type: z.literal('data/parallel'), requestId: z.string(), parallel: ParallelExampleSchema });
const SentenceSchema = z.object({ id: z.string(), text: z.string() });
export const DataDrilldownEventSchema = z.object({
  type: z.literal('data/drilldown'),
  requestId: z.string(),
  rows: z.array(z.object({ queryId: z.string(), question: z.string(), gold: SentenceSchema.nullable(), retrieved: SentenceSchema.nullable() })),
});

/** The paired tests of two evaluation results (the stats worker's reply, `statsProtocol.ts`). */
export type ResultsComparison = z.infer<typeof RetrievalComparisonSchema>;

export const BatchTextsEventSchema = z.object({
  type: z.literal('batch/texts'),
  requestId: z.string(),
  step: z.number().int().positive(),
  kind: z.enum(['mono', 'cross', 'mixed']),
  pairs: z.record(z.string(), z.number()),
  triplets: z.array(z.object({ queryLang: z.string(), passageLang: z.string(), query: z.string(), positive: z.string(), negative: z.string() })),
});
export type BatchTextsEvent = z.infer<typeof BatchTextsEventSchema>;

export const ModelInspectedEventSchema = z.object({
  type: z.literal('model/inspected'),
  requestId: z.string(),
  summary: z.string(),
  /** the training config found in the folder's manifest.json (a checkpoint saved by a run), else null */
  runConfig: RunConfigSchema.nullable(),
  /** the step that run saved the folder at (its manifest), else null */
  runStep: z.number().int().nonnegative().nullable(),
  /** the encoder's sizes (config.json), for the run form's automatic chunked backward (issue 25) */
  architecture: z.object({ hiddenSize: z.number().int().positive(), intermediateSize: z.number().int().positive(), numHeads: z.number().int().positive(), numLayers: z.number().int().nonnegative() }).strict(),
});
export const ModelEvaluatedEventSchema = z.object({
  type: z.literal('model/evaluated'),
  requestId: z.string(),
  summary: z.string(),
  /**
   * `metrics/resultSchema.ts`, typed here but validated once, by the page's EvaluationSchema, not twice: a
   * full result's per-query data is large and is checked off the message handler (issue 20)
   */
  result: z.custom<RetrievalResult>(),
});

/** `model/export-trec` is embedding the dataset: texts done of total. */
export const ModelTrecProgressEventSchema = z.object({
  type: z.literal('model/trec-progress'),
  requestId: z.string(),
  phase: z.literal('embedding'),
  done: z.number().int().nonnegative(),
  total: z.number().int().nonnegative(),
});

const CountsSchema = z.object({ queries: z.number().int().nonnegative(), runLines: z.number().int().nonnegative() });

/**
 * A chunk of one cell's qrels or run file (`trecRuns.ts` TrecFileChunk; UTF-8, buffer transferred). The
 * worker waits for `model/export-trec-next` before the next.
 */
export const ModelTrecChunkEventSchema = z.object({
  type: z.literal('model/trec-chunk'),
  requestId: z.string(),
  /** index of the cell, of `cells` */
  cell: z.number().int().nonnegative(),
  cells: z.number().int().positive(),
  setting: z.enum(SETTINGS),
  /** cell file stem: `en-de`, `multi-en` */
  name: z.string().regex(/^[a-z]{2}-[a-z]{2}$|^multi-[a-z]{2}$/),
  file: z.enum(['qrels', 'run']),
  bytes: z.instanceof(Uint8Array),
  /** the file's last chunk; a run file's carries the cell's counts */
  last: z.boolean(),
  counts: CountsSchema.optional(),
});

/** The end of `model/export-trec`: what was embedded and how, and every cell's counts (the bytes came in chunks). */
export const ModelTrecFilesEventSchema = z.object({
  type: z.literal('model/trec-files'),
  requestId: z.string(),
  summary: z.string(),
  depth: RunDepthSchema,
  files: z.array(z.object({ setting: z.enum(SETTINGS), name: z.string() }).extend(CountsSchema.shape)),
});

export const WorkerEventSchema = z.discriminatedUnion('type', [
  BackendReadyEventSchema,
  ErrorEventSchema,
  DataLoadedEventSchema,
  DataParallelEventSchema,
  DataDrilldownEventSchema,
  BatchTextsEventSchema,
  ModelInspectedEventSchema,
  ModelEvaluatedEventSchema,
  ModelTrecFilesEventSchema,
  ModelTrecProgressEventSchema,
  ModelTrecChunkEventSchema,
]);
export type WorkerEvent = z.infer<typeof WorkerEventSchema>;
export type BackendReadyEvent = z.infer<typeof BackendReadyEventSchema>;

// ── The training worker (issue 6): one worker per run; the page starts, pauses and stops it. ──

/** The dataset files a run trains and evaluates on (copied to each run's worker). */
const RunDatasetSchema = z.object({
  name: z.enum(DATASET_NAMES),
  languages: z.array(z.enum(LANGUAGES)).min(1),
  files: z.array(FileBytesSchema).min(1),
});

export const TrainStartCommandSchema = z.object({
  type: z.literal('train/start'),
  runId: z.string(),
  /** the run's config (`runConfig.ts`) */
  config: RunConfigSchema,
  /** the notebook's model choice (`notebook.ts`) */
  model: ModelChoiceSchema,
  /** the training data (`config.data.train`) and the evaluation data (`config.data.eval`) */
  train: RunDatasetSchema,
  eval: RunDatasetSchema,
  /** evaluate a fixed seeded sample of the evaluation data every N steps (`train/sampledEvaluation.ts`; 0 = never) */
  sampledEvalEvery: z.number().int().nonnegative(),
  backend: z.enum(BACKEND_PREFERENCES),
  /** OPFS folder of the checkpoint to continue from, or null to start at step 0 */
  resumeFrom: z.string().nullable(),
  /** OPFS folder under which this run's checkpoints are written (`runs/<runId>`) */
  checkpointRoot: z.string(),
});

/**
 * Stop at the next batch boundary (of a step or an evaluation; an evaluation in progress is dropped), save a
 * checkpoint of the last completed step, report `train/ended` with reason `paused`.
 */
export const TrainPauseCommandSchema = z.object({ type: z.literal('train/pause'), runId: z.string() });
/** As `train/pause`, with reason `stopped` (the run ends as it is). */
export const TrainStopCommandSchema = z.object({ type: z.literal('train/stop'), runId: z.string() });
export const TrainCommandSchema = z.discriminatedUnion('type', [TrainStartCommandSchema, TrainPauseCommandSchema, TrainStopCommandSchema]);
export type TrainCommand = z.infer<typeof TrainCommandSchema>;

export const TrainReadyEventSchema = z.object({ type: z.literal('train/ready'), runId: z.string(), backend: z.enum(BACKENDS), startStep: z.number().int().nonnegative() });
/**
 * One or more step logs (the worker may coalesce a few fast steps into one message). Left `unknown` here:
 * the page validates each with `runLog.ts` StepLogSchema and fails the run naming the bad field.
 */
export const TrainStepsEventSchema = z.object({ type: z.literal('train/steps'), runId: z.string(), logs: z.array(z.unknown()).min(1), stepsPerSecond: z.number().nullable() });
export const TrainCheckpointEventSchema = z.object({
  type: z.literal('train/checkpoint'),
  runId: z.string(),
  step: z.number().int().nonnegative(),
  key: z.string(),
  /** checkpoints of this run removed from storage to make room (older ones), by key */
  removed: z.array(z.string()),
});
/**
 * An evaluation, validated by the worker: its summary (validated again on arrival) and its per-query data
 * packed (`evaluationMessage.ts`; checked by its grammar as the page unpacks it, a few cells per task).
 */
export const TrainEvaluationEventSchema = z.object({ type: z.literal('train/evaluation'), runId: z.string(), evaluation: EvaluationMessageSchema });
export const TrainPhaseEventSchema = z.object({ type: z.literal('train/phase'), runId: z.string(), phase: z.enum(['training', 'evaluating', 'saving']), detail: z.string() });
export const TrainEndedEventSchema = z.object({
  type: z.literal('train/ended'),
  runId: z.string(),
  /** paused / stopped on request, done after the last step */
  reason: z.enum(['paused', 'stopped', 'done']),
  step: z.number().int().nonnegative(),
});
/** Time spent on one kind of work in a run's worker: how many times, and wall seconds in all. */
const TimeSpentSchema = z.object({ count: z.number().int().nonnegative(), seconds: z.number().nonnegative() });
/**
 * Where a run's worker time went since it started training (issue 20, item 9: the sampled evaluation made
 * browser runs ~10× slower than the CLI); training steps are the rest of `elapsed`.
 */
export const RunTimingSchema = z.object({
  /** wall seconds since this worker's first step began */
  elapsed: z.number().nonnegative(),
  sampled: TimeSpentSchema.extend({
    /** texts (queries + candidates) one sampled evaluation embeds */
    texts: z.number().int().nonnegative(),
  }),
  full: TimeSpentSchema,
  checkpoints: TimeSpentSchema,
});
export type RunTiming = z.infer<typeof RunTimingSchema>;
/** The worker's time split so far; sent after each evaluation and checkpoint, and before `train/ended`. */
export const TrainTimingEventSchema = z.object({ type: z.literal('train/timing'), runId: z.string(), timing: RunTimingSchema });
/** Saving a checkpoint failed (quota, OPFS missing): training goes on, the page shows the message. */
export const TrainStorageErrorEventSchema = z.object({ type: z.literal('train/storage-error'), runId: z.string(), message: z.string() });
export const TrainFailedEventSchema = z.object({
  type: z.literal('train/failed'),
  runId: z.string(),
  error: z.object({ name: z.string(), code: z.enum(ERROR_CODES), message: z.string() }),
});

export const TrainEventSchema = z.discriminatedUnion('type', [
  TrainReadyEventSchema,
  TrainStepsEventSchema,
  TrainCheckpointEventSchema,
  TrainEvaluationEventSchema,
  TrainPhaseEventSchema,
  TrainEndedEventSchema,
  TrainTimingEventSchema,
  TrainStorageErrorEventSchema,
  TrainFailedEventSchema,
]);
export type TrainEvent = z.infer<typeof TrainEventSchema>;
