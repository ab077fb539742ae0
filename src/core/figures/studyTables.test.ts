import { beforeAll, describe, expect, it } from 'vitest';
import { chanceLevels } from '../metrics/chanceLevel';
import { evaluateRetrieval } from '../metrics/evaluateRetrieval';
import { handDataset } from '../metrics/handDataset';
import { createRng } from '../metrics/rng';
import { initBackend } from '../model/backend';
import { meanResult, summarizeResult, type StudyDirection } from '../experiment/studyResults';
import { TEST_RUN_CONFIG } from '../testing/runConfigFixture.testutil';
import { parseRunConfig } from '../experiment/runConfig';
import { studyRankDistanceTable, studySummaryTable } from './studyTables';

const DATA = handDataset('mlqa-r', {
  en: {
    sentences: ['e0', 'e1', 'e2'],
    questions: [
      ['q1', 0],
      ['q2', 2],
      ['q3', 1],
    ],
  },
  de: {
    sentences: ['d0', 'd1'],
    questions: [
      ['q1', 1],
      ['q2', 0],
    ],
  },
});

describe('study tables', () => {
  let direction: StudyDirection;
  beforeAll(async () => {
    await initBackend('cpu');
    const rng = createRng(7);
    const vec = (n: number) => Float32Array.from({ length: n * 3 }, () => rng.float() - 0.5);
    const results = await Promise.all([1, 2].map(() => evaluateRetrieval(DATA, { queries: vec(DATA.queries.length), candidates: vec(DATA.candidates.length), dim: 3 })));
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
});
