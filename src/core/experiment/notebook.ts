/**
 * The notebook file (`*.xlir.json`): everything a researcher needs to reopen a study — the ordered cells
 * with their markdown notes, the dataset selection, the model choice, each run's config and record (step
 * logs, evaluations, checkpoint references) and the figure settings. Weights are NOT in it: checkpoints
 * live in browser storage (or a downloaded zip) and the record only names them.
 *
 * The file is JSON with `schemaVersion: 1`, or 2 when it holds per-query data: version 2 keeps the APs,
 * rank distances and first-retrieved ids packed (`packedEvaluations.ts`; a full XQuAD-R evaluation took
 * 17 MB as JSON objects, 1.2 MB packed), with the question and candidate ids once per notebook in `ids`. Both are read; a notebook
 * without per-query data is still written as version 1, byte for byte as before. {@link serializeNotebook} writes a canonical form (keys in
 * schema order, 1-space indent), so `serializeNotebook(parseNotebook(name, text)) === text` for any text
 * it wrote: the round trip is exact. {@link parseNotebook} throws a {@link DataFormatError} naming the
 * file and the field (e.g. `runs[0].logs[12].loss`) and never returns a partial notebook.
 */
import { z } from 'zod';
import { DataFormatError } from '../errors';
import { parseJsonText } from '../data/parseJsonText';
import { describeValue } from '../shownValue';
import { fieldPath, validate } from '../zodMessage';
import { DATASET_LANGUAGES, DATASET_NAMES, LANGUAGES } from '../data/languages';
import { BACKEND_PREFERENCES } from '../model/backendNames';
import { RetrievalResultSchema } from '../metrics/resultSchema';
import { DEFAULT_MODEL_BUILTIN, MODEL_BUILTINS } from '../model/builtinConfigs';
import { RunConfigSchema } from './runConfig';
import { StepLogSchema } from './runLog';
import { StudySchema } from './studyResults';
import { SignificanceCacheSchema } from './significanceCache';
import { COLOR_RANGE_MODES } from '../figures/colorRange';
import { collectIds, idCollector, IdTablesSchema, idTables, packEvaluationData, PackedCellError, PackedEvaluationDataSchema, unpackEvaluationData } from './packedEvaluations';

export const NOTEBOOK_SCHEMA_VERSION = 1;
/** The file version that packs per-query data (`packedEvaluations.ts`); the newest this app reads. */
export const NOTEBOOK_FILE_VERSION = 2;

/** Cells that appear exactly once, in this default order; notes can sit anywhere between them. */
export const FIXED_CELL_KINDS = ['data', 'model', 'runs', 'results', 'about'] as const;
export type FixedCellKind = (typeof FIXED_CELL_KINDS)[number];
/** `study` appears at most once, in a notebook that holds a `study` (examples/study). */
export const CELL_KINDS = [...FIXED_CELL_KINDS, 'note', 'study'] as const;
export type CellKind = (typeof CELL_KINDS)[number];

const IdSchema = z.string().regex(/^[A-Za-z0-9_-]{1,64}$/, 'an id of 1–64 letters, digits, "_" or "-"');
/** `"en->de"`: query language → passage/candidate language. */
export const PairKeySchema = z.string().regex(/^[a-z]{2}->[a-z]{2}$/, 'a pair key like "en->de"');

/**
 * A key of browser storage (an OPFS folder path such as `runs/r1/step-50`): relative, "/"-separated, no
 * empty, "." or ".." segment and no control character. A notebook from elsewhere must not point the app
 * at folders outside its own storage tree, nor at names the browser refuses with a TypeError.
 */
export const StorageKeySchema = z
  .string()
  .min(1)
  .max(1000)
  .refine((key) => key.split('/').every((seg) => seg !== '' && seg !== '.' && seg !== '..') && !/[\u0000-\u001f\u007f\\]/.test(key), {
    message: 'a relative storage path like "runs/r1/step-50" (no empty, "." or ".." segments, backslashes or control characters)',
  });

