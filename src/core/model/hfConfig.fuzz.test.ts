/**
 * Bad-input suite (issue 8) for HF `config.json`: the categories `hfConfig.test.ts` does not cover
 * (non-finite and unsafe numbers, numbers as strings, wrong case and NUL in enums, `__proto__`, deep
 * nesting), then fast-check fuzzing of arbitrary values and of mutations of a valid config. Every input
 * must give a config that round-trips through `toHfConfig`, or a DataFormatError naming the file and field.
 * (Bytes → JSON happens in `loadEncoderCheckpoint`, whose malformed table covers it.)
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { applyJsonMutations, DEEP_ARRAY, expectCleanOutcome, expectCleanRejection, fuzzParams, jsonMutationsArb, nastyJsonValue, forEachCase } from '../testing/fuzz.testutil';
import { HF_CONFIG_BOUNDS, HfConfigSchema, parseHfConfig, toHfConfig } from './hfConfig';
import type { EncoderConfig } from './types';

const FILE = 'ckpt/config.json';

const VALID = {
  architectures: ['XLMRobertaModel'],
  model_type: 'xlm-roberta',
  vocab_size: 250,
  hidden_size: 32,
  num_hidden_layers: 2,
  num_attention_heads: 4,
  intermediate_size: 64,
  max_position_embeddings: 66,
  type_vocab_size: 1,
  layer_norm_eps: 1e-5,
  pad_token_id: 1,
  bos_token_id: 0,
  eos_token_id: 2,
  hidden_act: 'gelu',
  hidden_dropout_prob: 0.1,
  attention_probs_dropout_prob: 0.1,
  position_embedding_type: 'absolute',
};

/** An accepted config is consistent and survives the way back to HF. */
function checkConfig(c: EncoderConfig): void {
  expect(c.hiddenSize % c.numHeads).toBe(0);
  expect(c.padTokenId).toBeLessThan(c.vocabSize);
  for (const v of [c.vocabSize, c.hiddenSize, c.numLayers, c.numHeads, c.intermediateSize, c.maxPositions, c.typeVocabSize]) expect(Number.isSafeInteger(v) && v > 0).toBe(true);
  expect(Number.isFinite(c.layerNormEps) && c.layerNormEps > 0).toBe(true);
  expect(HfConfigSchema.safeParse(toHfConfig(c)).success).toBe(true);
  expect(parseHfConfig(toHfConfig(c), FILE)).toEqual(c);
}

const BAD: [string, unknown, string][] = [
  ['hidden_size NaN', { ...VALID, hidden_size: NaN }, 'hidden_size: '],
  ['vocab_size Infinity', { ...VALID, vocab_size: Infinity }, 'vocab_size: '],
  ['layer_norm_eps -Infinity', { ...VALID, layer_norm_eps: -Infinity }, 'layer_norm_eps: '],
  ['layer_norm_eps Infinity', { ...VALID, layer_norm_eps: Infinity }, 'layer_norm_eps: '],
  ['layer_norm_eps 0', { ...VALID, layer_norm_eps: 0 }, 'layer_norm_eps: '],
  ['hidden_dropout_prob NaN', { ...VALID, hidden_dropout_prob: NaN }, 'hidden_dropout_prob: '],
  ['max_position_embeddings 1e400 from the text', JSON.parse(JSON.stringify(VALID).replace('"max_position_embeddings":66', '"max_position_embeddings":1e400')), 'max_position_embeddings: '],
  ['vocab_size 2^53 (not a safe integer)', { ...VALID, vocab_size: 2 ** 53 }, 'vocab_size: '],
  ['num_hidden_layers -1', { ...VALID, num_hidden_layers: -1 }, 'num_hidden_layers: '],
  ['num_hidden_layers 1e12', { ...VALID, num_hidden_layers: 1e12 }, 'num_hidden_layers: '],
  ['hidden_size as a string', { ...VALID, hidden_size: '32' }, 'hidden_size: '],
  ['hidden_size as [32]', { ...VALID, hidden_size: [32] }, 'hidden_size: '],
  ['hidden_size nested 20 000 arrays deep', { ...VALID, hidden_size: DEEP_ARRAY }, 'hidden_size: '],
  ['type_vocab_size 0', { ...VALID, type_vocab_size: 0 }, 'type_vocab_size: '],
  ['pad_token_id NaN', { ...VALID, pad_token_id: NaN }, 'pad_token_id: '],
  ['pad_token_id -1', { ...VALID, pad_token_id: -1 }, 'pad_token_id: '],
  ['bos_token_id 1.5', { ...VALID, bos_token_id: 1.5 }, 'bos_token_id: '],
  ['eos_token_id as a string', { ...VALID, eos_token_id: '2' }, 'eos_token_id: '],
  ['model_type in upper case', { ...VALID, model_type: 'XLM-RoBERTa' }, 'model_type: '],
  ['model_type with a NUL', { ...VALID, model_type: 'bert\u0000' }, 'model_type: '],
  ['model_type a path', { ...VALID, model_type: '../bert' }, 'model_type: '],
  ['model_type missing', { ...VALID, model_type: undefined }, 'model_type: '],
  ['model_type null', { ...VALID, model_type: null }, 'model_type: '],
  ['hidden_act relu', { ...VALID, hidden_act: 'relu' }, 'hidden_act: only "gelu"'],
  ['every field under "__proto__"', JSON.parse(`{"__proto__": ${JSON.stringify(VALID)}}`), 'model_type: '],
  ['heads not dividing a huge hidden size', { ...VALID, hidden_size: 2 ** 40 + 1 }, 'hidden_size: must be at most 65,536'],
  // issue 21: absurd sizes are refused at the bound, naming the field, before anything is sized or allocated
  ['hidden_size 1e9', { ...VALID, hidden_size: 1e9, num_attention_heads: 1 }, 'hidden_size: must be at most 65,536'],
  ['vocab_size 1e12', { ...VALID, vocab_size: 1e12 }, 'vocab_size: must be at most 4,194,304'],
  ['intermediate_size 2^31', { ...VALID, intermediate_size: 2 ** 31 }, 'intermediate_size: must be at most 262,144'],
  ['max_position_embeddings 1e8', { ...VALID, max_position_embeddings: 1e8 }, 'max_position_embeddings: must be at most 1,048,576'],
  ['num_attention_heads 4096 (divides a 65,536 hidden size)', { ...VALID, hidden_size: 65_536, num_attention_heads: 4096 }, 'num_attention_heads: must be at most 1,024'],
  ['type_vocab_size 1e6', { ...VALID, type_vocab_size: 1e6 }, 'type_vocab_size: must be at most 1,024'],
  ['num_attention_heads 5 not dividing hidden_size 32', { ...VALID, num_attention_heads: 5 }, 'num_attention_heads: must divide hidden_size'],
  ['num_attention_heads larger than hidden_size', { ...VALID, num_attention_heads: 64 }, 'num_attention_heads: must divide hidden_size'],
  ['pad id of a 1-token vocabulary', { ...VALID, vocab_size: 1 }, 'pad_token_id: 1 is not below vocab_size 1'],
  ['the root is null', null, '(root): '],
  ['the root is a string', '{"model_type": "bert"}', '(root): '],
  ['the root is undefined (empty file)', undefined, '(root): '],
  ['the root is an array of the config', [VALID], '(root): '],
];

