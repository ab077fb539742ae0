import { describe, expect, it } from 'vitest';
import { RedrawQueue, type FrameClock } from './redrawQueue';

/** A clock whose frames and timeouts run only when the test says so. */
function manualClock() {
  const frames: (() => void)[] = [];
  const timers: (() => void)[] = [];
  const clock: FrameClock = {
    setTimeout: (f) => timers.push(f),
    requestFrame: (f) => frames.push(f),
  };
  /** one frame: its callbacks, then the tasks they queued */
  const frame = () => {
    for (const f of frames.splice(0)) f();
    for (const t of timers.splice(0)) t();
  };
  return { clock, frame, frames };
}

describe('RedrawQueue (issue 20, item 9: one figure laid out per frame)', () => {
  it('runs one job per frame, in order, each after its frame', () => {
    const { clock, frame } = manualClock();
    const q = new RedrawQueue(clock);
    const ran: string[] = [];
    for (const name of ['loss', 'strip', 'matrix']) q.add(() => ran.push(name));
    expect(ran).toEqual([]);
    frame();
    expect(ran).toEqual(['loss']);
    frame();
    frame();
    expect(ran).toEqual(['loss', 'strip', 'matrix']);
    expect(q.pending).toBe(0);
  });

  it('a cancelled job never runs; the others keep their frames', () => {
    const { clock, frame } = manualClock();
    const q = new RedrawQueue(clock);
    const ran: string[] = [];
    q.add(() => ran.push('a'));
    const cancel = q.add(() => ran.push('b'));
    q.add(() => ran.push('c'));
    cancel();
    frame();
    frame();
    frame();
    expect(ran).toEqual(['a', 'c']);
  });

  it('asks for no frame while nothing is queued (a hidden tab does no redraw work)', () => {
    const { clock, frame, frames } = manualClock();
    const q = new RedrawQueue(clock);
    q.add(() => {});
    frame();
    frame();
    expect(frames).toHaveLength(0);
  });
});
