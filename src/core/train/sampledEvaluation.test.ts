import { describe, expect, it } from 'vitest';
import type { RetrievalDataset } from '../data/types';
import { evaluateRetrieval } from '../metrics/evaluateRetrieval';
import { createLoopScorer } from '../metrics/scorer';
import { evaluationNote, SAMPLED_EVALUATION, sampledEvaluationSet, sampledEvaluationSummary } from './sampledEvaluation';
import { makeToyDataset } from './toyDataset.testutil';

const toy = await makeToyDataset({ languages: ['de', 'en', 'es', 'vi'], paragraphs: 160, seed: 7 });

/** Every structural invariant of a RetrievalDataset that the evaluator and the views rely on. */
function expectConsistent(full: RetrievalDataset, d: RetrievalDataset): void {
  const ids = d.candidates.map((c) => c.id);
  expect(new Set(ids).size).toBe(ids.length);
  // canonical order: the full dataset's order, kept
  const fullIndex = new Map(full.candidates.map((c, i) => [c.id, i]));
  for (let i = 1; i < ids.length; i++) expect(fullIndex.get(ids[i]!)!).toBeGreaterThan(fullIndex.get(ids[i - 1]!)!);
  for (const q of d.queries) {
    // the answer index points at the same sentence as in the full dataset
    const original = full.queries.find((x) => x.id === q.id)!;
    expect(d.candidates[q.answer]!.id).toBe(full.candidates[original.answer]!.id);
    expect(d.paragraphs[q.paragraph]!.context).toBe(full.paragraphs[original.paragraph]!.context);
  }
  d.paragraphs.forEach((p, pi) => {
    const own = d.candidates
      .map((c, i) => [c, i] as const)
      .filter(([c]) => c.paragraph === pi)
      .map(([, i]) => i);
    expect(own.length).toBe(p.candidateCount);
    if (own.length) expect(own).toEqual(Array.from({ length: p.candidateCount }, (_, k) => p.firstCandidate + k));
  });
  d.candidates.forEach((c) => expect(d.paragraphs[c.paragraph]!.lang).toBe(c.lang));
}

describe('sampledEvaluationSet', () => {
  it('embeds at most maxTexts texts, whatever the budget', () => {
    const total = toy.queries.length + toy.candidates.length;
    expect(total).toBeGreaterThan(1000);
    for (const maxTexts of [12, 40, 100, 333, 1000, 5000]) {
      const s = sampledEvaluationSet(toy, { questions: 50, maxTexts, seed: 1 });
      expect(s.texts).toBe(s.dataset.queries.length + s.dataset.candidates.length);
      expect(s.texts).toBeLessThanOrEqual(maxTexts);
      expect(s.questions).toBeGreaterThanOrEqual(1);
      // every language keeps a candidate pool
      for (const l of toy.languages) expect(s.dataset.candidates.some((c) => c.lang === l)).toBe(true);
    }
    const app = sampledEvaluationSet(toy);
    expect(app.texts).toBeLessThanOrEqual(SAMPLED_EVALUATION.maxTexts);
    expect(app.questions).toBe(SAMPLED_EVALUATION.questions);
  });

  it('contains every relevant candidate of each sampled question, in every language, and valid indices', () => {
    const s = sampledEvaluationSet(toy, { questions: 30, maxTexts: 600, seed: 3 });
    const ids = new Set(s.dataset.candidates.map((c) => c.id));
    const qids = new Set(s.dataset.queries.map((q) => q.questionId));
    expect(qids.size).toBe(30);
    for (const qid of qids) {
      for (const [lang, c] of toy.answersByQuestion.get(qid)!) {
        expect(ids.has(toy.candidates[c]!.id)).toBe(true);
        expect(s.dataset.candidates[s.dataset.answersByQuestion.get(qid)!.get(lang)!]!.id).toBe(toy.candidates[c]!.id);
      }
      // all of the question's queries (every language it has) are in
      expect(s.dataset.queries.filter((q) => q.questionId === qid).length).toBe(toy.queries.filter((q) => q.questionId === qid).length);
    }
    expect(s.relevant + s.distractors).toBe(s.dataset.candidates.length);
    expect(s.distractors).toBeGreaterThan(0);
    expectConsistent(toy, s.dataset);
  });

  it('is deterministic in the dataset and the seed, and independent of anything else', () => {
    const a = sampledEvaluationSet(toy, { questions: 20, maxTexts: 500, seed: 9 });
    const b = sampledEvaluationSet(toy, { questions: 20, maxTexts: 500, seed: 9 });
    expect(b.dataset.queries.map((q) => q.id)).toEqual(a.dataset.queries.map((q) => q.id));
    expect(b.dataset.candidates.map((c) => c.id)).toEqual(a.dataset.candidates.map((c) => c.id));
    const other = sampledEvaluationSet(toy, { questions: 20, maxTexts: 500, seed: 10 });
    expect(other.dataset.queries.map((q) => q.id)).not.toEqual(a.dataset.queries.map((q) => q.id));
  });

  it('gives a dataset the evaluator accepts', async () => {
    const s = sampledEvaluationSet(toy, { questions: 10, maxTexts: 200, seed: 2 });
    const dim = 4;
    // a deterministic fake embedding per text (the evaluator only needs finite vectors)
    const vec = (text: string) => Array.from({ length: dim }, (_, k) => Math.sin(text.length * (k + 1) + text.charCodeAt(0)));
    const embeddings = {
      queries: Float32Array.from(s.dataset.queries.flatMap((q) => vec(q.text))),
      candidates: Float32Array.from(s.dataset.candidates.flatMap((c) => vec(c.text))),
      dim,
    };
    const r = await evaluateRetrieval(s.dataset, embeddings, { scorer: createLoopScorer });
    expect(r.multi.map).toBeGreaterThan(0);
    expect(sampledEvaluationSummary(s)).toMatch(/^\d+ queries \(10 questions × 4 languages\) against \d+ sentences$/);
  });

  it('refuses a budget that cannot hold one question in every language', () => {
    expect(() => sampledEvaluationSet(toy, { questions: 5, maxTexts: 11, seed: 1 })).toThrow(/maxTexts ≥ 12/);
  });

  it('captions sampled figures as an estimate', () => {
    expect(evaluationNote({ kind: 'sampled', step: 150 })).toMatch(/^sampled evaluation at step 150: an estimate .*≤ 1,000 texts.*the full evaluation is exact$/);
    expect(evaluationNote({ kind: 'full', step: 500 })).toBe('full evaluation at step 500');
  });
});
