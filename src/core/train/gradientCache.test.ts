/**
 * The chunked backward (gradientCache.ts) against the whole-batch step it replaces: the same loss and
 * gradients up to float rounding, with dropout on, for InfoNCE, masked duplicates and the adversary.
 */
import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConfigError } from '../errors';
import { initBackend } from '../model/backend';
import type { TokenBatch } from '../model/types';
import { rowChunks, sliceTokenBatch } from './gradientCache';
import { tinyTransformer, type TinyTransformer } from './tinyTransformer.testutil';
import { createTrainingStep, type StepConfig, type StepGradients, type StepInput } from './trainStep';

beforeAll(async () => {
  await initBackend('cpu');
});

const XY: StepConfig = { seed: 5, steps: 10, tau: 0.1, lr: 0.01, warmupSteps: 0, lrSchedule: 'constant', clipNorm: 1, epsilon: 1e-8, weightDecay: 0.01, strategy: { kind: 'xy' } };
const ADVERSARIAL = { ...XY, strategy: { kind: 'adversarial', sampler: 'xx-mono', lambdaMax: 1, weight: 0.5, discriminatorHidden: 6, discriminatorDropout: 0.2 } } as StepConfig;

let encoder: TinyTransformer;
beforeAll(() => {
  encoder = tinyTransformer(3);
});
afterAll(() => encoder.dispose());

function batch(e: TinyTransformer, withKeys = false): StepInput {
  const passages = ['alpha beta x', 'gamma delta y', 'eins zwei z', 'drei vier w', 'funf', 'other one', 'other two', 'andere eins', 'andere zwei', 'alpha beta x'];
  return {
    queries: e.tokenize(['alpha beta', 'gamma delta', 'eins zwei', 'drei vier', 'funf sechs'], 6),
    passages: e.tokenize(passages, 6),
    ...(withKeys ? { passageKeys: passages } : {}),
    languageLabels: Int32Array.from([0, 0, 1, 1, 0, 0, 0, 1, 1, 0, 0, 0, 1, 1, 0]),
  };
}

async function values(g: StepGradients) {
  const read = async (m: Record<string, tf.Tensor>) => Object.fromEntries(await Promise.all(Object.entries(m).map(async ([k, t]) => [k, Array.from(await t.data())] as const)));
  const scalar = async (t: tf.Tensor | undefined) => (t ? (await t.data())[0]! : null);
  return {
    value: await scalar(g.value),
    retrieval: await scalar(g.aux.retrieval),
    adv: await scalar(g.aux.adv),
    acc: await scalar(g.aux.acc),
    encoder: await read(g.encoder),
    discriminator: await read(g.discriminator),
  };
}

type Values = Awaited<ReturnType<typeof values>>;

/** max over variables of max |a − b| / max |a| (each variable's gradient relative to its own size) */
function relativeError(a: Record<string, number[]>, b: Record<string, number[]>): number {
  expect(Object.keys(b).sort()).toEqual(Object.keys(a).sort());
  let worst = 0;
  for (const [name, x] of Object.entries(a)) {
    const y = b[name]!;
    const scale = Math.max(...x.map(Math.abs));
    if (scale === 0) {
      expect(Math.max(...y.map(Math.abs))).toBe(0);
      continue;
    }
    worst = Math.max(worst, Math.max(...x.map((v, i) => Math.abs(v - y[i]!))) / scale);
  }
  return worst;
}

function expectSame(whole: Values, chunked: Values, tol = 1e-4) {
  expect(chunked.value!).toBeCloseTo(whole.value!, 5);
  expect(chunked.retrieval!).toBeCloseTo(whole.retrieval!, 5);
  if (whole.adv !== null) expect(chunked.adv!).toBeCloseTo(whole.adv, 5);
  expect(chunked.acc).toBe(whole.acc);
  expect(Object.keys(whole.encoder).length).toBeGreaterThan(10);
  expect(relativeError(whole.encoder, chunked.encoder)).toBeLessThan(tol);
  expect(relativeError(whole.discriminator, chunked.discriminator)).toBeLessThan(tol);
}

async function gradientsOf(config: StepConfig, input: StepInput, backwardChunkRows?: number): Promise<Values> {
  const step = createTrainingStep(config, encoder, { numLanguages: 2, ...(backwardChunkRows ? { backwardChunkRows } : {}) });
  const before = tf.memory().numTensors;
  const g = step.gradients(4, input);
  const out = await values(g);
  tf.dispose(g.tensors);
  expect(tf.memory().numTensors).toBe(before);
  step.dispose();
  return out;
}

describe('rowChunks / sliceTokenBatch', () => {
  it('cover every row once, in order', () => {
    expect(rowChunks(10, 4)).toEqual([
      [0, 4],
      [4, 4],
      [8, 2],
    ]);
    expect(rowChunks(3, 8)).toEqual([[0, 3]]);
    const b: TokenBatch = { inputIds: Int32Array.from([1, 2, 3, 4, 5, 6]), attentionMask: Int32Array.from([1, 1, 1, 0, 1, 1]), batchSize: 3, seqLen: 2 };
    expect(sliceTokenBatch(b, 1, 2)).toEqual({ inputIds: Int32Array.from([3, 4, 5, 6]), attentionMask: Int32Array.from([1, 0, 1, 1]), batchSize: 2, seqLen: 2 });
  });
});

