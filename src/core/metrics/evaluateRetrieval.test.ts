import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import type { Lang } from '../data/languages';
import type { RetrievalDataset } from '../data/types';
import { initBackend } from '../model/backend';
import { evaluateRetrieval } from './evaluateRetrieval';
import { handDataset, type HandLanguage, HAND_EN_DE } from './handDataset';
import { RetrievalResultSchema, type RetrievalResult } from './resultSchema';
import { createLoopScorer, createTfScorer, type ScorerFactory } from './scorer';

/**
 * en: e0 e1 e2, questions q1→e0, q2→e2, q3→e1;  de: d0 d1, questions q1→d1, q2→d0 (q3 has no German answer,
 * like an MLQA-R question missing from a language). Embeddings (dim 2) below; the expected figures are
 * worked out by hand in the comments, with ties broken by the larger candidate id.
 */
const HAND = HAND_EN_DE;
// candidates in dataset order: de:0:0:0, de:0:0:1, en:0:0:0, en:0:0:1, en:0:0:2
const HAND_CANDIDATES = [2, 0, 0, 2, 1, 0, 0, 1, 1, 1];
// queries in dataset order: de:q1, de:q2, en:q1, en:q2, en:q3
const HAND_QUERIES = [1, 0, 0, 1, 1, 0, 0, 1, 1, 2];

