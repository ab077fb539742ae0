import { describe, expect, it } from 'vitest';
import { lossPanelFigure, type LossRunInput } from '../../core/figures/lossFigure';
import { checkWellFormed } from '../../core/figures/xmlCheck.testutil';
import { lossPanelModel, lossPanelSvg, niceTicks, tickLabel } from './lossPanelSvg';
import type { LossFigure } from '../../core/figures/lossFigure';

const draw = (f: LossFigure, title: string, id: string) => lossPanelSvg(lossPanelModel(f, title, id));

const log = (step: number, loss: number | null, disc: number | null = null) => ({ step, loss, retrieval_loss: loss, adv_loss: null, disc_acc: disc, lambda: null, lr: 2e-4 });
const run = (id: string, logs: LossRunInput['logs'], k: number | null = null): LossRunInput => ({ id, name: `run <${id}>`, color: '#1f77b4', logs, discriminatorClasses: k });

describe('niceTicks', () => {
  it('picks 1-2-5 steps covering the range', () => {
    expect(niceTicks(0, 10, 5)).toEqual([0, 2, 4, 6, 8, 10]);
    expect(niceTicks(0.13, 0.61, 4)).toEqual([0.2, 0.4, 0.6]);
    expect(niceTicks(3, 3)).toEqual([3]);
    expect(niceTicks(-1, 1, 4)).toEqual([-1, -0.5, 0, 0.5, 1]);
    expect(niceTicks(1, 2, 5, 1)).toEqual([1, 2]);
  });
});

describe('tickLabel', () => {
  it('prints as many decimals as the step needs, exponents for learning rates', () => {
    expect(tickLabel(0.4, 0.2, false)).toBe('0.4');
    expect(tickLabel(250, 50, false)).toBe('250');
    expect(tickLabel(0.0002, 0.0001, true)).toBe('2e-4');
    expect(tickLabel(0, 0.1, true)).toBe('0');
  });
});

describe('lossPanelSvg', () => {
  it('draws one path per trace (raw and smoothed), breaks lines at gaps, and escapes names', () => {
    const fig = lossPanelFigure([run('a', [log(1, 2), log(2, 1.5), log(3, null), log(4, 1)]), run('b', [log(1, 3), log(2, 2)])], 'loss', { smoothing: 0.5 });
    const svg = draw(fig, 'total loss', 'loss-loss');
    checkWellFormed(svg);
    const paths = [...svg.matchAll(/<path class="trace"[^>]* d="([^"]*)"/g)].map((m) => m[1]!);
    expect(paths).toHaveLength(4);
    // run a's raw trace: a gap at step 3, so two subpaths
    expect(paths[0]!.match(/M/g)).toHaveLength(2);
    expect(svg).toContain('run &lt;a&gt;');
    expect(svg).not.toContain('run <a>');
    expect(svg).toContain('clip-path="url(#loss-loss-clip)"');
  });
  it("keeps the layout's fixed range (discriminator accuracy) and draws the dashed chance line", () => {
    const fig = lossPanelFigure([run('a', [log(1, 1, 0.4), log(2, 1, 0.6)], 3)], 'disc_acc', { smoothing: 0 });
    const svg = draw(fig, 'discriminator accuracy', 'd');
    checkWellFormed(svg);
    expect(svg).toContain('stroke-dasharray');
    // y ticks of [0, 1]
    expect(svg).toContain('>1.0</text>');
    expect(svg).toContain('>0</text>');
    // x ticks are whole steps
    expect(svg).not.toContain('>1.5</text>');
  });
  it('draws axes without data (one step, or none)', () => {
    checkWellFormed(draw(lossPanelFigure([run('a', [log(5, 1)])], 'loss', { smoothing: 0 }), 'total loss', 'x'));
    const empty = draw(lossPanelFigure([], 'loss', { smoothing: 0 }), 'total loss', 'x');
    checkWellFormed(empty);
    expect(empty).not.toContain('class="trace"');
  });
});
