/**
 * A multi-seed study as the notebook keeps it (`notebook.study`, examples/study/): for each direction and
 * arm the evaluation of every seed (without per-query APs) and the seed mean, whose per-query APs are the
 * mean over seeds of each query's AP. The seed mean is what the study's heatmaps show and what its paired
 * tests compare: averaging over seeds first keeps the seed-to-seed noise out of the query-level test.
 *
 * Per-query APs are stored packed ({@link PackedPerQuerySchema}): query ids once per language and one array
 * per cell, rounded to {@link AP_DIGITS} decimals, so a study of XQuAD-R fits in a few megabytes instead of
 * a hundred.
 */
import { z } from 'zod';
import { LANGUAGES } from '../data/languages';
import { ConfigError } from '../errors';
import { parseJsonWith } from '../data/parseJsonText';
import { ChanceLevelsSchema, RetrievalResultSchema, type RetrievalResult } from '../metrics/resultSchema';
import { RetrievalComparisonSchema } from '../metrics/retrievalComparison';
import { RunConfigSchema } from './runConfig';

/** Decimals kept of a seed-mean per-query AP (a reviewer recomputing the tests reads these values). */
export const AP_DIGITS = 6;

const AP_TOKEN = /^(?:0|1)(?:\.\d+)?$/;
const RANK_DISTANCE_TOKEN = /^(?:0|[1-9]\d*)(?:\.\d+)?$/;

/**
 * Space-separated decimals, "-" for a missing value. (One string per cell rather than a JSON array keeps the
 * canonical notebook file, which puts every array element on its own line, at half the size.)
 * @returns the values, null for "-"; or a message naming the first token that is not `what`
 */
function parseValueList(text: string, valid: (token: string) => boolean, what: string): (number | null)[] | string {
  if (text === '') return [];
  const tokens = text.split(' ');
  const out: (number | null)[] = new Array(tokens.length);
  for (let i = 0; i < tokens.length; i++) {
    const t = tokens[i]!;
    if (t === '-') out[i] = null;
    else if (valid(t)) out[i] = Number(t);
    else return `value ${i} ("${t.slice(0, 20)}") is not ${what} or "-"`;
  }
  return out;
}

/**
 * A cell's APs as text: one token per query of the language's list, separated by single spaces, each a decimal
 * in [0, 1] or "-" for a query without an AP in this cell.
 * @returns the APs, null for "-"; or a message naming the first bad token
 */
export const parseApList = (text: string) => parseValueList(text, (t) => AP_TOKEN.test(t) && Number(t) <= 1, 'an AP in [0, 1]');

/**
 * A language's per-query rank distances as text, like {@link parseApList} but each value a non-negative
 * decimal (a seed mean of integer rank distances).
 * @returns the values, null for "-"; or a message naming the first bad token
 */
export const parseRankDistanceList = (text: string) => parseValueList(text, (t) => RANK_DISTANCE_TOKEN.test(t), 'a rank distance ≥ 0');

const packedCells = (parse: (text: string) => (number | null)[] | string) =>
  z.record(
    z.string(),
    z.string().superRefine((text, ctx) => {
      const parsed = parse(text);
      if (typeof parsed === 'string') ctx.addIssue({ code: 'custom', message: parsed });
    }),
  );
const PackedCellsSchema = packedCells(parseApList);

/**
 * Per-query APs: `queries[lang]` lists question ids; value i of `mono["en->en"]` is the AP of
 * `en:{queries.en[i]}`; value i of `rank_distance.en`, when kept, is that query's rank distance.
 */
export const PackedPerQuerySchema = z.object({
  queries: z.partialRecord(z.enum(LANGUAGES), z.array(z.string().min(1))),
  mono: PackedCellsSchema,
  cross: PackedCellsSchema,
  multi: PackedCellsSchema,
  rank_distance: packedCells(parseRankDistanceList).optional(),
});
export type PackedPerQuery = z.infer<typeof PackedPerQuerySchema>;
type PerQuery = RetrievalResult['per_query'];

export const ResultWithoutPerQuerySchema = RetrievalResultSchema.omit({ per_query: true, top_retrieved: true });
export type ResultSummary = z.infer<typeof ResultWithoutPerQuerySchema>;

