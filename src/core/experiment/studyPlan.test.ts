import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseRunConfigJson } from './runConfig';
import { DataFormatError } from '../errors';
import { chooseTry, DEFAULT_STUDY_LR, DEFAULT_STUDY_OPTIONS, LAMBDA_TRIES, parseStudyOptions, runName, STUDY_ARMS, STUDY_RANDOM_INIT_VOCAB_SIZE, studyRunConfig, TAU_TRIES, trySettings, validationScore } from './studyPlan';

const preset = (name: string) => parseRunConfigJson(readFileSync(`experiments/${name}.json`, 'utf8'), name);

describe('study plan', () => {
  it('gives every arm the same number of tries; the adversarial arm tunes λ_max at X-X-mono’s τ', () => {
    for (const arm of STUDY_ARMS) expect(trySettings(arm, 0.1)).toHaveLength(2);
    expect(trySettings('hybrid-0.5', null)).toEqual(TAU_TRIES.map((tau) => ({ tau })));
    expect(trySettings('adversarial', 0.1)).toEqual(LAMBDA_TRIES.map((lambdaMax) => ({ tau: 0.1, lambdaMax })));
    expect(() => trySettings('adversarial', null)).toThrow(/X-X-mono/);
  });

  it('changes only the study knobs of the preset: model, budget, validation split, strategy, τ, seed', () => {
    const base = preset('mlqa-xquad.hybrid');
    const c = studyRunConfig(base, 'hybrid-0.25', { tau: 0.1 }, 7, DEFAULT_STUDY_OPTIONS);
    expect(c.strategy).toEqual({ kind: 'hybrid', alpha: 0.25 });
    expect(c).toMatchObject({ seed: 7, tau: 0.1, steps: 400, warmupSteps: 40, checkpointEvery: 100, evalEvery: 0, lr: 0.0002 });
    expect(c.model.builtin).toBe('multilingual');
    expect(c.data.validationFraction).toBe(0.1);
    expect(c.data.train).toEqual(base.data.train);
    expect(c.data.eval).toEqual(base.data.eval);
    expect({ ...c, description: '', seed: 0, tau: 0, strategy: null, model: null, data: null, steps: 0, warmupSteps: 0, checkpointEvery: 0, evalEvery: 0, lr: 0 }).toEqual({
      ...base,
      description: '',
      seed: 0,
      tau: 0,
      strategy: null,
      model: null,
      data: null,
      steps: 0,
      warmupSteps: 0,
      checkpointEvery: 0,
      evalEvery: 0,
      lr: 0,
    });
    const adv = studyRunConfig(preset('xquad-mlqa.adversarial'), 'adversarial', { tau: 0.05, lambdaMax: 0.1 }, 7, DEFAULT_STUDY_OPTIONS);
    expect(adv.strategy).toMatchObject({ kind: 'adversarial', lambdaMax: 0.1, sampler: 'xx-mono' });
    expect(() => studyRunConfig(base, 'adversarial', { tau: 0.05, lambdaMax: 0.1 }, 7, DEFAULT_STUDY_OPTIONS)).toThrow(/adversarial preset/);
  });

  it('gives random-init runs the study’s vocabulary and pretrained runs none (their tokenizer is shipped)', () => {
    const base = preset('mlqa-xquad.hybrid');
    expect(base.model.builtin).toBe('multilingual');
    const small = studyRunConfig(base, 'hybrid-0.5', { tau: 0.05 }, 7, { ...DEFAULT_STUDY_OPTIONS, model: 'small' });
    expect(small.model).toEqual({ ...base.model, builtin: 'small', vocabSize: STUDY_RANDOM_INIT_VOCAB_SIZE });
    expect(STUDY_RANDOM_INIT_VOCAB_SIZE).toBe(16_000);
    const multilingual = studyRunConfig(base, 'hybrid-0.5', { tau: 0.05 }, 7, { ...DEFAULT_STUDY_OPTIONS, model: 'multilingual', lr: DEFAULT_STUDY_LR.multilingual });
    expect(multilingual.model).toEqual({ ...base.model, builtin: 'multilingual' });
    expect(multilingual.model.vocabSize).toBeUndefined();
    expect(multilingual.lr).toBe(DEFAULT_STUDY_LR.multilingual);
    expect(parseStudyOptions({ ...DEFAULT_STUDY_OPTIONS, model: 'multilingual' }, 'o.json').model).toBe('multilingual');
  });

  it('chooses the try with the best mean validation mAP, the first of ties', () => {
    expect(validationScore({ 'mono.map': 0.3, 'cross.map': 0.0, 'multi.map': 0.3 }, 'r')).toBeCloseTo(0.2, 12);
    expect(() => validationScore({ 'mono.map': 0.3, 'multi.map': 0.3 }, 'run-x')).toThrow(/run-x: validation metric cross\.map/);
    expect(chooseTry([0.1, 0.3, 0.3])).toBe(1);
    expect(chooseTry([0.2])).toBe(0);
    expect(() => chooseTry([])).toThrow();
    expect(runName('xquad-mlqa', 'hybrid-0.5', 2, 5)).toBe('xquad-mlqa/hybrid-0.5/try-2-seed-5');
  });

  describe('study-options.json', () => {
    const file = 'runs/study/study-options.json';
    const fieldOf = (raw: unknown) => {
      try {
        parseStudyOptions(raw, file);
      } catch (e) {
        expect(e).toBeInstanceOf(DataFormatError);
        expect((e as DataFormatError).file).toBe(file);
        return `${(e as DataFormatError).field}: ${(e as Error).message}`;
      }
      return null;
    };

    it('reads back what `xlir study run` writes', () => {
      const written = JSON.parse(JSON.stringify(DEFAULT_STUDY_OPTIONS)) as unknown;
      expect(parseStudyOptions(written, file)).toEqual(DEFAULT_STUDY_OPTIONS);
      expect(parseStudyOptions({ steps: 400, model: 'small', lr: 5e-4, validationFraction: 0.1 }, file).model).toBe('small');
    });

    it('names the field that is wrong', () => {
      expect(fieldOf({ ...DEFAULT_STUDY_OPTIONS, model: 'huge' })).toMatch(/^model: .*expected one of multilingual, tiny, small, got "huge"/);
      expect(fieldOf({ ...DEFAULT_STUDY_OPTIONS, steps: 0 })).toMatch(/^steps: /);
      expect(fieldOf({ ...DEFAULT_STUDY_OPTIONS, steps: 10.5 })).toMatch(/^steps: /);
      expect(fieldOf({ ...DEFAULT_STUDY_OPTIONS, lr: '5e-4' })).toMatch(/^lr: /);
      expect(fieldOf({ ...DEFAULT_STUDY_OPTIONS, validationFraction: 0.9 })).toMatch(/^validationFraction: /);
      expect(fieldOf({ steps: 400, model: 'tiny', lr: 0.005 })).toMatch(/^validationFraction: /);
      expect(fieldOf({ ...DEFAULT_STUDY_OPTIONS, seeds: 3 })).toMatch(/^seeds: /);
      expect(fieldOf([1, 2])).toMatch(/^\(root\): .*expected the object `xlir study run` writes/);
      expect(fieldOf(null)).toMatch(/^\(root\): /);
    });
  });
});
