/**
 * Figures and tables of evaluation results (`metrics/resultSchema.ts`), as pure specs for the builders:
 *  - the language-pair mAP heatmap (query language × candidate language; the diagonal is the mono
 *    setting, the rest cross) with the mono / cross / multi summary of the paper's Table 1;
 *  - the difference heatmap of two results, with the cells whose paired randomization test is
 *    significant after Holm correction marked (`metrics/compareRetrieval.ts`);
 *  - the per-run summary table (mono / cross / multi mAP, R@1, R@10, rank distance) and the multilingual
 *    mAP and rank distance per query language;
 *
 * One scale on a heatmap: its cells, colour bar, tooltips and footnotes all print mAP × 100.
 *  - the drill-down list of one cell: its queries sorted by AP difference.
 */
import type { CellComparison } from '../metrics/retrievalComparison';
import { ConfigError } from '../errors';
import { colorRangeLegend, resolveColorRange, type ColorRangeSetting } from './colorRange';
import { formatP, seedSpreadOf, type CellPValues, type HeatmapSpec, type SeedSpread } from './heatmapSvg';
import type { TableSpec } from './table';
import { formatValue } from './svgText';
import type { ChanceLevels } from '../metrics/chanceLevel';
import { chanceFootnote, chanceMapSentence, chanceRankDistanceSentence, withSentence } from './chanceText';

/** The parts of a result the figures read (a stored result may lack `per_query`). */
export interface ResultLike {
  dataset: string;
  languages: readonly string[];
  /** `map`/`recall_1` are null when the setting has no cell (cross with one language) */
  mono: { map: number | null; recall_1: number | null; cells: Record<string, { map: number; recall_1: number; n: number }> };
  cross: { map: number | null; recall_1: number | null; cells: Record<string, { map: number; recall_1: number; n: number }> };
  multi: {
    map: number;
    recall_10: number;
    rank_distance: number;
    /** multi mAP without the query-language answer and rank distance over the other languages (absent from older results) */
    map_excluding_own?: number;
    rank_distance_others?: number;
    per_language: Record<string, { map: number; recall_10: number; rank_distance: number; n: number }>;
  };
  per_query?: { mono: Record<string, Record<string, number>>; cross: Record<string, Record<string, number>>; multi: Record<string, Record<string, number>> };
  top_retrieved?: { mono: Record<string, Record<string, string>>; cross: Record<string, Record<string, string>> };
  /** the pool's query-blind level (absent from results written before it was recorded) */
  chance?: Pick<ChanceLevels, 'mono' | 'cross' | 'multi' | 'rank_distance' | 'per_language' | 'multi_excluding_own' | 'rank_distance_others'>;
}

/** The comparison fields the difference heatmap reads (`RetrievalComparison`). */
export interface ComparisonLike {
  mono: { cells: Record<string, ComparedCell> };
  cross: { cells: Record<string, ComparedCell> };
}

/** One cell's paired test; `p` (before Holm) is absent from comparisons stored before it was shown. */
export type ComparedCell = Pick<CellComparison, 'pHolm' | 'diff'> & Partial<Pick<CellComparison, 'p'>>;

function comparedCell(comparison: ComparisonLike, q: string, c: string): ComparedCell | undefined {
  const key = `${q}->${c}`;
  return q === c ? comparison.mono.cells[key] : comparison.cross.cells[key];
}

function cellOf(result: ResultLike, q: string, c: string) {
  const key = `${q}->${c}`;
  return q === c ? result.mono.cells[key] : result.cross.cells[key];
}

/** @returns `values[q][c]` = mAP of queries in language q against the pool of language c (null: no queries) */
export function mapMatrix(result: ResultLike, metric: 'map' | 'recall_1' = 'map'): (number | null)[][] {
  return result.languages.map((q) => result.languages.map((c) => cellOf(result, q, c)?.[metric] ?? null));
}

/** How heatmaps print mAP: × 100 with one decimal, in cells, colour bar, tooltips and footnotes alike. */
export const MAP_FORMAT = { scale: 100, digits: 1 } as const;

