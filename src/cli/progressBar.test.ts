import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import type { StepLog } from '../core/experiment/runLog';
import { stepLog } from '../core/testing/stepLog.testutil';
import { createProgress, formatDuration, progressText } from './progressBar';

const log = (step: number, adversarial = false): StepLog => stepLog(step, { loss: 2.5, retrieval_loss: 2.5, ...(adversarial ? { adv_loss: 1.1, disc_acc: 0.5, disc_chance: 0.25, lambda: 0.1 } : {}) });

function stream(isTTY: boolean) {
  let text = '';
  const s = Object.assign(
    new Writable({
      write(chunk, _e, cb) {
        text += String(chunk);
        cb();
      },
    }),
    { isTTY, columns: 200 },
  );
  return { s, text: () => text };
}

describe('progress', () => {
  it('formats durations and the line (with discriminator accuracy vs chance when adversarial)', () => {
    expect(formatDuration(75)).toBe('1:15');
    expect(formatDuration(3725)).toBe('1:02:05');
    expect(formatDuration(Number.NaN)).toBe('--:--');
    expect(progressText(log(10), 100, 2)).toBe('step 10/100  2.00 steps/s  ETA 0:45  loss 2.5000  lr 1.00e-3  mono');
    expect(progressText(log(10, true), 100, 2)).toMatch(/disc acc 0\.50 \(chance 0\.25\) λ 0\.100$/);
    // the adversary's share of the encoder's gradient, on the steps that measured it (issue 23, item 5)
    expect(progressText({ ...log(10, true), retrieval_grad_norm: 2, adv_grad_norm: 0.05, grad_ratio: 0.025 }, 100, 2)).toMatch(/λ 0\.100 {2}‖g_adv‖\/‖g_ret‖ 0\.0250$/);
  });

  it('redraws one line on a TTY and prints plain lines every few steps otherwise', () => {
    let t = 0;
    const tty = stream(true);
    const p = createProgress({ total: 40, start: 0, stream: tty.s, now: () => (t += 500) });
    for (let s = 1; s <= 40; s++) p.update(log(s));
    p.done();
    expect(tty.text().split('\r\x1b[K').length).toBe(41);
    expect(tty.text()).toMatch(/\[#{20}\] step 40\/40/);
    expect(tty.text().endsWith('\n')).toBe(true);

    const plain = stream(false);
    const q = createProgress({ total: 40, start: 0, stream: plain.s, now: () => (t += 500) });
    for (let s = 1; s <= 40; s++) q.update(log(s));
    q.note('evaluating');
    const lines = plain.text().trim().split('\n');
    expect(lines.filter((l) => l.startsWith('step ')).map((l) => Number(/step (\d+)/.exec(l)![1]))).toEqual([1, 2, 4, 6, 8, 10, 12, 14, 16, 18, 20, 22, 24, 26, 28, 30, 32, 34, 36, 38, 40]);
    expect(plain.text()).not.toMatch(/\r/);
    expect(lines.at(-1)).toBe('evaluating');
  });
});

describe('progress in steps of more than one (texts embedded per batch)', () => {
  it('prints a plain line whenever a multiple of `every` is crossed, the first update and the last', () => {
    const plain = stream(false);
    const p = createProgress<{ step: number }>({ total: 300, start: 0, stream: plain.s, now: () => 0, every: 100, describe: (l, total) => `${l.step}/${total}` });
    for (const step of [64, 128, 192, 256, 300]) p.update({ step });
    p.done();
    expect(plain.text()).toBe('64/300\n128/300\n256/300\n300/300\n');
  });
});
