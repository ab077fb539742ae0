/**
 * The study's tables (examples/study): Table-1 style (mean ± sample standard deviation over seeds of the
 * mono, cross and multi mAP per arm) and Table-2 style (rank distance, mean ± sd over seeds, and the seed
 * mean per query language). Plain {@link TableSpec}s, so the app, the CSV/LaTeX exports and REPORT.md print
 * the same numbers. When the direction records its query-blind level (`direction.chance`), each table says
 * it in its caption and gives every mean as a multiple of it, so no figure is read without its floor.
 */
import { meanStd, type StoredSeedLevel, type StoredSequentialFamily, type StudyDirection } from '../experiment/studyResults';
import { COMPARISON_SETTINGS, type SequentialFamily } from '../metrics/compareRetrieval';
import { chanceWithoutOwnSentence } from './resultFigures';
import { formatValue } from './svgText';
import { chanceMapSentence, chanceRankDistanceSentence, withSentence } from './chanceText';
import type { TableSpec } from './table';

function stat(values: readonly (number | null)[]): { mean: number | null; std: number | null } {
  if (values.some((v) => v === null)) return { mean: null, std: null };
  return meanStd(values as number[]);
}

const times = (value: number | null, chance: number | null | undefined): number | null => (value === null || !chance ? null : value / chance);

/** mAP × 100 per setting, mean and sd over the arm's seeds (and the mean as a multiple of chance). */
export function studySummaryTable(direction: StudyDirection, caption?: string): TableSpec {
  const chance = direction.chance;
  const columns = [
    { key: 'arm', label: 'strategy' },
    { key: 'setting', label: 'tuned setting' },
    { key: 'seeds', label: 'seeds' },
    ...(['mono', 'cross', 'multi'] as const).flatMap((s) => [{ key: s, label: `${s} mAP×100`, digits: 2, best: 'max' as const }, { key: `${s}_sd`, label: '± sd', digits: 2 }, ...(chance ? [{ key: `${s}_x`, label: '× chance', digits: 1 }] : [])]),
  ];
  const rows = direction.arms.map((arm) => {
    const row: Record<string, string | number | null> = { arm: arm.label, setting: arm.setting, seeds: arm.seeds.length };
    for (const s of ['mono', 'cross', 'multi'] as const) {
      const { mean, std } = stat(arm.seeds.map((x) => (x.result[s].map === null ? null : x.result[s].map * 100)));
      row[s] = mean;
      row[`${s}_sd`] = std;
      if (chance) row[`${s}_x`] = times(mean, chance[s] === null ? null : chance[s] * 100);
    }
    return row;
  });
  return { columns, rows, caption: withSentence(caption, chance ? chanceMapSentence(chance) : null) };
}

/** Rank distance (multilingual pool; lower = less language bias): mean ± sd over seeds, and per query language. */
export function studyRankDistanceTable(direction: StudyDirection, caption?: string): TableSpec {
  const chance = direction.chance;
  const langs = [...new Set(direction.arms.flatMap((a) => Object.keys(a.mean.multi.per_language)))].sort();
  return {
    columns: [
      { key: 'arm', label: 'strategy' },
      { key: 'rd', label: 'rank distance', digits: 1, best: 'min' },
      { key: 'rd_sd', label: '± sd', digits: 1 },
      ...(chance ? [{ key: 'rd_x', label: '× chance', digits: 2 }] : []),
      ...langs.map((l) => ({ key: l, label: l, digits: 1, best: 'min' as const })),
    ],
    rows: direction.arms.map((arm) => {
      const { mean, std } = stat(arm.seeds.map((x) => x.result.multi.rank_distance));
      return {
        arm: arm.label,
        rd: mean,
        rd_sd: std,
        ...(chance ? { rd_x: times(mean, chance.rank_distance) } : {}),
        ...Object.fromEntries(langs.map((l) => [l, arm.mean.multi.per_language[l]?.rank_distance ?? null])),
      };
    }),
    caption: withSentence(caption, chance ? chanceRankDistanceSentence(chance) : null),
  };
}

/**
 * The multilingual setting without the easy answer (`metrics/multiExcludingOwn.ts`): per arm, mean ± sd
 * over seeds of multi mAP × 100 with the query-language answer removed and of the rank distance over the
 * other languages only, each also as a multiple of its query-blind level. Null where the results predate
 * these figures.
 */
