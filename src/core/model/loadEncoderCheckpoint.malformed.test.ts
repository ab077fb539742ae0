/**
 * Every malformed checkpoint variant we could make, through `loadEncoderCheckpoint` (the path users
 * hit), read both tensor by tensor (ranged source) and whole: each must fail with a typed error whose
 * message names the file and the field. The parser's own cases are in safetensors.test.ts; the
 * folder-level ones covered by loadEncoderCheckpoint.test.ts are not repeated here.
 */
import { readFile } from 'node:fs/promises';
import { beforeAll, describe, expect, it } from 'vitest';
import { CheckpointError, DataFormatError } from '../errors';
import { initBackend } from './backend';
import { memorySource } from './checkpointSource';
import { loadEncoderCheckpoint } from './loadEncoderCheckpoint';
import { readSafetensors, writeSafetensors, type WritableTensor } from './safetensors';

const FIXTURES = new URL('../../../../shared/fixtures/', import.meta.url);
const bytes = async (p: string) => new Uint8Array(await readFile(new URL(p, FIXTURES)));
const text = (s: string) => new TextEncoder().encode(s);

const CONFIG = await bytes('tiny-xlmr/config.json');
const WEIGHTS = await bytes('tiny-xlmr/model.safetensors');
const configJson = JSON.parse(new TextDecoder().decode(CONFIG)) as Record<string, unknown>;
const labse: Record<string, Uint8Array> = {};
for (const p of ['config.json', 'model.safetensors', 'modules.json', '1_Pooling/config.json', '2_Dense/config.json', '2_Dense/model.safetensors']) labse[p] = await bytes(`tiny-labse/${p}`);

/** The valid file with its JSON header rewritten (tensor data unchanged). */
function withHeader(file: Uint8Array, edit: (header: Record<string, { dtype: string; shape: number[]; data_offsets: number[] }>) => void): Uint8Array {
  const n = Number(new DataView(file.buffer, file.byteOffset).getBigUint64(0, true));
  const header = JSON.parse(new TextDecoder().decode(file.subarray(8, 8 + n))) as Parameters<typeof edit>[0];
  edit(header);
  const json = text(JSON.stringify(header));
  const out = new Uint8Array(8 + json.byteLength + file.byteLength - 8 - n);
  new DataView(out.buffer).setBigUint64(0, BigInt(json.byteLength), true);
  out.set(json, 8);
  out.set(file.subarray(8 + n), 8 + json.byteLength);
  return out;
}

/** The valid file with its first 8 bytes set to `length`. */
function withHeaderLength(file: Uint8Array, length: bigint): Uint8Array {
  const out = file.slice();
  new DataView(out.buffer).setBigUint64(0, length, true);
  return out;
}

/** The valid weights as a new file, edited tensor by tensor. */
function rewritten(edit: (tensors: Record<string, WritableTensor>) => void): Uint8Array {
  const tensors: Record<string, WritableTensor> = {};
  for (const [name, t] of readSafetensors(WEIGHTS, 'w').tensors) tensors[name] = { dtype: 'F32', shape: t.shape, data: t.data as Float32Array };
  edit(tensors);
  return writeSafetensors(tensors, { format: 'pt' });
}

const config = (edit: (c: Record<string, unknown>) => void) => {
  const c = structuredClone(configJson);
  edit(c);
  return text(JSON.stringify(c));
};

const W = 'embeddings.word_embeddings.weight';
const xlmr = (files: Record<string, Uint8Array>) => ({ 'config.json': CONFIG, 'model.safetensors': WEIGHTS, ...files });

type Case = [label: string, files: Record<string, Uint8Array>, error: typeof DataFormatError | typeof CheckpointError, message: string];

