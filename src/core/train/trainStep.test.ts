import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { ConfigError } from '../errors';
import { initBackend } from '../model/backend';
import { BagOfTokensEncoder } from './bagOfTokensEncoder.testutil';
import { createTrainingStep, type StepConfig, type StepGradients, type StepInput } from './trainStep';

beforeAll(async () => {
  await initBackend('cpu');
});

const CONFIG: StepConfig = { seed: 5, steps: 100, tau: 0.1, lr: 0.05, warmupSteps: 0, lrSchedule: 'constant', clipNorm: 1, epsilon: 1e-8, weightDecay: 0, strategy: { kind: 'xy' } };

describe('createTrainingStep (the step runTraining takes and the bench times)', () => {
  it('runs on token batches alone, without a dataset, lowers the loss and leaks no tensors', async () => {
    const encoder = new BagOfTokensEncoder({ seed: 1 });
    const texts = (prefix: string, n: number) => Array.from({ length: n }, (_, i) => `${prefix} ${i} word${i} other${(i * 7) % 5}`);
    const input = { queries: encoder.tokenize(texts('q', 4), 8), passages: encoder.tokenize([...texts('q', 4), ...texts('n', 4)], 8) };
    const step = createTrainingStep(CONFIG, encoder);
    const before = tf.memory().numTensors;
    const losses: number[] = [];
    for (let k = 1; k <= 15; k++) {
      const n = await step.run(k, input);
      expect(n).toMatchObject({ lr: 0.05, lambda: null, advLoss: null, discAcc: null });
      expect(n.loss).toBe(n.retrievalLoss);
      losses.push(n.loss);
    }
    expect(tf.memory().numTensors).toBe(before);
    expect(losses.at(-1)!).toBeLessThan(losses[0]!);
    expect(step.encoderOptimizer.step).toBe(15);
    step.dispose();
    encoder.dispose();
  });

  it('needs the number of languages for the adversarial strategy, and the labels in its input', async () => {
    const encoder = new BagOfTokensEncoder({ seed: 1 });
    const adversarial: StepConfig = { ...CONFIG, strategy: { kind: 'adversarial', sampler: 'xx-mono', lambdaMax: 1, weight: 1, discriminatorHidden: 4, discriminatorDropout: 0 } } as StepConfig;
    expect(() => createTrainingStep(adversarial, encoder)).toThrow(ConfigError);
    const step = createTrainingStep(adversarial, encoder, { numLanguages: 2 });
    const input = { queries: encoder.tokenize(['a', 'b'], 4), passages: encoder.tokenize(['a', 'b', 'c', 'd'], 4) };
    await expect(step.run(1, input)).rejects.toThrow(/language labels/);
    const n = await step.run(1, { ...input, languageLabels: Int32Array.from([0, 1, 0, 1, 0, 1]) });
    expect(n.advLoss).not.toBeNull();
    expect(n.lambda).not.toBeNull();
    step.dispose();
    encoder.dispose();
  });

  describe('gradient norms of the retrieval and the adversarial term at the encoder (issue 23, item 5)', () => {
    const adversarialConfig = (lambdaMax: number, weight = 1): StepConfig => ({ ...CONFIG, steps: 10, strategy: { kind: 'adversarial', sampler: 'xx-mono', lambdaMax, weight, discriminatorHidden: 6, discriminatorDropout: 0.2 } }) as StepConfig;
    const batch = (encoder: BagOfTokensEncoder): StepInput => ({
      queries: encoder.tokenize(['alpha beta', 'gamma delta', 'eins zwei', 'drei vier'], 6),
      passages: encoder.tokenize(['alpha beta x', 'gamma delta y', 'eins zwei z', 'drei vier w', 'other one', 'other two', 'andere eins', 'andere zwei'], 6),
      languageLabels: Int32Array.from([0, 0, 1, 1, 0, 0, 1, 1, 0, 0, 1, 1]),
    });
    /** ‖∂f/∂θ_encoder‖ by a plain tf.variableGrads of `f` (a term of the step's loss picked from its aux) */
    async function directNorm(step: ReturnType<typeof createTrainingStep>, f: (total: tf.Scalar, aux: StepGradients['aux']) => tf.Scalar): Promise<number> {
      const kept: tf.Tensor[] = [];
      const { value, grads } = tf.variableGrads(() => {
        const aux: StepGradients['aux'] = {};
        const total = step.loss(7, input, aux);
        kept.push(...[aux.retrieval, aux.adv, aux.acc].filter((t): t is tf.Scalar => t !== undefined));
        return f(total, aux);
      }, Object.values(step.encoderVariables));
      const n = tf.tidy(() => tf.sqrt(tf.addN(Object.values(grads).map((g) => tf.sum(tf.square(g))))));
      const out = (await n.data())[0]!;
      tf.dispose([value, n, ...Object.values(grads), ...kept]);
      return out;
    }
    let input: StepInput;

    it('match a direct tf.variableGrads of each term, with or without the step’s total gradient, and leak nothing', async () => {
      const encoder = new BagOfTokensEncoder({ seed: 3, dropout: 0.1 });
      input = batch(encoder);
      const step = createTrainingStep(adversarialConfig(1, 0.5), encoder, { numLanguages: 2 });
      const retrieval = await directNorm(step, (_, aux) => aux.retrieval!);
      // the adversarial term as it enters the loss: total − retrieval = w · L_adv, through the GRL
      const adversarial = await directNorm(step, (total, aux) => tf.sub(total, aux.retrieval!));
      expect(adversarial).toBeGreaterThan(0);
      const before = tf.memory().numTensors;
      const alone = (await step.gradientNorms(7, input))!;
      const g = step.gradients(7, input);
      const withTotal = (await step.gradientNorms(7, input, g.encoder))!;
      tf.dispose(g.tensors);
      expect(tf.memory().numTensors).toBe(before);
      for (const n of [alone, withTotal]) {
        expect(n.retrieval).toBeCloseTo(retrieval, 5);
        expect(n.adversarial / adversarial).toBeCloseTo(1, 4);
        expect(n.ratio! / (adversarial / retrieval)).toBeCloseTo(1, 4);
      }
      step.dispose();
      encoder.dispose();
    });

    it('are 0 for λ = 0, double with λ_max, and scale with the weight', async () => {
      const norms = async (lambdaMax: number, weight = 1) => {
        const encoder = new BagOfTokensEncoder({ seed: 3 });
        const step = createTrainingStep(adversarialConfig(lambdaMax, weight), encoder, { numLanguages: 2 });
        const n = (await step.gradientNorms(5, batch(encoder)))!;
        step.dispose();
        encoder.dispose();
        return n;
      };
      const zero = await norms(0);
      expect(zero.adversarial).toBe(0);
      expect(zero.ratio).toBe(0);
      const one = await norms(0.4);
      const two = await norms(0.8);
      expect(one.ratio).toBeGreaterThan(0);
      expect(two.adversarial / one.adversarial).toBeCloseTo(2, 5);
      expect(two.ratio! / one.ratio!).toBeCloseTo(2, 5);
      expect(two.retrieval).toBeCloseTo(one.retrieval, 6);
      expect((await norms(0.4, 3)).adversarial / one.adversarial).toBeCloseTo(3, 5);
    });

    it('are measured every k-th and at the last step without changing the update; none for other strategies', async () => {
      const train = async (every: number) => {
        const encoder = new BagOfTokensEncoder({ seed: 3, dropout: 0.1 });
        const step = createTrainingStep(adversarialConfig(1), encoder, { numLanguages: 2, gradientRatioEvery: every });
        const measured: number[] = [];
        const losses: number[] = [];
        for (let k = 1; k <= 10; k++) {
          const n = await step.run(k, batch(encoder));
          if (n.gradientNorms) measured.push(k);
          losses.push(n.loss);
        }
        const weights = await Promise.all(Object.values(step.encoderVariables).map(async (v) => Array.from(await v.data())));
        step.dispose();
        encoder.dispose();
        return { measured, losses, weights };
      };
      const never = await train(0);
      const every4 = await train(4);
      expect(never.measured).toEqual([]);
      expect(every4.measured).toEqual([4, 8, 10]);
      // bit-identical: measuring costs a pass but moves nothing
      expect(every4.losses).toEqual(never.losses);
      expect(every4.weights).toEqual(never.weights);
      expect((await train(3)).measured).toEqual([3, 6, 9, 10]);

      const encoder = new BagOfTokensEncoder({ seed: 3 });
      const xy = createTrainingStep({ ...CONFIG, steps: 1 }, encoder, { gradientRatioEvery: 1 });
      expect((await xy.run(1, batch(encoder))).gradientNorms).toBeUndefined();
      expect(await xy.gradientNorms(1, batch(encoder))).toBeNull();
      xy.dispose();
      encoder.dispose();
      expect(() => createTrainingStep(CONFIG, new BagOfTokensEncoder({ seed: 1 }), { gradientRatioEvery: -1 })).toThrow(/gradientRatioEvery/);
    });
  });
});
