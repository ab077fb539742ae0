/**
 * A run with the chunked backward (`TrainDeps.backwardChunkRows`, gradientCache.ts) against the same run
 * without it: the same per-step losses and final weights up to float rounding, dropout on.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import type { Lang } from '../data/languages';
import { parseRunConfig } from '../experiment/runConfig';
import type { StepLog } from '../experiment/runLog';
import { initBackend } from '../model/backend';
import { tinyTransformer } from './tinyTransformer.testutil';
import { makeToyDataset } from './toyDataset.testutil';
import { runTraining } from './trainLoop';

const LANGS: Lang[] = ['de', 'en', 'es', 'zh'];
const dataset = await makeToyDataset({ languages: LANGS, paragraphs: 30, seed: 4 });

beforeAll(async () => {
  await initBackend('cpu');
});

describe('runTraining with backwardChunkRows', () => {
  for (const strategy of [
    { kind: 'hybrid', alpha: 0.5 },
    { kind: 'adversarial', lambdaMax: 0.5, discriminatorHidden: 8 },
  ] as const) {
    it(`${strategy.kind}: logs the same losses and ends at the same weights as the whole-batch run`, async () => {
      const config = parseRunConfig(
        {
          schemaVersion: 1,
          seed: 7,
          model: { builtin: 'tiny', pooling: 'mean', maxLength: 12, freezeEmbeddings: false },
          data: { train: { dataset: 'mlqa-r', languages: LANGS }, eval: { dataset: 'xquad-r', languages: ['en'] } },
          strategy,
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
        },
        'test config',
      );
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
        await runTraining(config, { dataset, encoder, now: () => (clock += 10), onStep: (l) => void logs.push(l), ...(backwardChunkRows ? { backwardChunkRows } : {}) });
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
});
