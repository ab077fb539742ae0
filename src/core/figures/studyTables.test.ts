import { readFileSync } from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';
import { parseNotebook } from '../experiment/notebook';
import { formatCell } from './table';
import { chanceLevels } from '../metrics/chanceLevel';
import { evaluateRetrieval } from '../metrics/evaluateRetrieval';
import { HAND_EN_DE } from '../metrics/handDataset';
import { createRng } from '../metrics/rng';
import { initBackend } from '../model/backend';
import { meanResult, summarizeResult, type StudyDirection } from '../experiment/studyResults';
import { TEST_RUN_CONFIG } from '../testing/runConfigFixture.testutil';
import { parseRunConfig } from '../experiment/runConfig';
import { COMPARISON_SETTINGS, sequentialCellTests, sequentialCountText } from '../metrics/compareRetrieval';
import type { RetrievalResult } from '../metrics/resultSchema';
import type { StoredSeedLevel } from '../experiment/studyResults';
import { storedSequentialFamily, storedSequentialText, studyRankDistanceTable, studySeedLevelTable, studySequentialTable, studySummaryTable } from './studyTables';

const DATA = HAND_EN_DE;

describe('study tables', () => {
  let direction: StudyDirection;
  let results: RetrievalResult[];
  beforeAll(async () => {
    await initBackend('cpu');
    const rng = createRng(7);
    const vec = (n: number) => Float32Array.from({ length: n * 3 }, () => rng.float() - 0.5);
    results = await Promise.all([1, 2].map(() => evaluateRetrieval(DATA, { queries: vec(DATA.queries.length), candidates: vec(DATA.candidates.length), dim: 3 })));
    const config = parseRunConfig(TEST_RUN_CONFIG, 't');
    const mean = summarizeResult(meanResult(results));
    direction = {
      id: 'd',
      label: 'D',
      differences: [],
      arms: [{ arm: 'xy', label: 'X-Y', setting: 'τ 0.1', seeds: results.map((r, i) => ({ seed: i, config, runId: null, result: summarizeResult(r) })), mean }],
    };
  });

  it('without chance levels: mean ± sd per setting, no multiple of chance', () => {
    const t = studySummaryTable(direction, 'cap');
    expect(t.columns.map((c) => c.key)).toEqual(['arm', 'setting', 'seeds', 'mono', 'mono_sd', 'cross', 'cross_sd', 'multi', 'multi_sd']);
    expect(t.caption).toBe('cap');
  });

  it('with chance levels: each mean as a multiple of the pool’s query-blind level, and the level in the caption', () => {
    const chance = chanceLevels(DATA);
    const t = studySummaryTable({ ...direction, chance }, 'cap');
    const row = t.rows[0]!;
    for (const s of ['mono', 'cross', 'multi'] as const) expect(row[`${s}_x`]).toBeCloseTo((row[s] as number) / (chance[s]! * 100), 12);
    expect(t.caption).toBe(`cap. Query-blind chance (mAP × 100; a ranking that ignores the query, on the same pool): mono ${(chance.mono * 100).toFixed(2)}, cross ${(chance.cross! * 100).toFixed(2)}, multi ${(chance.multi * 100).toFixed(2)}.`);

    const rd = studyRankDistanceTable({ ...direction, chance });
    expect(rd.rows[0]!.rd_x).toBeCloseTo((rd.rows[0]!.rd as number) / chance.rank_distance, 12);
    expect(rd.caption).toContain(
      `Query-blind rank distance (a ranking that ignores the query): ${chance.rank_distance.toFixed(1)} (per query language: de ${chance.per_language.de!.rank_distance.toFixed(0)}, en ${chance.per_language.en!.rank_distance.toFixed(0)})`,
    );
    expect(studyRankDistanceTable(direction).columns.map((c) => c.key)).not.toContain('rd_x');
  });

  const seedRow = (figure: StoredSeedLevel['figure'], perQueryP: number | null, lo: number, hi: number, p: number): StoredSeedLevel => ({
    a: 'xy',
    b: 'xy',
    figure,
    perQueryP,
    diff: (lo + hi) / 2,
    lo,
    hi,
    level: 0.95,
    resamples: 5000,
    differences: [lo, hi],
    p,
    pSignFlip: figure === 'rd' ? null : 0.5,
  });

  it('seed-level table: the stored tests as the report prints them, with the conclusion and the method in the caption', () => {
    expect(studySeedLevelTable(direction)).toBeNull();
    const t = studySeedLevelTable({
      ...direction,
      seedLevel: [seedRow('mono', 0.00001, 0.001, 0.003, 0.01), seedRow('cross', 0.01, -0.002, 0.001, 0.01), seedRow('multi', 0.2, 0.001, 0.002, 0.01), seedRow('rd', null, -12.34, -5.06, 0.04)],
    })!;
    expect(t.columns.map((c) => c.label)).toEqual(['against', 'figure', 'Δ', 'per-query p', 'seeds × questions CI', 'per-seed Δ', 'seed t-test p', 'sign-flip p', 'conclusion']);
    expect(t.rows[0]).toEqual({ against: 'X-Y', figure: 'mono mAP', diff: '+0.20', perQueryP: '< 0.0001', ci: '[+0.10, +0.30]', perSeed: '+0.10, +0.30', seedP: '0.0100', signFlipP: '0.500', conclusion: 'survives' });
    // the CI includes 0: significant per query, but not across seeds
    expect(t.rows[1]!.conclusion).toBe('does not survive');
    expect(t.rows[2]!.conclusion).toBe('not significant per query');
    // rank distance in its own units (one decimal), no per-query test or sign flip: –
    expect(t.rows[3]).toMatchObject({ figure: 'rank distance', diff: '-8.7', ci: '[-12.3, -5.1]', perQueryP: null, signFlipP: null, conclusion: 'not significant per query' });
    expect(t.caption).toContain("(5,000 resamples; questions drawn with replacement, then each arm's 2 seeds with replacement) gives a 95 % CI");
    expect(t.caption).toContain('a t-test across seeds (df 1) and the exact sign flip over seeds, whose smallest possible p with 2 seeds is 0.500. A conclusion survives when the per-query test, the CI and the seed t-test all agree at 0.05.');
  });

  it('stable-count table: the stored sequential counts read as sequentialCountText reads the full tests', () => {
    expect(studySequentialTable(direction)).toBeNull();
    const q = sequentialCellTests(results[0]!, results[1]!, { rng: createRng(COMPARISON_SETTINGS.seed) });
    const stored = { a: 'xy', b: 'xy', pairs: storedSequentialFamily(q.pairs), multi: storedSequentialFamily(q.multi) };
    expect(storedSequentialText(stored.pairs)).toBe(sequentialCountText(q.pairs));
    expect(storedSequentialText(stored.multi)).toBe(sequentialCountText(q.multi));
    const open = { up: 2, down: 1, cells: 9, unresolved: 1, maxSe: 0.0012345, permutations: { min: 10_000, max: 1_280_000 } };
    expect(storedSequentialText(open)).toBe('2 up, 1 down of 9; 1 decision unresolved at the cap (permutations 10,000–1,280,000; MC se of p ≤ 0.0012 where p ≤ 0.1)');
    const t = studySequentialTable({ ...direction, sequential: [stored] })!;
    expect(t.rows).toEqual([{ against: 'X-Y', pairs: sequentialCountText(q.pairs), multi: sequentialCountText(q.multi) }]);
    expect(t.caption).toMatch(/^The cell counts above use a fixed 10,000 permutations/);
  });
});

