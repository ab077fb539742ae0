import { RetrievalComparisonSchema } from '../metrics/retrievalComparison';
import { beforeAll, describe, expect, it } from 'vitest';
import { evaluateRetrieval } from '../metrics/evaluateRetrieval';
import { handDataset, HAND_EN_DE } from '../metrics/handDataset';
import type { RetrievalResult } from '../metrics/resultSchema';
import { initBackend } from '../model/backend';
import { createRng } from '../metrics/rng';
import { TEST_RUN_CONFIG } from '../testing/runConfigFixture.testutil';
import { parseRunConfig } from './runConfig';
import { compareRetrieval } from '../metrics/compareRetrieval';
import { AP_DIGITS, armMeanResult, comparisonMismatch, parseApList, parseRankDistanceList, meanResult, meanStd, packPerQuery, packResult, parsePackedResult, StudyArmSchema, summarizeResult, unpackPerQuery, unpackResult } from './studyResults';

/** Two languages; q3 has no German answer, so en->de has two queries and de has two queries of its own. */
const DATA = HAND_EN_DE;

async function randomResult(seed: number): Promise<RetrievalResult> {
  const rng = createRng(seed);
  const vec = (n: number) => Float32Array.from({ length: n * 3 }, () => rng.float() - 0.5);
  return evaluateRetrieval(DATA, { queries: vec(DATA.queries.length), candidates: vec(DATA.candidates.length), dim: 3 });
}