export function studyWithoutOwnTable(direction: StudyDirection, caption?: string): TableSpec {
  const chance = direction.chance;
  const mo = chance?.multi_excluding_own;
  const rdo = chance?.rank_distance_others;
  const rows = direction.arms.map((arm) => {
    const others = stat(arm.seeds.map((x) => (x.result.multi.map_excluding_own === undefined ? null : x.result.multi.map_excluding_own * 100)));
    const rd = stat(arm.seeds.map((x) => x.result.multi.rank_distance_others ?? null));
    const all = stat(arm.seeds.map((x) => x.result.multi.map * 100));
    return {
      arm: arm.label,
      multi: all.mean,
      others: others.mean,
      others_sd: others.std,
      others_x: times(others.mean, mo === undefined ? null : mo * 100),
      share: others.mean === null || !all.mean ? null : (100 * others.mean) / all.mean,
      rdo: rd.mean,
      rdo_sd: rd.std,
      rdo_x: times(rd.mean, rdo),
    };
  });
  const sentence = chanceWithoutOwnSentence(chance);
  return {
    columns: [
      { key: 'arm', label: 'strategy' },
      { key: 'multi', label: 'multi mAP×100', digits: 2 },
      { key: 'others', label: 'multi excl. own mAP×100', digits: 2, best: 'max' },
      { key: 'others_sd', label: '± sd', digits: 2 },
      { key: 'others_x', label: '× chance', digits: 1 },
      { key: 'share', label: '% of multi', digits: 0 },
      { key: 'rdo', label: 'rank distance, other langs', digits: 1, best: 'min' },
      { key: 'rdo_sd', label: '± sd', digits: 1 },
      { key: 'rdo_x', label: '× chance', digits: 2 },
    ],
    rows,
    caption: withSentence(caption, sentence),
  };
}

/** The level at which the study's tests call a difference significant (one setting's test, a cell's after Holm). */
export const STUDY_SIGNIFICANCE = 0.05;

/**
 * A conclusion survives seed-level inference when the per-query test calls it significant, the seeds ×
 * questions CI excludes 0 and the t-test across seeds rejects, each at `alpha`.
 */
export function survivesSeedLevel(perQueryP: number, s: { lo: number; hi: number; p: number }, alpha = STUDY_SIGNIFICANCE): boolean {
  return perQueryP < alpha && (s.lo > 0 || s.hi < 0) && s.p < alpha;
}

/** The verdict of a seed-level row in words (`survives` / `does not survive` / `not significant per query`). */
export function seedLevelConclusion(row: StoredSeedLevel, alpha = STUDY_SIGNIFICANCE): 'survives' | 'does not survive' | 'not significant per query' {
  if (row.perQueryP === null || row.perQueryP >= alpha) return 'not significant per query';
  return survivesSeedLevel(row.perQueryP, row, alpha) ? 'survives' : 'does not survive';
}

/** A p-value as the study prints it: four decimals, "< 0.0001" below. */
export const studyPValue = (p: number): string => (p < 0.0001 ? '< 0.0001' : p.toFixed(4));

const armLabel = (direction: StudyDirection, arm: string) => direction.arms.find((a) => a.arm === arm)?.label ?? arm;

/**
 * Seed-level inference of each tested pair (`direction.seedLevel`, stored by `xlir study build`): per pair and
 * figure the difference of seed means, the per-query p, the seeds × questions CI, the per-seed differences,
 * the t-test across seeds, the exact sign flip and the conclusion. Cells are text already printed as the report
 * prints them (mAP differences × 100 with two decimals, rank distance with one), because one column mixes
 * both scales; the columns that hold a number carry `digits` (the largest printed) so Markdown right-aligns them.
 * The caption explains the method with the stored resamples and seed count. Null without stored rows.
 */
