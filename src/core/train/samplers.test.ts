import { describe, expect, it } from 'vitest';
import { ConfigError } from '../errors';
import type { Lang } from '../data/languages';
import { buildTrainingSet } from './examples';
import { createSampler, hybridAlpha, SamplerStateSchema, type Batch, type BatchSampler, type SamplerName } from './samplers';
import { makeToyDataset } from './toyDataset.testutil';

const LANGS: Lang[] = ['de', 'en', 'es', 'zh'];
const dataset = await makeToyDataset({ languages: LANGS, paragraphs: 60, seed: 11 });
const set = buildTrainingSet(dataset, { languages: LANGS, seed: 3 });
const B = 8;
const N_BATCHES = 1000;

function draw(sampler: BatchSampler, n: number, from = 0): Batch[] {
  return Array.from({ length: n }, (_, i) => sampler.next(from + i));
}

/** Texts of every answer of a question id, in every loaded language. */
function relevantTexts(questionId: string): Set<string> {
  return new Set([...(dataset.answersByQuestion.get(questionId)?.values() ?? [])].map((c) => dataset.candidates[c]!.text));
}

/**
 * The properties every batch must have; returns the violations (plain checks, so 1,000 batches stay fast).
 */
function problems(batch: Batch): string[] {
  const out: string[] = [];
  if (batch.triplets.length !== B) out.push(`size ${batch.triplets.length}`);
  const texts = batch.triplets.flatMap((t) => [dataset.candidates[t.positive]!.text, dataset.candidates[t.negative]!.text]);
  if (new Set(texts).size !== 2 * B) out.push('duplicate passage text');
  if (new Set(batch.triplets.map((t) => t.questionId)).size !== B) out.push('duplicate question id');
  for (const t of batch.triplets) {
    const q = dataset.queries[t.query]!;
    if (q.lang !== t.queryLang || q.questionId !== t.questionId) out.push(`query ${q.id} mislabelled`);
    if (dataset.candidates[t.positive]!.lang !== t.passageLang || dataset.candidates[t.negative]!.lang !== t.passageLang) out.push(`passage language of ${q.id}`);
    if (t.positive !== dataset.answersByQuestion.get(t.questionId)!.get(t.passageLang)) out.push(`positive of ${q.id} is not its answer`);
    // no other passage of the batch is relevant to this query (no false negatives)
    const relevant = relevantTexts(t.questionId);
    for (const u of batch.triplets) {
      if (u !== t && (relevant.has(dataset.candidates[u.positive]!.text) || relevant.has(dataset.candidates[u.negative]!.text))) {
        out.push(`false negative for ${q.id}`);
      }
    }
  }
  if (Object.values(batch.record.pairs).reduce((s, n) => s + n, 0) !== B) out.push('pair counts');
  return out;
}

function checkCommon(batch: Batch): void {
  const found = problems(batch);
  if (found.length > 0) expect(found).toEqual([]);
}

/** Binomial 4σ band for n trials with probability p. */
function within4Sigma(count: number, n: number, p: number): boolean {
  return Math.abs(count - n * p) <= 4 * Math.sqrt(n * p * (1 - p));
}

