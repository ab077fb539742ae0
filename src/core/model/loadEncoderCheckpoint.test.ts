import * as tf from '@tensorflow/tfjs';
import { readFile } from 'node:fs/promises';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { CheckpointError, DataFormatError } from '../errors';
import { initBackend } from './backend';
import { memorySource, type CheckpointSource } from './checkpointSource';
import type { TransformerEncoder } from './encoder';
import { loadEncoderCheckpoint } from './loadEncoderCheckpoint';
import { readSafetensors, writeSafetensors, type WritableTensor } from './safetensors';
import type { TokenBatch } from './types';

const FIXTURES = new URL('../../../../shared/fixtures/', import.meta.url);
const bytes = async (p: string) => new Uint8Array(await readFile(new URL(p, FIXTURES)));
const text = (s: string) => new TextEncoder().encode(s);

const config = await bytes('tiny-xlmr/config.json');
const weights = await bytes('tiny-xlmr/model.safetensors');
const BATCH: TokenBatch = { inputIds: Int32Array.from([0, 17, 240, 9, 2, 0, 55, 2, 1, 1]), attentionMask: Int32Array.from([1, 1, 1, 1, 1, 1, 1, 1, 0, 0]), batchSize: 2, seqLen: 5 };

const encoders: TransformerEncoder[] = [];
async function load(source: CheckpointSource) {
  const e = await loadEncoderCheckpoint(source);
  encoders.push(e);
  return e;
}
const embed = (e: TransformerEncoder) => tf.tidy(() => Array.from(e.embed(BATCH, { training: false }).dataSync()));

beforeAll(async () => {
  await initBackend('cpu');
});
afterEach(() => {
  for (const e of encoders.splice(0)) e.dispose();
});

