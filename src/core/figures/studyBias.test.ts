import { beforeAll, describe, expect, it } from 'vitest';
import { evaluateRetrieval } from '../metrics/evaluateRetrieval';
import { HAND_EN_DE } from '../metrics/handDataset';
import { initBackend } from '../model/backend';
import { parseRunConfig, type RunConfig } from '../experiment/runConfig';
import { summarizeResult, type ResultSummary, type StudyDirection } from '../experiment/studyResults';
import { TEST_RUN_CONFIG } from '../testing/runConfigFixture.testutil';
import { adversarialPair, adversaryProbeEffect, adversaryProbeSentence, studyGradientRatioTable, studyProbeTable } from './studyBias';

const probe = (accuracy: number) => ({ accuracy, majority: 0.5, train_accuracy: 0.9, per_language: { de: { accuracy, n: 4 } }, n_train: 8, n_test: 4, seed: 1, l2: 1 });

describe('does the adversary act: the study tables', () => {
  let base: ResultSummary;
  let adv: RunConfig;
  let mono: RunConfig;
  let xy: RunConfig;
  beforeAll(async () => {
    await initBackend('cpu');
    base = summarizeResult(await evaluateRetrieval(HAND_EN_DE, { queries: new Float32Array(HAND_EN_DE.queries.length * 2).fill(1), candidates: new Float32Array(HAND_EN_DE.candidates.length * 2).fill(1), dim: 2 }));
    const config = parseRunConfig(TEST_RUN_CONFIG, 't');
    adv = { ...config, strategy: { kind: 'adversarial', lambdaMax: 0.1, discriminatorHidden: 8, sampler: 'xx-mono', discriminatorDropout: 0.1, weight: 1 } };
    mono = { ...config, strategy: { kind: 'xx-mono' } };
    xy = { ...config, strategy: { kind: 'xy' } };
  });

  function direction(advProbe: number[], monoProbe: number[], ratios?: [number, number][][]): StudyDirection {
    const arm = (id: string, label: string, config: RunConfig, probes: number[], gr?: [number, number][][]) => ({
      arm: id,
      label,
      setting: 'τ 0.1',
      seeds: probes.map((p, i) => ({ seed: 10 + i, config, runId: null, result: { ...base, probe: probe(p) }, ...(gr?.[i] ? { gradRatio: gr[i] } : {}) })),
      mean: base,
    });
    return { id: 'd', label: 'D', differences: [], arms: [arm('xy', 'X-Y', xy, [0.8, 0.8, 0.8]), arm('xx-mono', 'X-X-mono', mono, monoProbe), arm('adversarial', 'Adversarial', adv, advProbe, ratios)] };
  }

  it('pairs the adversarial arm with the arm of its sampler', () => {
    const pair = adversarialPair(direction([0.6, 0.6, 0.6], [0.7, 0.7, 0.7]))!;
    expect([pair.adversarial.arm, pair.counterpart.arm]).toEqual(['adversarial', 'xx-mono']);
  });

  it('says the adversary lowers what the probe reads only when the seed-level t-test rejects (hand-worked, df 2)', () => {
    // per-seed differences −0.10, −0.09, −0.11: mean −0.10, sd 0.01, t = −0.10 / (0.01/√3) = −17.32; df 2: p = 1 − |t|/√(t² + 2) = 0.003314
    const effect = adversaryProbeEffect(direction([0.6, 0.62, 0.64], [0.7, 0.71, 0.75]))!;
    expect(effect.test.differences.map((d) => Number(d.toFixed(10)))).toEqual([-0.1, -0.09, -0.11]);
    expect(effect.test.t).toBeCloseTo(-17.3205, 3);
    expect(effect.test.p).toBeCloseTo(1 - 17.320508 / Math.sqrt(300 + 2), 5);
    expect(effect.verdict).toBe('lowers');
    expect(adversaryProbeSentence(effect)).toMatch(/^Adversarial lowers what the probe reads: its accuracy is -10\.00 points against X-X-mono's \(per seed -10\.00, -9\.00, -11\.00; t-test across seeds p = 0\.0033, df 2; sign flip p = 0\.250\)\.$/);
    // differences of both signs: no change
    const none = adversaryProbeEffect(direction([0.7, 0.6, 0.66], [0.65, 0.65, 0.65]))!;
    expect(none.verdict).toBe('does not change');
    expect(adversaryProbeSentence(none)).toMatch(/^Adversarial does not change what the probe reads/);
  });

  it('tables the probe per arm (×100) with the verdict in the caption', () => {
    const t = studyProbeTable(direction([0.6, 0.62, 0.64], [0.7, 0.71, 0.75]))!;
    expect(t.rows.map((r) => r.arm)).toEqual(['X-Y', 'X-X-mono', 'Adversarial']);
    expect(t.rows[2]!.acc).toBeCloseTo(62, 10);
    expect(t.rows[2]!.sd).toBeCloseTo(2, 10);
    expect(t.rows[2]!.perSeed).toBe('60.0, 62.0, 64.0');
    expect(t.rows[2]!.majority).toBe(50);
    expect(t.caption).toContain('Adversarial lowers what the probe reads');
  });

  it('tables the gradient ratio per adversarial seed, or nothing when none was logged', () => {
    expect(studyGradientRatioTable(direction([0.6, 0.6, 0.6], [0.7, 0.7, 0.7]))).toBeNull();
    const t = studyGradientRatioTable(
      direction(
        [0.6, 0.6, 0.6],
        [0.7, 0.7, 0.7],
        [
          [
            [10, 0.01],
            [20, 0.03],
          ],
          [[10, 0.02]],
          [],
        ],
      ),
    )!;
    expect(t.rows).toEqual([
      { seed: '10', n: 2, mean: 0.02, first: '0.0100 (step 10)', last: '0.0300 (step 20)', max: 0.03 },
      { seed: '11', n: 1, mean: 0.02, first: '0.0200 (step 10)', last: '0.0200 (step 10)', max: 0.02 },
    ]);
    expect(t.caption).toContain('rises to 0.1');
  });
});
