import { describe, expect, it } from 'vitest';
import type { Evaluation, RunRecord, StepLog } from '../../core/experiment/notebook';
import { emptyRuntime, type RunRuntime } from '../store/runsSlice';
import { addEvaluation, appendLogs, applyRunUpdates, runBadge, RunUpdateBuffer, timingSummary } from './runUpdates';

const log = (step: number, loss = 1): StepLog => ({ step, loss, retrieval_loss: loss, adv_loss: null, disc_acc: null, disc_chance: null, lambda: null, lr: 0.001, grad_norm: 1, seconds: step, batch: { kind: 'mono', pairs: {} } }) as StepLog;

const run = (id: string, logs: StepLog[] = []): RunRecord => ({ id, logs, evaluations: [] }) as unknown as RunRecord;

const evaluation = (step: number, kind: 'sampled' | 'full'): Evaluation => ({ step, kind, result: { multi: { map: step }, per_query: { 'en->en': [1] }, top_retrieved: { 'en->en': ['x'] } } }) as unknown as Evaluation;

describe('RunUpdateBuffer + applyRunUpdates', () => {
  it('coalesces many step events into one update per run, in order, and runtime patches last-wins', () => {
    const b = new RunUpdateBuffer();
    expect(b.pending).toBe(false);
    for (let s = 1; s <= 30; s++) {
      b.addLogs('a', [log(s)]);
      b.patchRuntime('a', { stepsPerSecond: s, phase: 'training' });
    }
    b.patchRuntime('a', { detail: 'sampled evaluation at step 30' });
    b.addLogs('b', [log(1), log(2)]);
    expect(b.pending).toBe(true);
    const updates = b.take();
    expect(b.pending).toBe(false);
    expect(updates.logs.get('a')!.map((l) => l.step)).toEqual(Array.from({ length: 30 }, (_, i) => i + 1));
    expect(updates.runtime.get('a')).toEqual({ stepsPerSecond: 30, phase: 'training', detail: 'sampled evaluation at step 30' });

    const untouched = run('c', [log(1)]);
    const state = { runs: [run('a'), run('b', [log(1)]), untouched], runtime: { b: { ...emptyRuntime(), backend: 'wasm' } } as Record<string, RunRuntime> };
    const next = applyRunUpdates(state, updates);
    expect(next.runs!.map((r) => r.logs.map((l) => l.step))).toEqual([Array.from({ length: 30 }, (_, i) => i + 1), [1, 2], [1]]);
    // a run without news keeps its object (autosave and memos compare by identity)
    expect(next.runs![2]).toBe(untouched);
    expect(next.runtime!.a).toEqual({ ...emptyRuntime(), stepsPerSecond: 30, phase: 'training', detail: 'sampled evaluation at step 30' });
    expect(next.runtime!.b).toBe(state.runtime.b);
  });

  it('changes nothing when nothing is pending, and forgets a dropped run', () => {
    const b = new RunUpdateBuffer();
    expect(applyRunUpdates({ runs: [run('a')], runtime: {} }, b.take())).toEqual({});
    b.addLogs('a', [log(1)]);
    b.patchRuntime('a', { detail: 'x' });
    b.drop('a');
    expect(b.pending).toBe(false);
  });
});

describe('appendLogs', () => {
  it('appends, and a resumed run replaces the steps it re-sends', () => {
    expect(appendLogs([log(1), log(2)], [log(3)]).map((l) => l.step)).toEqual([1, 2, 3]);
    const out = appendLogs([log(1), log(2), log(3), log(4)], [log(3, 9), log(4, 9), log(5, 9)]);
    expect(out.map((l) => [l.step, l.loss])).toEqual([
      [1, 1],
      [2, 1],
      [3, 9],
      [4, 9],
      [5, 9],
    ]);
  });
});

describe('addEvaluation', () => {
  it('keeps per-query data only in the newest evaluation of each kind', () => {
    let evals: Evaluation[] = [];
    for (const s of [25, 50, 75]) evals = addEvaluation(evals, evaluation(s, 'sampled'));
    evals = addEvaluation(evals, evaluation(100, 'full'));
    const kept = (e: Evaluation) => e.result.per_query !== undefined || e.result.top_retrieved !== undefined;
    expect(evals.map((e) => [e.step, e.kind, kept(e)])).toEqual([
      [25, 'sampled', false],
      [50, 'sampled', false],
      [75, 'sampled', true],
      [100, 'full', true],
    ]);
    // the same step and kind again replaces it
    expect(addEvaluation(evals, evaluation(75, 'sampled')).filter((e) => e.step === 75)).toHaveLength(1);
  });
});

describe('runBadge', () => {
  it('says stopping… or pausing… from the click until the worker confirms', () => {
    expect(runBadge('running', 'stop')).toEqual({ label: 'stopping…', className: 'stopping' });
    expect(runBadge('queued', 'pause')).toEqual({ label: 'pausing…', className: 'stopping' });
    expect(runBadge('running', null)).toEqual({ label: 'running', className: 'running' });
    // once confirmed the record's status is what shows
    expect(runBadge('stopped', 'stop')).toEqual({ label: 'stopped', className: 'stopped' });
  });
});

describe('timingSummary', () => {
  it('splits the time between training, sampled and full evaluations and checkpoints', () => {
    const line = timingSummary({ elapsed: 120, sampled: { count: 9, seconds: 9.9, texts: 1000 }, full: { count: 1, seconds: 8.2 }, checkpoints: { count: 3, seconds: 1.2 } });
    expect(line).toBe('training 1 min 41 s (84 %) · sampled evaluations 9 × 1.1 s = 9.9 s (8 %, 1,000 texts each) · full evaluations 1 × 8.2 s (7 %) · checkpoints 3 × 0.4 s (1 %)');
    expect(timingSummary({ elapsed: 0, sampled: { count: 0, seconds: 0, texts: 0 }, full: { count: 0, seconds: 0 }, checkpoints: { count: 0, seconds: 0 } })).toBe('training 0.0 s (–)');
  });
});
