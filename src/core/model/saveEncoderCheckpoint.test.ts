import * as tf from '@tensorflow/tfjs';
import { readFile } from 'node:fs/promises';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from './backend';
import { builtinEncoderConfig } from './builtinConfigs';
import { memorySource } from './checkpointSource';
import { TransformerEncoder } from './encoder';
import { parseHfConfig } from './hfConfig';
import { initEncoderWeights } from './init';
import { loadEncoderCheckpoint } from './loadEncoderCheckpoint';
import { readSafetensors } from './safetensors';
import { saveEncoderCheckpoint } from './saveEncoderCheckpoint';
import type { TokenBatch } from './types';

const FIXTURES = new URL('../../../../shared/fixtures/', import.meta.url);
async function fixture(dir: string, names: string[]) {
  const files = new Map<string, Uint8Array>();
  for (const n of names) files.set(n, new Uint8Array(await readFile(new URL(`${dir}/${n}`, FIXTURES))));
  return memorySource(dir, files);
}
const XLMR = ['config.json', 'model.safetensors'];
const LABSE = [...XLMR, 'modules.json', '1_Pooling/config.json', '2_Dense/config.json', '2_Dense/model.safetensors'];
const BATCH: TokenBatch = { inputIds: Int32Array.from([0, 17, 240, 9, 2, 0, 55, 2, 1, 1]), attentionMask: Int32Array.from([1, 1, 1, 1, 1, 1, 1, 1, 0, 0]), batchSize: 2, seqLen: 5 };
const LABSE_BATCH: TokenBatch = { ...BATCH, inputIds: Int32Array.from([2, 17, 240, 9, 3, 2, 55, 3, 0, 0]) };
const decode = (b: Uint8Array | undefined) => JSON.parse(new TextDecoder().decode(b)) as unknown;

const encoders: TransformerEncoder[] = [];
const track = (e: TransformerEncoder) => (encoders.push(e), e);
afterEach(() => {
  for (const e of encoders.splice(0)) e.dispose();
});
beforeAll(async () => {
  await initBackend('cpu');
});

function outputs(e: TransformerEncoder, batch = BATCH): { hidden: number[]; pooler: number[] | null; embedding: number[] } {
  const tensors = tf.tidy(() => {
    const o = e.forward(batch);
    return [o.lastHiddenState, e.embed(batch, { training: false }), ...(o.poolerOutput ? [o.poolerOutput] : [])];
  });
  const [hidden, embedding, pooler] = tensors.map((t) => Array.from(t.dataSync()));
  tf.dispose(tensors);
  return { hidden: hidden!, embedding: embedding!, pooler: pooler ?? null };
}

describe('saveEncoderCheckpoint', () => {
  it('writes an HF folder that loads back with identical outputs (tiny-xlmr, with pooler)', async () => {
    const original = track(await loadEncoderCheckpoint(await fixture('tiny-xlmr', XLMR), { pooling: 'cls' }));
    const files = await saveEncoderCheckpoint(original, { 'tokenizer_config.json': { model_max_length: 64 } });
    expect([...files.keys()].sort()).toEqual(['1_Pooling/config.json', 'config.json', 'model.safetensors', 'modules.json', 'sentence_bert_config.json', 'tokenizer_config.json']);
    const hf = decode(files.get('config.json')) as Record<string, unknown>;
    expect(hf).toMatchObject({ architectures: ['XLMRobertaModel'], model_type: 'xlm-roberta', hidden_size: 32, layer_norm_eps: 1e-5, pad_token_id: 1 });
    expect(parseHfConfig(hf)).toEqual(original.config);
    const st = readSafetensors(files.get('model.safetensors')!, 'model.safetensors');
    expect(st.tensors.size).toBe(39);
    expect([...st.tensors.values()].every((t) => t.dtype === 'F32')).toBe(true);
    expect(st.metadata).toEqual({ format: 'pt' });
    expect(decode(files.get('modules.json'))).toEqual([
      { idx: 0, name: '0', path: '', type: 'sentence_transformers.models.Transformer' },
      { idx: 1, name: '1', path: '1_Pooling', type: 'sentence_transformers.models.Pooling' },
      { idx: 2, name: '2', path: '2_Normalize', type: 'sentence_transformers.models.Normalize' },
    ]);
    expect(decode(files.get('tokenizer_config.json'))).toEqual({ model_max_length: 64 });

    const reloaded = track(await loadEncoderCheckpoint(memorySource('saved', files)));
    expect(reloaded.pooling).toBe('cls');
    expect(outputs(reloaded)).toEqual(outputs(original));
  });

  it('round-trips the LaBSE head (CLS → Dense(tanh) → normalize)', async () => {
    const original = track(await loadEncoderCheckpoint(await fixture('tiny-labse', LABSE)));
    const files = await saveEncoderCheckpoint(original);
    expect(decode(files.get('2_Dense/config.json'))).toEqual({ in_features: 32, out_features: 32, bias: true, activation_function: 'torch.nn.modules.activation.Tanh' });
    expect([...readSafetensors(files.get('2_Dense/model.safetensors')!, 'd').tensors.keys()].sort()).toEqual(['linear.bias', 'linear.weight']);
    const reloaded = track(await loadEncoderCheckpoint(memorySource('saved', files)));
    expect(reloaded.headLayers()).toEqual(original.headLayers());
    expect(outputs(reloaded, LABSE_BATCH)).toEqual(outputs(original, LABSE_BATCH));
  });

  it('saves trained values, frozen host-held embeddings included', async () => {
    const config = builtinEncoderConfig('tiny', { vocabSize: 300, padTokenId: 1 });
    const enc = track(new TransformerEncoder({ config, weights: initEncoderWeights(config, 5), freezeEmbeddings: true }));
    const opt = tf.train.adam(1e-2);
    opt.minimize(() => enc.embed(BATCH, { training: true, dropoutSeed: 3 }).slice([0, 0], [1, 1]).sum() as tf.Scalar, false, Object.values(enc.trainableVariables()));
    opt.dispose();
    const reloaded = track(await loadEncoderCheckpoint(memorySource('saved', await saveEncoderCheckpoint(enc)), { freezeEmbeddings: true }));
    expect(outputs(reloaded)).toEqual(outputs(enc));
    const fresh = track(new TransformerEncoder({ config, weights: initEncoderWeights(config, 5) }));
    expect(outputs(fresh).embedding).not.toEqual(outputs(enc).embedding);
  });
});