const CASES: Case[] = [
  // model.safetensors: the byte layout
  ['a file shorter than the 8-byte header length', xlmr({ 'model.safetensors': WEIGHTS.subarray(0, 6) }), DataFormatError, 'src/model.safetensors: header length: file is truncated: 6 bytes'],
  ['a file truncated inside the header', xlmr({ 'model.safetensors': WEIGHTS.subarray(0, 300) }), DataFormatError, 'src/model.safetensors: header length: 4024 bytes runs past the end of the file (300 bytes): file is truncated'],
  [
    'a file truncated inside the data',
    xlmr({ 'model.safetensors': WEIGHTS.subarray(0, WEIGHTS.byteLength - 100) }),
    DataFormatError,
    'src/model.safetensors: tensor "pooler.dense.weight" data_offsets: [196992, 201088] run past the end of the data (200988 bytes): file is truncated',
  ],
  ['a huge header length (2^40)', xlmr({ 'model.safetensors': withHeaderLength(WEIGHTS, 2n ** 40n) }), DataFormatError, 'src/model.safetensors: header length: 1099511627776 bytes exceeds the 100000000-byte limit'],
  ['a header length of 2^64 − 1', xlmr({ 'model.safetensors': withHeaderLength(WEIGHTS, 2n ** 64n - 1n) }), DataFormatError, 'src/model.safetensors: header length: 18446744073709551615 bytes exceeds'],
  ['a header length past the end of the file', xlmr({ 'model.safetensors': withHeaderLength(WEIGHTS, BigInt(WEIGHTS.byteLength)) }), DataFormatError, `src/model.safetensors: header length: ${WEIGHTS.byteLength} bytes runs past the end of the file`],
  ['a header that is not JSON', xlmr({ 'model.safetensors': withHeaderLength(WEIGHTS, 12n) }), DataFormatError, 'src/model.safetensors: header: not valid JSON'],
  [
    'offsets past the end of the data',
    // 7812 more rows of 128 bytes, consistently in shape and offsets, that the file does not hold
    xlmr({
      'model.safetensors': withHeader(WEIGHTS, (h) => {
        const e = h[W]!;
        e.data_offsets = [e.data_offsets[0]!, e.data_offsets[1]! + 7812 * 128];
        e.shape = [1000 + 7812, 32];
      }),
    }),
    DataFormatError,
    `src/model.safetensors: tensor "${W}" data_offsets: [8832, 1136768] run past the end of the data`,
  ],
  [
    'overlapping tensors',
    xlmr({
      'model.safetensors': withHeader(WEIGHTS, (h) => {
        const e = h[W]!;
        e.data_offsets = [e.data_offsets[0]! - 4, e.data_offsets[1]! - 4];
      }),
    }),
    DataFormatError,
    `src/model.safetensors: tensor "${W}" data_offsets: [8828, 136828] overlap tensor`,
  ],
  // model.safetensors: dtypes
  [
    'F16 declared for F32 bytes',
    xlmr({
      'model.safetensors': withHeader(WEIGHTS, (h) => {
        h[W]!.dtype = 'F16';
      }),
    }),
    DataFormatError,
    `src/model.safetensors: tensor "${W}" data_offsets: shape [1000, 32] of F16 needs 64000 bytes but data_offsets`,
  ],
  [
    'an unknown dtype',
    xlmr({
      'model.safetensors': withHeader(WEIGHTS, (h) => {
        h[W]!.dtype = 'F32X';
      }),
    }),
    DataFormatError,
    `src/model.safetensors: tensor "${W}" dtype: unsupported dtype "F32X"`,
  ],
  [
    'an F8 dtype',
    xlmr({
      'model.safetensors': withHeader(WEIGHTS, (h) => {
        h[W]!.dtype = 'F8_E5M2';
        h[W]!.shape = [4000, 32];
      }),
    }),
    DataFormatError,
    `src/model.safetensors: tensor "${W}" dtype: unsupported dtype "F8_E5M2"`,
  ],
  [
    'integer weights',
    xlmr({
      'model.safetensors': withHeader(WEIGHTS, (h) => {
        h[W]!.dtype = 'I32';
      }),
    }),
    DataFormatError,
    `src/model.safetensors: tensor "${W}" dtype: I32 is not a floating-point type`,
  ],
  // model.safetensors vs config.json
  [
    'a tensor transposed (same bytes)',
    xlmr({
      'model.safetensors': withHeader(WEIGHTS, (h) => {
        h[W]!.shape = [32, 1000];
      }),
    }),
    DataFormatError,
    `src/model.safetensors: tensor "${W}": has shape [32, 1000] but config.json implies [1000, 32]`,
  ],
  [
    'vocab_size that disagrees with the weights',
    xlmr({
      'config.json': config((c) => {
        c.vocab_size = 1001;
      }),
    }),
    DataFormatError,
    `src/model.safetensors: tensor "${W}": has shape [1000, 32] but config.json implies [1001, 32]`,
  ],
  [
    'hidden_size that disagrees with the weights',
    xlmr({
      'config.json': config((c) => {
        c.hidden_size = 64;
      }),
    }),
    DataFormatError,
    `src/model.safetensors: tensor "${W}": has shape [1000, 32] but config.json implies [1000, 64]`,
  ],
  [
    'max_position_embeddings that disagrees',
    xlmr({
      'config.json': config((c) => {
        c.max_position_embeddings = 514;
      }),
    }),
    DataFormatError,
    'tensor "embeddings.position_embeddings.weight": has shape [66, 32] but config.json implies [514, 32]',
  ],
  [
    'more layers in config.json than in the weights',
    xlmr({
      'config.json': config((c) => {
        c.num_hidden_layers = 3;
      }),
    }),
    DataFormatError,
    'src/model.safetensors: tensor "encoder.layer.2.attention.self.query.weight": is missing (expected shape [32, 32] for a xlm-roberta encoder with 3 layers)',
  ],
  [
    'fewer layers in config.json than in the weights',
    xlmr({
      'config.json': config((c) => {
        c.num_hidden_layers = 1;
      }),
    }),
    DataFormatError,
    'src/model.safetensors: tensor "encoder.layer.1.',
  ],
  [
    'a NaN weight',
    xlmr({
      'model.safetensors': rewritten((t) => {
        const d = Float32Array.from(t[W]!.data as Float32Array);
        d[37] = Number.NaN;
        t[W] = { ...t[W]!, data: d };
      }),
    }),
    DataFormatError,
    `src/model.safetensors: tensor "${W}": holds a non-finite value (NaN) at flat index 37`,
  ],
  [
    'an infinite weight',
    xlmr({
      'model.safetensors': rewritten((t) => {
        const b = 'embeddings.LayerNorm.bias';
        const d = Float32Array.from(t[b]!.data as Float32Array);
        d[0] = Number.NEGATIVE_INFINITY;
        t[b] = { ...t[b]!, data: d };
      }),
    }),
    DataFormatError,
    'src/model.safetensors: tensor "embeddings.LayerNorm.bias": holds a non-finite value (-Infinity) at flat index 0',
  ],
  [
    'a missing tensor',
    xlmr({
      'model.safetensors': rewritten((t) => {
        delete t['encoder.layer.1.output.LayerNorm.bias'];
      }),
    }),
    DataFormatError,
    'src/model.safetensors: tensor "encoder.layer.1.output.LayerNorm.bias": is missing (expected shape [32]',
  ],
  [
    'a tensor twice after renaming (roberta. prefix, LayerNorm.gamma)',
    xlmr({
      'model.safetensors': rewritten((t) => {
        t['roberta.embeddings.LayerNorm.gamma'] = t['embeddings.LayerNorm.weight']!;
      }),
    }),
    DataFormatError,
    'maps to "embeddings.LayerNorm.weight", as',
  ],
  // issue 21: sizes within the bounds but not what the header holds, refused from the header, before any data
  [
    'hidden_size 65,536 against a 32-wide header',
    xlmr({
      'config.json': config((c) => {
        c.hidden_size = 65_536;
      }),
    }),
    DataFormatError,
    `src/model.safetensors: tensor "${W}": has shape [1000, 32] but config.json implies [1000, 65536]`,
  ],
  [
    'vocab_size 4,194,304 against 1000 rows',
    xlmr({
      'config.json': config((c) => {
        c.vocab_size = 4_194_304;
      }),
    }),
    DataFormatError,
    `src/model.safetensors: tensor "${W}": has shape [1000, 32] but config.json implies [4194304, 32]`,
  ],
  [
    'intermediate_size 262,144 against the header',
    xlmr({
      'config.json': config((c) => {
        c.intermediate_size = 262_144;
      }),
    }),
    DataFormatError,
    'src/model.safetensors: tensor "encoder.layer.0.intermediate.dense.weight": has shape [48, 32] but config.json implies [262144, 32]',
  ],
  [
    'hidden_size 1e9 (out of bounds)',
    xlmr({
      'config.json': config((c) => {
        c.hidden_size = 1e9;
        c.num_attention_heads = 1;
      }),
    }),
    DataFormatError,
    'src/config.json: hidden_size: must be at most 65,536',
  ],
  [
    'vocab_size 1e12 (out of bounds)',
    xlmr({
      'config.json': config((c) => {
        c.vocab_size = 1e12;
      }),
    }),
    DataFormatError,
    'src/config.json: vocab_size: must be at most 4,194,304',
  ],
  [
    'max_position_embeddings 1e7 (out of bounds)',
    xlmr({
      'config.json': config((c) => {
        c.max_position_embeddings = 1e7;
      }),
    }),
    DataFormatError,
    'src/config.json: max_position_embeddings: must be at most 1,048,576',
  ],
  [
    'a sharded folder whose config disagrees with a shard header',
    {
      'config.json': config((c) => {
        c.hidden_size = 64;
      }),
      'model.safetensors.index.json': text(`{"weight_map": {"${W}": "s1.safetensors"}}`),
      's1.safetensors': WEIGHTS,
    },
    DataFormatError,
    `src/model.safetensors.index.json: tensor "${W}": has shape [1000, 32] but config.json implies [1000, 64]`,
  ],
  // config.json
  ...(['model_type', 'vocab_size', 'hidden_size', 'num_hidden_layers', 'num_attention_heads', 'intermediate_size', 'max_position_embeddings'] as const).map(
    (field): Case => [
      `config.json without ${field}`,
      xlmr({
        'config.json': config((c) => {
          delete c[field];
        }),
      }),
      DataFormatError,
      `src/config.json: ${field}: `,
    ],
  ),
  [
    'config.json with a string vocab_size',
    xlmr({
      'config.json': config((c) => {
        c.vocab_size = '1000';
      }),
    }),
    DataFormatError,
    'src/config.json: vocab_size: ',
  ],
  ['config.json that is an array', xlmr({ 'config.json': text('[]') }), DataFormatError, 'src/config.json: (root): '],
  [
    'config.json of another architecture',
    xlmr({
      'config.json': config((c) => {
        c.model_type = 'gpt2';
      }),
    }),
    DataFormatError,
    'src/config.json: model_type: ',
  ],
  [
    'heads that do not divide hidden_size',
    xlmr({
      'config.json': config((c) => {
        c.num_attention_heads = 5;
      }),
    }),
    DataFormatError,
    'src/config.json: num_attention_heads: must divide hidden_size',
  ],
  [
    'the tanh GELU',
    xlmr({
      'config.json': config((c) => {
        c.hidden_act = 'gelu_new';
      }),
    }),
    DataFormatError,
    'src/config.json: hidden_act: only "gelu" (exact erf GELU) is supported',
  ],
  [
    'relative position embeddings',
    xlmr({
      'config.json': config((c) => {
        c.position_embedding_type = 'relative_key';
      }),
    }),
    DataFormatError,
    'src/config.json: position_embedding_type: only "absolute"',
  ],
  [
    'pad_token_id outside the vocabulary',
    xlmr({
      'config.json': config((c) => {
        c.pad_token_id = 1000;
      }),
    }),
    DataFormatError,
    'src/config.json: pad_token_id: 1000 is not below vocab_size 1000',
  ],
  ['an empty config.json', xlmr({ 'config.json': new Uint8Array(0) }), DataFormatError, 'src/config.json: content: the file is empty (0 bytes)'],
  // sharded weights
  ['an index whose weight_map is not an object', { 'config.json': CONFIG, 'model.safetensors.index.json': text('{"weight_map": ["a"]}') }, DataFormatError, 'src/model.safetensors.index.json: weight_map: must be an object'],
  [
    'a tensor in two shards',
    { 'config.json': CONFIG, 'model.safetensors.index.json': text('{"weight_map": {"a": "s1.safetensors", "b": "s2.safetensors"}}'), 's1.safetensors': WEIGHTS, 's2.safetensors': WEIGHTS },
    DataFormatError,
    'src/s2.safetensors: tensor "',
  ],
  // pickles
  ['only pytorch_model.bin', { 'config.json': CONFIG, 'pytorch_model.bin': new Uint8Array([0x50, 0x4b, 3, 4]) }, CheckpointError, 'src/pytorch_model.bin is a PyTorch pickle file, which is never opened here'],
  ['only a pickled shard index', { 'config.json': CONFIG, 'pytorch_model.bin.index.json': text('{}') }, CheckpointError, 'src/pytorch_model.bin.index.json is a PyTorch pickle file'],
  [
    'a Dense head stored only as pytorch_model.bin',
    Object.fromEntries([...Object.entries(labse).filter(([p]) => p !== '2_Dense/model.safetensors'), ['2_Dense/pytorch_model.bin', new Uint8Array(8)]]),
    CheckpointError,
    'src/2_Dense/pytorch_model.bin is a PyTorch pickle file, which is never opened here',
  ],
  // sentence-transformers files
  ['modules.json that is not a list of modules', { ...labse, 'modules.json': text('{"0": "x"}') }, DataFormatError, 'src/modules.json: '],
  [
    'modules.json with an unknown module',
    { ...labse, 'modules.json': text('[{"path":"","type":"sentence_transformers.models.Transformer"},{"path":"1_Pooling","type":"sentence_transformers.models.LSTM"}]') },
    DataFormatError,
    'src/modules.json: [1].type: unsupported module',
  ],
  [
    'a Pooling config with two modes',
    { ...labse, '1_Pooling/config.json': text('{"pooling_mode_cls_token": true, "pooling_mode_mean_tokens": true}') },
    DataFormatError,
    'src/1_Pooling/config.json: pooling_mode_*: exactly one pooling mode must be true',
  ],
  ['a Dense config without out_features', { ...labse, '2_Dense/config.json': text('{"in_features": 32}') }, DataFormatError, 'src/2_Dense/config.json: out_features: '],
  [
    'a Dense file without linear.weight',
    { ...labse, '2_Dense/model.safetensors': writeSafetensors({ 'linear.bias': { dtype: 'F32', shape: [32], data: new Float32Array(32) } }) },
    DataFormatError,
    'src/2_Dense/model.safetensors: tensor "linear.weight": is missing',
  ],
  ['a truncated Dense file', { ...labse, '2_Dense/model.safetensors': labse['2_Dense/model.safetensors']!.subarray(0, 200) }, DataFormatError, 'src/2_Dense/model.safetensors: '],
];

