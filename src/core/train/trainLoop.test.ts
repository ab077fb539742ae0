import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CheckpointError } from '../errors';
import type { Lang } from '../data/languages';
import { parseRunConfig, type RunConfig, type RunConfigInput } from '../experiment/runConfig';
import { StepLogSchema, type EvalLog, type StepLog } from '../experiment/runLog';
import { initBackend } from '../model/backend';
import type { EncodeOptions, TokenBatch } from '../model/types';
import { BagOfTokensEncoder } from './bagOfTokensEncoder.testutil';
import { embedDataset } from './embedDataset';
import { makeToyDataset } from './toyDataset.testutil';
import { parseManifest, type TrainingCheckpoint } from './trainingCheckpoint';
import { runTraining, TrainingDivergedError, type TrainDeps } from './trainLoop';
import { requestStopAsMessage } from '../testing/stopMessage.testutil';

const LANGS: Lang[] = ['de', 'en', 'es', 'zh'];
const dataset = await makeToyDataset({ languages: LANGS, paragraphs: 40, seed: 2 });

function makeConfig(overrides: Partial<RunConfigInput> = {}): RunConfig {
  return parseRunConfig(
    {
      schemaVersion: 1,
      seed: 7,
      model: { builtin: 'tiny', pooling: 'mean', maxLength: 16, freezeEmbeddings: false },
      data: { train: { dataset: 'mlqa-r', languages: LANGS }, eval: { dataset: 'xquad-r', languages: ['en'] } },
      strategy: { kind: 'hybrid', alpha: 0.5 },
      steps: 6,
      batchSize: 8,
      tau: 0.1,
      lr: 0.02,
      weightDecay: 0.01,
      epsilon: 1e-8,
      warmupSteps: 2,
      clipNorm: 1,
      dropout: 0.1,
      checkpointEvery: 3,
      evalEvery: 0,
      ...overrides,
    },
    'test config',
  );
}

let clock = 0;
const now = () => (clock += 250);

interface Recorded {
  logs: StepLog[];
  checkpoints: TrainingCheckpoint[];
  evals: EvalLog[];
}

function recorder(): Recorded & Pick<TrainDeps, 'onStep' | 'onCheckpoint' | 'onEval'> {
  const r: Recorded = { logs: [], checkpoints: [], evals: [] };
  return {
    ...r,
    onStep: (log) => void r.logs.push(log),
    onCheckpoint: (ckpt) => void r.checkpoints.push(ckpt),
    onEval: (log) => void r.evals.push(log),
  };
}

const weightsOf = (encoder: BagOfTokensEncoder) => Object.fromEntries(Object.entries(encoder.trainableVariables()).map(([n, v]) => [n, Array.from(v.dataSync())]));
const withoutTime = (logs: StepLog[]) => logs.map(({ seconds: _s, ...rest }) => rest);

afterAll(async () => {
  await initBackend('cpu');
});