describe('study results', () => {
  let results: RetrievalResult[];
  beforeAll(async () => {
    await initBackend('cpu');
    results = await Promise.all([1, 2, 3].map(randomResult));
  });

  it('meanStd: sample sd (n − 1), 0 for one value', () => {
    expect(meanStd([1, 2, 3, 4])).toEqual({ mean: 2.5, std: Math.sqrt(5 / 3) });
    expect(meanStd([0.7])).toEqual({ mean: 0.7, std: 0 });
    expect(() => meanStd([])).toThrow();
  });

  it('the seed mean averages every cell, language, setting and query AP', () => {
    const m = meanResult(results);
    const avg = (f: (r: RetrievalResult) => number) => (f(results[0]!) + f(results[1]!) + f(results[2]!)) / 3;
    expect(m.mono.map).toBeCloseTo(
      avg((r) => r.mono.map!),
      15,
    );
    expect(m.cross.cells['en->de']!.map).toBeCloseTo(
      avg((r) => r.cross.cells['en->de']!.map),
      15,
    );
    expect(m.cross.cells['en->de']!.n).toBe(2);
    expect(m.multi.per_language.en!.rank_distance).toBeCloseTo(
      avg((r) => r.multi.per_language.en!.rank_distance),
      12,
    );
    expect(m.per_query.cross['en->de']!['en:q2']).toBeCloseTo(
      avg((r) => r.per_query.cross['en->de']!['en:q2']!),
      15,
    );
    expect(Object.keys(m.per_query.cross['en->de']!).sort()).toEqual(['en:q1', 'en:q2']);
    for (const id of ['en:q1', 'en:q2', 'en:q3']) {
      expect(m.per_query.rank_distance!.en![id]).toBeCloseTo(
        avg((r) => r.per_query.rank_distance!.en![id]!),
        15,
      );
    }
    // a macro mean of the mean cells equals the mean of the seeds' macro means
    const cells = Object.values(m.cross.cells).map((c) => c.map);
    expect(m.cross.map).toBeCloseTo(cells.reduce((a, b) => a + b, 0) / cells.length, 15);
  });

  it('refuses results of different evaluations', async () => {
    const other = await evaluateRetrieval(handDataset('mlqa-r', { en: { sentences: ['e0', 'e1'], questions: [['q1', 0]] } }), { queries: Float32Array.of(1, 0), candidates: Float32Array.of(1, 0, 0, 1), dim: 2 });
    expect(() => meanResult([results[0]!, other])).toThrow(/different evaluations/);
    expect(() => meanResult([results[0]!, { ...results[1]!, files: { 'mlqa-r/en.json': 'f'.repeat(64) } }])).toThrow(/different mlqa-r files/);
    const missing = structuredClone(results[1]!);
    delete missing.per_query.cross['en->de']!['en:q1'];
    expect(() => meanResult([results[0]!, missing])).toThrow(/per_query\.cross\.en->de/);
    expect(() => meanResult([])).toThrow();
  });

  it('keeps per-query rank distances only when every seed has them (results written before lack them)', () => {
    const old = results.map((r) => ({ ...r, per_query: { ...r.per_query, rank_distance: undefined } }));
    expect(meanResult(old).per_query.rank_distance).toBeUndefined();
    expect(() => meanResult([results[0]!, old[1]!])).toThrow(/per_query\.rank_distance: present in 1 of 2 seeds' results/);
  });

  it('packs per-query APs per language and cell, rounded, and unpacks them to the same ids', () => {
    const m = meanResult(results);
    const packed = packPerQuery(m.per_query);
    expect(packed.queries).toEqual({ de: ['q1', 'q2'], en: ['q1', 'q2', 'q3'] });
    const enDe = packed.cross['en->de']!.split(' ');
    expect(enDe).toHaveLength(3);
    expect(enDe[2]).toBe('-');
    expect(Number(enDe[0])).toBe(Number(m.per_query.cross['en->de']!['en:q1']!.toFixed(AP_DIGITS)));
    const back = unpackPerQuery(packed);
    for (const s of ['mono', 'cross', 'multi', 'rank_distance'] as const) {
      expect(Object.keys(back[s]!).sort()).toEqual(Object.keys(m.per_query[s]!).sort());
      for (const [cell, aps] of Object.entries(m.per_query[s]!)) {
        expect(Object.keys(back[s]![cell]!).sort()).toEqual(Object.keys(aps).sort());
        for (const [id, ap] of Object.entries(aps)) expect(Math.abs(back[s]![cell]![id]! - ap)).toBeLessThanOrEqual(0.5 * 10 ** -AP_DIGITS);
      }
    }
    expect(packed.rank_distance!.en!.split(' ')).toHaveLength(3);
    expect(unpackPerQuery({ ...packed, rank_distance: undefined }).rank_distance).toBeUndefined();
    expect(() => unpackPerQuery({ ...packed, rank_distance: { en: '1 2.5 -3' } })).toThrow(/per_query\.rank_distance\.en: value 2 \("-3"\) is not a rank distance/);
    expect(() => unpackPerQuery({ ...packed, mono: { 'en->en': '0.5' } })).toThrow(/per_query\.mono\.en->en: 1 values for 3 en queries/);
    expect(() => unpackPerQuery({ ...packed, mono: { 'en->en': '0.5 1.5 -' } })).toThrow(/per_query\.mono\.en->en: value 1 \("1\.5"\) is not an AP/);
  });

  it('packs a whole result for a study record: the summary as it was, per-query values rounded; a bad file is named', () => {
    const r = results[0]!;
    const packed = packResult(r);
    expect(Object.keys(packed)).not.toContain('per_query');
    const text = JSON.stringify(packed);
    const back = unpackResult(parsePackedResult(`\uFEFF${text}`, 'test.packed.json'));
    expect(back).toEqual({ ...summarizeResult(r), per_query: unpackPerQuery(packPerQuery(r.per_query)) });
    expect(back.mono).toEqual(r.mono);
    expect(back.per_query.cross['en->de']!['en:q2']).toBe(Number(r.per_query.cross['en->de']!['en:q2']!.toFixed(AP_DIGITS)));
    // packing what was unpacked changes nothing (the build reads every seed through this form)
    expect(packResult(back)).toEqual(packed);
    const broken = JSON.stringify({ ...packed, per_query_packed: { ...packed.per_query_packed, cross: { 'en->de': '0.5 x -' } } });
    expect(() => parsePackedResult(broken, 'runs/a/test.packed.json')).toThrow(/^runs\/a\/test\.packed\.json: per_query_packed\.cross\.en->de: value 1 \("x"\) is not an AP/);
    expect(() => parsePackedResult(JSON.stringify({ ...packed, per_query_packed: undefined }), 'p.json')).toThrow(/^p\.json: per_query_packed: /);
    expect(() => parsePackedResult('{"schemaVersion":1,', 'p.json')).toThrow(/^p\.json: \(json\): not valid JSON/);
  });

  it('reads AP lists strictly: decimals in [0, 1] or "-", single spaces', () => {
    expect(parseApList('')).toEqual([]);
    expect(parseRankDistanceList('0 12 3.333333 -')).toEqual([0, 12, 3.333333, null]);
    for (const bad of ['-1', '01', '1e3', '.5', '2  3', 'NaN']) expect(typeof parseRankDistanceList(bad)).toBe('string');
    expect(parseApList('0 1 0.25 - 1.000')).toEqual([0, 1, 0.25, null, 1]);
    for (const bad of ['1.5', '0.5  0.5', ' 0.5', '1e-7', '-0.5', 'NaN', '0.5,0.5', '.5']) expect(typeof parseApList(bad)).toBe('string');
  });

  it('an arm stored in a notebook gives back its seed mean, with per-query APs when they were kept', () => {
    const m = meanResult(results);
    const config = parseRunConfig(TEST_RUN_CONFIG, 'test');
    const seeds = results.map((r, i) => ({ seed: i + 1, config, runId: null, result: summarizeResult(r) }));
    const withPq = StudyArmSchema.parse({ arm: 'hybrid-0.5', label: 'Hybrid', setting: 'τ 0.1', seeds, mean: { ...summarizeResult(m), per_query_packed: packPerQuery(m.per_query) } });
    const back = armMeanResult(withPq);
    expect(back.mono).toEqual(m.mono);
    expect(back.per_query).toEqual(unpackPerQuery(packPerQuery(m.per_query)));
    const without = StudyArmSchema.parse({ ...withPq, mean: summarizeResult(m) });
    expect(armMeanResult(without).per_query).toBeUndefined();
    expect(() => StudyArmSchema.parse({ ...withPq, seeds: [] })).toThrow();
  });

  it('stores a comparison that reads back equal, and names the first figure where two comparisons differ', () => {
    const cmp = compareRetrieval(results[0]!, results[1]!, { rng: createRng(5), permutations: 200, resamples: 200 });
    const stored = RetrievalComparisonSchema.parse(JSON.parse(JSON.stringify(cmp)));
    expect(comparisonMismatch(stored, cmp)).toBeNull();
    const moved = structuredClone(cmp);
    moved.cross.cells['en->de']!.pHolm += 1e-12;
    expect(comparisonMismatch(stored, moved)).toBe('cross.cells.en->de.pHolm');
    expect(stored.rank_distance).toBeDefined();
    const rdMoved = structuredClone(cmp);
    rdMoved.rank_distance!.cells.de!.meanB += 1e-9;
    expect(comparisonMismatch(stored, rdMoved)).toBe('rank_distance.cells.de.meanB');
    rdMoved.rank_distance!.ci = [rdMoved.rank_distance!.ci[0], rdMoved.rank_distance!.ci[1] + 1];
    expect(comparisonMismatch(stored, rdMoved)).toBe('rank_distance.ci');
    expect(comparisonMismatch(stored, { ...cmp, rank_distance: undefined })).toBe('rank_distance');
    const other = compareRetrieval(results[0]!, results[1]!, { rng: createRng(6), permutations: 200, resamples: 200 });
    expect(comparisonMismatch(cmp, other)).not.toBeNull();
  });
});