describe('TransformerEncoder.embed of a chunk (EncodeOptions.rows)', () => {
  it('gives the rows of the whole batch’s embedding, dropout masks included', async () => {
    const input = batch(encoder);
    const opts = { training: true, dropoutSeed: 11 };
    const whole = tf.tidy(() => encoder.embed(input.passages, opts));
    const w = (await whole.array()) as number[][];
    const chunk = tf.tidy(() => encoder.embed(sliceTokenBatch(input.passages, 3, 4), { ...opts, rows: { offset: 3, total: 10 } }));
    const c = (await chunk.array()) as number[][];
    // the deliberately wrong variant: the chunk draws masks of its own shape
    const independent = tf.tidy(() => encoder.embed(sliceTokenBatch(input.passages, 3, 4), opts));
    const i = (await independent.array()) as number[][];
    tf.dispose([whole, chunk, independent]);
    const maxDiff = (a: number[][]) => Math.max(...a.flatMap((row, r) => row.map((x, j) => Math.abs(x - w[3 + r]![j]!))));
    expect(maxDiff(c)).toBeLessThan(1e-6);
    expect(maxDiff(i)).toBeGreaterThan(1e-2);
  });

  it('rejects rows outside the batch', () => {
    const input = batch(encoder);
    const part = sliceTokenBatch(input.passages, 0, 4);
    expect(() => tf.tidy(() => encoder.embed(part, { training: true, dropoutSeed: 1, rows: { offset: 8, total: 10 } }))).toThrow(ConfigError);
    expect(() => tf.tidy(() => encoder.embed(part, { training: true, dropoutSeed: 1, rows: { offset: -1, total: 10 } }))).toThrow(/EncodeOptions\.rows/);
  });
});

describe('createTrainingStep with backwardChunkRows (gradient cache)', () => {
  it('gives the whole-batch loss and gradients: InfoNCE with dropout', async () => {
    const input = batch(encoder);
    const whole = await gradientsOf(XY, input);
    expectSame(whole, await gradientsOf(XY, input, 3));
    expectSame(whole, await gradientsOf(XY, input, 1));
  });

  it('… with masked duplicate positives (passageKeys)', async () => {
    const input = batch(encoder, true);
    const whole = await gradientsOf(XY, input);
    expect(whole.value).not.toBeCloseTo((await gradientsOf(XY, batch(encoder))).value!, 3);
    expectSame(whole, await gradientsOf(XY, input, 4));
  });

  it('… for the adversarial strategy, the discriminator’s gradients included, and its gradient norms', async () => {
    const input = batch(encoder);
    const whole = await gradientsOf(ADVERSARIAL, input);
    expect(Object.keys(whole.discriminator)).toHaveLength(4);
    expectSame(whole, await gradientsOf(ADVERSARIAL, input, 2));

    const norms = async (chunk?: number) => {
      const step = createTrainingStep(ADVERSARIAL, encoder, { numLanguages: 2, ...(chunk ? { backwardChunkRows: chunk } : {}) });
      const before = tf.memory().numTensors;
      const alone = (await step.gradientNorms(4, input))!;
      const g = step.gradients(4, input);
      const withTotal = (await step.gradientNorms(4, input, g.encoder))!;
      tf.dispose(g.tensors);
      expect(tf.memory().numTensors).toBe(before);
      step.dispose();
      return [alone, withTotal];
    };
    const [a, b] = await norms();
    for (const n of await norms(3)) {
      for (const want of [a!, b!]) {
        expect(n.retrieval / want.retrieval).toBeCloseTo(1, 4);
        expect(n.adversarial / want.adversarial).toBeCloseTo(1, 4);
      }
    }
  });

  it('runs whole batches as before when no tower is longer than a chunk, and rejects a bad chunk size', async () => {
    const input = batch(encoder);
    // bit-identical: the chunked path is not taken
    expect(await gradientsOf(XY, input, 10)).toEqual(await gradientsOf(XY, input));
    for (const bad of [0, 1.5, -2]) expect(() => createTrainingStep(XY, encoder, { backwardChunkRows: bad })).toThrow(/backwardChunkRows/);
  });

  it('takes the same updates over several steps', async () => {
    const train = async (chunk?: number) => {
      const e = tinyTransformer(9);
      const step = createTrainingStep(ADVERSARIAL, e, { numLanguages: 2, gradientRatioEvery: 2, ...(chunk ? { backwardChunkRows: chunk } : {}) });
      const input = batch(e);
      const out: { loss: number; gradNorm: number; ratio: number | null }[] = [];
      for (let k = 1; k <= 4; k++) {
        const n = await step.run(k, input);
        out.push({ loss: n.loss, gradNorm: n.gradNorm, ratio: n.gradientNorms?.ratio ?? null });
      }
      const weights = await Promise.all(Object.values(step.encoderVariables).map(async (v) => Array.from(await v.data())));
      step.dispose();
      e.dispose();
      return { out, weights };
    };
    const whole = await train();
    const chunked = await train(4);
    whole.out.forEach((w, i) => {
      const c = chunked.out[i]!;
      expect(c.loss).toBeCloseTo(w.loss, 4);
      expect(c.gradNorm / w.gradNorm).toBeCloseTo(1, 3);
      if (w.ratio === null) expect(c.ratio).toBeNull();
      else expect(c.ratio! / w.ratio).toBeCloseTo(1, 3);
    });
    expect(whole.out[3]!.loss).not.toBeCloseTo(whole.out[0]!.loss, 3);
    const drift = Math.max(...whole.weights.flatMap((w, i) => w.map((x, j) => Math.abs(x - chunked.weights[i]![j]!))));
    expect(drift).toBeLessThan(1e-4);
  });
});
