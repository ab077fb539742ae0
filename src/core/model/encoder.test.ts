/**
 * The encoder against the float64 golden outputs of shared/fixtures/tiny-xlmr and tiny-labse
 * (tolerances from their README), on every backend Node runs.
 */
import * as tf from '@tensorflow/tfjs';
import { readFile } from 'node:fs/promises';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ConfigError } from '../errors';
import { initBackend } from './backend';
import { memorySource } from './checkpointSource';
import type { TransformerEncoder } from './encoder';
import { loadEncoderCheckpoint } from './loadEncoderCheckpoint';
import { positionIds } from './positionIds';
import { readSafetensors } from './safetensors';
import type { TokenBatch, Tokenizer } from './types';

const FIXTURES = new URL('../../../../shared/fixtures/', import.meta.url);
const XLMR_FILES = ['config.json', 'model.safetensors'];
const LABSE_FILES = [...XLMR_FILES, 'modules.json', '1_Pooling/config.json', '2_Dense/config.json', '2_Dense/model.safetensors'];

interface Reference {
  input_ids: number[][];
  attention_mask: number[][];
  position_ids?: number[][];
  last_hidden_state: number[][][];
  pooler_output: number[][];
  mean_pooled_l2_normalized?: number[][];
  cls_l2_normalized?: number[][];
  sentence_embedding?: number[][];
  loss_probe?: { u: number[]; v: number[]; loss: number };
}

const bytes = async (p: string) => new Uint8Array(await readFile(new URL(p, FIXTURES)));
const xlmrRef = JSON.parse(await readFile(new URL('tiny-xlmr/reference_outputs.json', FIXTURES), 'utf8')) as Reference;
const labseRef = JSON.parse(await readFile(new URL('tiny-labse/reference_outputs.json', FIXTURES), 'utf8')) as Reference;

async function fixtureSource(dir: string, names: string[], replace: Record<string, Uint8Array> = {}) {
  const files = new Map<string, Uint8Array>();
  for (const n of names) files.set(n, replace[n] ?? (await bytes(`${dir}/${n}`)));
  return memorySource(dir, files);
}

function batchOf(ref: Reference): TokenBatch {
  return {
    inputIds: Int32Array.from(ref.input_ids.flat()),
    attentionMask: Int32Array.from(ref.attention_mask.flat()),
    batchSize: ref.input_ids.length,
    seqLen: ref.input_ids[0]!.length,
  };
}

/** max |a − b| over rows of [B, L, H] whose mask is 1. */
function maxErrNonPad(got: number[][][], want: number[][][], mask: number[][]): number {
  let m = 0;
  want.forEach((rows, b) =>
    rows.forEach((row, t) => {
      if (mask[b]![t] === 1) row.forEach((x, h) => (m = Math.max(m, Math.abs(got[b]![t]![h]! - x))));
    }),
  );
  return m;
}

function maxErr(got: number[][], want: number[][]): number {
  return Math.max(...want.flatMap((row, b) => row.map((x, h) => Math.abs(got[b]![h]! - x))));
}

const encoders: TransformerEncoder[] = [];
const track = (e: TransformerEncoder) => (encoders.push(e), e);
afterEach(() => {
  for (const e of encoders.splice(0)) e.dispose();
});

