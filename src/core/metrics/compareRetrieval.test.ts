import { describe, expect, it } from 'vitest';
import { StatsEventSchema } from '../experiment/statsProtocol';
import { comparisonMismatch } from '../experiment/studyResults';
import { compareRetrieval } from './compareRetrieval';
import { evaluateRetrieval } from './evaluateRetrieval';
import { handDataset } from './handDataset';
import type { RetrievalResult } from './resultSchema';
import { createRng } from './rng';
import { createLoopScorer } from './scorer';

/** Three languages, 30 parallel questions over 40 sentences each; q29 lacks a Greek answer. */
const DS = handDataset(
  'xquad-r',
  Object.fromEntries(
    (['de', 'el', 'en'] as const).map((lang) => [
      lang,
      {
        sentences: Array.from({ length: 40 }, (_, s) => `${lang} ${s}`),
        questions: Array.from({ length: lang === 'el' ? 29 : 30 }, (_, k) => [`q${k}`, k] as [string, number]),
      },
    ]),
  ),
);

/** Candidates are random; a query is its answer's vector plus noise of the given size. */
async function resultWithNoise(noise: number, seed: number): Promise<RetrievalResult> {
  const rng = createRng(seed);
  const dim = 8;
  const candidates = Float32Array.from({ length: DS.candidates.length * dim }, () => rng.float() - 0.5);
  const queries = new Float32Array(DS.queries.length * dim);
  DS.queries.forEach((q, i) => {
    for (let k = 0; k < dim; k++) queries[i * dim + k] = candidates[q.answer * dim + k]! + noise * (rng.float() - 0.5);
  });
  return evaluateRetrieval(DS, { queries, candidates, dim }, { scorer: createLoopScorer });
}

