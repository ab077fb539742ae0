import { describe, expect, it } from 'vitest';
import { emaSmooth } from './ema';
import { lossFigure } from './lossFigure';
import { cumulativePairCounts } from './pairMatrix';
import { batchStripSvg, describePairs } from './batchStripSvg';
import { checkWellFormed, countElements } from './xmlCheck.testutil';

describe('emaSmooth', () => {
  it('is the identity at weight 0 and debiased at the first point', () => {
    expect(emaSmooth([1, 2, 3], 0)).toEqual([1, 2, 3]);
    expect(emaSmooth([4, 4, 4], 0.9).map((v) => Number(v!.toFixed(12)))).toEqual([4, 4, 4]);
  });
  it('matches a hand computation and skips nulls', () => {
    const s = emaSmooth([1, null, 3], 0.5);
    expect(s[0]).toBe(1);
    expect(s[1]).toBeNull();
    // last = 0.5*1*... : l1 = 0.5, l2 = 0.25 + 1.5 = 1.75; debias 1 - 0.25 = 0.75 → 2.3333
    expect(s[2]).toBeCloseTo(1.75 / 0.75, 12);
  });
  it('rejects weights outside [0, 1)', () => {
    expect(() => emaSmooth([1], 1)).toThrow(RangeError);
  });
});

const log = (step: number, loss: number, adv: number | null) => ({ step, loss, retrieval_loss: loss, adv_loss: adv, disc_acc: adv === null ? null : 0.3, lambda: adv === null ? null : 0.1, lr: 1e-3 });

describe('lossFigure', () => {
  it('draws a faint raw trace under a smoothed one per run and panel, and the chance line', () => {
    const fig = lossFigure(
      [
        { id: 'a', name: 'hybrid', color: '#0072B2', logs: [log(1, 2, null), log(2, 1, null)] },
        { id: 'b', name: 'adversarial', color: '#D55E00', logs: [log(1, 3, 0.7), log(2, 2, 0.6)], discriminatorClasses: 9 },
      ],
      { smoothing: 0.6 },
    );
    const names = fig.data.map((t) => `${t.yaxis}:${t.name}`);
    // total + retrieval: 2 runs × (raw + smooth); adv and disc: run b only; λ and lr: raw only
    expect(names.filter((n) => n.startsWith('y:'))).toEqual(['y:hybrid (raw)', 'y:hybrid', 'y:adversarial (raw)', 'y:adversarial']);
    expect(names.filter((n) => n.startsWith('y3:'))).toEqual(['y3:adversarial (raw)', 'y3:adversarial']);
    expect(names.filter((n) => n.startsWith('y6:'))).toEqual(['y6:hybrid', 'y6:adversarial']);
    const chance = fig.data.find((t) => t.name === 'chance 1/9')!;
    expect(chance.yaxis).toBe('y4');
    expect(chance.y).toEqual([1 / 9, 1 / 9]);
    expect(fig.data.filter((t) => t.opacity < 1).every((t) => t.hoverinfo === 'skip')).toBe(true);
  });
});

describe('cumulativePairCounts', () => {
  it('sums pairs over batches in canonical language order', () => {
    const m = cumulativePairCounts([{ pairs: { 'en->de': 2, 'de->de': 1 } }, { pairs: { 'en->de': 1, 'ar->en': 4 } }]);
    expect(m.rows).toEqual(['ar', 'de', 'en']);
    expect(m.values).toEqual([
      [0, 0, 4],
      [0, 1, 0],
      [0, 3, 0],
    ]);
    expect(m.total).toBe(8);
    expect(m.cross).toBe(7);
  });
});

describe('batchStripSvg', () => {
  it('draws one rect per step with the pair counts in its tooltip', () => {
    const svg = batchStripSvg({
      steps: [
        { step: 1, kind: 'mono', pairs: { 'de->de': 16 } },
        { step: 2, kind: 'cross', pairs: { 'en->de': 3, 'ar->zh': 5 } },
      ],
      selectedStep: 2,
      title: 'hybrid',
    });
    expect(checkWellFormed(svg)).toEqual([]);
    expect(countElements(svg, 'rect', 'step')).toBe(2);
    expect(svg).toContain('step 2 · cross · ar→zh 5, en→de 3');
    expect(describePairs({ 'a->b': 0 })).toBe('');
  });
});

describe('lossPanelFigure', () => {
  it('keeps only its panel’s traces, on one pair of axes', async () => {
    const { lossPanelFigure } = await import('./lossFigure');
    const runs = [
      { id: 'a', name: 'hybrid', color: '#0072B2', logs: [log(1, 2, null), log(2, 1, null)] },
      { id: 'b', name: 'adversarial', color: '#D55E00', logs: [log(1, 3, 0.7), log(2, 2, 0.6)], discriminatorClasses: 9 },
    ];
    const disc = lossPanelFigure(runs, 'disc_acc', { smoothing: 0.5 });
    expect(disc.data.map((t) => t.name)).toEqual(['adversarial (raw)', 'adversarial', 'chance 1/9']);
    expect(new Set(disc.data.map((t) => `${t.xaxis}/${t.yaxis}`))).toEqual(new Set(['x/y']));
    expect((disc.layout.yaxis as { range: number[] }).range).toEqual([0, 1]);
    expect(lossPanelFigure(runs, 'loss', { smoothing: 0 }).data).toHaveLength(2);
  });

  it('tells an empty panel (no run logs its quantity, or no step yet) from one with data', async () => {
    const { hasPlottedPoints, lossPanelFigure } = await import('./lossFigure');
    const hybrid = { id: 'a', name: 'hybrid', color: '#0072B2', logs: [log(1, 2, null), log(2, 1, null)] };
    expect(hasPlottedPoints(lossPanelFigure([hybrid], 'loss', { smoothing: 0.5 }))).toBe(true);
    expect(hasPlottedPoints(lossPanelFigure([hybrid], 'disc_acc', { smoothing: 0.5 }))).toBe(false);
    expect(hasPlottedPoints(lossPanelFigure([], 'loss', { smoothing: 0.5 }))).toBe(false);
    // the chance line alone is not data
    expect(hasPlottedPoints(lossPanelFigure([{ ...hybrid, discriminatorClasses: 9 }], 'disc_acc', { smoothing: 0.5 }))).toBe(false);
  });
});
