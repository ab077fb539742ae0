import { describe, expect, it } from 'vitest';
import { DataFormatError } from '../errors';
import { parseDenseConfig, parseModulesJson, parsePoolingConfig, toDenseConfigJson } from './sentenceHead';

const m = (type: string, path: string) => ({ path, type: `sentence_transformers.models.${type}` });

describe('sentence-transformers module files', () => {
  it('reads the LaBSE module list', () => {
    expect(parseModulesJson([m('Transformer', ''), m('Pooling', '1_Pooling'), m('Dense', '2_Dense/'), m('Normalize', '3_Normalize')])).toEqual([
      { type: 'Transformer', path: '' },
      { type: 'Pooling', path: '1_Pooling' },
      { type: 'Dense', path: '2_Dense' },
      { type: 'Normalize', path: '3_Normalize' },
    ]);
  });

  it.each<[string, unknown, string]>([
    ['an unknown module', [m('Transformer', ''), m('Pooling', '1'), m('LayerNorm', '2')], 'modules.json: [2].type: unsupported module "sentence_transformers.models.LayerNorm"'],
    ['no Pooling second', [m('Transformer', ''), m('Dense', '1')], 'modules.json: [1].type: module 1 must be sentence_transformers.models.Pooling'],
    ['a Dense after Normalize', [m('Transformer', ''), m('Pooling', '1'), m('Normalize', '2'), m('Dense', '3')], 'modules.json: [3].type: a Dense module after Normalize'],
    ['a missing path', [{ type: 'x' }], 'modules.json: [0].path:'],
    ['an empty list', [], 'modules.json: (root):'],
  ])('refuses %s', (_label, raw, message) => {
    expect(() => parseModulesJson(raw)).toThrow(DataFormatError);
    expect(() => parseModulesJson(raw)).toThrow(message);
  });

  it('reads CLS or mean pooling and refuses the rest', () => {
    expect(parsePoolingConfig({ word_embedding_dimension: 32, pooling_mode_cls_token: true, pooling_mode_mean_tokens: false }, 'p.json')).toBe('cls');
    expect(parsePoolingConfig({ pooling_mode_mean_tokens: true }, 'p.json')).toBe('mean');
    expect(() => parsePoolingConfig({ pooling_mode_max_tokens: true }, 'p.json')).toThrow('p.json: pooling_mode_max_tokens: only pooling_mode_cls_token and pooling_mode_mean_tokens are supported');
    expect(() => parsePoolingConfig({ pooling_mode_cls_token: true, pooling_mode_mean_tokens: true }, 'p.json')).toThrow('exactly one pooling mode must be true (got pooling_mode_cls_token, pooling_mode_mean_tokens)');
    expect(() => parsePoolingConfig({}, 'p.json')).toThrow('(got none)');
  });

  it('reads Dense configs and writes them back', () => {
    const raw = { in_features: 32, out_features: 16, bias: false, activation_function: 'torch.nn.modules.linear.Identity' };
    const c = parseDenseConfig(raw, 'd.json');
    expect(c).toEqual({ inFeatures: 32, outFeatures: 16, bias: false, activation: 'identity' });
    expect(toDenseConfigJson(c)).toEqual(raw);
    expect(() => parseDenseConfig({ in_features: 0, out_features: 2 }, 'd.json')).toThrow('d.json: in_features:');
  });
});
