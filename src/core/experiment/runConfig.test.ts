import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { DataFormatError } from '../errors';
import { parseRunConfig, parseRunConfigJson, samplerOf, STRATEGY_KINDS, type RunConfigInput } from './runConfig';
import { TEST_RUN_CONFIG } from '../testing/runConfigFixture.testutil';

const EXPERIMENTS = path.resolve(__dirname, '../../../experiments');
const presets = readdirSync(EXPERIMENTS).filter((f) => f.endsWith('.json'));

const base: RunConfigInput = TEST_RUN_CONFIG;

function errorOf(raw: unknown): DataFormatError {
  try {
    parseRunConfig(raw, 'exp.json');
  } catch (err) {
    if (err instanceof DataFormatError) return err;
    throw err;
  }
  throw new Error('expected a DataFormatError');
}

describe('presets in experiments/', () => {
  it('has multilingual.json (the default), tiny.json (random-init smoke run) and one preset per strategy and direction', () => {
    const expected = ['multilingual.json', 'tiny.json'];
    for (const dir of ['mlqa-xquad', 'xquad-mlqa']) for (const kind of STRATEGY_KINDS) expected.push(`${dir}.${kind}.json`);
    expect([...presets].sort()).toEqual(expected.sort());
  });

  it.each(presets)('%s is a valid run config whose training data never includes the evaluation set', (file) => {
    const config = parseRunConfigJson(readFileSync(path.join(EXPERIMENTS, file), 'utf8'), file);
    expect(config.data.train.dataset).not.toBe(config.data.eval.dataset);
    const match = /^(mlqa-xquad|xquad-mlqa)\.(.+)\.json$/.exec(file);
    if (match) {
      const [, direction, kind] = match;
      expect(config.strategy.kind).toBe(kind);
      expect(config.data.train.dataset).toBe(direction === 'mlqa-xquad' ? 'mlqa-r' : 'xquad-r');
      expect(config.data.eval.dataset).toBe(direction === 'mlqa-xquad' ? 'xquad-r' : 'mlqa-r');
    }
    if (config.strategy.kind === 'hybrid') expect(config.strategy.alpha).toBe(0.5);
  });

  it('presets of one direction differ only in strategy and description (a fair comparison)', () => {
    for (const dir of ['mlqa-xquad', 'xquad-mlqa']) {
      const configs = STRATEGY_KINDS.map((kind) => {
        const { strategy: _s, description: _d, ...rest } = parseRunConfigJson(readFileSync(path.join(EXPERIMENTS, `${dir}.${kind}.json`), 'utf8'), kind);
        return rest;
      });
      for (const c of configs) expect(c).toEqual(configs[0]);
    }
  });

  it('start from the pretrained built-in multilingual model, all but the random-init smoke run', () => {
    for (const file of presets) {
      const config = parseRunConfigJson(readFileSync(path.join(EXPERIMENTS, file), 'utf8'), file);
      expect(config.model.builtin, file).toBe(file === 'tiny.json' ? 'tiny' : 'multilingual');
      if (file !== 'tiny.json') expect(config.model.vocabSize, file).toBeUndefined();
    }
  });
});

