/**
 * Learning-rate schedules (the paper states none, notes/paper-method.md §1.1; OUR CHOICE: linear
 * warm-up, then linear decay as in BERT/HF `get_linear_schedule_with_warmup`, or constant).
 *
 * For the 0-based update index s of a run of T steps with W warm-up steps:
 *   s < W:            lr · (s + 1) / W                 (the first update is not wasted at lr = 0)
 *   s ≥ W, linear:    lr · (T − s) / (T − W)           (1 at s = W, 1/(T − W) at the last step s = T − 1)
 *   s ≥ W, constant:  lr
 */
export const LR_SCHEDULES = ['linear', 'constant'] as const;
export type LrSchedule = (typeof LR_SCHEDULES)[number];

export interface LearningRateOptions {
  /** peak learning rate */
  lr: number;
  warmupSteps: number;
  totalSteps: number;
  schedule: LrSchedule;
}

/** @param step 0-based update index */
export function learningRate(step: number, o: LearningRateOptions): number {
  if (!Number.isInteger(step) || step < 0) throw new RangeError(`step must be an integer ≥ 0 (got ${step})`);
  if (step < o.warmupSteps) return (o.lr * (step + 1)) / o.warmupSteps;
  if (o.schedule === 'constant') return o.lr;
  const span = o.totalSteps - o.warmupSteps;
  if (span <= 0) return o.lr;
  return (o.lr * Math.max(0, o.totalSteps - step)) / span;
}