/** `mono 79.8 · cross 70.5 · multi 59.3  (mAP ×100, macro mean over cells as in the paper's Table 1)`: the cells' scale */
export function summaryLine(result: ResultLike): string {
  const f = (v: number | null) => formatValue(v, MAP_FORMAT);
  return `mono ${f(result.mono.map)} · cross ${f(result.cross.map)} · multi ${f(result.multi.map)}  (mAP ×100, macro mean over cells as in the paper's Table 1)`;
}

export interface MapHeatmapOptions {
  title: string;
  showMeans: boolean;
  showValues: boolean;
  idPrefix?: string;
  /** e.g. "sampled evaluation (200 queries per language) at step 150" */
  note?: string;
  /** the colour range (default auto: the values' min..max) */
  colorRange?: ColorRangeSetting;
  /** the seeds' own results when `result` is their mean: each cell then shows its sd over them (±) */
  seeds?: readonly ResultLike[];
}

/** Each cell's spread over the seeds' matrices (null where a seed has no value or there are fewer than two seeds). */
function spreadMatrix(matrices: readonly (number | null)[][][], rows: number, cols: number): (SeedSpread | null)[][] {
  return Array.from({ length: rows }, (_, i) => Array.from({ length: cols }, (_, j) => seedSpreadOf(matrices.map((m) => m[i]?.[j] ?? null))));
}

const seedFootnote = (n: number) => `± under a value: its sample sd over the ${n} seeds (the cell shows their mean)`;

/**
 * The mAP heatmap: viridis over the values shown (auto) or a fixed range (so figures of different runs
 * compare), values ×100; the range is named in the legend.
 */
export function mapHeatmapSpec(result: ResultLike, options: MapHeatmapOptions): HeatmapSpec {
  const values = mapMatrix(result);
  const range = resolveColorRange('viridis', values.flat(), options.colorRange);
  return {
    ...languageGrid(result.languages, values, 'viridis', range.domain, options),
    colorBarLabel: 'mAP ×100',
    valueName: 'mAP',
    valueFormat: MAP_FORMAT,
    rangeLegend: colorRangeLegend(range, MAP_FORMAT, 'mAP ×100'),
    ...(options.seeds && options.seeds.length > 1
      ? {
          seedSpread: spreadMatrix(
            options.seeds.map((r) => mapMatrix(r)),
            values.length,
            result.languages.length,
          ),
        }
      : {}),
    footnotes: [summaryLine(result), ...(result.chance ? [chanceFootnote(result.chance, result)] : []), ...(options.seeds && options.seeds.length > 1 ? [seedFootnote(options.seeds.length)] : []), ...(options.note ? [options.note] : [])],
  };
}

/** What both language × language heatmaps share: the grid of `values`, the colour scale, the display options. */
function languageGrid(
  languages: readonly string[],
  values: (number | null)[][],
  scale: HeatmapSpec['colorScale']['name'],
  domain: HeatmapSpec['colorScale']['domain'],
  options: Pick<MapHeatmapOptions, 'title' | 'showMeans' | 'showValues' | 'idPrefix'>,
): Pick<HeatmapSpec, 'rows' | 'cols' | 'values' | 'colorScale' | 'title' | 'showMeans' | 'showValues' | 'idPrefix'> {
  return { rows: languages, cols: languages, values, colorScale: { name: scale, domain }, title: options.title, showMeans: options.showMeans, showValues: options.showValues, idPrefix: options.idPrefix };
}

export interface DifferenceHeatmapOptions {
  title: string;
  showMeans: boolean;
  showValues: boolean;
  /** family-wise error rate for the marks (default 0.05) */
  level?: number;
  idPrefix?: string;
  /** the colour range (default auto: symmetric around 0 over the values shown) */
  colorRange?: ColorRangeSetting;
  /** the seeds' own results of both arms, paired by seed (same order): each cell then shows the sd of the per-seed differences (±) */
  seeds?: { a: readonly ResultLike[]; b: readonly ResultLike[] };
}

/**
 * The difference heatmap `a − b` (mAP, blue = a worse, red = a better, symmetric domain), with cells outlined
 * where the comparison's Holm-adjusted p < level, and each cell's p and adjusted p in its tooltip.
 * @throws ConfigError when the results have different datasets or languages
 */