describe('loadEncoderCheckpoint', () => {
  it('reads weights tensor by tensor (ranged source) or whole, with the same result', async () => {
    const files = new Map([
      ['config.json', config],
      ['model.safetensors', weights],
    ]);
    const reads: string[] = [];
    const ranged = memorySource('ranged', files);
    const spy: CheckpointSource = { ...ranged, read: async (p) => (reads.push(p), ranged.read(p)) };
    const a = embed(await load(spy));
    expect(reads).toEqual(['config.json']);
    const b = embed(await load(memorySource('whole', files, false)));
    expect(b).toEqual(a);
  });

  it('reads sharded weights through model.safetensors.index.json', async () => {
    const all = readSafetensors(weights, 'model.safetensors').tensors;
    const shards: Record<string, WritableTensor>[] = [{}, {}];
    const weightMap: Record<string, string> = {};
    [...all].forEach(([name, t], i) => {
      shards[i % 2]![name] = { dtype: 'F32', shape: t.shape, data: t.data };
      weightMap[name] = `model-0000${(i % 2) + 1}-of-00002.safetensors`;
    });
    const files = new Map([
      ['config.json', config],
      ['model.safetensors.index.json', text(JSON.stringify({ metadata: {}, weight_map: weightMap }))],
      ['model-00001-of-00002.safetensors', writeSafetensors(shards[0]!)],
      ['model-00002-of-00002.safetensors', writeSafetensors(shards[1]!)],
    ]);
    const plain = embed(
      await load(
        memorySource(
          'plain',
          new Map([
            ['config.json', config],
            ['model.safetensors', weights],
          ]),
        ),
      ),
    );
    expect(embed(await load(memorySource('sharded', files)))).toEqual(plain);
  });

  it('never opens a pytorch_model.bin and says how to convert it', async () => {
    const opened: string[] = [];
    const inner = memorySource(
      '/models/xlmr',
      new Map([
        ['config.json', config],
        ['pytorch_model.bin', await bytes('tiny-xlmr/pytorch_model.bin')],
      ]),
    );
    const spy: CheckpointSource = {
      ...inner,
      read: async (p) => (opened.push(p), inner.read(p)),
      readRange: async (p, s, e) => (opened.push(p), inner.readRange!(p, s, e)),
    };
    const run = loadEncoderCheckpoint(spy);
    await expect(run).rejects.toThrow(CheckpointError);
    await expect(run).rejects.toThrow('/models/xlmr/pytorch_model.bin is a PyTorch pickle file, which is never opened here');
    await expect(run).rejects.toThrow(`AutoModel.from_pretrained('DIR').save_pretrained('OUT', safe_serialization=True)`);
    expect(opened.every((p) => p === 'config.json')).toBe(true);
  });

  it.each<[string, Record<string, Uint8Array>, string]>([
    ['no config.json', { 'model.safetensors': weights }, 'src has no config.json'],
    ['no weights at all', { 'config.json': config, 'vocab.txt': text('a') }, 'src has no model.safetensors (files: config.json, vocab.txt)'],
    ['an index naming a missing shard', { 'config.json': config, 'model.safetensors.index.json': text('{"weight_map": {"a": "x.safetensors"}}') }, 'names shard "x.safetensors", which is not in src'],
    [
      'a Pooling module without its config',
      { 'config.json': config, 'model.safetensors': weights, 'modules.json': text('[{"path":"","type":"sentence_transformers.models.Transformer"},{"path":"1_Pooling","type":"sentence_transformers.models.Pooling"}]') },
      '1_Pooling/config.json is missing',
    ],
  ])('refuses a folder with %s', async (_label, files, message) => {
    const run = loadEncoderCheckpoint(memorySource('src', new Map(Object.entries(files))));
    await expect(run).rejects.toThrow(CheckpointError);
    await expect(run).rejects.toThrow(message);
  });

  it.each<[string, Record<string, Uint8Array>, string]>([
    ['config.json that is not JSON', { 'config.json': text('{"model_type": '), 'model.safetensors': weights }, 'src/config.json: (json): not valid JSON'],
    [
      'a config that disagrees with the weights',
      { 'config.json': text(new TextDecoder().decode(config).replace('"intermediate_size": 48', '"intermediate_size": 64')), 'model.safetensors': weights },
      'src/model.safetensors: tensor "encoder.layer.0.intermediate.dense.weight": has shape [48, 32] but config.json implies [64, 32]',
    ],
    ['a truncated weights file', { 'config.json': config, 'model.safetensors': weights.subarray(0, 5000) }, 'src/model.safetensors: tensor'],
    [
      'integer weights',
      { 'config.json': config, 'model.safetensors': writeSafetensors({ 'embeddings.LayerNorm.bias': { dtype: 'I32', shape: [32], data: new Int32Array(32) } }) },
      'tensor "embeddings.LayerNorm.bias" dtype: I32 is not a floating-point type',
    ],
  ])('refuses %s, naming the file and field', async (_label, files, message) => {
    const run = loadEncoderCheckpoint(memorySource('src', new Map(Object.entries(files))));
    await expect(run).rejects.toThrow(DataFormatError);
    await expect(run).rejects.toThrow(message);
  });

  it('checks the Dense head against its config', async () => {
    const labse = async (p: string) => bytes(`tiny-labse/${p}`);
    const files = new Map<string, Uint8Array>();
    for (const p of ['config.json', 'model.safetensors', 'modules.json', '1_Pooling/config.json', '2_Dense/model.safetensors']) files.set(p, await labse(p));
    files.set('2_Dense/config.json', text('{"in_features": 32, "out_features": 16, "bias": true, "activation_function": "torch.nn.modules.activation.Tanh"}'));
    await expect(loadEncoderCheckpoint(memorySource('labse', files))).rejects.toThrow('labse/2_Dense/model.safetensors: tensor "linear.weight": has shape [32, 32] but config.json implies [16, 32]');
    files.set('2_Dense/config.json', text('{"in_features": 32, "out_features": 32, "activation_function": "torch.nn.modules.activation.ReLU"}'));
    await expect(loadEncoderCheckpoint(memorySource('labse', files))).rejects.toThrow('labse/2_Dense/config.json: activation_function: "torch.nn.modules.activation.ReLU" is not supported');
  });
});
