import { describe, expect, it } from 'vitest';
import { biasPanelModel, biasPanels, type BiasRunInput } from './biasOverTraining';

const evaluation = (step: number, kind: 'sampled' | 'full', map: number | null, rd: number, probe?: { accuracy: number; majority: number }) => ({ step, kind, result: { multi: { map, rank_distance: rd }, ...(probe ? { probe } : {}) } });

const adversarial: BiasRunInput = {
  id: 'a',
  name: 'Adversarial',
  color: '#f00',
  logs: [{ step: 1 }, { step: 10, grad_ratio: 0.2 }, { step: 11 }, { step: 20, grad_ratio: 0.1 }, { step: 25, grad_ratio: null }],
  evaluations: [evaluation(10, 'sampled', 0.5, 8), evaluation(20, 'sampled', 0.6, 6), evaluation(25, 'full', 0.3, 12), evaluation(20, 'sampled', 0.65, 5)],
};
const hybrid: BiasRunInput = { id: 'h', name: 'Hybrid', color: '#00f', logs: [{ step: 1 }], evaluations: [evaluation(25, 'full', 0.35, 10)] };

describe('biasPanels (issue 23, item 6: bias over training)', () => {
  it('puts each run’s mAP and rank distance per evaluation kind against the step, and the gradient ratio of adversarial runs', () => {
    const [map, rd, ratio] = biasPanels([adversarial, hybrid]);
    expect(map!.series.map((s) => [s.runId, s.kind, s.points])).toEqual([
      // a step evaluated twice (a resumed run) keeps the later evaluation
      [
        'a',
        'sampled',
        [
          [10, 0.5],
          [20, 0.65],
        ],
      ],
      ['a', 'full', [[25, 0.3]]],
      ['h', 'full', [[25, 0.35]]],
    ]);
    expect(rd!.series.map((s) => s.points)).toEqual([
      [
        [10, 8],
        [20, 5],
      ],
      [[25, 12]],
      [[25, 10]],
    ]);
    // only measured steps, a null ratio (retrieval gradient 0) left out; no series for the run without an adversary
    expect(ratio!.series).toEqual([
      {
        runId: 'a',
        name: 'Adversarial',
        color: '#f00',
        kind: 'step',
        points: [
          [10, 0.2],
          [20, 0.1],
        ],
      },
    ]);
  });

  it('puts the language-ID probe’s held-out accuracy per evaluation kind against the step, its majority baselines as references', () => {
    const probed: BiasRunInput = {
      ...adversarial,
      // an evaluation recorded before the probe existed adds no point
      evaluations: [
        evaluation(5, 'sampled', 0.4, 9),
        evaluation(10, 'sampled', 0.5, 8, { accuracy: 0.9, majority: 0.1 }),
        evaluation(20, 'sampled', 0.6, 6, { accuracy: 0.5, majority: 0.1 }),
        evaluation(25, 'full', 0.3, 12, { accuracy: 0.4, majority: 1 / 11 }),
      ],
    };
    const other: BiasRunInput = { ...hybrid, evaluations: [evaluation(25, 'full', 0.35, 10, { accuracy: 0.95, majority: 1 / 11 })] };
    const probe = biasPanels([probed, other])[3]!;
    expect(probe.key).toBe('probe');
    expect(probe.series.map((s) => [s.runId, s.kind, s.points])).toEqual([
      [
        'a',
        'sampled',
        [
          [10, 0.9],
          [20, 0.5],
        ],
      ],
      ['a', 'full', [[25, 0.4]]],
      ['h', 'full', [[25, 0.95]]],
    ]);
    // one line per kind and value: the baseline depends on the evaluation set, not on the run
    expect(probe.references).toEqual([
      { kind: 'sampled', value: 0.1 },
      { kind: 'full', value: 1 / 11 },
    ]);
    const m = biasPanelModel(probe);
    expect(m.references.map((r) => r.value)).toEqual([0.1, 1 / 11]);
    // drawn inside the box, below the accuracies above them, the axis from 0
    for (const r of m.references) expect(r.y).toBeLessThanOrEqual(m.box.y0);
    expect(m.references[0]!.y).toBeGreaterThan(m.series[0]!.markers[0]!.y);
    expect(m.yTicks[0]!.label).toBe('0');
    expect(m.references[1]!.label).toMatch(/^majority baseline \(full evaluations\): 0\.0909/);
    // no probe anywhere: an empty panel without references
    const none = biasPanels([adversarial, hybrid])[3]!;
    expect(none.series).toEqual([]);
    expect(biasPanelModel(none).references).toEqual([]);
  });

  it('leaves out an evaluation without a multilingual mAP and gives empty panels for no runs', () => {
    const [map, rd] = biasPanels([{ ...hybrid, evaluations: [evaluation(5, 'full', null, 3)] }]);
    expect(map!.series).toEqual([]);
    expect(rd!.series[0]!.points).toEqual([[5, 3]]);
    expect(biasPanels([]).every((p) => p.series.length === 0)).toBe(true);
  });
});

describe('biasPanelModel', () => {
  it('maps steps and values into the plot box, joins points of one series and starts the ratio axis at 0', () => {
    const ratio = biasPanels([adversarial])[2]!;
    const m = biasPanelModel(ratio, 360, 210);
    const s = m.series[0]!;
    expect(s.markers.map((p) => p.x)).toEqual([m.box.x0, m.box.x1]);
    expect(s.markers[0]!.y).toBeLessThan(s.markers[1]!.y); // 0.2 drawn above 0.1
    expect(s.d).toBe(`M${s.markers[0]!.x},${s.markers[0]!.y}L${s.markers[1]!.x},${s.markers[1]!.y}`);
    expect(m.yTicks[0]!.label).toBe('0');
    expect(m.yTicks[0]!.at).toBe(m.box.y0);
    // one point: a marker, no line
    const full = biasPanelModel(biasPanels([hybrid])[0]!);
    expect(full.series[0]).toMatchObject({ name: 'Hybrid (full)', d: null });
    expect(full.series[0]!.markers).toHaveLength(1);
    expect(Number.isFinite(full.series[0]!.markers[0]!.y)).toBe(true);
  });
});