export const StudySeedSchema = z.object({
  seed: z.number().int().nonnegative(),
  /** the run's config as trained (its folder's config.json) */
  config: RunConfigSchema,
  /** id of the run record in `notebook.runs` holding this seed's logs, if the notebook keeps them */
  runId: z.string().nullable(),
  result: ResultWithoutPerQuerySchema,
  /** adversarial runs: [step, ‖g_adv‖ / ‖g_ret‖] from the step log (absent from older studies and other arms) */
  gradRatio: z.array(z.tuple([z.number().int().positive(), z.number().min(0)])).optional(),
});

/** The seeds' values at one step: their mean and range (lowest to highest seed), and how many seeds had one. */
export const SeedBandPointSchema = z.object({ step: z.number().int().min(0), mean: z.number(), lo: z.number(), hi: z.number(), n: z.number().int().positive() });

export const CURVE_PANEL_KEYS = ['multi_map', 'rank_distance_others', 'probe', 'grad_ratio', 'retrieval_loss'] as const;

/** One panel of a direction's "over training" figure (`studyCurves.ts`): each arm's seed band against the step. */
export const CurvePanelSchema = z.object({
  key: z.enum(CURVE_PANEL_KEYS),
  title: z.string().max(200),
  arms: z.array(z.object({ arm: z.string().min(1).max(64), label: z.string().min(1).max(200), points: z.array(SeedBandPointSchema) })),
  /** the probe's majority baseline on the probe panel, else null */
  reference: z.number().nullable(),
});

export const StudyArmSchema = z.object({
  arm: z.string().min(1).max(64),
  label: z.string().min(1).max(200),
  /** the chosen setting, in words (e.g. "τ 0.1") */
  setting: z.string().max(500),
  seeds: z.array(StudySeedSchema).min(1),
  /** the seed mean; per-query APs only for the arms the difference heatmaps compare */
  mean: ResultWithoutPerQuerySchema.extend({ per_query_packed: PackedPerQuerySchema.optional() }),
});
export type StudyArm = z.infer<typeof StudyArmSchema>;

/**
 * The paired tests of arm `a` against arm `b` (seed means), as `xlir study build` computed them: the app
 * shows them at once and can recompute them in the browser from the stored per-query APs.
 */
export const StoredComparisonSchema = z.object({
  a: z.string(),
  b: z.string(),
  /** the rng seed of the tests (`COMPARISON_SETTINGS.seed`) */
  seed: z.number().int().nonnegative(),
  comparison: RetrievalComparisonSchema,
});
export type StoredComparison = z.infer<typeof StoredComparisonSchema>;

/**
 * One seed-level test of `xlir study build` (`metrics/seedLevelInference.ts`), arm `a` against arm `b` on one
 * figure: kept as computed because it needs every seed's per-query values, which the notebook does not store.
 */
export const StoredSeedLevelSchema = z.object({
  a: z.string(),
  b: z.string(),
  /** mono, cross or multi mAP, or `rd` (multilingual rank distance) */
  figure: z.enum(['mono', 'cross', 'multi', 'rd']),
  /** p of the per-query test of the seed means (null: not tested) */
  perQueryP: z.number().nullable(),
  /** the seeds × questions bootstrap: observed difference and its interval */
  diff: z.number(),
  lo: z.number(),
  hi: z.number(),
  level: z.number(),
  resamples: z.number().int().positive(),
  /** the per-seed differences (paired seeds), the t-test across seeds and the exact sign flip */
  differences: z.array(z.number()),
  p: z.number(),
  pSignFlip: z.number().nullable(),
});
export type StoredSeedLevel = z.infer<typeof StoredSeedLevelSchema>;

/** A heatmap's significant-cell counts under sequential permutation tests (`sequentialCellTests`), without the cells. */
export const StoredSequentialFamilySchema = z.object({
  up: z.number().int().nonnegative(),
  down: z.number().int().nonnegative(),
  /** cells tested */
  cells: z.number().int().nonnegative(),
  unresolved: z.number().int().nonnegative(),
  maxSe: z.number().nonnegative(),
  permutations: z.object({ min: z.number().int().nonnegative(), max: z.number().int().nonnegative() }),
});
export type StoredSequentialFamily = z.infer<typeof StoredSequentialFamilySchema>;
export const StoredSequentialSchema = z.object({ a: z.string(), b: z.string(), pairs: StoredSequentialFamilySchema, multi: StoredSequentialFamilySchema });
export type StoredSequential = z.infer<typeof StoredSequentialSchema>;

