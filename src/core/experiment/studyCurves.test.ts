import { describe, expect, it } from 'vitest';
import { DataFormatError } from '../errors';
import { evaluateRetrieval } from '../metrics/evaluateRetrieval';
import { HAND_EN_DE } from '../metrics/handDataset';
import { initBackend } from '../model/backend';
import { summarizeResult } from './studyResults';
import { parseTestSteps, seedBands, studyCurvePanels, windowedLoss, type CurveSeedInput } from './studyCurves';

const evaluation = (step: number, map: number, others: number, probe?: number) => ({ step, result: { multi: { map, rank_distance_others: others }, ...(probe === undefined ? {} : { probe: { accuracy: probe, majority: 0.25 } }) } });
const logs = (n: number, loss: (s: number) => number, ratioEvery = 0) => Array.from({ length: n }, (_, i) => ({ step: i + 1, retrieval_loss: loss(i + 1), ...(ratioEvery && (i + 1) % ratioEvery === 0 ? { grad_ratio: (i + 1) / 1000 } : {}) }));

describe('seedBands', () => {
  it('gives the mean and the lowest and highest seed at each step, from the seeds that have one there', () => {
    const bands = seedBands([
      new Map([
        [100, 0.2],
        [200, 0.5],
      ]),
      new Map([
        [100, 0.4],
        [200, 0.1],
      ]),
      new Map([[100, 0.3]]),
    ]);
    expect(bands).toHaveLength(2);
    expect(bands[0]!.step).toBe(100);
    expect(bands[0]!.mean).toBeCloseTo(0.3, 15);
    expect([bands[0]!.lo, bands[0]!.hi, bands[0]!.n]).toEqual([0.2, 0.4, 3]);
    expect(bands[1]).toEqual({ step: 200, mean: 0.3, lo: 0.1, hi: 0.5, n: 2 });
  });
});

describe('windowedLoss', () => {
  it('averages each complete window of steps at its last step and drops an incomplete one', () => {
    const w = windowedLoss(
      logs(45, (s) => s),
      20,
    );
    // steps 1..20 average 10.5, 21..40 average 30.5; 41..45 is not a whole window
    expect([...w]).toEqual([
      [20, 10.5],
      [40, 30.5],
    ]);
  });
  it('leaves out a window with a missing step', () => {
    const l = logs(40, () => 1).filter((x) => x.step !== 7);
    expect([...windowedLoss(l, 20).keys()]).toEqual([40]);
  });
});

describe('studyCurvePanels', () => {
  const seed = (shift: number, ratio: boolean): CurveSeedInput => ({
    logs: logs(40, (s) => 2 + shift - s / 100, ratio ? 10 : 0),
    evaluations: [evaluation(20, 0.1 + shift, 300 - shift, 0.6 + shift), evaluation(40, 0.2 + shift, 280 - shift, 0.5 + shift)],
  });
  const panels = studyCurvePanels([
    { arm: 'adversarial', label: 'Adversarial', seeds: [seed(0, true), seed(0.02, true)] },
    { arm: 'xy', label: 'X-Y', seeds: [seed(0.01, false), seed(0.03, false)] },
  ]);
  const panel = (key: string) => panels.find((p) => p.key === key)!;

  it('scales mAP to ×100 and bands every arm at the evaluation steps', () => {
    const map = panel('multi_map');
    expect(map.arms.map((a) => a.arm)).toEqual(['adversarial', 'xy']);
    const p = map.arms[1]!.points[1]!;
    expect(p.step).toBe(40);
    expect(p.mean).toBeCloseTo(22, 10);
    expect(p.lo).toBeCloseTo(21, 10);
    expect(p.hi).toBeCloseTo(23, 10);
    expect(panel('rank_distance_others').arms[0]!.points.map((x) => x.mean)).toEqual([299.99, 279.99]);
  });

  it('draws the gradient ratio only for the arm that logs it, and the probe with its majority baseline', () => {
    expect(panel('grad_ratio').arms.map((a) => a.arm)).toEqual(['adversarial']);
    expect(panel('grad_ratio').arms[0]!.points.map((x) => x.step)).toEqual([10, 20, 30, 40]);
    expect(panel('probe').reference).toBe(0.25);
    expect(panel('multi_map').reference).toBeNull();
    expect(panel('retrieval_loss').arms[0]!.points.map((x) => x.step)).toEqual([20, 40]);
  });
});

describe('parseTestSteps', () => {
  it('reads ascending steps and refuses a malformed line or a step out of order, naming the file and the line', async () => {
    await initBackend('cpu');
    const result = summarizeResult(await evaluateRetrieval(HAND_EN_DE, { queries: new Float32Array(HAND_EN_DE.queries.length * 2).fill(1), candidates: new Float32Array(HAND_EN_DE.candidates.length * 2).fill(1), dim: 2 }));
    const line = (step: number) => JSON.stringify({ step, result });
    expect(parseTestSteps(`${line(100)}\n${line(200)}\n`, 'f').map((l) => l.step)).toEqual([100, 200]);
    expect(() => parseTestSteps(`${line(200)}\n${line(100)}\n`, 'r/test-steps.jsonl')).toThrow(/r\/test-steps\.jsonl.*line 2: step.*must ascend/);
    expect(() => parseTestSteps(`${JSON.stringify({ step: 1, result: {} })}\n`, 'r/test-steps.jsonl')).toThrow(DataFormatError);
    expect(() => parseTestSteps(`${JSON.stringify({ step: 1, result: {} })}\n`, 'r/test-steps.jsonl')).toThrow(/r\/test-steps\.jsonl.*line 1/);
  });
});