export const NoteCellSchema = z.object({
  kind: z.literal('note'),
  id: IdSchema,
  /** CommonMark; rendered without raw HTML */
  markdown: z.string().max(1_000_000),
});
export const FixedCellSchema = z.object({ kind: z.enum(FIXED_CELL_KINDS), id: IdSchema });
export const StudyCellSchema = z.object({ kind: z.literal('study'), id: IdSchema });
export const CellSchema = z.union([NoteCellSchema, FixedCellSchema, StudyCellSchema]);
export type NoteCell = z.infer<typeof NoteCellSchema>;
export type Cell = z.infer<typeof CellSchema>;

export const DATA_SOURCES = ['served', 'files', 'url'] as const;
export type DataSource = (typeof DATA_SOURCES)[number];

/** One dataset and the languages to load from it. */
export const DataSplitSelectionSchema = z
  .object({
    dataset: z.enum(DATASET_NAMES),
    /** canonical (alphabetical) order, no repeats */
    languages: z.array(z.enum(LANGUAGES)),
  })
  .superRefine((d, ctx) => {
    const allowed = DATASET_LANGUAGES[d.dataset];
    d.languages.forEach((lang, i) => {
      if (!allowed.includes(lang)) ctx.addIssue({ code: 'custom', path: ['languages', i], message: `${d.dataset} has no language "${lang}"` });
      if (d.languages.indexOf(lang) !== i) ctx.addIssue({ code: 'custom', path: ['languages', i], message: `"${lang}" appears twice` });
    });
  });
export type DataSplitSelection = z.infer<typeof DataSplitSelectionSchema>;

/**
 * The data of the study: runs train on `train` and are evaluated zero-shot on `eval` (never the training
 * dataset, as `runConfig.ts` requires), both read from `source`.
 */
export const DataSelectionSchema = z.object({
  /** served = the app's `/data/` folder, files = user-picked files, url = the public URLs */
  source: z.enum(DATA_SOURCES),
  train: DataSplitSelectionSchema,
  eval: DataSplitSelectionSchema,
  /** file name → SHA-256 of the files last loaded (empty before the first load) */
  files: z.record(z.string(), z.string().regex(/^[0-9a-f]{64}$/)),
});
export type DataSelection = z.infer<typeof DataSelectionSchema>;

export const ModelChoiceSchema = z.discriminatedUnion('kind', [
  /** a built-in model: the pretrained `multilingual` (shipped with the app), or `tiny` / `small` trained from a seeded random init */
  z.object({ kind: z.literal('builtin'), config: z.enum(MODEL_BUILTINS) }),
  /**
   * a checkpoint folder the user picked; its files are copied to browser storage under `key` (so runs can
   * resume after a reload), and only their names and sizes are recorded here, never their bytes
   */
  z.object({
    kind: z.literal('checkpoint'),
    name: z.string().min(1),
    key: StorageKeySchema,
    files: z.array(z.object({ path: z.string(), bytes: z.number().int().nonnegative() })),
  }),
]);
export type ModelChoice = z.infer<typeof ModelChoiceSchema>;

/** One line of a run's `log.jsonl` (`runLog.ts`), as the notebook keeps it. */
export { StepLogSchema, type StepLog } from './runLog';

/**
 * An evaluation as the notebook keeps it: the evaluator's result (`metrics/resultSchema.ts`), where
 * `per_query` may be dropped — the notebook keeps per-query APs only for each run's latest full evaluation
 * (they are what the paired tests need, and they are large: ~157k numbers for full XQuAD-R).
 */
export const StoredResultSchema = RetrievalResultSchema.extend({ per_query: RetrievalResultSchema.shape.per_query.optional() });
export type StoredResult = z.infer<typeof StoredResultSchema>;

export const EvaluationSchema = z.object({
  step: z.number().int().nonnegative(),
  /** sampled = a fixed seeded subset of the queries, during training; full = every query */
  kind: z.enum(['sampled', 'full']),
  result: StoredResultSchema,
});
export type Evaluation = z.infer<typeof EvaluationSchema>;

export const RUN_STATUSES = ['queued', 'running', 'paused', 'stopped', 'done', 'failed'] as const;
export type RunStatus = (typeof RUN_STATUSES)[number];