describe.each(['cpu', 'wasm'] as const)('TransformerEncoder on %s', (backend) => {
  beforeAll(async () => {
    expect((await initBackend(backend)).backend).toBe(backend);
  });

  it('computes XLM-R position ids as cumsum(ids ≠ pad) + pad', async () => {
    const enc = track(await loadEncoderCheckpoint(await fixtureSource('tiny-xlmr', XLMR_FILES)));
    expect(Array.from(positionIds(batchOf(xlmrRef), enc.config))).toEqual(xlmrRef.position_ids!.flat());
  });

  it('matches tiny-xlmr last_hidden_state (mask = 1 rows) and pooler_output within 1e-4', async () => {
    const enc = track(await loadEncoderCheckpoint(await fixtureSource('tiny-xlmr', XLMR_FILES)));
    const batch = batchOf(xlmrRef);
    const out = tf.tidy(() => {
      const o = enc.forward(batch, { training: false });
      return [o.lastHiddenState.arraySync(), o.poolerOutput!.arraySync()] as const;
    });
    expect(maxErrNonPad(out[0], xlmrRef.last_hidden_state, xlmrRef.attention_mask)).toBeLessThan(1e-4);
    expect(maxErr(out[1], xlmrRef.pooler_output)).toBeLessThan(1e-4);
  });

  it.each([
    ['mean', 'mean_pooled_l2_normalized'],
    ['cls', 'cls_l2_normalized'],
  ] as const)('matches tiny-xlmr %s pooling, L2-normalised, within 1e-4', async (pooling, key) => {
    const enc = track(await loadEncoderCheckpoint(await fixtureSource('tiny-xlmr', XLMR_FILES), { pooling }));
    expect(enc.pooling).toBe(pooling);
    const before = tf.memory().numTensors;
    const got = tf.tidy(() => enc.embed(batchOf(xlmrRef), { training: false }).arraySync());
    expect(tf.memory().numTensors).toBe(before);
    expect(maxErr(got, xlmrRef[key]!)).toBeLessThan(1e-4);
  });

  it('matches the tiny-xlmr loss_probe gradients of all 39 tensors (per-tensor relative rule)', async () => {
    const enc = track(await loadEncoderCheckpoint(await fixtureSource('tiny-xlmr', XLMR_FILES)));
    const ref = readSafetensors(await bytes('tiny-xlmr/reference_grads.safetensors'), 'reference_grads.safetensors').tensors;
    const batch = batchOf(xlmrRef);
    const { B, L, H } = { B: batch.batchSize, L: batch.seqLen, H: enc.config.hiddenSize };
    const probe = xlmrRef.loss_probe!;
    const vars = enc.variables();
    expect(Object.keys(vars)).toHaveLength(39);
    const { value, grads } = tf.variableGrads(() => {
      const { lastHiddenState, poolerOutput } = enc.forward(batch, { training: false });
      const mask = tf.tensor2d(batch.attentionMask, [B, L], 'float32');
      const hu = lastHiddenState
        .reshape([B * L, H])
        .matMul(tf.tensor2d(probe.u, [H, 1]))
        .reshape([B, L]);
      return hu
        .mul(mask)
        .sum()
        .div(mask.sum())
        .add(poolerOutput!.matMul(tf.tensor2d(probe.v, [H, 1])).sum()) as tf.Scalar;
    }, Object.values(vars));
    expect(Math.abs(value.dataSync()[0]! - probe.loss)).toBeLessThan(1e-4);
    const maxAll = Math.max(...[...ref.values()].map((t) => Math.max(...Array.from(t.data as Float32Array, Math.abs))));
    for (const [name, v] of Object.entries(vars)) {
      const want = ref.get(name)!.data as Float32Array;
      const got = grads[v.name]!.dataSync();
      const maxRef = Math.max(...Array.from(want, Math.abs));
      let err = 0;
      want.forEach((x, i) => (err = Math.max(err, Math.abs(got[i]! - x))));
      // key.bias gradients are analytically 0: the 1e-3·max|ref_all| floor covers them
      expect(err, name).toBeLessThanOrEqual(1e-3 * Math.max(maxRef, 1e-3 * maxAll));
    }
    tf.dispose([value, ...Object.values(grads)]);
  });

  it('loads the MLM layout (roberta. prefix, lm_head, no pooler) with identical hidden states', async () => {
    const plain = track(await loadEncoderCheckpoint(await fixtureSource('tiny-xlmr', XLMR_FILES)));
    const mlm = track(await loadEncoderCheckpoint(await fixtureSource('tiny-xlmr', XLMR_FILES, { 'model.safetensors': await bytes('tiny-xlmr/variants/mlm_layout.safetensors') })));
    expect(mlm.hasPooler).toBe(false);
    const batch = batchOf(xlmrRef);
    const [a, b] = tf.tidy(() => {
      const o = mlm.forward(batch);
      expect(o.poolerOutput).toBeNull();
      return [plain.forward(batch).lastHiddenState.dataSync(), o.lastHiddenState.dataSync()];
    });
    expect(b).toEqual(a);
  });

  it('matches tiny-labse hidden states and the sentence-transformers embedding within 1e-4', async () => {
    const enc = track(await loadEncoderCheckpoint(await fixtureSource('tiny-labse', LABSE_FILES)));
    expect(enc.pooling).toBe('cls');
    expect(enc.headLayers()).toEqual([{ path: '2_Dense', activation: 'tanh', inFeatures: 32, outFeatures: 32, bias: true }]);
    const batch = batchOf(labseRef);
    const [h, e] = tf.tidy(() => [enc.forward(batch).lastHiddenState.arraySync(), enc.embed(batch, { training: false }).arraySync()] as const);
    expect(maxErrNonPad(h, labseRef.last_hidden_state, labseRef.attention_mask)).toBeLessThan(1e-4);
    expect(maxErr(e, labseRef.sentence_embedding!)).toBeLessThan(1e-4);
    expect(Object.keys(enc.trainableVariables())).toContain('2_Dense/linear.weight');
  });

  it('gives each sentence the same embedding alone as in the padded batch', async () => {
    const enc = track(await loadEncoderCheckpoint(await fixtureSource('tiny-xlmr', XLMR_FILES)));
    const batch = batchOf(xlmrRef);
    const len = xlmrRef.attention_mask[1]!.reduce((a, x) => a + x, 0);
    const single: TokenBatch = { inputIds: Int32Array.from(xlmrRef.input_ids[1]!.slice(0, len)), attentionMask: new Int32Array(len).fill(1), batchSize: 1, seqLen: len };
    const [all, one] = tf.tidy(() => [enc.embed(batch, { training: false }).arraySync(), enc.embed(single, { training: false }).arraySync()]);
    expect(maxErr(one!, [all![1]!])).toBeLessThan(1e-5);
  });
});

