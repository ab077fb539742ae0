/**
 * A run with the chunked backward (the run config's `backwardChunkRows`, gradientCache.ts) against the same
 * run without it: the same per-step losses and final weights up to float rounding, dropout on.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import type { Lang } from '../data/languages';
import { parseRunConfig, type RunConfig, type RunConfigInput } from '../experiment/runConfig';
import type { StepLog } from '../experiment/runLog';
import { initBackend } from '../model/backend';
import { tinyTransformer } from './tinyTransformer.testutil';
import { makeToyDataset } from './toyDataset.testutil';
import { runTraining } from './trainLoop';
import type { TrainingCheckpoint } from './trainingCheckpoint';

const LANGS: Lang[] = ['de', 'en', 'es', 'zh'];
const dataset = await makeToyDataset({ languages: LANGS, paragraphs: 30, seed: 4 });

beforeAll(async () => {
  await initBackend('cpu');
});

/** 4 steps of batch 6 (12 passages a step) on the tiny transformer, dropout on */
function makeConfig(overrides: Partial<RunConfigInput>): RunConfig {
  return parseRunConfig(
    {
      schemaVersion: 1,
      seed: 7,
      model: { builtin: 'tiny', pooling: 'mean', maxLength: 12, freezeEmbeddings: false },
      data: { train: { dataset: 'mlqa-r', languages: LANGS }, eval: { dataset: 'xquad-r', languages: ['en'] } },
      strategy: { kind: 'hybrid', alpha: 0.5 },
      steps: 4,
      batchSize: 6,
      tau: 0.1,
      lr: 0.01,
      weightDecay: 0.01,
      epsilon: 1e-8,
      warmupSteps: 0,
      clipNorm: 1,
      dropout: 0.1,
      checkpointEvery: 100,
      evalEvery: 0,
      ...overrides,
    },
    'test config',
  );
}

describe('runTraining with config.backwardChunkRows', () => {
  for (const strategy of [
    { kind: 'hybrid', alpha: 0.5 },
    { kind: 'adversarial', lambdaMax: 0.5, discriminatorHidden: 8 },
  ] as const) {
    it(`${strategy.kind}: logs the same losses and ends at the same weights as the whole-batch run`, async () => {
      const config = makeConfig({ strategy });
      let clock = 0;
      const run = async (backwardChunkRows?: number) => {
        const encoder = tinyTransformer(5);
        // the rows each embed call sees: chunks of at most backwardChunkRows when chunking is on
        const embedded: number[] = [];
        const embed = encoder.embed;
        encoder.embed = (batch, options) => {
          if (options.training) embedded.push(batch.batchSize);
          return embed(batch, options);
        };
        const logs: StepLog[] = [];
        const chunked = backwardChunkRows === undefined ? config : makeConfig({ strategy, backwardChunkRows });
        await runTraining(chunked, { dataset, encoder, now: () => (clock += 10), onStep: (l) => void logs.push(l) });
        const weights = Object.values(encoder.trainableVariables()).flatMap((v) => Array.from(v.dataSync()));
        encoder.dispose();
        return { logs, weights, largest: Math.max(...embedded) };
      };
      const whole = await run();
      const chunked = await run(4);
      expect(whole.largest).toBe(12);
      expect(chunked.largest).toBe(4);
      expect(chunked.logs).toHaveLength(4);
      whole.logs.forEach((w, i) => {
        const c = chunked.logs[i]!;
        expect(c.loss).toBeCloseTo(w.loss, 4);
        expect(c.retrieval_loss).toBeCloseTo(w.retrieval_loss, 4);
        expect(c.batch).toEqual(w.batch);
      });
      expect(Math.max(...whole.weights.map((x, i) => Math.abs(x - chunked.weights[i]!)))).toBeLessThan(1e-4);
    });
  }

  it('resumes a whole-batch checkpoint in chunks (a memory setting, not the run): the same losses up to float rounding', async () => {
    const config = makeConfig({ seed: 9, checkpointEvery: 2 });
    let clock = 0;
    const straight: StepLog[] = [];
    let at2: TrainingCheckpoint | undefined;
    const e1 = tinyTransformer(5);
    await runTraining(config, { dataset, encoder: e1, now: () => (clock += 10), onStep: (l) => void straight.push(l), onCheckpoint: (c) => void (c.step === 2 ? (at2 = c) : undefined) });
    e1.dispose();
    const resumed: StepLog[] = [];
    const e2 = tinyTransformer(5);
    const result = await runTraining(makeConfig({ seed: 9, checkpointEvery: 2, backwardChunkRows: 4 }), { dataset, encoder: e2, now: () => (clock += 10), resumeFrom: at2!, onStep: (l) => void resumed.push(l) });
    e2.dispose();
    expect(result.startStep).toBe(2);
    expect(resumed.map((l) => l.step)).toEqual([3, 4]);
    resumed.forEach((r, i) => expect(r.loss).toBeCloseTo(straight[i + 2]!.loss, 4));
  });
});