describe('runTraining', () => {
  beforeAll(async () => {
    await initBackend('cpu');
  });

  it('lowers the retrieval loss and logs one valid line per step', async () => {
    const encoder = new BagOfTokensEncoder({ seed: 1, dropout: 0.1 });
    const rec = recorder();
    const config = makeConfig({ steps: 40, lr: 0.05, checkpointEvery: 100 });
    const result = await runTraining(config, { dataset, encoder, now, ...rec });
    expect(result.status).toBe('completed');
    expect(result.step).toBe(40);
    expect(rec.logs.map((l) => l.step)).toEqual(Array.from({ length: 40 }, (_, i) => i + 1));
    for (const log of rec.logs) {
      expect(StepLogSchema.parse(log)).toEqual(log);
      expect(log.adv_loss).toBeNull();
      expect(log.loss).toBe(log.retrieval_loss);
      expect(['mono', 'cross']).toContain(log.batch.kind);
    }
    expect(rec.logs[0]!.lr).toBeCloseTo(0.025, 10); // warm-up step 1 of 2
    expect(result.lastLoss).toBeLessThan(0.8 * result.firstLoss);
    // the final checkpoint is written even though 40 is not a multiple of checkpointEvery
    expect(rec.checkpoints.map((c) => c.step)).toEqual([40]);
    const manifest = parseManifest(rec.checkpoints[0]!.files['manifest.json']!, 'ckpt');
    expect(manifest.step).toBe(40);
    expect(manifest.optimizer).toMatchObject({ type: 'adamw', step: 40, epsilon: 1e-8, weightDecay: 0.01 });
    expect(manifest.datasets[0]!.files.map((f) => f.sha256)).toEqual(dataset.files.map((f) => f.sha256));
    expect(manifest.sampler.batches).toBe(40);
    expect(manifest.backend).toBe('cpu');
    expect(manifest.lastLog).toEqual(rec.logs.at(-1));
    expect(Object.keys(rec.checkpoints[0]!.files).sort()).toEqual(['manifest.json', 'model.safetensors', 'optimizer.safetensors']);
    encoder.dispose();
  });

  it('trains the adversary: logs λ, discriminator accuracy vs chance, and the combined loss', async () => {
    const encoder = new BagOfTokensEncoder({ seed: 1 });
    const rec = recorder();
    const config = makeConfig({ steps: 8, strategy: { kind: 'adversarial', lambdaMax: 0.5, discriminatorHidden: 8 } });
    await runTraining(config, { dataset, encoder, now, ...rec });
    for (const log of rec.logs) {
      expect(log.batch.kind).toBe('mono');
      expect(log.disc_chance).toBe(0.25);
      expect(log.disc_acc).toBeGreaterThanOrEqual(0);
      expect(log.disc_acc).toBeLessThanOrEqual(1);
      expect(log.loss).toBeCloseTo(log.retrieval_loss + log.adv_loss!, 5);
    }
    expect(rec.logs[0]!.lambda).toBe(0);
    expect(rec.logs[7]!.lambda).toBeCloseTo(0.5 * (2 / (1 + Math.exp(-10 * (7 / 8))) - 1), 12);
    // the encoder's gradient norms of both terms, measured at the last step (and every 10th; issue 23, item 5)
    expect(rec.logs.filter((l) => l.grad_ratio !== undefined).map((l) => l.step)).toEqual([8]);
    const last = StepLogSchema.parse(rec.logs[7]);
    expect(last.adv_grad_norm).toBeGreaterThan(0);
    expect(last.grad_ratio).toBeCloseTo(last.adv_grad_norm! / last.retrieval_grad_norm!, 12);
    encoder.dispose();
  });

  it('does not leak tensors', async () => {
    const encoder = new BagOfTokensEncoder({ seed: 1 });
    const before = tf.memory().numTensors;
    await runTraining(makeConfig({ steps: 3, strategy: { kind: 'adversarial', lambdaMax: 0.5, discriminatorHidden: 8 } }), { dataset, encoder, now });
    expect(tf.memory().numTensors).toBe(before);
    encoder.dispose();
  });

  it('calls evaluate every evalEvery steps and at the end', async () => {
    const encoder = new BagOfTokensEncoder({ seed: 1 });
    const rec = recorder();
    const seen: number[] = [];
    await runTraining(makeConfig({ steps: 5, evalEvery: 2 }), {
      dataset,
      encoder,
      now,
      ...rec,
      evaluate: async (step) => {
        seen.push(step);
        return { 'mAP.mono': step / 10 };
      },
    });
    expect(seen).toEqual([2, 4, 5]);
    expect(rec.evals.map((e) => e.metrics['mAP.mono'])).toEqual([0.2, 0.4, 0.5]);
    encoder.dispose();
  });

  it('stops when asked, writing a checkpoint at the step reached', async () => {
    const encoder = new BagOfTokensEncoder({ seed: 1 });
    const rec = recorder();
    let polls = 0;
    const result = await runTraining(makeConfig({ steps: 10, checkpointEvery: 100 }), { dataset, encoder, now, ...rec, shouldStop: () => ++polls > 2 });
    expect(result.status).toBe('stopped');
    expect(result.step).toBe(2);
    expect(rec.checkpoints.map((c) => c.step)).toEqual([2]);
    encoder.dispose();
  });

  it('a stop requested during an evaluation ends it within a batch and stops the run at that step, checkpointed', async () => {
    // issue 20, item 7: the request arrives as a task (a worker message), while the evaluation embeds
    const encoder = new BagOfTokensEncoder({ seed: 1 });
    const evalData = await makeToyDataset({ languages: ['en'], paragraphs: 30, seed: 5 });
    const rec = recorder();
    let stop = false;
    let batches = 0;
    let batchesAtRequest = -1;
    const result = await runTraining(makeConfig({ steps: 10, evalEvery: 2, checkpointEvery: 100 }), {
      dataset,
      encoder,
      now,
      ...rec,
      shouldStop: () => stop,
      evaluate: async (step) => {
        await embedDataset(encoder, evalData, {
          batchSize: 2,
          maxLength: 16,
          shouldStop: () => stop,
          onProgress: () => {
            batches++;
            if (step === 4 && batchesAtRequest < 0) {
              batchesAtRequest = batches;
              requestStopAsMessage(() => (stop = true));
            }
          },
        });
        return { 'mAP.mono': 0 };
      },
    });
    expect(result.status).toBe('stopped');
    expect(result.step).toBe(4);
    expect(rec.checkpoints.map((c) => c.step)).toEqual([4]);
    // the evaluation at step 2 was reported, the stopped one at step 4 was not
    expect(rec.evals.map((e) => e.step)).toEqual([2]);
    expect(batches - batchesAtRequest).toBeLessThanOrEqual(1);
    encoder.dispose();
  });

  it('sees a stop requested as a task between steps', async () => {
    const encoder = new BagOfTokensEncoder({ seed: 1 });
    let stop = false;
    const result = await runTraining(makeConfig({ steps: 12, checkpointEvery: 100 }), {
      dataset,
      encoder,
      now,
      shouldStop: () => stop,
      onStep: (log) => {
        if (log.step === 3) requestStopAsMessage(() => (stop = true));
      },
    });
    expect(result.status).toBe('stopped');
    expect(result.step).toBe(3);
    encoder.dispose();
  });

  it('stops on a non-finite loss without applying the update, keeping the last good checkpoint', async () => {
    class PoisonedEncoder extends BagOfTokensEncoder {
      calls = 0;
      override embed(batch: TokenBatch, options: EncodeOptions): tf.Tensor2D {
        this.calls += 1;
        const e = super.embed(batch, options);
        // two embed calls per step: poison step 4
        return this.calls > 6 ? (tf.mul(e, Number.NaN) as tf.Tensor2D) : e;
      }
    }
    const encoder = new PoisonedEncoder({ seed: 1 });
    const rec = recorder();
    const config = makeConfig({ steps: 10, checkpointEvery: 2 });
    let weightsAfter3: Record<string, number[]> = {};
    const error = await runTraining(config, {
      dataset,
      encoder,
      now,
      ...rec,
      onStep: (log) => {
        rec.logs.push(log);
        if (log.step === 3) weightsAfter3 = weightsOf(encoder);
      },
    }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TrainingDivergedError);
    expect((error as Error).message).toMatch(/diverged at step 4: the loss \(NaN\) is not finite.*last good checkpoint is step 2/);
    expect(rec.logs.map((l) => l.step)).toEqual([1, 2, 3]);
    expect(rec.checkpoints.map((c) => c.step)).toEqual([2]);
    expect(weightsOf(encoder)).toEqual(weightsAfter3);
    encoder.dispose();
  });

  it('refuses to resume with a different config or changed data', async () => {
    const encoder = new BagOfTokensEncoder({ seed: 1 });
    const rec = recorder();
    await runTraining(makeConfig({ steps: 2, checkpointEvery: 2 }), { dataset, encoder, now, ...rec });
    const ckpt = rec.checkpoints[0]!;
    await expect(runTraining(makeConfig({ steps: 4, lr: 0.5 }), { dataset, encoder, now, resumeFrom: ckpt })).rejects.toThrow(/config differs in lr/);
    const changed = { ...dataset, files: dataset.files.map((f, i) => (i === 0 ? { ...f, sha256: '0'.repeat(64) } : f)) };
    await expect(runTraining(makeConfig({ steps: 4 }), { dataset: changed, encoder, now, resumeFrom: ckpt })).rejects.toThrow(CheckpointError);
    await expect(runTraining(makeConfig({ steps: 4 }), { dataset, encoder, now, resumeFrom: { step: 2, files: {} } })).rejects.toThrow(/missing manifest\.json/);
    encoder.dispose();
  });
});