export function studySeedLevelTable(direction: StudyDirection, alpha = STUDY_SIGNIFICANCE): TableSpec | null {
  const rows = direction.seedLevel ?? [];
  if (rows.length === 0) return null;
  const seeds = direction.arms[0]!.seeds.length;
  const signed = (row: StoredSeedLevel) => (x: number) => (row.figure === 'rd' ? formatValue(x, { scale: 1, digits: 1, signed: true }) : formatValue(x, { scale: 100, digits: 2, signed: true }));
  return {
    columns: [
      { key: 'against', label: 'against' },
      { key: 'figure', label: 'figure' },
      { key: 'diff', label: 'Δ', digits: 2 },
      { key: 'perQueryP', label: 'per-query p', digits: 4 },
      { key: 'ci', label: 'seeds × questions CI' },
      { key: 'perSeed', label: 'per-seed Δ' },
      { key: 'seedP', label: 'seed t-test p', digits: 4 },
      { key: 'signFlipP', label: 'sign-flip p', digits: 3 },
      { key: 'conclusion', label: 'conclusion' },
    ],
    rows: rows.map((row) => {
      const fmt = signed(row);
      return {
        against: armLabel(direction, row.b),
        figure: row.figure === 'rd' ? 'rank distance' : `${row.figure} mAP`,
        diff: fmt(row.diff),
        perQueryP: row.perQueryP === null ? null : studyPValue(row.perQueryP),
        ci: `[${fmt(row.lo)}, ${fmt(row.hi)}]`,
        perSeed: row.differences.map(fmt).join(', '),
        seedP: studyPValue(row.p),
        signFlipP: row.pSignFlip === null ? null : row.pSignFlip.toFixed(3),
        conclusion: seedLevelConclusion(row, alpha),
      };
    }),
    caption: `The tests above see only the variation across queries of the seed means. Here the seed is a random effect: a seeds × questions bootstrap (${rows[0]!.resamples.toLocaleString('en')} resamples; questions drawn with replacement, then each arm's ${seeds} seeds with replacement) gives a ${Math.round(rows[0]!.level * 100)} % CI of the difference, and the per-seed differences (same seed in both arms) get a t-test across seeds (df ${seeds - 1}) and the exact sign flip over seeds, whose smallest possible p with ${seeds} seeds is ${(2 / 2 ** seeds).toFixed(3)}. A conclusion survives when the per-query test, the CI and the seed t-test all agree at ${alpha}.`,
  };
}

/** A sequential family kept without its cells (what the notebook stores). */
export function storedSequentialFamily(f: SequentialFamily): StoredSequentialFamily {
  return { up: f.up, down: f.down, cells: Object.keys(f.cells).length, unresolved: f.unresolved, maxSe: f.maxSe, permutations: { ...f.permutations } };
}

/** `sequentialCountText` of a stored family: "n up, m down of k; every decision resolved (…)". */
export function storedSequentialText(f: StoredSequentialFamily): string {
  const range = f.permutations.min === f.permutations.max ? f.permutations.min.toLocaleString('en') : `${f.permutations.min.toLocaleString('en')}–${f.permutations.max.toLocaleString('en')}`;
  const open = f.unresolved === 0 ? 'every decision resolved' : `${f.unresolved} decision${f.unresolved === 1 ? '' : 's'} unresolved at the cap`;
  return `${f.up} up, ${f.down} down of ${f.cells}; ${open} (permutations ${range}; MC se of p ≤ ${f.maxSe.toPrecision(2)} where p ≤ 0.1)`;
}

/**
 * Significant cells that are stable under another seed (`direction.sequential`, stored by `xlir study build`):
 * per tested pair, the counts of the pair heatmap and of the multilingual bars under sequential Holm tests.
 * The caption says why these counts, unlike the fixed-permutation ones, do not move with the seed. Null
 * without stored counts.
 */
export function studySequentialTable(direction: StudyDirection, alpha = STUDY_SIGNIFICANCE): TableSpec | null {
  const rows = direction.sequential ?? [];
  if (rows.length === 0) return null;
  return {
    columns: [
      { key: 'against', label: 'against' },
      { key: 'pairs', label: 'pair heatmap (mono + cross cells)' },
      { key: 'multi', label: 'multi per language' },
    ],
    rows: rows.map((r) => ({ against: armLabel(direction, r.b), pairs: storedSequentialText(r.pairs), multi: storedSequentialText(r.multi) })),
    caption: `The cell counts above use a fixed ${COMPARISON_SETTINGS.permutations.toLocaleString('en')} permutations, whose Monte-Carlo error can move a cell across a Holm threshold. Here every cell is tested sequentially: exact enumeration up to 16 queries, else permutations doubled from 10,000 (up to 1,280,000) while its Holm decision at ${alpha} could still change within 3 Monte-Carlo standard errors of the p-values, so a count changes under another seed only where a decision is reported unresolved (or with about the chance of a 3-sigma draw).`,
  };
}
