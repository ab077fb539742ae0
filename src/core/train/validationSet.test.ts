import { describe, expect, it } from 'vitest';
import { handDataset } from '../metrics/handDataset';
import { parseRunConfig } from '../experiment/runConfig';
import { TEST_RUN_CONFIG } from '../testing/runConfigFixture.testutil';
import { buildTrainingSet } from './examples';
import { validationDataset } from './validationSet';

const questions = Array.from({ length: 10 }, (_, i) => [`q${i}`, i % 3] as [string, number]);
const DATA_SPEC = { sentences: ['a', 'b', 'c'], questions };
const DATA = handDataset('mlqa-r', { en: DATA_SPEC, de: { sentences: ['x', 'y', 'z'], questions } });
const config = (fraction: number) => parseRunConfig({ ...TEST_RUN_CONFIG, data: { ...TEST_RUN_CONFIG.data, validationFraction: fraction } }, 'test');

describe('validationDataset', () => {
  it('keeps exactly the held-out questions, in every training language, and all candidates', () => {
    const v = validationDataset(DATA, config(0.3));
    const set = buildTrainingSet(DATA, { languages: ['de', 'en'], seed: 1, validationFraction: 0.3 });
    const held = set.validation.map((g) => g.questionId).sort();
    expect(held).toHaveLength(3);
    expect([...new Set(v.queries.map((q) => q.questionId))].sort()).toEqual(held);
    expect(v.queries).toHaveLength(6);
    expect(v.candidates).toBe(DATA.candidates);
    expect([...v.answersByQuestion.keys()].sort()).toEqual(held);
    // none of them is trained on
    expect(set.groups.some((g) => held.includes(g.questionId))).toBe(false);
  });

  it('refuses a run that holds out nothing, or a dataset with languages the run does not train on', () => {
    expect(() => validationDataset(DATA, config(0))).toThrow(/holds out no validation questions/);
    const withFr = handDataset('mlqa-r', { ...{ en: DATA_SPEC, de: DATA_SPEC }, es: DATA_SPEC });
    expect(() => validationDataset(withFr, config(0.5))).toThrow(/also loaded: es/);
  });
});