describe.each(['cpu', 'wasm'] as const)('exact resume on %s', (backend) => {
  beforeAll(async () => {
    await initBackend(backend);
  });

  it.each([
    ['hybrid', { kind: 'hybrid', alpha: 0.5 }],
    ['adversarial', { kind: 'adversarial', lambdaMax: 1, discriminatorHidden: 8 }],
    ['xy', { kind: 'xy' }],
  ] as const)('%s: 2N steps == N steps + resume N steps, bit for bit (weights and losses)', async (_name, strategy) => {
    const config = makeConfig({ steps: 8, checkpointEvery: 4, strategy: { ...strategy } });

    const straightEncoder = new BagOfTokensEncoder({ seed: 1, dropout: 0.2 });
    const straight = recorder();
    await runTraining(config, { dataset, encoder: straightEncoder, now, ...straight });

    const firstEncoder = new BagOfTokensEncoder({ seed: 1, dropout: 0.2 });
    const first = recorder();
    const half = await runTraining(config, { dataset, encoder: firstEncoder, now, ...first, stopAtStep: 4 });
    expect(half).toMatchObject({ status: 'stopped', step: 4, checkpointStep: 4 });
    const ckpt = first.checkpoints.at(-1)!;
    expect(ckpt.step).toBe(4);

    // a different initialisation: everything must come from the checkpoint
    const resumedEncoder = new BagOfTokensEncoder({ seed: 999, dropout: 0.2 });
    const second = recorder();
    const rest = await runTraining(config, { dataset, encoder: resumedEncoder, now, ...second, resumeFrom: ckpt });
    expect(rest).toMatchObject({ status: 'completed', step: 8, startStep: 4 });

    expect(withoutTime([...first.logs, ...second.logs])).toEqual(withoutTime(straight.logs));
    expect(weightsOf(resumedEncoder)).toEqual(weightsOf(straightEncoder));
    // the optimiser state at the end matches too
    expect(second.checkpoints.at(-1)!.files['optimizer.safetensors']).toEqual(straight.checkpoints.at(-1)!.files['optimizer.safetensors']);
    // and the run really moved: the weights differ from the initial ones
    expect(weightsOf(straightEncoder)).not.toEqual(weightsOf(new BagOfTokensEncoder({ seed: 1 })));
    for (const e of [straightEncoder, firstEncoder, resumedEncoder]) e.dispose();
  });
});
