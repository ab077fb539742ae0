import { describe, expect, it } from 'vitest';
import { handDataset } from '../metrics/handDataset';
import { drilldownTexts } from './drilldownTexts';

const HAND = handDataset('mlqa-r', {
  en: {
    sentences: ['e0', 'e1', 'e2'],
    questions: [
      ['q1', 0],
      ['q2', 2],
    ],
  },
  de: { sentences: ['d0', 'd1'], questions: [['q1', 1]] },
});
const q = (lang: string, qid: string) => HAND.queries.find((x) => x.lang === lang && x.questionId === qid)!;
const c = (lang: string, i: number) => HAND.candidates.filter((x) => x.lang === lang)[i]!;

describe('drilldownTexts', () => {
  it('gives each query its question, its gold sentence in the candidate language and the retrieved one', () => {
    const rows = drilldownTexts(HAND, 'de', [q('en', 'q1').id, q('en', 'q2').id], [c('de', 0).id, null]);
    expect(rows).toEqual([
      { queryId: q('en', 'q1').id, question: q('en', 'q1').text, gold: { id: c('de', 1).id, text: c('de', 1).text }, retrieved: { id: c('de', 0).id, text: c('de', 0).text } },
      // q2 has no German answer
      { queryId: q('en', 'q2').id, question: q('en', 'q2').text, gold: null, retrieved: null },
    ]);
  });

  it('names unknown ids and refuses oversized requests', () => {
    expect(() => drilldownTexts(HAND, 'de', ['en:nope'], [null])).toThrow(/no query "en:nope"/);
    expect(() => drilldownTexts(HAND, 'de', [q('en', 'q1').id], ['de:nope'])).toThrow(/no candidate "de:nope"/);
    expect(() => drilldownTexts(HAND, 'de', Array(201).fill(q('en', 'q1').id), [])).toThrow(/at most 200/);
  });
});