describe(`samplers over ${N_BATCHES} seeded batches`, () => {
  it('xx-mono: every batch is one language, languages uniform', () => {
    const batches = draw(createSampler('xx-mono', set, { batchSize: B, seed: 7, totalSteps: N_BATCHES }), N_BATCHES);
    const perLang = new Map<string, number>();
    for (const batch of batches) {
      checkCommon(batch);
      expect(batch.record.kind).toBe('mono');
      const langs = new Set(batch.triplets.flatMap((t) => [t.queryLang, t.passageLang]));
      expect(langs.size).toBe(1);
      const lang = [...langs][0]!;
      expect(Object.keys(batch.record.pairs)).toEqual([`${lang}->${lang}`]);
      perLang.set(lang, (perLang.get(lang) ?? 0) + 1);
    }
    for (const lang of LANGS) expect(within4Sigma(perLang.get(lang) ?? 0, N_BATCHES, 1 / LANGS.length)).toBe(true);
  });

  it('xy: no triplet is same-language; both languages hold the question; pairs roughly uniform', () => {
    const batches = draw(createSampler('xy', set, { batchSize: B, seed: 7, totalSteps: N_BATCHES }), N_BATCHES);
    const pairCounts = new Map<string, number>();
    for (const batch of batches) {
      checkCommon(batch);
      expect(batch.record.kind).toBe('cross');
      for (const t of batch.triplets) {
        expect(t.queryLang).not.toBe(t.passageLang);
        pairCounts.set(`${t.queryLang}->${t.passageLang}`, (pairCounts.get(`${t.queryLang}->${t.passageLang}`) ?? 0) + 1);
      }
    }
    expect(pairCounts.size).toBe(LANGS.length * (LANGS.length - 1));
    // Groups are walked uniformly and each picks a pair uniformly among its own n(n−1) ordered pairs, so
    // pair (a, b) has probability mean over groups of [a, b ∈ g] / (n_g (n_g − 1)).
    const multi = set.groups.filter((g) => g.examples.length >= 2);
    const total = N_BATCHES * B;
    for (const [pair, count] of pairCounts) {
      const [a, b] = pair.split('->');
      const p =
        multi.reduce((s, g) => {
          const langs = g.examples.map((e) => e.lang as string);
          const n = langs.length;
          return s + (langs.includes(a!) && langs.includes(b!) ? 1 / (n * (n - 1)) : 0);
        }, 0) / multi.length;
      expect(within4Sigma(count, total, p)).toBe(true);
    }
  });

  it('hybrid α = 0.5: about half the batches are mono (binomial 4σ band), each batch entirely mono or cross', () => {
    const batches = draw(createSampler('hybrid', set, { batchSize: B, seed: 7, totalSteps: N_BATCHES, alpha: 0.5 }), N_BATCHES);
    let mono = 0;
    for (const batch of batches) {
      checkCommon(batch);
      const same = batch.triplets.filter((t) => t.queryLang === t.passageLang).length;
      if (batch.record.kind === 'mono') {
        mono++;
        expect(same).toBe(B);
        expect(new Set(batch.triplets.map((t) => t.queryLang)).size).toBe(1);
      } else {
        expect(batch.record.kind).toBe('cross');
        expect(same).toBe(0);
      }
    }
    expect(within4Sigma(mono, N_BATCHES, 0.5)).toBe(true);
    expect(mono).toBeGreaterThan(0);
  });

  it('hybrid α schedule: linear from alpha to alphaEnd', () => {
    expect(hybridAlpha(0, 101, 0.2, 0.8)).toBeCloseTo(0.2, 12);
    expect(hybridAlpha(50, 101, 0.2, 0.8)).toBeCloseTo(0.5, 12);
    expect(hybridAlpha(100, 101, 0.2, 0.8)).toBeCloseTo(0.8, 12);
    expect(hybridAlpha(37, 101, 0.3)).toBe(0.3);
    const batches = draw(createSampler('hybrid', set, { batchSize: B, seed: 7, totalSteps: N_BATCHES, alpha: 0, alphaEnd: 1 }), N_BATCHES);
    const firstHalf = batches.slice(0, 500).filter((b) => b.record.kind === 'mono').length;
    const secondHalf = batches.slice(500).filter((b) => b.record.kind === 'mono').length;
    // expected 125 and 375 mono batches (mean α 0.25 and 0.75)
    expect(within4Sigma(firstHalf, 500, 0.25)).toBe(true);
    expect(within4Sigma(secondHalf, 500, 0.75)).toBe(true);
    expect(batches[0]!.record.kind).toBe('cross'); // α = 0 at step 0
  });

  it('xx: languages mixed within batches, every triplet monolingual', () => {
    const batches = draw(createSampler('xx', set, { batchSize: B, seed: 7, totalSteps: N_BATCHES }), N_BATCHES);
    let mixedBatches = 0;
    for (const batch of batches) {
      checkCommon(batch);
      expect(batch.record.kind).toBe('mixed');
      for (const t of batch.triplets) expect(t.queryLang).toBe(t.passageLang);
      if (new Set(batch.triplets.map((t) => t.queryLang)).size > 1) mixedBatches++;
    }
    expect(mixedBatches).toBeGreaterThan(0.95 * N_BATCHES);
  });

  it('walks each pool in per-epoch permutations: refused items are deferred, not lost', () => {
    const enSet = buildTrainingSet(dataset, { languages: ['en'], seed: 3 });
    const n = enSet.groups.length;
    const sampler = createSampler('xx-mono', enSet, { batchSize: 4, seed: 1, totalSteps: 100 });
    const counts = new Map<string, number>();
    const epochs = 5;
    for (let i = 0; i < (epochs * n) / 4; i++) for (const t of sampler.next(i).triplets) counts.set(t.questionId, (counts.get(t.questionId) ?? 0) + 1);
    expect(counts.size).toBe(n);
    // every question is used about once per epoch (deferral only delays it)
    for (const c of counts.values()) expect(Math.abs(c - epochs)).toBeLessThanOrEqual(1);
    const state = sampler.getState();
    expect(state.cursors['mono:en']!.epoch).toBeGreaterThanOrEqual(epochs - 1);
  });

  it.each<SamplerName>(['xx-mono', 'xy', 'hybrid', 'xx'])('%s: a saved state (JSON round trip) continues the same batches', (name) => {
    const options = { batchSize: B, seed: 21, totalSteps: 200, alpha: 0.5 };
    const full = draw(createSampler(name, set, options), 120);
    const first = createSampler(name, set, options);
    draw(first, 70);
    const saved = SamplerStateSchema.parse(JSON.parse(JSON.stringify(first.getState())));
    expect(saved.batches).toBe(70);
    const resumed = createSampler(name, set, options);
    resumed.setState(saved);
    expect(draw(resumed, 50, 70)).toEqual(full.slice(70));
  });

  it('depends on the seed', () => {
    const a = draw(createSampler('hybrid', set, { batchSize: B, seed: 1, totalSteps: 10, alpha: 0.5 }), 3);
    const b = draw(createSampler('hybrid', set, { batchSize: B, seed: 2, totalSteps: 10, alpha: 0.5 }), 3);
    expect(a).not.toEqual(b);
  });

  it('refuses impossible configurations with a clear error', () => {
    expect(() => createSampler('xx-mono', set, { batchSize: 10_000, seed: 1, totalSteps: 1 })).toThrow(/batchSize 10000 is larger than/);
    const one = buildTrainingSet(dataset, { languages: ['en'], seed: 1 });
    expect(() => createSampler('xy', one, { batchSize: 4, seed: 1, totalSteps: 1 })).toThrow(ConfigError);
    expect(() => createSampler('hybrid', set, { batchSize: 4, seed: 1, totalSteps: 1, alpha: 1.5 })).toThrow(/alpha/);
    const sampler = createSampler('xy', set, { batchSize: 4, seed: 1, totalSteps: 1 });
    expect(() => sampler.setState({ name: 'xx', batches: 0, rng: { state: 1 }, cursors: {} })).toThrow(/"xx"/);
    expect(() => sampler.setState({ name: 'xy', batches: 0, rng: { state: 1 }, cursors: { 'mono:en': { epoch: 0, position: 0, deferred: [] } } })).toThrow(/mono:en/);
  });
});