describe('TransformerEncoder training behaviour', () => {
  beforeAll(async () => {
    await initBackend('cpu');
  });

  it('applies dropout only when training, reproducibly from dropoutSeed', async () => {
    const enc = track(await loadEncoderCheckpoint(await fixtureSource('tiny-xlmr', XLMR_FILES)));
    const batch = batchOf(xlmrRef);
    const run = (training: boolean, dropoutSeed?: number) => tf.tidy(() => Array.from(enc.embed(batch, { training, dropoutSeed }).dataSync()));
    const evalA = run(false, 1);
    expect(run(false, 2)).toEqual(evalA);
    const a = run(true, 7);
    expect(run(true, 7)).toEqual(a);
    expect(run(true, 8)).not.toEqual(a);
    expect(a).not.toEqual(evalA);
    expect(() => run(true)).toThrow(ConfigError);
    expect(() => run(true)).toThrow('dropoutSeed is required when training');
  });

  it('freezes the word embeddings on request: same outputs, not trainable, gradients for the rest', async () => {
    const src = await fixtureSource('tiny-xlmr', XLMR_FILES);
    const frozen = track(await loadEncoderCheckpoint(src, { freezeEmbeddings: true }));
    const free = track(await loadEncoderCheckpoint(src));
    expect(free.embeddingsFrozen).toBe(false);
    expect(frozen.embeddingsFrozen).toBe(true);
    expect(Object.keys(free.trainableVariables())).toContain('embeddings.word_embeddings.weight');
    expect(Object.keys(frozen.trainableVariables())).not.toContain('embeddings.word_embeddings.weight');
    // the pooler is not used by embed(), so it is never trained
    expect(Object.keys(free.trainableVariables())).not.toContain('pooler.dense.weight');
    expect(Object.keys(frozen.trainableVariables())).toHaveLength(36);
    const batch = batchOf(xlmrRef);
    const [a, b] = tf.tidy(() => [free.embed(batch, { training: false }).dataSync(), frozen.embed(batch, { training: false }).dataSync()]);
    expect(b).toEqual(a);
    const { value, grads } = tf.variableGrads(() => frozen.embed(batch, { training: false }).sum() as tf.Scalar, Object.values(frozen.trainableVariables()));
    expect(Object.keys(grads)).toHaveLength(36);
    tf.dispose([value, ...Object.values(grads)]);
  });

  it('refuses token ids outside the vocabulary and sequences longer than the positions allow', async () => {
    const enc = track(await loadEncoderCheckpoint(await fixtureSource('tiny-xlmr', XLMR_FILES)));
    const bad: TokenBatch = { inputIds: Int32Array.from([0, 1000, 2]), attentionMask: Int32Array.from([1, 1, 1]), batchSize: 1, seqLen: 3 };
    expect(() => enc.embed(bad, { training: false })).toThrow('token id 1000 is outside the vocabulary of 1000');
    const long: TokenBatch = { inputIds: new Int32Array(65).fill(5), attentionMask: new Int32Array(65).fill(1), batchSize: 1, seqLen: 65 };
    expect(() => tf.tidy(() => enc.embed(long, { training: false }))).toThrow('max_position_embeddings is 66: tokenize with maxLength ≤ 64');
  });

  it('delegates tokenize to its tokenizer and checks the pad id', async () => {
    const src = await fixtureSource('tiny-xlmr', XLMR_FILES);
    const fake = (padId: number, vocabSize = 1000): Tokenizer => ({
      padId,
      vocabSize,
      encode: (texts, maxLength) => ({ inputIds: new Int32Array(texts.length * maxLength).fill(padId), attentionMask: new Int32Array(texts.length * maxLength), batchSize: texts.length, seqLen: maxLength }),
      toJSON: () => ({}),
    });
    const enc = track(await loadEncoderCheckpoint(src, { loadTokenizer: async () => fake(1) }));
    expect(enc.tokenize(['a', 'b'], 4)).toMatchObject({ batchSize: 2, seqLen: 4 });
    await expect(loadEncoderCheckpoint(src, { loadTokenizer: async () => fake(0) })).rejects.toThrow('the tokenizer pads with id 0 but config.json has pad_token_id 1');
    await expect(loadEncoderCheckpoint(src, { loadTokenizer: async () => fake(1, 1001) })).rejects.toThrow(
      /^\S*tiny-xlmr: the tokenizer \(tokenizer\.json or vocab files\) has 1001 ids but \S*tiny-xlmr\/config\.json vocab_size is 1000; they come from different models$/,
    );
    const bare = track(await loadEncoderCheckpoint(src));
    expect(() => bare.tokenize(['a'], 4)).toThrow('was built without a tokenizer');
  });
});
