import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { DataFormatError } from '../errors';
import { parseHfConfig } from './hfConfig';
import { readSafetensors } from './safetensors';
import { expectedWeightShapes, mapCheckpointWeights, normalizeWeightName } from './weightNames';

const FIXTURES = new URL('../../../../shared/fixtures/', import.meta.url);
const config = parseHfConfig(JSON.parse(await readFile(new URL('tiny-xlmr/config.json', FIXTURES), 'utf8')));
const read = async (p: string) => readSafetensors(new Uint8Array(await readFile(new URL(p, FIXTURES))), p).tensors;

describe('normalizeWeightName', () => {
  it.each([
    ['roberta.encoder.layer.0.output.dense.weight', 'encoder.layer.0.output.dense.weight'],
    ['bert.embeddings.word_embeddings.weight', 'embeddings.word_embeddings.weight'],
    ['embeddings.LayerNorm.gamma', 'embeddings.LayerNorm.weight'],
    ['bert.encoder.layer.3.attention.output.LayerNorm.beta', 'encoder.layer.3.attention.output.LayerNorm.bias'],
    ['pooler.dense.bias', 'pooler.dense.bias'],
    ['lm_head.dense.weight', null],
    ['cls.predictions.bias', null],
    ['roberta.embeddings.position_ids', null],
    ['embeddings.token_type_ids', null],
  ])('%s → %s', (key, name) => {
    expect(normalizeWeightName(key)).toBe(name);
  });
});

describe('mapCheckpointWeights', () => {
  it('maps the tiny-xlmr checkpoint: 39 tensors with the pooler', async () => {
    const m = mapCheckpointWeights(await read('tiny-xlmr/model.safetensors'), config, 'model.safetensors');
    expect(m.weights.size).toBe(39);
    expect(m.hasPooler).toBe(true);
    expect(m.ignored).toEqual([]);
    expect(expectedWeightShapes(config, true).size).toBe(39);
  });

  it('maps the MLM layout: roberta. prefix stripped, lm_head ignored, no pooler', async () => {
    const m = mapCheckpointWeights(await read('tiny-xlmr/variants/mlm_layout.safetensors'), config, 'mlm.safetensors');
    expect(m.weights.size).toBe(37);
    expect(m.hasPooler).toBe(false);
    expect(m.ignored.sort()).toEqual(['lm_head.bias', 'lm_head.dense.bias', 'lm_head.dense.weight', 'lm_head.layer_norm.bias', 'lm_head.layer_norm.weight']);
  });

  it('maps old LayerNorm.gamma/beta names', async () => {
    const renamed = new Map([...(await read('tiny-xlmr/model.safetensors'))].map(([k, t]) => [k.replace('LayerNorm.weight', 'LayerNorm.gamma').replace('LayerNorm.bias', 'LayerNorm.beta'), t]));
    expect(renamed.has('embeddings.LayerNorm.gamma')).toBe(true);
    expect(mapCheckpointWeights(renamed, config, 'old.bin').weights.has('embeddings.LayerNorm.weight')).toBe(true);
  });

  const shape = (s: number[]) => ({ shape: s });
  const valid = () => new Map([...expectedWeightShapes(config, false)].map(([k, s]) => [k, shape(s)]));
  it.each<[string, (m: Map<string, { shape: number[] }>) => void, string]>([
    ['a missing tensor', (m) => m.delete('encoder.layer.1.output.dense.bias'), 'w.st: tensor "encoder.layer.1.output.dense.bias": is missing (expected shape [32]'],
    ['a shape that differs from the config', (m) => m.set('encoder.layer.0.intermediate.dense.weight', shape([32, 48])), 'tensor "encoder.layer.0.intermediate.dense.weight": has shape [32, 48] but config.json implies [48, 32]'],
    ['a vocabulary that differs from the config', (m) => m.set('embeddings.word_embeddings.weight', shape([999, 32])), 'has shape [999, 32] but config.json implies [1000, 32]'],
    ['a layer beyond num_hidden_layers', (m) => m.set('encoder.layer.2.output.dense.bias', shape([32])), 'tensor "encoder.layer.2.output.dense.bias": is not part of a xlm-roberta encoder with 2 layers'],
    ['the same tensor with and without prefix', (m) => m.set('roberta.embeddings.LayerNorm.bias', shape([32])), 'tensor "roberta.embeddings.LayerNorm.bias": maps to "embeddings.LayerNorm.bias", as "embeddings.LayerNorm.bias" does'],
    ['half a pooler', (m) => m.set('pooler.dense.weight', shape([32, 32])), 'tensor "pooler.dense.bias": is missing'],
  ])('refuses %s', (_label, mutate, message) => {
    const m = valid();
    mutate(m);
    expect(() => mapCheckpointWeights(m, config, 'w.st')).toThrow(DataFormatError);
    expect(() => mapCheckpointWeights(m, config, 'w.st')).toThrow(message);
  });
});
