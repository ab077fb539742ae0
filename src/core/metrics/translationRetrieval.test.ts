import { describe, expect, it } from 'vitest';
import { handDataset } from './handDataset';
import { precisionAt1, questionTranslationPairs, questionTranslationRetrieval } from './translationRetrieval';

describe('precisionAt1', () => {
  it('counts rows whose own target scores strictly highest; a tie is a miss', () => {
    // dim 2; source rows 0..2, target rows 0..2
    const source = Float32Array.from([1, 0, 0, 1, 1, 1]);
    const target = Float32Array.from([0.9, 0.1, 0.2, 0.8, 1, 0]);
    // row 0: own 0.9 vs 0.2, 1 → miss; row 1: own 0.8 vs 0.1, 0 → hit; row 2: own 1 vs 1.0, 1.0 → tie, miss
    expect(precisionAt1(source, target, 2)).toBeCloseTo(1 / 3, 12);
    expect(precisionAt1(Float32Array.from([1, 1, 1, 1]), Float32Array.from([1, 1, 1, 1]), 2)).toBe(0);
    expect(precisionAt1(Float32Array.from([1, 0, 0, 1]), Float32Array.from([1, 0, 0, 1]), 2)).toBe(1);
  });
});

describe('questionTranslationRetrieval', () => {
  const dataset = handDataset('xquad-r', {
    en: {
      sentences: ['s'],
      questions: [
        ['q1', 0],
        ['q2', 0],
      ],
    },
    de: {
      sentences: ['s'],
      questions: [
        ['q2', 0],
        ['q1', 0],
      ],
    },
    zh: { sentences: ['s'], questions: [['q1', 0]] },
  });

  it('pairs each non-English question with the English one of the same id', () => {
    const pairs = questionTranslationPairs(dataset);
    const q = dataset.queries;
    const de = pairs.get('de')!;
    expect(de.source.map((i) => q[i]!.id)).toEqual(['de:q2', 'de:q1']);
    expect(de.target.map((i) => q[i]!.id)).toEqual(['en:q2', 'en:q1']);
    expect(pairs.get('zh')!.target.map((i) => q[i]!.id)).toEqual(['en:q1']);
    expect(pairs.has('en')).toBe(false);
  });

  it('scores each language against its English translations', () => {
    // queries in dataset order: de:q2, de:q1, en:q1, en:q2, zh:q1 (languages alphabetical)
    const ids = dataset.queries.map((q) => q.id);
    const vec: Record<string, number[]> = { 'en:q1': [1, 0], 'en:q2': [0, 1], 'de:q1': [0.9, 0.1], 'de:q2': [0.8, 0.2], 'zh:q1': [1, 0] };
    const emb = Float32Array.from(ids.flatMap((id) => vec[id]!));
    const r = questionTranslationRetrieval(dataset, emb, 2);
    expect(r.map((x) => x.lang)).toEqual(['de', 'zh']);
    expect(r[0]).toEqual({ lang: 'de', n: 2, precisionAt1: 0.5, chance: 0.5 });
    // zh has one question and one English candidate: P@1 among one is 1 by definition of "no other beats it"
    expect(r[1]!.precisionAt1).toBe(1);
  });
});
