import { describe, expect, it } from 'vitest';
import { datasetStats } from './datasetStats';
import { parseDataset } from './parseDataset';
import { sha256Hex } from './sha256';

function file(lang: string, paragraphs: number[][]) {
  // paragraphs[p] lists the answer sentence of each question of paragraph p; every paragraph has 3 sentences
  const doc = {
    data: [
      {
        title: 'T',
        paragraphs: paragraphs.map((answerSentences, p) => ({
          context: 'aa bb cc',
          sentence_breaks: [
            [0, 2],
            [3, 5],
            [6, 8],
          ],
          qas: answerSentences.map((s, q) => ({ id: `q${p}-${q}`, question: '?', answers: [{ answer_start: 3 * s, text: 'aa bb cc'.slice(3 * s, 3 * s + 2) }] })),
        })),
      },
    ],
  };
  return { name: `${lang}.json`, bytes: new TextEncoder().encode(JSON.stringify(doc)) };
}

describe('datasetStats', () => {
  it('counts questions, paragraphs and candidates per language and in total, with file hashes', async () => {
    const en = file('en', [[0, 1], [2]]);
    const es = file('es', [[0, 2], [1]]);
    const ds = await parseDataset('xquad-r', [en, es]);
    expect(datasetStats(ds)).toEqual({
      dataset: 'xquad-r',
      files: { 'xquad-r/en.json': await sha256Hex(en.bytes), 'xquad-r/es.json': await sha256Hex(es.bytes) },
      languages: { en: { questions: 3, paragraphs: 2, candidates: 6 }, es: { questions: 3, paragraphs: 2, candidates: 6 } },
      totals: { questions: 6, paragraphs: 4, candidates: 12 },
    });
  });
});