export const StudyDirectionSchema = z.object({
  id: z.string().regex(/^[a-z0-9-]{1,64}$/),
  label: z.string().min(1).max(200),
  arms: z.array(StudyArmSchema).min(1),
  /** difference heatmaps to show: [arm a, arm b] for a − b */
  differences: z.array(z.tuple([z.string(), z.string()])),
  /** the tests behind the difference heatmaps (absent: the app computes them) */
  tests: z.array(StoredComparisonSchema).optional(),
  /** the query-blind level of the evaluation pool every arm was scored on (absent from older studies) */
  chance: ChanceLevelsSchema.optional(),
  /** seed-level inference of each tested pair (absent from older studies) */
  seedLevel: z.array(StoredSeedLevelSchema).optional(),
  /** stable significant-cell counts of each tested pair (absent from older studies) */
  sequential: z.array(StoredSequentialSchema).optional(),
  /** each arm over training, mean and range over its seeds (absent from older studies) */
  curves: z.array(CurvePanelSchema).optional(),
});
export type StudyDirection = z.infer<typeof StudyDirectionSchema>;

export const StudySchema = z.object({
  /** CommonMark: what was run (shown above the study's figures) */
  summary: z.string().max(100_000),
  directions: z.array(StudyDirectionSchema).min(1),
});
export type Study = z.infer<typeof StudySchema>;

type ComparisonLike = z.infer<typeof RetrievalComparisonSchema>;

/**
 * @returns null when two comparisons agree in every figure (mAPs or mean rank distances, differences,
 *   p-values, Holm p-values, intervals, cell sets), else the first field that differs
 */
export function comparisonMismatch(a: ComparisonLike, b: ComparisonLike): string | null {
  for (const k of ['dataset', 'permutations', 'resamples', 'level'] as const) if (a[k] !== b[k]) return k;
  type Figures = Record<string, unknown> & { ci: [number, number] };
  const differ = (x: Figures, y: Figures, keys: readonly string[], where: string): string | null => {
    for (const k of keys) if (x[k] !== y[k]) return `${where}.${k}`;
    return x.ci[0] !== y.ci[0] || x.ci[1] !== y.ci[1] ? `${where}.ci` : null;
  };
  const setting = (x: Figures & { cells: Record<string, Figures> }, y: Figures & { cells: Record<string, Figures> }, s: string, keyA: string, keyB: string) => {
    const found = differ(x, y, [keyA, keyB, 'diff', 'p'], s);
    if (found) return found;
    const cells = Object.keys(x.cells);
    if (cells.length !== Object.keys(y.cells).length) return `${s}.cells`;
    for (const cell of cells) {
      const d = y.cells[cell];
      if (!d) return `${s}.cells.${cell}`;
      const inCell = differ(x.cells[cell]!, d, ['n', keyA, keyB, 'diff', 'p', 'pHolm'], `${s}.cells.${cell}`);
      if (inCell) return inCell;
    }
    return null;
  };
  for (const s of ['mono', 'cross', 'multi'] as const) {
    const found = setting(a[s], b[s], s, 'mapA', 'mapB');
    if (found) return found;
  }
  if (!a.rank_distance !== !b.rank_distance) return 'rank_distance';
  return a.rank_distance && b.rank_distance ? setting(a.rank_distance, b.rank_distance, 'rank_distance', 'meanA', 'meanB') : null;
}

/** The result without its per-query APs and drill-down ids. */
export function summarizeResult(r: RetrievalResult): ResultSummary {
  const { per_query: _pq, top_retrieved: _top, ...rest } = r;
  return rest;
}

function round(x: number): number {
  return Number(x.toFixed(AP_DIGITS));
}

/** Splits a canonical query id `"en:abc"` into language and question id. */
function splitQueryId(id: string, where: string): [string, string] {
  const i = id.indexOf(':');
  if (i < 1) throw new ConfigError(`${where}: query id "${id}" is not "{lang}:{question id}"`);
  return [id.slice(0, i), id.slice(i + 1)];
}

