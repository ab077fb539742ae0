/**
 * How a training worker's events change a run's record and its runtime facts, as pure functions (issue 22):
 * the run controller (`actions/runController.ts`) decides when to apply them (step logs are batched, an
 * evaluation is unpacked first, a crash may resume instead of failing) and writes the result to the store.
 */
import { latestCheckpoint, type RunRecord, type StepLog } from '../../core/experiment/notebook';
import type { TrainEvent } from '../../core/experiment/protocol';
import type { SerializedError } from '../../core/errors';
import { appendLogs } from '../actions/runUpdates';
import type { RunRuntime } from './runsSlice';

/** A training worker's event with its step logs validated (the controller checks them at the boundary). */
export type RunEvent = Exclude<TrainEvent, { type: 'train/steps' }> | { type: 'train/steps'; runId: string; logs: StepLog[]; stepsPerSecond: number | null };

/**
 * The record after `event`; `train/evaluation` leaves the record as it is: evaluations arrive packed and are added with
 * `addEvaluation` once unpacked; `train/failed` records the failure (the controller asks
 * {@link isRecoverable} first, and resumes instead where it may).
 */
export function reduceRun(run: RunRecord, event: RunEvent): RunRecord {
  switch (event.type) {
    case 'train/ready':
      return { ...run, status: 'running', error: null };
    case 'train/steps':
      return event.logs.length ? { ...run, logs: appendLogs(run.logs, event.logs) } : run;
    case 'train/checkpoint':
      return {
        ...run,
        checkpoints: [...run.checkpoints.filter((c) => c.step !== event.step && !event.removed.includes(c.key)), { step: event.step, key: event.key }],
      };
    case 'train/ended':
      return { ...run, status: event.reason };
    case 'train/failed':
      return { ...run, status: 'failed', error: event.error.message };
    default:
      return run;
  }
}

/**
 * The runtime facts `event` changes (an empty patch for none). Frequent ones (steps/s, phase, timing)
 * go out with the controller's next flush; the others at once.
 */
export function runtimePatch(event: TrainEvent | RunEvent): Partial<RunRuntime> {
  switch (event.type) {
    case 'train/ready':
      return { phase: 'training', backend: event.backend };
    case 'train/steps':
      return event.stepsPerSecond !== null ? { stepsPerSecond: event.stepsPerSecond, phase: 'training' } : {};
    case 'train/checkpoint':
      return { storageError: null, autoResumes: 0 };
    case 'train/phase':
      return { phase: event.phase === 'saving' ? 'pausing' : event.phase, detail: event.detail };
    case 'train/timing':
      return { timing: event.timing };
    case 'train/storage-error':
      return { storageError: event.message };
    case 'train/ended':
    case 'train/failed':
      return { phase: 'idle', stepsPerSecond: null, stopRequest: null };
    default:
      return {};
  }
}

/**
 * Whether a failure says nothing about the run itself, so it may resume from its last checkpoint on its
 * own: a lost GPU device or a crashed worker, told by the error's code (set where the failure is seen: the
 * training worker and its page-side client).
 */
export function isRecoverable(error: Pick<SerializedError, 'code'>): boolean {
  return error.code === 'DEVICE_LOST' || error.code === 'WORKER_CRASHED';
}

/** Drops the record's logs and evaluations after `step` (they will be produced again from the checkpoint). */
export function rewindTo(run: RunRecord, step: number): RunRecord {
  return { ...run, logs: run.logs.filter((l) => l.step <= step), evaluations: run.evaluations.filter((e) => e.step <= step) };
}

/** Where a resume continues `run` from, in words. */
export function resumePoint(run: RunRecord): string {
  const last = latestCheckpoint(run);
  return last ? `checkpoint @${last.step}` : 'the start (no checkpoint yet)';
}
