/**
 * Batches the training workers' frequent events (step logs, steps/s, phase, timing) into one store update
 * at most every `everyMs`, written after an animation frame: React and the autosave see two updates a second
 * instead of one per event, and a hidden tab does no rendering work (issue 20, item 9). One per run
 * controller; it holds no module-level state.
 */
import type { StepLog } from '../../core/experiment/notebook';
import type { RunRuntime } from '../store/runsSlice';
import { RunUpdateBuffer, type RunUpdates } from './runUpdates';

/** The timers a flusher uses (the page's by default; tests pass their own). */
export interface FlushClock {
  setTimeout(f: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
  /** runs `f` before the next paint; absent: `f` runs when the timeout fires */
  requestFrame?(f: () => void): unknown;
  cancelFrame?(handle: unknown): void;
}

const pageClock = (): FlushClock => ({
  setTimeout: (f, ms) => setTimeout(f, ms),
  clearTimeout: (h) => clearTimeout(h as ReturnType<typeof setTimeout>),
  ...(typeof requestAnimationFrame === 'function' ? { requestFrame: (f: () => void) => requestAnimationFrame(f), cancelFrame: (h: unknown) => cancelAnimationFrame(h as number) } : {}),
});

/** Collects step logs and runtime patches per run and writes them to the store in one update per flush. */
export class RunFlusher {
  private readonly buffer = new RunUpdateBuffer();
  private timer: unknown = null;
  private frame: unknown = null;

  /**
   * @param apply writes one flush's updates to the store
   * @param everyMs the most often a flush happens
   */
  constructor(
    private readonly apply: (updates: RunUpdates) => void,
    private readonly everyMs = 500,
    private readonly clock: FlushClock = pageClock(),
  ) {}

  addLogs(runId: string, logs: readonly StepLog[]): void {
    this.buffer.addLogs(runId, logs);
    this.schedule();
  }

  patchRuntime(runId: string, patch: Partial<RunRuntime>): void {
    this.buffer.patchRuntime(runId, patch);
    this.schedule();
  }

  /** Writes what is pending now; called on schedule, and before events that must follow it (a checkpoint, an end). */
  flush(): void {
    this.cancel();
    if (this.buffer.pending) this.apply(this.buffer.take());
  }

  /** Forgets a run's pending updates (the run was deleted). */
  drop(runId: string): void {
    this.buffer.drop(runId);
  }

  private cancel(): void {
    if (this.timer !== null) this.clock.clearTimeout(this.timer);
    if (this.frame !== null) this.clock.cancelFrame?.(this.frame);
    this.timer = null;
    this.frame = null;
  }

  private schedule(): void {
    if (this.timer !== null || this.frame !== null) return;
    this.timer = this.clock.setTimeout(() => {
      this.timer = null;
      if (!this.clock.requestFrame) return this.flush();
      // After a frame, so a hidden tab waits until shown; but in a task of its own, not in the frame's: the
      // re-render then runs in one task and the browser's style, layout and paint of it in the next frame,
      // instead of all of it in one long task.
      this.frame = this.clock.requestFrame(() => {
        this.frame = null;
        this.timer = this.clock.setTimeout(() => this.flush(), 0);
      });
    }, this.everyMs);
  }
}
