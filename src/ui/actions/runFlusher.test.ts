import { describe, expect, it } from 'vitest';
import type { StepLog } from '../../core/experiment/notebook';
import { RunFlusher, type FlushClock } from './runFlusher';
import type { RunUpdates } from './runUpdates';

const log = (step: number) => ({ step }) as StepLog;

/** A clock the test advances by hand: timeouts and frames run only when told. */
function manualClock() {
  const timeouts = new Map<number, () => void>();
  const frames = new Map<number, () => void>();
  let next = 1;
  const clock: FlushClock = {
    setTimeout: (f) => (timeouts.set(next, f), next++),
    clearTimeout: (h) => timeouts.delete(h as number),
    requestFrame: (f) => (frames.set(next, f), next++),
    cancelFrame: (h) => frames.delete(h as number),
  };
  const run = (m: Map<number, () => void>) => {
    const fs = [...m.values()];
    m.clear();
    for (const f of fs) f();
  };
  return { clock, fireTimeouts: () => run(timeouts), fireFrames: () => run(frames), pending: () => timeouts.size + frames.size };
}

describe('RunFlusher', () => {
  it('writes many events as one update, after the interval and a frame', () => {
    const applied: RunUpdates[] = [];
    const c = manualClock();
    const f = new RunFlusher((u) => applied.push(u), 500, c.clock);
    for (let s = 1; s <= 20; s++) f.addLogs('a', [log(s)]);
    f.patchRuntime('a', { stepsPerSecond: 3 });
    expect(c.pending()).toBe(1);
    c.fireTimeouts();
    expect(applied).toHaveLength(0);
    // after the frame, in a task of its own (the frame's task keeps only the browser's rendering of it)
    c.fireFrames();
    expect(applied).toHaveLength(0);
    c.fireTimeouts();
    expect(applied).toHaveLength(1);
    expect(applied[0]!.logs.get('a')!.map((l) => l.step)).toHaveLength(20);
    expect(applied[0]!.runtime.get('a')).toEqual({ stepsPerSecond: 3 });
    expect(c.pending()).toBe(0);
  });

  it('flushes at once when asked (before a checkpoint), cancelling the scheduled flush, and drops a deleted run', () => {
    const applied: RunUpdates[] = [];
    const c = manualClock();
    const f = new RunFlusher((u) => applied.push(u), 500, c.clock);
    f.addLogs('a', [log(1)]);
    f.addLogs('b', [log(1)]);
    f.drop('b');
    f.flush();
    expect(applied).toHaveLength(1);
    expect([...applied[0]!.logs.keys()]).toEqual(['a']);
    expect(c.pending()).toBe(0);
    f.flush();
    expect(applied).toHaveLength(1);
  });

  it('keeps no state between flushers (each controller has its own)', () => {
    const a: RunUpdates[] = [];
    const b: RunUpdates[] = [];
    const c = manualClock();
    const fa = new RunFlusher((u) => a.push(u), 500, c.clock);
    const fb = new RunFlusher((u) => b.push(u), 500, c.clock);
    fa.addLogs('x', [log(1)]);
    fb.flush();
    fa.flush();
    expect([a.length, b.length]).toEqual([1, 0]);
  });
});
