import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parsePretrainConfig, parsePretrainConfigJson } from './pretrainConfig';

const SHIPPED = path.resolve(__dirname, '../../../experiments/pretrain/multilingual.json');

describe('parsePretrainConfig', () => {
  const valid = JSON.parse(readFileSync(SHIPPED, 'utf8')) as Record<string, unknown>;

  it('accepts the shipped config and fills defaults', () => {
    const c = parsePretrainConfigJson(`\uFEFF${JSON.stringify({ ...valid, tokenizer: { vocabSize: 32000 } })}`, 'x.json');
    expect(c.tokenizer.minFrequency).toBe(2);
    expect(c.model.layerNormEps).toBe(100);
  });

  it('names the file and field of a bad value, and the line of a syntax error', () => {
    expect(() => parsePretrainConfig({ ...valid, corpus: { languages: ['en'] } }, 'c.json')).toThrow('c.json: corpus.languages[0]: English is the pivot');
    expect(() => parsePretrainConfig({ ...valid, corpus: { languages: ['de', 'de'] } }, 'c.json')).toThrow('c.json: corpus.languages[1]: "de" is listed twice');
    expect(() => parsePretrainConfig({ ...valid, model: { ...(valid.model as object), numHeads: 3 } }, 'c.json')).toThrow('c.json: model.numHeads: numHeads must divide hiddenSize');
    expect(() => parsePretrainConfig({ ...valid, warmupSteps: 1e6 }, 'c.json')).toThrow('c.json: warmupSteps:');
    expect(() => parsePretrainConfig({ ...valid, scale: 1e300 }, 'c.json')).toThrow('c.json: scale:');
    expect(() => parsePretrainConfig({ ...valid, extra: 1 }, 'c.json')).toThrow('c.json: (root):');
    expect(() => parsePretrainConfigJson('{\n  "seed": }', 'c.json')).toThrow(/c\.json: \(json\): not valid JSON at line 2 column \d+/);
  });
});