describe('compareRetrieval', () => {
  it('reports progress after each test, up to one per cell and one per setting, without changing the results', async () => {
    const a = await resultWithNoise(0.5, 1);
    const b = await resultWithNoise(0.8, 2);
    const calls: [number, number][] = [];
    const withProgress = compareRetrieval(a, b, { rng: createRng(3), permutations: 50, resamples: 50, onProgress: (done, total) => calls.push([done, total]) });
    const cells = (['mono', 'cross', 'multi'] as const).reduce((n, s) => n + Object.keys(a.per_query[s]).length + 1, 0) + (a.per_query.rank_distance ? Object.keys(a.per_query.rank_distance).length + 1 : 0);
    expect(calls.map(([done]) => done)).toEqual(Array.from({ length: cells }, (_, i) => i + 1));
    expect(new Set(calls.map(([, total]) => total))).toEqual(new Set([cells]));
    expect(withProgress).toEqual(compareRetrieval(a, b, { rng: createRng(3), permutations: 50, resamples: 50 }));
  });

  it('finds no difference between a result and itself (p = 1, CI [0, 0])', async () => {
    const a = await resultWithNoise(0.5, 1);
    const c = compareRetrieval(a, a, { rng: createRng(1), permutations: 200, resamples: 200 });
    for (const setting of ['mono', 'cross', 'multi'] as const) {
      expect(c[setting].p).toBe(1);
      expect(c[setting].ci).toEqual([0, 0]);
      for (const cell of Object.values(c[setting].cells)) expect(cell).toMatchObject({ diff: 0, p: 1, pHolm: 1 });
    }
    expect(c.rank_distance).toMatchObject({ diff: 0, p: 1, ci: [0, 0] });
    expect(Object.keys(c.cross.cells)).toHaveLength(6);
    expect(c.cross.cells['en->el']!.n).toBe(29);
  });

  it('reports the mAP differences of the results, a clear win as significant, Holm ≥ raw', async () => {
    const good = await resultWithNoise(0.05, 2);
    const bad = await resultWithNoise(3, 2);
    const c = compareRetrieval(good, bad, { rng: createRng(2), permutations: 2000, resamples: 500 });
    expect(c.mono.diff).toBeCloseTo(good.mono.map! - bad.mono.map!, 12);
    expect(c.cross.diff).toBeCloseTo(good.cross.map! - bad.cross.map!, 12);
    expect(c.multi.diff).toBeCloseTo(good.multi.map - bad.multi.map, 12);
    expect(c.cross.cells['de->en']!.diff).toBeCloseTo(good.cross.cells['de->en']!.map - bad.cross.cells['de->en']!.map, 12);
    expect(c.multi.cells.el!.mapA).toBeCloseTo(good.multi.per_language.el!.map, 12);
    expect(c.mono.diff).toBeGreaterThan(0.3);
    expect(c.mono.p).toBeLessThan(0.001);
    expect(c.mono.ci[0]).toBeGreaterThan(0);
    for (const s of [c.mono, c.cross, c.multi]) {
      for (const cell of Object.values(s.cells)) {
        expect(cell.pHolm).toBeGreaterThanOrEqual(cell.p);
        expect(cell.ci[0]).toBeLessThanOrEqual(cell.diff + 1e-12);
        expect(cell.ci[1]).toBeGreaterThanOrEqual(cell.diff - 1e-12);
      }
    }
  });

  it('tests a setting with each question as one unit: a change in one question alone is no evidence (p = 1)', async () => {
    const a = await resultWithNoise(0.5, 4);
    const b = structuredClone(a);
    // q0 loses half its AP in every cell it is in (its translations, every target language)
    for (const setting of ['mono', 'cross', 'multi'] as const) {
      for (const cell of Object.values(b.per_query[setting])) {
        for (const id of Object.keys(cell)) if (id.endsWith(':q0')) cell[id] = cell[id]! / 2;
      }
    }
    const c = compareRetrieval(a, b, { rng: createRng(4), permutations: 2000, resamples: 200 });
    for (const setting of ['mono', 'cross', 'multi'] as const) {
      expect(c[setting].diff).toBeGreaterThan(0);
      // one non-zero unit: every sign pattern reaches the observed |T|; as independent queries, p would be ≈ ¼ (mono)
      expect(c[setting].p).toBe(1);
    }
  });

  it('comes back from the stats worker whole: its reply schema keeps the rank-distance test', async () => {
    const c = compareRetrieval(await resultWithNoise(0.05, 6), await resultWithNoise(3, 6), { rng: createRng(6), permutations: 200, resamples: 100 });
    expect(c.rank_distance).toBeDefined();
    const stats = StatsEventSchema.parse(JSON.parse(JSON.stringify({ type: 'stats/compared', requestId: 's1', comparison: c })));
    expect(stats.type === 'stats/compared' && stats.comparison).toEqual(c);
    expect(stats.type === 'stats/compared' && comparisonMismatch(stats.comparison, c)).toBeNull();
  });

  it('tests rank distance per query language and for the macro mean, when both results hold it per query', async () => {
    const good = await resultWithNoise(0.05, 5);
    const bad = await resultWithNoise(3, 5);
    const c = compareRetrieval(good, bad, { rng: createRng(5), permutations: 2000, resamples: 500 });
    const rd = c.rank_distance!;
    expect(rd.meanA).toBeCloseTo(good.multi.rank_distance, 9);
    expect(rd.meanB).toBeCloseTo(bad.multi.rank_distance, 9);
    expect(rd.diff).toBeCloseTo(good.multi.rank_distance - bad.multi.rank_distance, 9);
    // the own-language answer comes first for the low-noise queries, the others (random vectors) anywhere
    expect(rd.diff).toBeGreaterThan(0);
    expect(rd.p).toBeLessThan(0.05);
    expect(rd.ci[0]).toBeGreaterThan(0);
    expect(rd.ci[0]).toBeLessThanOrEqual(rd.diff);
    expect(rd.ci[1]).toBeGreaterThanOrEqual(rd.diff);
    expect(Object.keys(rd.cells).sort()).toEqual(['de', 'el', 'en']);
    for (const [lang, cell] of Object.entries(rd.cells)) {
      expect(cell.diff).toBeCloseTo(good.multi.per_language[lang]!.rank_distance - bad.multi.per_language[lang]!.rank_distance, 9);
      expect(cell.n).toBe(good.multi.per_language[lang]!.n);
      expect(cell.pHolm).toBeGreaterThanOrEqual(cell.p);
    }
    // a result written before per-query rank distances were recorded: the mAP tests only
    const old = { ...bad, per_query: { ...bad.per_query, rank_distance: undefined } };
    const without = compareRetrieval(good, old, { rng: createRng(5), permutations: 2000, resamples: 500 });
    expect(without.rank_distance).toBeUndefined();
    expect(without.mono).toEqual(c.mono);
  });

  it('refuses results of different datasets, files or queries', async () => {
    const a = await resultWithNoise(0.5, 3);
    const opts = { rng: createRng(3), permutations: 10, resamples: 10 };
    expect(() => compareRetrieval(a, { ...a, dataset: 'mlqa-r' }, opts)).toThrow(/results of xquad-r and mlqa-r/);
    expect(() => compareRetrieval(a, { ...a, files: { ...a.files, 'xquad-r/de.json': '1'.repeat(64) } }, opts)).toThrow(/xquad-r\/de.json differs/);
    const fewer = structuredClone(a);
    delete fewer.per_query.mono['de->de']!['de:q3'];
    expect(() => compareRetrieval(a, fewer, opts)).toThrow(/mono de->de: the results hold 30 and 29 queries/);
  });
});
