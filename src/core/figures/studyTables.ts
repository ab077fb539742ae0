/**
 * The study's tables (examples/study): Table-1 style (mean ± sample standard deviation over seeds of the
 * mono, cross and multi mAP per arm) and Table-2 style (rank distance, mean ± sd over seeds, and the seed
 * mean per query language). Plain {@link TableSpec}s, so the app, the CSV/LaTeX exports and REPORT.md print
 * the same numbers. When the direction records its query-blind level (`direction.chance`), each table says
 * it in its caption and gives every mean as a multiple of it, so no figure is read without its floor.
 */
import { meanStd, type StudyDirection } from '../experiment/studyResults';
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
  const sentence = mo === undefined || rdo === undefined ? null : `Query-blind chance without the query-language answer: multi mAP × 100 ${(mo * 100).toFixed(2)}, rank distance over the other languages ${rdo.toFixed(1)}.`;
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
