import { describe, expect, it } from 'vitest';
import { DataFormatError } from '../errors';
import { embeddingsFromJson } from './embeddingsFile';
import { handDataset } from './handDataset';

const DS = handDataset('xquad-r', {
  en: { sentences: ['e0', 'e1'], questions: [['q1', 0]] },
  de: { sentences: ['d0'], questions: [['q1', 0]] },
});
const LANGS = ['ar', 'de', 'el', 'en'];
const good = () => ({
  queries: { 'de:q1': [1, 2], 'en:q1': [3, 4] },
  candidates: { 'de:0:0:0': [0, 1], 'en:0:0:0': [1, 0], 'en:0:0:1': [0.5, 0.5] },
});

describe('embeddingsFromJson', () => {
  it('lays vectors out in dataset order', () => {
    const e = embeddingsFromJson(good(), 'e.json', DS, LANGS);
    expect(e.dim).toBe(2);
    expect(Array.from(e.queries)).toEqual([1, 2, 3, 4]);
    expect(Array.from(e.candidates)).toEqual([0, 1, 1, 0, 0.5, 0.5]);
  });

  it('skips ids of dataset languages that are not loaded', () => {
    const j = good();
    (j.queries as Record<string, number[]>)['ar:q1'] = [9, 9];
    expect(embeddingsFromJson(j, 'e.json', DS, LANGS).queries).toHaveLength(4);
  });

  it('names the file and the first missing id', () => {
    const j = good();
    delete (j.candidates as Record<string, number[]>)['en:0:0:0'];
    delete (j.candidates as Record<string, number[]>)['en:0:0:1'];
    expect(() => embeddingsFromJson(j, 'e.json', DS, LANGS)).toThrow(DataFormatError);
    expect(() => embeddingsFromJson(j, 'e.json', DS, LANGS)).toThrow('e.json: candidates["en:0:0:0"]: missing embedding');
  });

  it('refuses unknown ids, ragged vectors, non-numbers and bad layouts', () => {
    const unknown = good();
    (unknown.queries as Record<string, number[]>)['en:q9'] = [1, 1];
    expect(() => embeddingsFromJson(unknown, 'e.json', DS, LANGS)).toThrow('e.json: queries["en:q9"]: unknown id: not a query of xquad-r');
    const ragged = good();
    ragged.candidates['en:0:0:1'] = [1, 2, 3];
    expect(() => embeddingsFromJson(ragged, 'e.json', DS, LANGS)).toThrow('e.json: candidates["en:0:0:1"]: vector has 3 values, the first one had 2');
    const text = good() as { queries: Record<string, unknown[]> };
    text.queries['en:q1'] = [1, '2'];
    expect(() => embeddingsFromJson(text, 'e.json', DS, LANGS)).toThrow('e.json: queries["en:q1"][1]: expected a finite number, got "2"');
    const huge = good();
    huge.queries['en:q1'] = [1, 1e300];
    expect(() => embeddingsFromJson(huge, 'e.json', DS, LANGS)).toThrow(/outside the float32 range/);
    expect(() => embeddingsFromJson([], 'e.json', DS, LANGS)).toThrow('e.json: (root): expected an object');
    expect(() => embeddingsFromJson({ queries: {} }, 'e.json', DS, LANGS)).toThrow('e.json: queries["de:q1"]: missing embedding');
    expect(() => embeddingsFromJson({ ...good(), extra: 1 }, 'e.json', DS, LANGS)).toThrow('e.json: extra: unexpected key');
  });
});
