import { describe, expect, it } from 'vitest';
import type { Evaluation, RunRecord, StepLog } from '../../core/experiment/notebook';
import { isRecoverable, reduceRun, resumePoint, rewindTo, runtimePatch } from './runReducer';

const log = (step: number, loss = 1): StepLog => ({ step, loss, retrieval_loss: loss, adv_loss: null, disc_acc: null, disc_chance: null, lambda: null, lr: 0.001, grad_norm: 1, seconds: step, batch: { kind: 'mono', pairs: {} } }) as StepLog;

const run = (patch: Partial<RunRecord> = {}): RunRecord => ({ id: 'r', name: 'Hybrid', status: 'queued', error: 'old', logs: [], evaluations: [], checkpoints: [], ...patch }) as unknown as RunRecord;

const evaluation = (step: number): Evaluation => ({ step, kind: 'full', result: {} }) as unknown as Evaluation;

describe('reduceRun', () => {
  it('marks the run running when its worker is ready, clearing an old error', () => {
    const r = reduceRun(run(), { type: 'train/ready', runId: 'r', backend: 'wasm', startStep: 0 });
    expect(r.status).toBe('running');
    expect(r.error).toBeNull();
  });

  it("appends step logs, a resumed run's re-sent steps replacing the old ones", () => {
    const r1 = reduceRun(run(), { type: 'train/steps', runId: 'r', logs: [log(1), log(2), log(3)], stepsPerSecond: 2 });
    const r2 = reduceRun(r1, { type: 'train/steps', runId: 'r', logs: [log(3, 0.5), log(4)], stepsPerSecond: null });
    expect(r2.logs.map((l) => [l.step, l.loss])).toEqual([
      [1, 1],
      [2, 1],
      [3, 0.5],
      [4, 1],
    ]);
  });

  it('adds a checkpoint, replacing one of the same step and dropping the removed ones', () => {
    const before = run({
      checkpoints: [
        { step: 10, key: 'runs/r/step-10' },
        { step: 20, key: 'runs/r/step-20' },
      ],
    });
    const r = reduceRun(before, { type: 'train/checkpoint', runId: 'r', step: 20, key: 'runs/r/step-20b', removed: ['runs/r/step-10'] });
    expect(r.checkpoints).toEqual([{ step: 20, key: 'runs/r/step-20b' }]);
  });

  it('records the end and a failure', () => {
    expect(reduceRun(run({ status: 'running' }), { type: 'train/ended', runId: 'r', reason: 'paused', step: 5 }).status).toBe('paused');
    const failed = reduceRun(run({ status: 'running' }), { type: 'train/failed', runId: 'r', error: { name: 'DataFormatError', code: 'DATA_FORMAT', message: 'bad file' } });
    expect([failed.status, failed.error]).toEqual(['failed', 'bad file']);
  });

  it('keeps the very record for events that do not change it (the figures compare by identity)', () => {
    const r = run({ status: 'running' });
    expect(reduceRun(r, { type: 'train/phase', runId: 'r', phase: 'evaluating', detail: 'x' })).toBe(r);
    expect(reduceRun(r, { type: 'train/storage-error', runId: 'r', message: 'quota' })).toBe(r);
  });
});

describe('runtimePatch', () => {
  it('says what each event changes of the live facts', () => {
    expect(runtimePatch({ type: 'train/ready', runId: 'r', backend: 'webgpu', startStep: 0 })).toEqual({ phase: 'training', backend: 'webgpu' });
    expect(runtimePatch({ type: 'train/phase', runId: 'r', phase: 'saving', detail: 'checkpoint' })).toEqual({ phase: 'pausing', detail: 'checkpoint' });
    expect(runtimePatch({ type: 'train/steps', runId: 'r', logs: [log(1)], stepsPerSecond: null })).toEqual({});
    expect(runtimePatch({ type: 'train/checkpoint', runId: 'r', step: 1, key: 'k', removed: [] })).toEqual({ storageError: null, autoResumes: 0 });
    expect(runtimePatch({ type: 'train/ended', runId: 'r', reason: 'done', step: 1 })).toEqual({ phase: 'idle', stepsPerSecond: null, stopRequest: null });
  });
});

describe('isRecoverable', () => {
  it('goes by the error code, not the message', () => {
    expect(isRecoverable({ code: 'DEVICE_LOST' })).toBe(true);
    expect(isRecoverable({ code: 'WORKER_CRASHED' })).toBe(true);
    expect(isRecoverable({ code: 'INTERNAL' })).toBe(false);
    expect(isRecoverable({ code: 'DATA_FORMAT' })).toBe(false);
  });
});

describe('rewindTo / resumePoint', () => {
  it('drops what comes after the checkpoint and names where a resume starts', () => {
    const r = run({ logs: [log(1), log(2), log(3)], evaluations: [evaluation(2), evaluation(3)], checkpoints: [{ step: 2, key: 'k2' }] });
    const back = rewindTo(r, 2);
    expect(back.logs.map((l) => l.step)).toEqual([1, 2]);
    expect(back.evaluations.map((e) => e.step)).toEqual([2]);
    expect(resumePoint(r)).toBe('checkpoint @2');
    expect(resumePoint(run())).toBe('the start (no checkpoint yet)');
  });
});
