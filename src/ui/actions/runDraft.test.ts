import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { parseRunConfigJson } from '../../core/experiment/runConfig';
import { createDefaultNotebook } from '../../core/experiment/notebook';
import { draftFromPreset, draftToConfig, strategyLabel } from './runDraft';

const preset = (name: string) => parseRunConfigJson(readFileSync(new URL(`../../../experiments/${name}.json`, import.meta.url), 'utf8'), `${name}.json`);

describe('run form → run config', () => {
  const tiny = preset('tiny');
  const data = { ...createDefaultNotebook().data, train: { dataset: 'mlqa-r' as const, languages: ['de' as const, 'en' as const] }, eval: { dataset: 'xquad-r' as const, languages: ['en' as const] } };

  it('keeps the preset and applies the form, the data and the model', () => {
    const draft = { ...draftFromPreset('tiny', tiny), strategy: 'adversarial' as const, lambdaMax: 0.3, steps: 8 };
    const config = draftToConfig(draft, tiny, data, { kind: 'builtin', config: 'tiny' });
    expect(config.strategy).toEqual({ kind: 'adversarial', lambdaMax: 0.3, discriminatorHidden: 64, sampler: 'xx-mono', discriminatorDropout: 0.1, weight: 1 });
    expect(config.steps).toBe(8);
    expect(config.warmupSteps).toBe(0);
    expect(config.data.train).toEqual({ dataset: 'mlqa-r', languages: ['de', 'en'] });
    expect(config.model).toMatchObject({ builtin: 'tiny', vocabSize: tiny.model.vocabSize, maxLength: tiny.model.maxLength });
    expect(strategyLabel(config.strategy)).toBe('Adversarial λmax=0.3');
  });

  it('gives the pretrained built-in multilingual model no vocabulary (it brings its tokenizer), from any preset', () => {
    const multilingual = preset('multilingual');
    expect(multilingual.model).toMatchObject({ builtin: 'multilingual' });
    const config = draftToConfig(draftFromPreset('multilingual', multilingual), multilingual, data, createDefaultNotebook().model);
    expect(createDefaultNotebook().model).toEqual({ kind: 'builtin', config: 'multilingual' });
    expect(config.model).toEqual({ ...multilingual.model, builtin: 'multilingual' });
    expect(config.model.vocabSize).toBeUndefined();
    expect(draftToConfig(draftFromPreset('tiny', tiny), tiny, data, { kind: 'builtin', config: 'multilingual' }).model).toEqual({
      builtin: 'multilingual',
      pooling: tiny.model.pooling,
      maxLength: tiny.model.maxLength,
      freezeEmbeddings: tiny.model.freezeEmbeddings,
    });
    // the random-init controls from the default preset: the tokenizer trainer's default vocabulary
    const small = draftToConfig(draftFromPreset('multilingual', multilingual), multilingual, data, { kind: 'builtin', config: 'small' });
    expect(small.model).toEqual({ ...multilingual.model, builtin: 'small' });
  });

  it('uses an imported checkpoint by its storage key and drops the built-in vocabulary', () => {
    const config = draftToConfig(draftFromPreset('tiny', tiny), tiny, data, { kind: 'checkpoint', name: 'x', key: 'models/x-1', files: [] });
    expect(config.model.checkpoint).toBe('models/x-1');
    expect(config.model.builtin).toBeUndefined();
    expect(config.model.vocabSize).toBeUndefined();
  });

  it('carries the chunked backward field into the config: a number, or nothing for the whole batch whatever the preset says (issue 25)', () => {
    const draft = draftFromPreset('tiny', tiny);
    expect(draft.backwardChunkRows).toBeNull();
    expect(draftToConfig({ ...draft, backwardChunkRows: 8 }, tiny, data, { kind: 'builtin', config: 'tiny' }).backwardChunkRows).toBe(8);
    const chunkedPreset = { ...tiny, backwardChunkRows: 4 };
    expect(draftFromPreset('tiny', chunkedPreset).backwardChunkRows).toBe(4);
    expect(draftToConfig(draft, chunkedPreset, data, { kind: 'builtin', config: 'tiny' }).backwardChunkRows).toBeUndefined();
    expect(() => draftToConfig({ ...draft, backwardChunkRows: 0 }, tiny, data, { kind: 'builtin', config: 'tiny' })).toThrow(/^run form: backwardChunkRows: /);
  });

  it('names the bad field of an impossible form', () => {
    const same = { ...data, eval: { dataset: 'mlqa-r' as const, languages: ['en' as const] } };
    expect(() => draftToConfig(draftFromPreset('tiny', tiny), tiny, same, { kind: 'builtin', config: 'tiny' })).toThrow(/run form: data\.eval\.dataset/);
    const one = { ...data, train: { dataset: 'mlqa-r' as const, languages: ['en' as const] } };
    expect(() => draftToConfig({ ...draftFromPreset('tiny', tiny), strategy: 'xy' }, tiny, one, { kind: 'builtin', config: 'tiny' })).toThrow(/data\.train\.languages: strategy "xy" needs at least two/);
  });
});