/**
 * Where a run's model came from, as recorded when the run was added (labels of the results tables,
 * `figures/runLabels.ts`). Absent in notebooks saved before it existed: then inferred from the record.
 */
export const RunOriginSchema = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('trained') }),
  /** a foreign checkpoint folder (e.g. Hugging Face), evaluated as it is */
  z.object({ kind: z.literal('hf-import'), baseModel: z.string().min(1).max(200) }),
  /** a checkpoint a run saved, re-imported: its config is that run's; step null when its manifest has none */
  z.object({ kind: z.literal('run-checkpoint'), step: z.number().int().nonnegative().nullable() }),
]);
export type RunOrigin = z.infer<typeof RunOriginSchema>;

/**
 * Unknown keys of a run record and of the notebook (written by a newer app, or by hand) are kept, not
 * stripped: zod objects drop them on parse, so the next save used to lose them silently (issue 21).
 */
export const RunRecordSchema = z.looseObject({
  id: IdSchema,
  name: z.string().min(1).max(200),
  /** the run's full configuration, as `xlir train --config` reads it (seed included) */
  config: RunConfigSchema,
  /** where the run's worker trains; `auto` walks webgpu → webgl → wasm → cpu */
  backend: z.enum(BACKEND_PREFERENCES),
  /** evaluate a seeded sample of the evaluation queries every N steps for the live heatmap (0 = never) */
  sampledEvalEvery: z.number().int().nonnegative(),
  status: z.enum(RUN_STATUSES),
  /** the message of the error that ended the run (status `failed`), else null */
  error: z.string().nullable(),
  /** ISO 8601 time the run was created */
  createdAt: z.string(),
  logs: z.array(StepLogSchema),
  evaluations: z.array(EvaluationSchema),
  /** checkpoints saved in browser storage: the step and the storage key (an OPFS path) */
  checkpoints: z.array(z.object({ step: z.number().int().nonnegative(), key: StorageKeySchema })),
  origin: RunOriginSchema.optional(),
});
export type RunRecord = z.infer<typeof RunRecordSchema>;

/** The run's newest checkpoint (the one a resume continues from), or null when it has none. */
export function latestCheckpoint(run: RunRecord): RunRecord['checkpoints'][number] | null {
  return run.checkpoints.reduce<RunRecord['checkpoints'][number] | null>((a, c) => (!a || c.step > a.step ? c : a), null);
}

/** The step of the run's last log line, 0 before its first step. */
export function lastLoggedStep(run: RunRecord): number {
  return run.logs.length ? run.logs[run.logs.length - 1]!.step : 0;
}

export const FigureSettingsSchema = z.object({
  /** EMA weight of the loss curves, [0, 0.999] */
  smoothing: z.number().min(0).max(0.999),
  /** PNG export scale factor (1–8) */
  pngScale: z.number().int().min(1).max(8),
  /** run whose heatmap is shown (null = the latest) */
  heatmapRunId: z.string().nullable(),
  /** baseline of the difference heatmap (null = the adversarial run, else the first) */
  baselineRunId: z.string().nullable(),
  showMeans: z.boolean(),
  showValues: z.boolean(),
  /** runs hidden from overlays (loss curves, tables) */
  hiddenRunIds: z.array(z.string()),
  /** family-wise error rate of the Holm-corrected tests */
  significanceLevel: z.number().gt(0).lt(1),
  /**
   * colour range of the heatmaps (`figures/colorRange.ts`), in mAP units; absent = auto. Optional so that
   * notebooks saved before it existed still round-trip byte for byte.
   */
  colorRange: z
    .object({
      mode: z.enum(COLOR_RANGE_MODES),
      map: z.tuple([z.number().min(0).max(1), z.number().min(0).max(1)]).refine(([lo, hi]) => hi > lo, 'the high end must be above the low end'),
      diff: z.number().gt(0).max(1),
    })
    .optional(),
});
export type FigureSettings = z.infer<typeof FigureSettingsSchema>;

