import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { DataFormatError } from '../errors';
import { parseHfConfig, toHfConfig } from './hfConfig';

const FIXTURES = new URL('../../../../shared/fixtures/', import.meta.url);
const readJson = async (p: string) => JSON.parse(await readFile(new URL(p, FIXTURES), 'utf8')) as Record<string, unknown>;

describe('parseHfConfig', () => {
  it('reads the tiny-xlmr config into camelCase', async () => {
    expect(parseHfConfig(await readJson('tiny-xlmr/config.json'))).toEqual({
      modelType: 'xlm-roberta',
      vocabSize: 1000,
      hiddenSize: 32,
      numLayers: 2,
      numHeads: 4,
      intermediateSize: 48,
      maxPositions: 66,
      typeVocabSize: 1,
      layerNormEps: 1e-5,
      padTokenId: 1,
      bosTokenId: 0,
      eosTokenId: 2,
      hiddenAct: 'gelu',
      hiddenDropout: 0.1,
      attentionDropout: 0.1,
    });
  });

  it('reads the tiny-labse BERT config with its eps and pad id', async () => {
    const c = parseHfConfig(await readJson('tiny-labse/config.json'));
    expect(c).toMatchObject({ modelType: 'bert', layerNormEps: 1e-12, padTokenId: 0, typeVocabSize: 2, maxPositions: 64 });
  });

  it('round-trips through toHfConfig', async () => {
    const c = parseHfConfig(await readJson('tiny-xlmr/config.json'));
    const hf = toHfConfig(c);
    expect(hf.architectures).toEqual(['XLMRobertaModel']);
    expect(parseHfConfig(hf)).toEqual(c);
  });

  it('fills HF class defaults for omitted optional fields', () => {
    const c = parseHfConfig({ model_type: 'roberta', vocab_size: 10, hidden_size: 8, num_hidden_layers: 1, num_attention_heads: 2, intermediate_size: 16, max_position_embeddings: 12 });
    expect(c).toMatchObject({ padTokenId: 1, layerNormEps: 1e-12, typeVocabSize: 2, hiddenDropout: 0.1, attentionDropout: 0.1 });
  });

  const base = { model_type: 'bert', vocab_size: 10, hidden_size: 8, num_hidden_layers: 1, num_attention_heads: 2, intermediate_size: 16, max_position_embeddings: 12 };
  it.each([
    ['unknown model_type', { ...base, model_type: 'gpt2' }, 'config.json: model_type:'],
    ['missing hidden_size', { ...base, hidden_size: undefined }, 'config.json: hidden_size:'],
    ['non-integer layers', { ...base, num_hidden_layers: 1.5 }, 'config.json: num_hidden_layers:'],
    ['tanh GELU', { ...base, hidden_act: 'gelu_new' }, 'config.json: hidden_act: only "gelu" (exact erf GELU) is supported'],
    ['heads not dividing hidden', { ...base, num_attention_heads: 3 }, 'config.json: num_attention_heads: must divide hidden_size'],
    ['relative positions', { ...base, position_embedding_type: 'relative_key' }, 'config.json: position_embedding_type: only "absolute"'],
    ['dropout of 1', { ...base, hidden_dropout_prob: 1 }, 'config.json: hidden_dropout_prob:'],
    ['pad id outside the vocabulary', { ...base, pad_token_id: 10 }, 'config.json: pad_token_id: 10 is not below vocab_size 10'],
    ['not an object', [1], 'config.json: (root):'],
  ])('refuses %s, naming config.json and the field', (_label, raw, message) => {
    expect(() => parseHfConfig(raw)).toThrow(DataFormatError);
    expect(() => parseHfConfig(raw)).toThrow(message);
  });
});
