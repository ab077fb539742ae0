import { describe, expect, it } from 'vitest';
import { ConfigError } from '../errors';
import { candidatesOf, paragraphSentences, queriesOf, relevantIn } from './datasetView';
import { parseDataset } from './parseDataset';

/** A one-article LAReQA file: each paragraph lists its sentences and its questions as [id, answer sentence]. */
function file(lang: string, paragraphs: { sentences: string[]; qas: [string, number][] }[]) {
  const doc = {
    data: [
      {
        title: 'T',
        paragraphs: paragraphs.map(({ sentences, qas }) => {
          const breaks: [number, number][] = [];
          let at = 0;
          for (const s of sentences) {
            breaks.push([at, at + s.length]);
            at += s.length + 1;
          }
          return {
            context: sentences.join(' '),
            sentence_breaks: breaks,
            qas: qas.map(([id, sentence]) => ({ id, question: `${lang} ${id}?`, answers: [{ answer_start: breaks[sentence]![0], text: sentences[sentence]!.slice(0, 1) }] })),
          };
        }),
      },
    ],
  };
  return { name: `${lang}.json`, bytes: new TextEncoder().encode(JSON.stringify(doc)) };
}

// MLQA-R-like: en has every question, de and zh only some, and paragraphs differ per language.
const dataset = await parseDataset('mlqa-r', [
  file('zh', [{ sentences: ['z0', 'z1'], qas: [['q2', 1]] }]),
  file('en', [
    {
      sentences: ['e0', 'e1', 'e2'],
      qas: [
        ['q1', 2],
        ['q2', 0],
      ],
    },
    { sentences: ['e3'], qas: [['q3', 0]] },
  ]),
  file('de', [
    { sentences: ['d0'], qas: [] },
    {
      sentences: ['d1', 'd2'],
      qas: [
        ['q1', 1],
        ['q2', 0],
      ],
    },
  ]),
]);

describe('dataset views', () => {
  it('gives each language its contiguous block of candidates', () => {
    expect(dataset.languages).toEqual(['de', 'en', 'zh']);
    expect(candidatesOf(dataset, 'de')).toEqual({ start: 0, end: 3 });
    expect(candidatesOf(dataset, 'en')).toEqual({ start: 3, end: 7 });
    expect(candidatesOf(dataset, 'zh')).toEqual({ start: 7, end: 9 });
    const { start, end } = candidatesOf(dataset, 'en');
    expect(dataset.candidates.slice(start, end).map((c) => c.text)).toEqual(['e0', 'e1', 'e2', 'e3']);
  });

  it('lists the queries of a language in file order', () => {
    expect(queriesOf(dataset, 'en').map((q) => q.id)).toEqual(['en:q1', 'en:q2', 'en:q3']);
    expect(queriesOf(dataset, 'zh').map((q) => q.text)).toEqual(['zh q2?']);
  });

  it('refuses a language that is not loaded', () => {
    expect(() => candidatesOf(dataset, 'ar')).toThrow(ConfigError);
    expect(() => queriesOf(dataset, 'vi')).toThrow('mlqa-r: language "vi" is not loaded (loaded: de, en, zh)');
  });

  it('finds the relevant answer sentences of a query in any pool', () => {
    const [q1, q2, q3] = queriesOf(dataset, 'en');
    const text = (ids: number[]) => ids.map((i) => dataset.candidates[i]!.text);
    expect(text(relevantIn(dataset, q2!, ['de', 'en', 'zh']))).toEqual(['d1', 'e0', 'z1']);
    expect(text(relevantIn(dataset, q2!, ['zh', 'en']))).toEqual(['e0', 'z1']);
    expect(text(relevantIn(dataset, q1!, ['en', 'zh']))).toEqual(['e2']);
    expect(relevantIn(dataset, q3!, ['de', 'zh'])).toEqual([]);
    // a German query's relevant set is the same as its English translation's
    const deQ1 = queriesOf(dataset, 'de')[0]!;
    expect(relevantIn(dataset, deQ1, ['de', 'en', 'zh'])).toEqual(relevantIn(dataset, q1!, ['de', 'en', 'zh']));
    expect(text(relevantIn(dataset, deQ1, ['de']))).toEqual(['d2']);
  });

  it('returns the sentences of a paragraph', () => {
    expect(paragraphSentences(dataset, 1).map((c) => c.text)).toEqual(['d1', 'd2']);
    expect(paragraphSentences(dataset, 3).map((c) => c.id)).toEqual(['en:0:1:0']);
    expect(() => paragraphSentences(dataset, 5)).toThrow('mlqa-r: no paragraph 5 (there are 5)');
  });
});