export const NotebookSchema = z
  .looseObject({
    schemaVersion: z.literal(NOTEBOOK_SCHEMA_VERSION),
    title: z.string().max(500),
    cells: z.array(CellSchema),
    data: DataSelectionSchema,
    model: ModelChoiceSchema,
    runs: z.array(RunRecordSchema),
    figures: FigureSettingsSchema,
    /** a multi-seed study's results (examples/study), shown by the `study` cell */
    study: StudySchema.optional(),
    /** computed significance tests, keyed by a hash of their inputs (`significanceCache.ts`); absent when none */
    significance: SignificanceCacheSchema.optional(),
  })
  .superRefine((nb, ctx) => {
    const ids = new Set<string>();
    nb.cells.forEach((cell, i) => {
      if (ids.has(cell.id)) ctx.addIssue({ code: 'custom', path: ['cells', i, 'id'], message: `cell id "${cell.id}" appears twice` });
      ids.add(cell.id);
    });
    for (const kind of FIXED_CELL_KINDS) {
      const n = nb.cells.filter((c) => c.kind === kind).length;
      if (n !== 1) ctx.addIssue({ code: 'custom', path: ['cells'], message: `needs exactly one "${kind}" cell, found ${n}` });
    }
    const studyCells = nb.cells.filter((c) => c.kind === 'study').length;
    if (studyCells > 1) ctx.addIssue({ code: 'custom', path: ['cells'], message: `at most one "study" cell, found ${studyCells}` });
    if (studyCells === 1 && !nb.study) ctx.addIssue({ code: 'custom', path: ['study'], message: 'the notebook has a "study" cell but no study' });
    const runIds = new Set<string>();
    nb.runs.forEach((run, i) => {
      if (runIds.has(run.id)) ctx.addIssue({ code: 'custom', path: ['runs', i, 'id'], message: `run id "${run.id}" appears twice` });
      runIds.add(run.id);
    });
  });
export type Notebook = z.infer<typeof NotebookSchema>;

export const DEFAULT_FIGURE_SETTINGS: FigureSettings = {
  smoothing: 0.8,
  pngScale: 2,
  heatmapRunId: null,
  baselineRunId: null,
  showMeans: true,
  showValues: true,
  hiddenRunIds: [],
  significanceLevel: 0.05,
};

const WELCOME = `## Notes

Write what you are testing and what you saw. Notes are markdown (no raw HTML); add one anywhere with **+ note**.`;

/** A fresh notebook: the fixed cells in order, a notes cell; MLQA-R → XQuAD-R from the served folder; the pretrained built-in model. */
export function createDefaultNotebook(): Notebook {
  return {
    schemaVersion: NOTEBOOK_SCHEMA_VERSION,
    title: 'Untitled study',
    cells: [
      { kind: 'data', id: 'data' },
      { kind: 'model', id: 'model' },
      { kind: 'runs', id: 'runs' },
      { kind: 'results', id: 'results' },
      { kind: 'note', id: 'notes', markdown: WELCOME },
      { kind: 'about', id: 'about' },
    ],
    data: {
      source: 'served',
      train: { dataset: 'mlqa-r', languages: [...DATASET_LANGUAGES['mlqa-r']] },
      eval: { dataset: 'xquad-r', languages: [...DATASET_LANGUAGES['xquad-r']] },
      files: {},
    },
    model: { kind: 'builtin', config: DEFAULT_MODEL_BUILTIN },
    runs: [],
    figures: { ...DEFAULT_FIGURE_SETTINGS },
  };
}

/**
 * Reads a notebook file.
 * @param fileName shown in errors (the picked file's name)
 * @param text the file's contents
 * @throws DataFormatError naming `fileName` and the first bad field (JSON syntax errors: field `(json)`)
 */
export function parseNotebook(fileName: string, text: string): Notebook {
  return validateNotebook(fileName, parseJsonText(text, fileName));
}

/**
 * Checks an already-parsed value (e.g. a notebook read back from IndexedDB) against the schema.
 * @param source names where the value came from in errors
 * @throws DataFormatError naming `source` and the first bad field
 */