export function packPerQuery(pq: PerQuery): PackedPerQuery {
  const byLang = new Map<string, Set<string>>();
  for (const setting of ['mono', 'cross', 'multi', 'rank_distance'] as const) {
    for (const [cell, aps] of Object.entries(pq[setting] ?? {})) {
      for (const id of Object.keys(aps)) {
        const [lang, qid] = splitQueryId(id, `per_query.${setting}.${cell}`);
        if (!byLang.has(lang)) byLang.set(lang, new Set());
        byLang.get(lang)!.add(qid);
      }
    }
  }
  const queries = Object.fromEntries([...byLang].sort(([a], [b]) => (a < b ? -1 : 1)).map(([lang, ids]) => [lang, [...ids].sort()]));
  const pack = (cells: Record<string, Record<string, number>>, langOf: (cell: string) => string) =>
    Object.fromEntries(
      Object.entries(cells).map(([cell, aps]) => {
        const lang = langOf(cell);
        return [cell, (queries[lang] ?? []).map((qid) => (Object.hasOwn(aps, `${lang}:${qid}`) ? String(round(aps[`${lang}:${qid}`]!)) : '-')).join(' ')];
      }),
    );
  const queryLang = (cell: string) => cell.slice(0, 2);
  return PackedPerQuerySchema.parse({
    queries,
    mono: pack(pq.mono, queryLang),
    cross: pack(pq.cross, queryLang),
    multi: pack(pq.multi, (lang) => lang),
    ...(pq.rank_distance ? { rank_distance: pack(pq.rank_distance, (lang) => lang) } : {}),
  });
}

/** @throws ConfigError when a cell's array does not match its language's query list */
export function unpackPerQuery(packed: PackedPerQuery): PerQuery {
  const unpack = (cells: Record<string, string>, setting: string, langOf: (cell: string) => string, parse = parseApList) =>
    Object.fromEntries(
      Object.entries(cells).map(([cell, text]) => {
        const aps = parse(text);
        if (typeof aps === 'string') throw new ConfigError(`per_query.${setting}.${cell}: ${aps}`);
        const lang = langOf(cell);
        const ids = (packed.queries as Record<string, string[]>)[lang];
        if (!ids || ids.length !== aps.length) {
          throw new ConfigError(`per_query.${setting}.${cell}: ${aps.length} values for ${ids?.length ?? 0} ${lang} queries`);
        }
        const out: Record<string, number> = {};
        aps.forEach((ap, i) => {
          if (ap !== null) out[`${lang}:${ids[i]}`] = ap;
        });
        return [cell, out];
      }),
    );
  const queryLang = (cell: string) => cell.slice(0, 2);
  return {
    mono: unpack(packed.mono, 'mono', queryLang),
    cross: unpack(packed.cross, 'cross', queryLang),
    multi: unpack(packed.multi, 'multi', (l) => l),
    ...(packed.rank_distance ? { rank_distance: unpack(packed.rank_distance, 'rank_distance', (l) => l, parseRankDistanceList) } : {}),
  };
}

/**
 * One evaluation with its per-query values packed ({@link AP_DIGITS} decimals, like the seed means): how a
 * study keeps each kept run's result (`test.packed.json`). A study's record is committed with the
 * project, where the full results take 1.5–8.4 MB each (packed: 0.4–1.8 MB); and `xlir study build`
 * reads every seed through this form, so the tests it reports are re-derived exactly from the record.
 */
export const PackedResultSchema = ResultWithoutPerQuerySchema.extend({ per_query_packed: PackedPerQuerySchema });
export type PackedResult = z.infer<typeof PackedResultSchema>;

export function packResult(r: RetrievalResult): PackedResult {
  return { ...summarizeResult(r), per_query_packed: packPerQuery(r.per_query) };
}

/** @throws ConfigError when a cell's values do not match its language's query list */
export function unpackResult(p: PackedResult): RetrievalResult {
  const { per_query_packed: packed, ...rest } = p;
  return { ...rest, per_query: unpackPerQuery(packed) };
}

/**
 * Reads a `test.packed.json`.
 * @throws DataFormatError naming `file` and the first bad field
 */
export function parsePackedResult(text: string, file: string): PackedResult {
  return parseJsonWith(PackedResultSchema, text, file);
}

/** Sample mean and standard deviation (n − 1; 0 for one value). */
export function meanStd(xs: readonly number[]): { mean: number; std: number } {
  if (xs.length === 0) throw new ConfigError('meanStd of no values');
  const mean = xs.reduce((a, b) => a + b, 0) / xs.length;
  const ss = xs.reduce((a, x) => a + (x - mean) ** 2, 0);
  return { mean, std: xs.length > 1 ? Math.sqrt(ss / (xs.length - 1)) : 0 };
}

function sameKeys(a: object, b: object, where: string): void {
  const ka = Object.keys(a).sort().join(',');
  const kb = Object.keys(b).sort().join(',');
  if (ka !== kb) throw new ConfigError(`${where}: the seeds' results differ (${ka} vs ${kb})`);
}