describe('the example study’s tables (examples/study)', () => {
  const report = readFileSync('examples/study/REPORT.md', 'utf8');
  const study = parseNotebook('study.xlir.json', readFileSync('examples/study/study.xlir.json', 'utf8')).study!;
  /** The body rows of the REPORT.md table after `heading` in a direction's section, as the report prints them. */
  const reportRows = (label: string, heading: string) => {
    const section = report.split('\n### ').find((x) => x.startsWith(label))!;
    const lines = section.slice(section.indexOf(heading)).split('\n');
    const start = lines.findIndex((l) => l.startsWith('|'));
    const end = lines.findIndex((l, i) => i > start && !l.startsWith('|'));
    return lines.slice(start + 2, end);
  };
  const printed = (t: NonNullable<ReturnType<typeof studySeedLevelTable>>) => t.rows.map((r) => `| ${t.columns.map((c) => formatCell(r[c.key], c)).join(' | ')} |`);

  it('the stored seed-level and sequential tests give the report’s rows and captions, for both directions', () => {
    for (const d of study.directions) {
      const seed = studySeedLevelTable(d)!;
      expect(printed(seed).map((l) => l.replace('| survives |', '| **survives** |'))).toEqual(reportRows(d.label, '**Seed-level inference,'));
      expect(report).toContain(seed.caption);
      const seq = studySequentialTable(d)!;
      expect(printed(seq)).toEqual(reportRows(d.label, '**Significant cells, stable under another seed.**'));
      expect(report).toContain(seq.caption);
    }
  });
});
