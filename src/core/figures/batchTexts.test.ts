import { beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '../model/backend';
import { parseRunConfig } from '../experiment/runConfig';
import type { StepLog } from '../experiment/runLog';
import { BagOfTokensEncoder } from '../train/bagOfTokensEncoder.testutil';
import { makeToyDataset } from '../train/toyDataset.testutil';
import { PASSAGE_PREFIX, QUERY_PREFIX } from '../train/textPrefixes';
import { runTraining } from '../train/trainLoop';
import { batchTexts } from './batchTexts';

const dataset = await makeToyDataset({ languages: ['de', 'en', 'es'], paragraphs: 30, seed: 3 });

const config = (kind: 'hybrid' | 'xy' | 'adversarial') =>
  parseRunConfig(
    {
      schemaVersion: 1,
      seed: 11,
      model: { builtin: 'tiny', pooling: 'mean', maxLength: 16, freezeEmbeddings: false },
      data: { train: { dataset: 'mlqa-r', languages: ['de', 'en', 'es'] }, eval: { dataset: 'xquad-r', languages: ['en'] } },
      strategy: kind === 'hybrid' ? { kind, alpha: 0.5 } : kind === 'adversarial' ? { kind, lambdaMax: 1, discriminatorHidden: 8 } : { kind },
      steps: 5,
      batchSize: 6,
      tau: 0.1,
      lr: 0.01,
      weightDecay: 0.01,
      epsilon: 1e-8,
      warmupSteps: 1,
      clipNorm: 1,
      dropout: 0,
      checkpointEvery: 5,
      evalEvery: 0,
    },
    'test',
  );

beforeAll(async () => {
  await initBackend('cpu');
});

describe('batchTexts', () => {
  for (const kind of ['hybrid', 'xy', 'adversarial'] as const) {
    it(`replays the batches runTraining logged (${kind})`, async () => {
      const cfg = config(kind);
      const logs: StepLog[] = [];
      let t = 0;
      await runTraining(cfg, { dataset, encoder: new BagOfTokensEncoder({ seed: 1 }), now: () => (t += 1), onStep: (l) => void logs.push(l) });
      expect(logs).toHaveLength(5);
      for (const log of logs) {
        const texts = batchTexts(cfg, dataset, log.step);
        expect(texts.record).toEqual(log.batch);
        const counted: Record<string, number> = {};
        for (const tr of texts.triplets) counted[`${tr.queryLang}->${tr.passageLang}`] = (counted[`${tr.queryLang}->${tr.passageLang}`] ?? 0) + 1;
        expect(counted).toEqual(log.batch.pairs);
        expect(texts.triplets.every((tr) => tr.query && tr.positive && tr.negative && tr.positive !== tr.negative)).toBe(true);
      }
    });
  }

  for (const kind of ['hybrid', 'xy'] as const) {
    it(`shows exactly the texts runTraining tokenized at every step (${kind}, seed 11)`, async () => {
      const cfg = config(kind);
      // training tokenizes each step's queries, then its positives and hard negatives
      const tokenized: string[][] = [];
      const encoder = new BagOfTokensEncoder({ seed: 1 });
      const tokenize = encoder.tokenize.bind(encoder);
      encoder.tokenize = (texts, maxLength) => {
        tokenized.push([...texts]);
        return tokenize(texts, maxLength);
      };
      let t = 0;
      await runTraining(cfg, { dataset, encoder, now: () => (t += 1) });
      expect(tokenized).toHaveLength(2 * cfg.steps);
      for (let step = 1; step <= cfg.steps; step++) {
        const { triplets } = batchTexts(cfg, dataset, step);
        expect(tokenized[2 * (step - 1)]).toEqual(triplets.map((tr) => QUERY_PREFIX + tr.query));
        expect(tokenized[2 * step - 1]).toEqual([...triplets.map((tr) => PASSAGE_PREFIX + tr.positive), ...triplets.map((tr) => PASSAGE_PREFIX + tr.negative)]);
      }
    });
  }

  it('rejects steps outside the run and the wrong dataset', () => {
    expect(() => batchTexts(config('xy'), dataset, 0)).toThrow(/outside the run/);
    expect(() => batchTexts(config('xy'), dataset, 6)).toThrow(/outside the run/);
    expect(() => batchTexts(config('xy'), { ...dataset, name: 'xquad-r' }, 1)).toThrow(/trains on mlqa-r/);
  });
});