describe('parseRunConfig', () => {
  it('fills defaults', () => {
    const c = parseRunConfig(base, 'exp.json');
    expect(c.lrSchedule).toBe('linear');
    expect(c.data.validationFraction).toBe(0);
    const adv = parseRunConfig({ ...base, strategy: { kind: 'adversarial', lambdaMax: 0.3, discriminatorHidden: 16 } }, 'exp.json');
    expect(adv.strategy).toEqual({ kind: 'adversarial', lambdaMax: 0.3, discriminatorHidden: 16, sampler: 'xx-mono', discriminatorDropout: 0.1, weight: 1 });
    expect(samplerOf(adv.strategy)).toBe('xx-mono');
    expect(samplerOf(c.strategy)).toBe('hybrid');
  });

  it('names the file and the field of the first problem', () => {
    const e = errorOf({ ...base, tau: -1 });
    expect(e.file).toBe('exp.json');
    expect(e.field).toBe('tau');
    expect(e.message).toMatch(/^exp\.json: tau: /);
    expect(errorOf({ ...base, strategy: { kind: 'hybrid', alpha: 2 } }).field).toBe('strategy.alpha');
    expect(errorOf({ ...base, strategy: { kind: 'magic' } }).field).toBe('strategy.kind');
    expect(errorOf({ ...base, schemaVersion: 2 }).field).toBe('schemaVersion');
    expect(errorOf({ ...base, lr: undefined }).field).toBe('lr');
  });

  it('refuses unknown fields (typos) by name', () => {
    const e = errorOf({ ...base, learningRate: 1 });
    expect(e.message).toMatch(/learningRate/);
    expect(errorOf({ ...base, model: { ...base.model, poolng: 'cls' } }).message).toMatch(/poolng/);
  });

  it('checks cross-field rules', () => {
    const both = errorOf({ ...base, model: { ...base.model, checkpoint: 'ckpt/' } });
    expect(both.field).toBe('model');
    expect(both.message).toMatch(/exactly one of "builtin"/);
    expect(errorOf({ ...base, model: { ...base.model, maxLength: 100 } }).message).toMatch(/at most 64 tokens/);
    expect(errorOf({ ...base, data: { ...base.data, eval: { dataset: 'mlqa-r', languages: ['en'] } } }).field).toBe('data.eval.dataset');
    const lang = errorOf({ ...base, data: { ...base.data, train: { dataset: 'mlqa-r', languages: ['en', 'th'] } } });
    expect(lang.field).toBe('data.train.languages[1]');
    expect(lang.message).toMatch(/mlqa-r has no language "th"/);
    expect(errorOf({ ...base, data: { ...base.data, train: { dataset: 'mlqa-r', languages: ['en'] } } }).message).toMatch(/at least two training languages/);
    expect(errorOf({ ...base, warmupSteps: 11 }).field).toBe('warmupSteps');
  });

  it('takes the pretrained built-in multilingual model, without vocabSize (it brings its tokenizer)', () => {
    const { vocabSize: _v, ...model } = base.model;
    const c = parseRunConfig({ ...base, model: { ...model, builtin: 'multilingual', maxLength: 128 } }, 'exp.json');
    expect(c.model).toEqual({ ...model, builtin: 'multilingual', maxLength: 128 });
    const e = errorOf({ ...base, model: { ...model, builtin: 'multilingual', vocabSize: 4000 } });
    expect(e.field).toBe('model.vocabSize');
    expect(e.message).toMatch(/^exp\.json: model\.vocabSize: .*pretrained "multilingual" brings its tokenizer/);
    expect(errorOf({ ...base, model: { ...model, builtin: 'large' } }).message).toMatch(/multilingual/);
  });

  it('reports JSON syntax errors with line and column', () => {
    expect(() => parseRunConfigJson('{\n  "seed": 1,\n}', 'bad.json')).toThrow(/^bad\.json: \(json\): not valid JSON at line 3 column 1 /);
  });
});

describe('backwardChunkRows (the chunked backward, issue 25)', () => {
  it('is absent by default (the whole batch at once) and kept when set', () => {
    expect(parseRunConfig(base, 'exp.json').backwardChunkRows).toBeUndefined();
    expect(parseRunConfig({ ...base, backwardChunkRows: 8 }, 'exp.json').backwardChunkRows).toBe(8);
  });

  it('refuses anything but a whole number of sequences in [1, 8192], naming the field', () => {
    for (const bad of [0, -1, 2.5, 8193, '8']) {
      const e = errorOf({ ...base, backwardChunkRows: bad });
      expect(e.field, String(bad)).toBe('backwardChunkRows');
      expect(e.message).toMatch(/^exp\.json: backwardChunkRows: /);
    }
  });
});

describe('run config bounds', () => {
  it('refuses sizes that would ask for unbounded memory, naming the field', () => {
    const tiny = JSON.parse(readFileSync(path.join(EXPERIMENTS, 'tiny.json'), 'utf8')) as Record<string, unknown>;
    expect(() => parseRunConfig({ ...tiny, batchSize: 1_000_000 }, 'big.json')).toThrow(/big\.json.*batchSize/);
    expect(() => parseRunConfig({ ...tiny, steps: 1e12 }, 'big.json')).toThrow(/big\.json.*steps/);
    expect(() => parseRunConfig({ ...tiny, strategy: { kind: 'adversarial', lambdaMax: 0.3, discriminatorHidden: 1e9, sampler: 'xx-mono' } }, 'big.json')).toThrow(/big\.json.*discriminatorHidden/);
  });
});