describe('evaluateRetrieval on a hand-worked two-language dataset', () => {
  beforeAll(async () => {
    await initBackend('cpu');
  });

  it('records the first-ranked candidate of every mono/cross cell on request (ties to the larger id)', async () => {
    const embeddings = { queries: Float32Array.from(HAND_QUERIES), candidates: Float32Array.from(HAND_CANDIDATES), dim: 2 };
    const plain = await evaluateRetrieval(HAND, embeddings);
    expect(plain.top_retrieved).toBeUndefined();
    const r = await evaluateRetrieval(HAND, embeddings, { keepTopRetrieved: true, queryChunk: 2 });
    expect(RetrievalResultSchema.parse(r)).toEqual(r);
    const q = (lang: string, qid: string) => HAND.queries.find((x) => x.lang === lang && x.questionId === qid)!.id;
    const c = (lang: string, i: number) => HAND.candidates.filter((x) => x.lang === lang)[i]!.id;
    // scores as worked out in the comments of the test below
    expect(r.top_retrieved).toEqual({
      mono: {
        'de->de': { [q('de', 'q1')]: c('de', 0), [q('de', 'q2')]: c('de', 1) },
        'en->en': { [q('en', 'q1')]: c('en', 2), [q('en', 'q2')]: c('en', 2), [q('en', 'q3')]: c('en', 2) },
      },
      cross: {
        'de->en': { [q('de', 'q1')]: c('en', 2), [q('de', 'q2')]: c('en', 2) },
        'en->de': { [q('en', 'q1')]: c('de', 0), [q('en', 'q2')]: c('de', 1) },
      },
    });
    // everything else is the same as without it
    const { top_retrieved: _top, ...rest } = r;
    expect(rest).toEqual(plain);
  });

  const cases: [string, ScorerFactory, number, 'js' | 'wasm'][] = [
    ['TF.js matMul, one block per language, wasm ranker', createTfScorer, 256, 'wasm'],
    ['plain loops, one query per block, JavaScript ranker', createLoopScorer, 1, 'js'],
  ];
  it.each(cases)('gives the hand-computed figures (%s)', async (_name, scorer, queryChunk, ranker) => {
    const r = await evaluateRetrieval(HAND, { queries: Float32Array.from(HAND_QUERIES), candidates: Float32Array.from(HAND_CANDIDATES), dim: 2 }, { scorer, queryChunk, ranker });
    expect(RetrievalResultSchema.parse(r)).toEqual(r);
    // de:q1 scores d0 2, d1 0 | e0 1, e1 0, e2 1 → de→de: d1 2nd; de→en: e2 (larger id) beats e0 → e0 2nd;
    //   multi order d0, e2, e0, e1, d1 → relevant at 3 and 5: AP (1/3 + 2/5)/2, RD 2.
    // de:q2 scores d0 0, d1 2 | e0 0, e1 1, e2 1 → de→de: d0 2nd; de→en: e2 1st; multi d1, e2, e1, e0, d0 →
    //   relevant at 2 and 5: AP (1/2 + 2/5)/2, RD 3.
    // en:q1 = de:q1's vector: en→en e0 2nd (e2 ties and wins); en→de d1 2nd; multi as de:q1.
    // en:q2 = de:q2's vector: en→en e2 1st; en→de d0 2nd; multi as de:q2.
    // en:q3 scores d0 2, d1 4 | e0 1, e1 2, e2 3 → en→en e1 2nd; no German answer → not in en→de;
    //   multi d1, e2, e1 (ties d0, larger id), d0, e0 → rank 3, R = 1: AP 1/3, RD 0.
    expect(r.mono.cells).toEqual({
      'de->de': { map: 0.5, recall_1: 0, n: 2 },
      'en->en': { map: 2 / 3, recall_1: 1 / 3, n: 3 },
    });
    expect(r.cross.cells).toEqual({
      'de->en': { map: 0.75, recall_1: 0.5, n: 2 },
      'en->de': { map: 0.5, recall_1: 0, n: 2 },
    });
    expect(r.mono.map).toBeCloseTo((0.5 + 2 / 3) / 2, 12);
    expect(r.mono.recall_1).toBeCloseTo(1 / 6, 12);
    expect(r.cross.map).toBeCloseTo(0.625, 12);
    expect(r.cross.recall_1).toBeCloseTo(0.25, 12);
    const ap1 = (1 / 3 + 2 / 5) / 2;
    const ap2 = (1 / 2 + 2 / 5) / 2;
    expect(r.multi.per_language.de!.map).toBeCloseTo((ap1 + ap2) / 2, 12);
    expect(r.multi.per_language.en!.map).toBeCloseTo((ap1 + ap2 + 1 / 3) / 3, 12);
    expect(r.multi.per_language.de!.rank_distance).toBeCloseTo(2.5, 12);
    expect(r.multi.per_language.en!.rank_distance).toBeCloseTo(5 / 3, 12);
    expect(r.multi.per_language.en!.n).toBe(3);
    expect(r.multi.map).toBeCloseTo(((ap1 + ap2) / 2 + (ap1 + ap2 + 1 / 3) / 3) / 2, 12);
    expect(r.multi.rank_distance).toBeCloseTo((2.5 + 5 / 3) / 2, 12);
    expect(r.multi.recall_10).toBe(1);
    expect(r.per_query.cross['en->de']).toEqual({ 'en:q1': 0.5, 'en:q2': 0.5 });
    expect(r.per_query.mono['en->en']).toEqual({ 'en:q1': 0.5, 'en:q2': 1, 'en:q3': 0.5 });
    expect(r.per_query.multi.en!['en:q3']).toBeCloseTo(1 / 3, 12);
    expect(r.per_query.rank_distance).toEqual({ de: { 'de:q1': 2, 'de:q2': 3 }, en: { 'en:q1': 2, 'en:q2': 3, 'en:q3': 0 } });
    expect(r.files).toEqual({ 'mlqa-r/de.json': '0'.repeat(64), 'mlqa-r/en.json': '0'.repeat(64) });
  });

  it('refuses embeddings of the wrong shape or with non-finite values, naming the id', async () => {
    const good = { queries: Float32Array.from(HAND_QUERIES), candidates: Float32Array.from(HAND_CANDIDATES), dim: 2 };
    await expect(evaluateRetrieval(HAND, { ...good, candidates: new Float32Array(8) })).rejects.toThrow(/expected 5 × 2 = 10 floats, got 8/);
    const bad = Float32Array.from(HAND_QUERIES);
    bad[5] = Number.NaN;
    await expect(evaluateRetrieval(HAND, { ...good, queries: bad })).rejects.toThrow(/"en:q1" component 1 is not a finite number/);
  });

  it('gives the hand-computed multi figures without the query-language answer', async () => {
    const r = await evaluateRetrieval(HAND, { queries: Float32Array.from(HAND_QUERIES), candidates: Float32Array.from(HAND_CANDIDATES), dim: 2 }, { scorer: createLoopScorer });
    // multi orders from the test above, the own-language answer removed:
    // de:q1 d0, e2, e0, e1 (d1 out) → e0 3rd: AP 1/3;  de:q2 d1, e2, e1, e0 (d0 out) → e2 2nd: AP 1/2;
    // en:q1 d0, e2, e1, d1 (e0 out, d1 moves up from 5) → AP 1/4;  en:q2 d1, e1, e0, d0 (e2 out) → AP 1/4;
    // en:q3 has no other-language answer: left out. One other language, so every rank distance is 0.
    expect(r.multi.per_language.de!.map_excluding_own).toBeCloseTo(5 / 12, 12);
    expect(r.multi.per_language.de).toMatchObject({ rank_distance_others: 0, n_others: 2 });
    expect(r.multi.per_language.en).toMatchObject({ map_excluding_own: 1 / 4, rank_distance_others: 0, n_others: 2 });
    expect(r.multi.map_excluding_own).toBeCloseTo(1 / 3, 12);
    expect(r.per_query.multi_excluding_own!.en).toEqual({ 'en:q1': 0.25, 'en:q2': 0.25 });
  });

  it('stops with a CancelledError when asked to', async () => {
    const e = { queries: Float32Array.from(HAND_QUERIES), candidates: Float32Array.from(HAND_CANDIDATES), dim: 2 };
    await expect(evaluateRetrieval(HAND, e, { scorer: createLoopScorer, shouldCancel: () => true })).rejects.toThrow(/cancelled/);
  });
});