export function validateNotebook(source: string, raw: unknown): Notebook {
  if (!isObject(raw)) throw new DataFormatError(source, '(root)', 'expected a JSON object');
  if (raw.schemaVersion === NOTEBOOK_FILE_VERSION) raw = unpackNotebookFile(source, raw);
  const version = (raw as { schemaVersion?: unknown }).schemaVersion;
  if (version !== NOTEBOOK_SCHEMA_VERSION) {
    throw new DataFormatError(
      source,
      'schemaVersion',
      typeof version === 'number' && version > NOTEBOOK_FILE_VERSION
        ? `version ${version} is newer than this app reads (${NOTEBOOK_FILE_VERSION})`
        : `expected ${NOTEBOOK_SCHEMA_VERSION}, got ${describeValue(version)} (is this an .xlir.json notebook?)`,
    );
  }
  return validate(NotebookSchema, raw, source);
}

/**
 * Writes a notebook in canonical form (validated, keys in schema order, 1-space indent, trailing newline).
 * @throws DataFormatError (file `notebook`) when the notebook does not satisfy the schema
 */
export function serializeNotebook(notebook: Notebook): string {
  return `${JSON.stringify(packNotebookFile(validate(NotebookSchema, notebook, 'notebook')), null, 1)}\n`;
}

const isObject = (x: unknown): x is Record<string, unknown> => typeof x === 'object' && x !== null && !Array.isArray(x);

/**
 * The file form of a validated notebook: unchanged (version 1) without per-query data; else version 2,
 * each result's `per_query` and `top_retrieved` replaced by `per_query_packed`, and the id tables last.
 */
function packNotebookFile(nb: Notebook): Notebook | Record<string, unknown> {
  const collected = idCollector();
  for (const run of nb.runs) for (const e of run.evaluations) if (e.result.per_query) collectIds(e.result, collected);
  if (collected.queries.size === 0) return nb;
  const ids = idTables(collected);
  const runs = nb.runs.map((run) => ({
    ...run,
    evaluations: run.evaluations.map((e) => {
      const packed = packEvaluationData(e.result, ids);
      if (!packed) return e;
      const { per_query: _pq, top_retrieved: _top, ...rest } = e.result;
      return { ...e, result: { ...rest, per_query_packed: packed } };
    }),
  }));
  return { ...nb, schemaVersion: NOTEBOOK_FILE_VERSION, runs, ids };
}

/**
 * A version-2 file's raw JSON with its per-query data unpacked into the in-memory (version 1) shape, for
 * {@link validateNotebook}. Parts of the wrong shape are left for the schema to name.
 * @throws DataFormatError naming `fileName` and the packed field that does not fit
 */
function unpackNotebookFile(fileName: string, raw: Record<string, unknown>): Record<string, unknown> {
  const ids = validate(IdTablesSchema, raw.ids ?? { queries: {}, candidates: {} }, fileName, ['ids']);
  const runs = Array.isArray(raw.runs)
    ? raw.runs.map((run: unknown, i) => {
        if (!isObject(run) || !Array.isArray(run.evaluations)) return run;
        const evaluations = run.evaluations.map((e: unknown, j) => {
          if (!isObject(e) || !isObject(e.result) || !('per_query_packed' in e.result)) return e;
          const { per_query_packed: packed, ...result } = e.result;
          const path = ['runs', i, 'evaluations', j, 'result', 'per_query_packed'];
          if ('per_query' in result || 'top_retrieved' in result) throw new DataFormatError(fileName, fieldPath(path), 'per_query_packed beside per_query or top_retrieved');
          const data = validate(PackedEvaluationDataSchema, packed, fileName, path);
          try {
            return { ...e, result: { ...result, ...unpackEvaluationData(data, String(result.dataset), ids) } };
          } catch (err) {
            if (err instanceof PackedCellError) throw new DataFormatError(fileName, `${fieldPath(path)}.${err.field}`, err.message);
            throw err;
          }
        });
        return { ...run, evaluations };
      })
    : raw.runs;
  const { ids: _ids, ...rest } = raw;
  return { ...rest, schemaVersion: NOTEBOOK_SCHEMA_VERSION, runs };
}

/** A file name for the notebook: its title in lower-case words joined by "-", plus `.xlir.json`. */
export function notebookFileName(title: string): string {
  const base = title
    .toLowerCase()
    .normalize('NFKD')
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 60);
  return `${base || 'notebook'}.xlir.json`;
}