export function differenceHeatmapSpec(a: ResultLike, b: ResultLike, comparison: ComparisonLike | null, options: DifferenceHeatmapOptions): HeatmapSpec {
  if (a.dataset !== b.dataset || a.languages.join() !== b.languages.join()) {
    throw new ConfigError(`cannot subtract results of ${b.dataset} [${b.languages.join(' ')}] from ${a.dataset} [${a.languages.join(' ')}]`);
  }
  const va = mapMatrix(a);
  const vb = mapMatrix(b);
  const values = va.map((row, i) => row.map((x, j) => (x === null || vb[i]![j] === null ? null : x - vb[i]![j]!)));
  const level = options.level ?? 0.05;
  const marks = comparison
    ? a.languages.map((q) =>
        a.languages.map((c) => {
          const cell = comparedCell(comparison, q, c);
          return cell !== undefined && cell.pHolm < level;
        }),
      )
    : undefined;
  const pValues = comparison
    ? a.languages.map((q) =>
        a.languages.map((c): CellPValues | null => {
          const cell = comparedCell(comparison, q, c);
          return cell ? { p: cell.p ?? Number.NaN, pHolm: cell.pHolm } : null;
        }),
      )
    : undefined;
  const format = { ...MAP_FORMAT, signed: true };
  const d = (x: number | null, y: number | null) => formatValue(x === null || y === null ? null : x - y, format);
  const range = resolveColorRange('blueWhiteRed', values.flat(), options.colorRange);
  const seeds = options.seeds;
  if (seeds && seeds.a.length !== seeds.b.length) throw new ConfigError(`difference heatmap: ${seeds.a.length} seeds of one arm against ${seeds.b.length} of the other (they must be paired)`);
  const spread =
    seeds && seeds.a.length > 1
      ? spreadMatrix(
          seeds.a.map((ra, k) => {
            const ma = mapMatrix(ra);
            const mb = mapMatrix(seeds.b[k]!);
            return ma.map((row, i) => row.map((x, j) => (x === null || mb[i]?.[j] == null ? null : x - mb[i]![j]!)));
          }),
          values.length,
          a.languages.length,
        )
      : null;
  return {
    ...languageGrid(a.languages, values, 'blueWhiteRed', range.domain, options),
    ...(spread ? { seedSpread: spread } : {}),
    marks,
    markLegend: comparison ? `paired randomization test, Holm-adjusted p < ${level} over the ${a.languages.length ** 2} cells` : undefined,
    pValues,
    colorBarLabel: 'Δ mAP ×100',
    valueName: 'Δ mAP',
    valueFormat: format,
    rangeLegend: colorRangeLegend(range, format, 'Δ mAP ×100'),
    footnotes: [
      `Δ mono ${d(a.mono.map, b.mono.map)} · Δ cross ${d(a.cross.map, b.cross.map)} · Δ multi ${d(a.multi.map, b.multi.map)}  (mAP ×100)${comparison ? '' : '  (significance not computed yet)'}`,
      ...(spread ? [`± under a value: the sample sd over the ${seeds!.a.length} seeds of the difference within each seed`] : []),
    ],
  };
}

/** One row of the summary table. */
export interface NamedResult {
  name: string;
  /** the model evaluated or fine-tuned ({@link runLabels}) */
  model?: string;
  /** null/absent: no strategy trained this model here (an imported checkpoint) */
  strategy?: string | null;
  step?: number | null;
  result: ResultLike;
}

/**
 * "Query-blind chance without the query-language answer: multi mAP × 100 1.23, rank distance over the other
 * languages 456.7." or null when the level does not record them.
 */
export function chanceWithoutOwnSentence(chance: Pick<ChanceLevels, 'multi_excluding_own' | 'rank_distance_others'> | undefined): string | null {
  const mo = chance?.multi_excluding_own;
  const rdo = chance?.rank_distance_others;
  return mo === undefined || rdo === undefined ? null : `Query-blind chance without the query-language answer: multi mAP × 100 ${(mo * 100).toFixed(2)}, rank distance over the other languages ${rdo.toFixed(1)}.`;
}

/** What the two columns without the query-language answer hold (the summary table's caption says it). */
export const WITHOUT_OWN_COLUMNS = "Multi excl. own: multi mAP with each query's same-language answer removed from the ranking (queries with no other-language answer left out); rank distance, other languages: over the other-language answers only.";