describe('parseHfConfig: malformed categories beyond hfConfig.test.ts', () => {
  it(`rejects ${BAD.length} malformed configs cleanly`, () => {
    forEachCase(BAD, ([, raw, expected]) => expectCleanRejection(() => parseHfConfig(raw, FILE), FILE, `${FILE}: ${expected}`));
  });

  it('accepts 3 valid configs with extras: a deep unknown key, path-like unknown keys, null bos/eos', () => {
    checkConfig(parseHfConfig({ ...VALID, task_specific_params: DEEP_ARRAY }, FILE));
    checkConfig(parseHfConfig({ ...VALID, '../x': 1, '/etc/passwd': 'a\u0000b', _name_or_path: '/etc/passwd' }, FILE));
    checkConfig(parseHfConfig({ ...VALID, bos_token_id: null, eos_token_id: null }, FILE));
  });
});

describe('parseHfConfig fuzzing', () => {
  it('the valid config parses (the base of every mutation)', () => {
    checkConfig(parseHfConfig(VALID, FILE));
  });

  it('300 arbitrary values (JSON, NaN, ±Infinity, deep arrays): a config or a clean DataFormatError', () => {
    fc.assert(
      fc.property(nastyJsonValue({ nonJsonNumbers: true }), (raw) => {
        expectCleanOutcome(() => parseHfConfig(raw, FILE), FILE, checkConfig);
      }),
      fuzzParams(300),
    );
  });

  it('500 mutations of a valid config (delete, replace incl. NaN/Infinity, duplicate, rename): a config or a clean error', () => {
    const outcomes = { ok: 0, refused: 0 };
    fc.assert(
      fc.property(jsonMutationsArb({ values: nastyJsonValue({ nonJsonNumbers: true }) }), (mutations) => {
        const out = expectCleanOutcome(() => parseHfConfig(applyJsonMutations(VALID, mutations), FILE), FILE, checkConfig);
        outcomes[out.ok ? 'ok' : 'refused']++;
      }),
      fuzzParams(500),
    );
    expect(outcomes.ok).toBeGreaterThan(0);
    expect(outcomes.refused).toBeGreaterThan(0);
  });

  it('300 random numeric configs: accepted exactly when every size is a positive integer within its bound and heads divide hidden', () => {
    const num = fc.oneof(fc.integer({ min: -2, max: 64 }), fc.double(), fc.constantFrom(NaN, Infinity, 2 ** 53));
    fc.assert(
      fc.property(num, num, num, (hidden, heads, vocab) => {
        const raw = { ...VALID, hidden_size: hidden, num_attention_heads: heads, vocab_size: vocab };
        const good =
          [hidden, heads, vocab].every((v) => Number.isSafeInteger(v) && v > 0) && hidden <= HF_CONFIG_BOUNDS.hidden_size && heads <= HF_CONFIG_BOUNDS.num_attention_heads && vocab <= HF_CONFIG_BOUNDS.vocab_size && hidden % heads === 0 && vocab > 1;
        const out = expectCleanOutcome(() => parseHfConfig(raw, FILE), FILE, checkConfig);
        expect(out.ok).toBe(good);
      }),
      fuzzParams(300),
    );
  });
});
