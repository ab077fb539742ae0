/** A valid step-log line for tests; `patch` sets the fields a test is about. */
import type { StepLog } from '../experiment/runLog';

export function stepLog(step: number, patch: Partial<StepLog> = {}): StepLog {
  return {
    step,
    loss: 1,
    retrieval_loss: 1,
    adv_loss: null,
    disc_acc: null,
    disc_chance: null,
    lambda: null,
    lr: 0.001,
    grad_norm: 1,
    seconds: step,
    batch: { kind: 'mono', pairs: { 'en->en': 4 } },
    ...patch,
  };
}