beforeAll(async () => {
  await initBackend('cpu');
});

describe('loadEncoderCheckpoint refuses malformed checkpoints, naming the file and the field', () => {
  it.each(CASES.flatMap(([label, files, error, message]) => [true, false].map((ranged) => [label, ranged ? 'ranged' : 'whole', files, error, message] as const)))('%s (%s reads)', async (_label, mode, files, error, message) => {
    let err: unknown;
    try {
      const enc = await loadEncoderCheckpoint(memorySource('src', new Map(Object.entries(files)), mode === 'ranged'));
      enc.dispose();
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(error);
    expect((err as Error).message).toContain(message);
    // the file comes first, then the field or the reason
    expect((err as Error).message).toMatch(/^src\/[\w./-]+(: | is )/);
  });

  it('a config.json that disagrees with the header fails before any tensor data is read (issue 21)', async () => {
    const files = xlmr({
      'config.json': config((c) => {
        c.hidden_size = 65_536;
        c.intermediate_size = 262_144;
      }),
    });
    const inner = memorySource('src', new Map(Object.entries(files)), true);
    const ranges: [number, number][] = [];
    const spy = { ...inner, readRange: async (p: string, a: number, b: number) => (ranges.push([a, b]), inner.readRange!(p, a, b)) };
    await expect(loadEncoderCheckpoint(spy)).rejects.toThrow(`tensor "${W}": has shape [1000, 32] but config.json implies [1000, 65536]`);
    // the 8-byte length and the JSON header, nothing past the data start
    const headerEnd = 8 + Number(new DataView(WEIGHTS.buffer, WEIGHTS.byteOffset).getBigUint64(0, true));
    expect(ranges.every(([, b]) => b <= headerEnd)).toBe(true);
  });

  it('the valid folders the variants were made from load', async () => {
    for (const files of [xlmr({}), labse]) {
      for (const ranged of [true, false]) (await loadEncoderCheckpoint(memorySource('src', new Map(Object.entries(files)), ranged))).dispose();
    }
  });
});
