/**
 * The study's tables (examples/study): Table-1 style (mean ± sample standard deviation over seeds of the
 * mono, cross and multi mAP per arm) and Table-2 style (rank distance, mean ± sd over seeds, and the seed
 * mean per query language). Plain {@link TableSpec}s, so the app, the CSV/LaTeX exports and REPORT.md print
 * the same numbers.
 */
import { meanStd, type StudyDirection } from '../experiment/studyResults';
import type { TableSpec } from './table';

function stat(values: readonly (number | null)[]): { mean: number | null; std: number | null } {
  if (values.some((v) => v === null)) return { mean: null, std: null };
  return meanStd(values as number[]);
}

/** mAP × 100 per setting, mean and sd over the arm's seeds. */
export function studySummaryTable(direction: StudyDirection, caption?: string): TableSpec {
  const columns = [
    { key: 'arm', label: 'strategy' },
    { key: 'setting', label: 'tuned setting' },
    { key: 'seeds', label: 'seeds' },
    ...(['mono', 'cross', 'multi'] as const).flatMap((s) => [
      { key: s, label: `${s} mAP×100`, digits: 2, best: 'max' as const },
      { key: `${s}_sd`, label: '± sd', digits: 2 },
    ]),
  ];
  const rows = direction.arms.map((arm) => {
    const row: Record<string, string | number | null> = { arm: arm.label, setting: arm.setting, seeds: arm.seeds.length };
    for (const s of ['mono', 'cross', 'multi'] as const) {
      const { mean, std } = stat(arm.seeds.map((x) => (x.result[s].map === null ? null : x.result[s].map * 100)));
      row[s] = mean;
      row[`${s}_sd`] = std;
    }
    return row;
  });
  return { columns, rows, caption };
}

/** Rank distance (multilingual pool; lower = less language bias): mean ± sd over seeds, and per query language. */
export function studyRankDistanceTable(direction: StudyDirection, caption?: string): TableSpec {
  const langs = [...new Set(direction.arms.flatMap((a) => Object.keys(a.mean.multi.per_language)))].sort();
  return {
    columns: [
      { key: 'arm', label: 'strategy' },
      { key: 'rd', label: 'rank distance', digits: 1, best: 'min' },
      { key: 'rd_sd', label: '± sd', digits: 1 },
      ...langs.map((l) => ({ key: l, label: l, digits: 1, best: 'min' as const })),
    ],
    rows: direction.arms.map((arm) => {
      const { mean, std } = stat(arm.seeds.map((x) => x.result.multi.rank_distance));
      return {
        arm: arm.label,
        rd: mean,
        rd_sd: std,
        ...Object.fromEntries(langs.map((l) => [l, arm.mean.multi.per_language[l]?.rank_distance ?? null])),
      };
    }),
    caption,
  };
}