/**
 * Independent reference: sorts each pool with a string comparison on ids (canonical ids are ASCII, where
 * `<` equals strcmp), then walks the ranking and sums precision at every relevant hit.
 */
function referenceEvaluation(ds: RetrievalDataset, q: Float32Array, c: Float32Array, dim: number) {
  const dot = (i: number, j: number) => {
    let s = 0;
    for (let k = 0; k < dim; k++) s += q[i * dim + k]! * c[j * dim + k]!;
    return s;
  };
  const apOf = (qi: number, pool: number[], relevant: Set<number>) => {
    const sorted = [...pool].sort((a, b) => {
      const d = dot(qi, b) - dot(qi, a);
      if (d !== 0) return d;
      const ia = ds.candidates[a]!.id;
      const ib = ds.candidates[b]!.id;
      return ia < ib ? 1 : ia > ib ? -1 : 0;
    });
    let hits = 0;
    let sum = 0;
    const ranks: number[] = [];
    sorted.forEach((cand, pos) => {
      if (relevant.has(cand)) {
        hits++;
        sum += hits / (pos + 1);
        ranks.push(pos + 1);
      }
    });
    return { ap: sum / relevant.size, ranks };
  };
  const poolOf = (langs: Lang[]) => ds.candidates.flatMap((cand, j) => (langs.includes(cand.lang) ? [j] : []));
  const cells = new Map<string, number[]>();
  const multi = new Map<string, { ap: number; rd: number; r10: number; others?: { ap: number; rd: number } }[]>();
  ds.queries.forEach((query, qi) => {
    const answers = ds.answersByQuestion.get(query.questionId)!;
    for (const y of ds.languages) {
      const a = answers.get(y);
      if (a === undefined) continue;
      const key = `${query.lang}->${y}`;
      cells.set(key, [...(cells.get(key) ?? []), apOf(qi, poolOf([y]), new Set([a])).ap]);
    }
    const rel = new Set(answers.values());
    const { ap, ranks } = apOf(qi, poolOf(ds.languages), rel);
    const list = multi.get(query.lang) ?? [];
    // without the easy answer: the pool less the query-language answer, ranked afresh
    const own = answers.get(query.lang)!;
    const rest = new Set([...rel].filter((j) => j !== own));
    const without =
      rest.size === 0
        ? null
        : apOf(
            qi,
            poolOf(ds.languages).filter((j) => j !== own),
            rest,
          );
    const others = without ? { ap: without.ap, rd: Math.max(...without.ranks) - Math.min(...without.ranks) } : undefined;
    list.push({ ap, rd: Math.max(...ranks) - Math.min(...ranks), r10: ranks.filter((r) => r <= 10).length / rel.size, ...(others ? { others } : {}) });
    multi.set(query.lang, list);
  });
  return { cells, multi };
}

