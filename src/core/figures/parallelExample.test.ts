import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { parseDataset } from '../data/parseDataset';
import { sharedDataDir } from '../testing/sharedData.testutil';
import { parallelExample, questionIdsOf } from './parallelExample';

const load = (name: 'xquad-r' | 'mlqa-r', langs: string[]) => {
  const dir = sharedDataDir(...langs.map((l) => `${name}/${l}.json`));
  return parseDataset(
    name,
    langs.map((l) => ({ name: `${l}.json`, bytes: new Uint8Array(readFileSync(`${dir}/${name}/${l}.json`)) })),
  );
};

describe('parallelExample (shared data)', () => {
  it('lists one question in every XQuAD-R language with its answer sentence', async () => {
    const ds = await load('xquad-r', ['de', 'en', 'zh']);
    const ids = questionIdsOf(ds);
    expect(ids).toHaveLength(1190);
    const view = parallelExample(ds, ids[0]!);
    expect(view.entries.map((e) => e.lang)).toEqual(['de', 'en', 'zh']);
    const en = view.entries.find((e) => e.lang === 'en')!;
    expect(en.queryId).toBe(`en:${ids[0]}`);
    // the answer sentence is the candidate the dataset names for this question in English
    const answerIndex = ds.answersByQuestion.get(ids[0]!)!.get('en')!;
    expect(en.answer).toBe(ds.candidates[answerIndex]!.text);
    expect(view.title.length).toBeGreaterThan(0);
    expect(() => parallelExample(ds, 'nope')).toThrow(/no question "nope"/);
  });

  it('shows only the languages that have an MLQA-R question', async () => {
    const ds = await load('mlqa-r', ['ar', 'de', 'en']);
    const onlyTwo = questionIdsOf(ds).find((id) => ds.answersByQuestion.get(id)!.size === 2)!;
    expect(parallelExample(ds, onlyTwo).entries).toHaveLength(2);
  });
});