/**
 * The per-run summary table (Table 1 and Table 2 of the paper side by side). When a run's result carries
 * the multilingual figures without the query-language answer (`multi.map_excluding_own`,
 * `multi.rank_distance_others`), two more columns give them (– for runs whose results predate them), and
 * the caption their query-blind level.
 */
export function resultsTable(runs: readonly NamedResult[], caption?: string): TableSpec {
  const withoutOwn = runs.some((r) => r.result.multi.map_excluding_own !== undefined || r.result.multi.rank_distance_others !== undefined);
  const base = withChance(runs, caption, true);
  return {
    columns: [
      { key: 'run', label: 'run' },
      { key: 'model', label: 'model' },
      { key: 'strategy', label: 'strategy' },
      { key: 'step', label: 'step' },
      { key: 'mono_map', label: 'mono mAP', digits: 3, best: 'max' },
      { key: 'cross_map', label: 'cross mAP', digits: 3, best: 'max' },
      { key: 'multi_map', label: 'multi mAP', digits: 3, best: 'max' },
      { key: 'mono_r1', label: 'mono R@1', digits: 3, best: 'max' },
      { key: 'cross_r1', label: 'cross R@1', digits: 3, best: 'max' },
      { key: 'multi_r10', label: 'multi R@10', digits: 3, best: 'max' },
      { key: 'rank_distance', label: 'rank distance', digits: 1, best: 'min' },
      ...(withoutOwn
        ? [
            { key: 'multi_excl_own_map', label: 'multi excl. own mAP', digits: 3, best: 'max' as const },
            { key: 'rank_distance_others', label: 'rank distance, other languages', digits: 1, best: 'min' as const },
          ]
        : []),
    ],
    rows: runs.map((r) => ({
      run: r.name,
      model: r.model ?? null,
      strategy: r.strategy ?? null,
      step: r.step ?? null,
      mono_map: r.result.mono.map,
      cross_map: r.result.cross.map,
      multi_map: r.result.multi.map,
      mono_r1: r.result.mono.recall_1,
      cross_r1: r.result.cross.recall_1,
      multi_r10: r.result.multi.recall_10,
      rank_distance: r.result.multi.rank_distance,
      ...(withoutOwn ? { multi_excl_own_map: r.result.multi.map_excluding_own ?? null, rank_distance_others: r.result.multi.rank_distance_others ?? null } : {}),
    })),
    // the level without the own answer, like the others, only when every run was scored on one pool
    caption: withoutOwn ? joinSentences([base, WITHOUT_OWN_COLUMNS, sameChance(runs) ? chanceWithoutOwnSentence(runs[0]!.result.chance) : null]) : base,
  };
}

/**
 * The caption with the runs' query-blind level, when they were all scored on one pool (equal recorded
 * levels); runs of different pools, or without a recorded level, get the caption alone.
 */
function withChance(runs: readonly NamedResult[], caption: string | undefined, maps: boolean): string | undefined {
  const first = runs[0]?.result.chance;
  if (!first || !sameChance(runs)) return caption;
  return withSentence(caption, `${maps ? `${chanceMapSentence(first)} ` : ''}${chanceRankDistanceSentence(first)}`);
}

/** Sentences joined with one space, a full stop added where one lacks it; absent ones skipped. */
function joinSentences(parts: readonly (string | null | undefined)[]): string | undefined {
  const present = parts.filter((p): p is string => Boolean(p));
  return present.length === 0 ? undefined : present.map((p, i) => (i < present.length - 1 && !p.endsWith('.') ? `${p}.` : p)).join(' ');
}

/** Whether every run records a query-blind level and all are equal (scored on one pool). */
function sameChance(runs: readonly NamedResult[]): boolean {
  const levels = runs.map((r) => r.result.chance);
  const first = levels[0];
  return Boolean(first) && levels.every((c) => c && JSON.stringify(c) === JSON.stringify(first));
}