const avg = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;

function checkAgainstReference(r: RetrievalResult, ref: ReturnType<typeof referenceEvaluation>) {
  const cells = { ...r.mono.cells, ...r.cross.cells };
  expect(Object.keys(cells).sort()).toEqual([...ref.cells.keys()].sort());
  for (const [key, aps] of ref.cells) {
    expect(cells[key]!.n).toBe(aps.length);
    expect(cells[key]!.map).toBeCloseTo(avg(aps), 12);
  }
  for (const [lang, qs] of ref.multi) {
    const m = r.multi.per_language[lang]!;
    expect(m.map).toBeCloseTo(avg(qs.map((x) => x.ap)), 12);
    expect(m.rank_distance).toBeCloseTo(avg(qs.map((x) => x.rd)), 12);
    expect(Object.values(r.per_query.rank_distance![lang]!)).toEqual(qs.map((x) => x.rd));
    expect(m.recall_10).toBeCloseTo(avg(qs.map((x) => x.r10)), 12);
    const others = qs.flatMap((x) => (x.others ? [x.others] : []));
    expect(m.n_others).toBe(others.length || undefined);
    if (others.length === 0) continue;
    expect(m.map_excluding_own).toBeCloseTo(avg(others.map((x) => x.ap)), 12);
    expect(m.rank_distance_others).toBeCloseTo(avg(others.map((x) => x.rd)), 12);
    expect(Object.values(r.per_query.rank_distance_others![lang]!)).toEqual(others.map((x) => x.rd));
  }
}

describe('evaluateRetrieval against a sort-based reference', () => {
  beforeAll(async () => {
    await initBackend('cpu');
  });

  const LANGS: Lang[] = ['ar', 'de', 'en'];
  const arbDataset = fc
    .record({
      nLangs: fc.integer({ min: 1, max: 3 }),
      nQuestions: fc.integer({ min: 1, max: 6 }),
      sizes: fc.array(fc.integer({ min: 1, max: 14 }), { minLength: 3, maxLength: 3 }),
      dim: fc.integer({ min: 1, max: 3 }),
    })
    .chain(({ nLangs, nQuestions, sizes, dim }) =>
      fc.record({
        nLangs: fc.constant(nLangs),
        sizes: fc.constant(sizes),
        dim: fc.constant(dim),
        // per language and question: answer sentence (any int, reduced mod size) or absent
        answers: fc.array(fc.array(fc.option(fc.nat(), { nil: undefined }), { minLength: nQuestions, maxLength: nQuestions }), { minLength: 3, maxLength: 3 }),
        values: fc.array(fc.integer({ min: -1, max: 1 }), { minLength: 400, maxLength: 400 }),
      }),
    );

  it('agrees on mono, cross and multi figures for random datasets with many ties (both scorers, both rankers)', async () => {
    await fc.assert(
      fc.asyncProperty(arbDataset, async ({ nLangs, sizes, dim, answers, values }) => {
        const spec: Partial<Record<Lang, HandLanguage>> = {};
        LANGS.slice(0, nLangs).forEach((lang, l) => {
          const questions = answers[l]!.flatMap((a, k) => (a === undefined ? [] : [[`q${k}`, a % sizes[l]!] as [string, number]]));
          spec[lang] = { sentences: Array.from({ length: sizes[l]! }, (_, s) => `${lang}${s}`), questions };
        });
        const ds = handDataset('xquad-r', spec);
        if (ds.queries.length === 0) return;
        let v = 0;
        const fill = (n: number) => Float32Array.from({ length: n }, () => values[v++ % values.length]!);
        const c = fill(ds.candidates.length * dim);
        const q = fill(ds.queries.length * dim);
        const ref = referenceEvaluation(ds, q, c, dim);
        for (const scorer of [createLoopScorer, createTfScorer]) {
          for (const ranker of ['js', 'wasm'] as const) {
            checkAgainstReference(await evaluateRetrieval(ds, { queries: q, candidates: c, dim }, { scorer, ranker, queryChunk: 3 }), ref);
          }
        }
      }),
      { numRuns: 150 },
    );
  });
});
