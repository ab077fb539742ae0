import { describe, expect, it } from 'vitest';
import { ConfigError } from '../errors';
import { buildTrainingSet } from './examples';
import { makeToyDataset } from './toyDataset.testutil';

const dataset = await makeToyDataset({ languages: ['de', 'en', 'es', 'zh'], paragraphs: 40, seed: 5 });

describe('buildTrainingSet', () => {
  const set = buildTrainingSet(dataset, { languages: ['en', 'de', 'es', 'zh'], seed: 1 });

  it('makes one triplet per query, grouped by question id, languages alphabetical', () => {
    const count = set.groups.reduce((s, g) => s + g.examples.length, 0);
    expect(count).toBe(dataset.queries.length);
    expect(set.languages).toEqual(['de', 'en', 'es', 'zh']);
    for (const g of set.groups) {
      const langs = g.examples.map((e) => e.lang);
      expect(langs).toEqual([...langs].sort());
      for (const e of g.examples) {
        const q = dataset.queries[e.query]!;
        expect(q.questionId).toBe(g.questionId);
        expect(q.lang).toBe(e.lang);
        expect(e.positive).toBe(q.answer);
      }
    }
    // MLQA-like: some questions are missing in some languages
    expect(set.groups.some((g) => g.examples.length < 4)).toBe(true);
  });

  it('takes the hard negative from the same paragraph when it can, else from another paragraph of the language', () => {
    let same = 0;
    let other = 0;
    for (const g of set.groups) {
      for (const e of g.examples) {
        const pos = dataset.candidates[e.positive]!;
        const neg = dataset.candidates[e.negative]!;
        expect(neg.lang).toBe(e.lang);
        expect(neg.text).not.toBe(pos.text);
        const para = dataset.paragraphs[pos.paragraph]!;
        const distinctOthers = dataset.candidates.slice(para.firstCandidate, para.firstCandidate + para.candidateCount).filter((c) => c.text !== pos.text).length;
        if (distinctOthers > 0) {
          expect(e.negativeSource).toBe('same-paragraph');
          expect(neg.paragraph).toBe(pos.paragraph);
          same++;
        } else {
          expect(e.negativeSource).toBe('other-paragraph');
          expect(neg.paragraph).not.toBe(pos.paragraph);
          other++;
        }
      }
    }
    expect(same).toBeGreaterThan(0);
    expect(other).toBeGreaterThan(0);
    const recorded = Object.values(set.otherParagraphNegatives).reduce((s, n) => s + (n ?? 0), 0);
    expect(recorded).toBe(other);
  });

  it('is deterministic in the seed and changes with it', () => {
    const again = buildTrainingSet(dataset, { languages: ['de', 'en', 'es', 'zh'], seed: 1 });
    expect(again.groups).toEqual(set.groups);
    const other = buildTrainingSet(dataset, { languages: ['de', 'en', 'es', 'zh'], seed: 2 });
    expect(other.groups.map((g) => g.examples.map((e) => e.negative))).not.toEqual(set.groups.map((g) => g.examples.map((e) => e.negative)));
  });

  it('keeps only the requested languages', () => {
    const two = buildTrainingSet(dataset, { languages: ['zh', 'en'], seed: 1 });
    expect(two.languages).toEqual(['en', 'zh']);
    for (const g of two.groups) for (const e of g.examples) expect(['en', 'zh']).toContain(e.lang);
  });

  it('holds out a seeded fraction of whole question ids for validation', () => {
    const split = buildTrainingSet(dataset, { languages: ['de', 'en', 'es', 'zh'], seed: 1, validationFraction: 0.25 });
    const n = set.groups.length;
    expect(split.validation.length).toBe(Math.round(0.25 * n));
    expect(split.groups.length + split.validation.length).toBe(n);
    const train = new Set(split.groups.map((g) => g.questionId));
    for (const g of split.validation) expect(train.has(g.questionId)).toBe(false);
    const again = buildTrainingSet(dataset, { languages: ['de', 'en', 'es', 'zh'], seed: 1, validationFraction: 0.25 });
    expect(again.validation.map((g) => g.questionId)).toEqual(split.validation.map((g) => g.questionId));
    const otherSeed = buildTrainingSet(dataset, { languages: ['de', 'en', 'es', 'zh'], seed: 9, validationFraction: 0.25 });
    expect(otherSeed.validation.map((g) => g.questionId)).not.toEqual(split.validation.map((g) => g.questionId));
  });

  it('refuses languages that are not loaded and bad fractions', () => {
    expect(() => buildTrainingSet(dataset, { languages: ['ar'], seed: 1 })).toThrow(ConfigError);
    expect(() => buildTrainingSet(dataset, { languages: ['en'], seed: 1, validationFraction: 1 })).toThrow(/validationFraction/);
  });
});