/** Rank distance (multilingual setting, lower = less language bias) per query language, one column per run. */
export function rankDistanceTable(runs: readonly NamedResult[], caption?: string): TableSpec {
  const langs = [...new Set(runs.flatMap((r) => r.result.languages))];
  return {
    columns: [{ key: 'lang', label: 'query language' }, ...runs.map((r, i) => ({ key: `r${i}`, label: r.name, digits: 1 }))],
    rows: [
      ...langs.map((lang) => ({ lang, ...Object.fromEntries(runs.map((r, i) => [`r${i}`, r.result.multi.per_language[lang]?.rank_distance ?? null])) })),
      { lang: 'mean', ...Object.fromEntries(runs.map((r, i) => [`r${i}`, r.result.multi.rank_distance])) },
    ],
    caption: withChance(runs, caption, false),
  };
}

/**
 * Multilingual mAP and rank distance per query language (the paper's Table 2 beside the multi column of
 * Table 1), two columns per run; the last row is the macro mean over languages as in the summary table.
 */
export function perLanguageTable(runs: readonly NamedResult[], caption?: string): TableSpec {
  const langs = [...new Set(runs.flatMap((r) => r.result.languages))];
  return {
    columns: [
      { key: 'lang', label: 'query language' },
      ...runs.flatMap((r, i) => [
        { key: `map${i}`, label: `${r.name}: multi mAP`, digits: 3 },
        { key: `rd${i}`, label: `${r.name}: rank distance`, digits: 1 },
      ]),
    ],
    rows: [
      ...langs.map((lang) => ({
        lang,
        ...Object.fromEntries(
          runs.flatMap((r, i) => {
            const l = r.result.multi.per_language[lang];
            return [
              [`map${i}`, l?.map ?? null],
              [`rd${i}`, l?.rank_distance ?? null],
            ];
          }),
        ),
      })),
      {
        lang: 'mean',
        ...Object.fromEntries(
          runs.flatMap((r, i) => [
            [`map${i}`, r.result.multi.map],
            [`rd${i}`, r.result.multi.rank_distance],
          ]),
        ),
      },
    ],
    caption: withChance(runs, caption, true),
  };
}

/**
 * The test of one cell as the drill-down states it: `p = 0.003, Holm-adjusted p = 0.012: significant at
 * α = 0.05`, or null when the comparison has no such cell.
 */
export function cellTestLine(comparison: ComparisonLike, q: string, c: string, level = 0.05): string | null {
  const cell = comparedCell(comparison, q, c);
  if (!cell) return null;
  const verdict = cell.pHolm < level ? 'significant' : 'not significant';
  return `paired randomization test: p = ${formatP(cell.p ?? Number.NaN)}, Holm-adjusted p = ${formatP(cell.pHolm)} — ${verdict} at α = ${level}`;
}

export interface DrilldownRow {
  queryId: string;
  apA: number;
  apB: number | null;
  /** apA − apB (apA when there is no b) */
  diff: number;
  /** 1-based rank of the relevant candidate in the cell's pool (= 1/AP: one relevant per mono/cross cell) */
  rankA: number;
  rankB: number | null;
  /** id of the candidate `a` ranked first in the cell, when `a` recorded it (`top_retrieved`) */
  retrievedA: string | null;
}

/**
 * The queries of cell `q->c`, sorted by AP difference (largest loss of `a` against `b` first), ties by id.
 * @throws ConfigError when `a` holds no per-query APs for the cell
 */
export function drilldownRows(a: ResultLike, b: ResultLike | null, q: string, c: string): DrilldownRow[] {
  const key = `${q}->${c}`;
  const setting = q === c ? 'mono' : 'cross';
  const pa = a.per_query?.[setting][key];
  if (!pa) throw new ConfigError(`no per-query APs for cell ${key} (only the latest full evaluation of a run keeps them)`);
  const pb = b?.per_query?.[setting][key];
  const rows = Object.entries(pa).map(([queryId, apA]) => {
    const apB = pb?.[queryId] ?? null;
    const retrievedA = a.top_retrieved?.[setting][key]?.[queryId] ?? null;
    return { queryId, apA, apB, diff: apB === null ? apA : apA - apB, rankA: Math.round(1 / apA), rankB: apB === null ? null : Math.round(1 / apB), retrievedA };
  });
  return rows.sort((x, y) => x.diff - y.diff || (x.queryId < y.queryId ? -1 : 1));
}