function meanOf(values: readonly (number | null)[], where: string): number | null {
  if (values.every((v) => v === null)) return null;
  if (values.some((v) => v === null)) throw new ConfigError(`${where}: present in some seeds' results only`);
  return meanStd(values as number[]).mean;
}

/**
 * The seed mean of results on the same dataset and languages: every figure (cell, language, setting, and
 * each query's AP) is the mean over the results. Macro means are means of the seeds' macro means, which
 * equal the macro means of the mean cells.
 * @throws ConfigError when the results are not of the same evaluation (dataset, languages, files, cells, queries)
 */
export function meanResult(results: readonly RetrievalResult[]): RetrievalResult {
  const first = results[0];
  if (!first) throw new ConfigError('meanResult of no results');
  for (const r of results) {
    if (r.dataset !== first.dataset || r.languages.join() !== first.languages.join()) throw new ConfigError(`the results are of different evaluations (${first.dataset} ${first.languages.join(' ')} vs ${r.dataset} ${r.languages.join(' ')})`);
    if (JSON.stringify(r.files) !== JSON.stringify(first.files)) throw new ConfigError(`the results were computed on different ${first.dataset} files`);
  }
  const avg = (f: (r: RetrievalResult) => number | null, where: string) => meanOf(results.map(f), where);
  const setting = (s: 'mono' | 'cross') => {
    for (const r of results) sameKeys(r[s].cells, first[s].cells, `${s}.cells`);
    return {
      map: avg((r) => r[s].map, `${s}.map`),
      recall_1: avg((r) => r[s].recall_1, `${s}.recall_1`),
      cells: Object.fromEntries(Object.entries(first[s].cells).map(([cell, c]) => [cell, { map: avg((r) => r[s].cells[cell]!.map, cell)!, recall_1: avg((r) => r[s].cells[cell]!.recall_1, cell)!, n: c.n }])),
    };
  };
  for (const r of results) sameKeys(r.multi.per_language, first.multi.per_language, 'multi.per_language');
  const perQuery = (s: 'mono' | 'cross' | 'multi' | 'rank_distance') =>
    Object.fromEntries(
      Object.entries(first.per_query[s] ?? {}).map(([cell, values]) => {
        for (const r of results) {
          const other = r.per_query[s]?.[cell];
          if (!other) throw new ConfigError(`per_query.${s}.${cell}: missing in a seed's result`);
          sameKeys(other, values, `per_query.${s}.${cell}`);
        }
        return [cell, Object.fromEntries(Object.keys(values).map((id) => [id, avg((r) => r.per_query[s]![cell]![id]!, `${cell} ${id}`)!]))];
      }),
    );
  // results written before per-query rank distances were recorded have none: the mean keeps them only if every seed has them
  const withRankDistance = results.filter((r) => r.per_query.rank_distance).length;
  if (withRankDistance !== 0 && withRankDistance !== results.length) {
    throw new ConfigError(`per_query.rank_distance: present in ${withRankDistance} of ${results.length} seeds' results (evaluate the others again)`);
  }
  return {
    ...summarizeResult(first),
    mono: setting('mono'),
    cross: setting('cross'),
    multi: {
      map: avg((r) => r.multi.map, 'multi.map')!,
      recall_10: avg((r) => r.multi.recall_10, 'multi.recall_10')!,
      rank_distance: avg((r) => r.multi.rank_distance, 'multi.rank_distance')!,
      per_language: Object.fromEntries(
        Object.entries(first.multi.per_language).map(([lang, m]) => [
          lang,
          {
            map: avg((r) => r.multi.per_language[lang]!.map, lang)!,
            recall_10: avg((r) => r.multi.per_language[lang]!.recall_10, lang)!,
            rank_distance: avg((r) => r.multi.per_language[lang]!.rank_distance, lang)!,
            n: m.n,
          },
        ]),
      ),
    },
    per_query: {
      mono: perQuery('mono'),
      cross: perQuery('cross'),
      multi: perQuery('multi'),
      ...(withRankDistance ? { rank_distance: perQuery('rank_distance') } : {}),
    },
  };
}

/** The seed mean as the app's figures and tests read it (per-query APs unpacked, when stored). */
export function armMeanResult(arm: StudyArm): RetrievalResult | (ResultSummary & { per_query?: undefined }) {
  const { per_query_packed: packed, ...rest } = arm.mean;
  return packed ? { ...rest, per_query: unpackPerQuery(packed) } : rest;
}
