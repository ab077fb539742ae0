/**
 * Figure redraws, one per frame (issue 20, item 9). The browser lays out and paints everything the page
 * changed since the last frame in one task: six loss panels, two batch panels and the heatmaps redrawn
 * together made that task 70–150 ms on a busy 2-core machine, although each figure's share is a few ms.
 * Queued here, each redraw runs in a task of its own just after a frame, so the next frame lays out only it.
 * A hidden tab runs none until it is shown (no animation frames), as the run flusher does.
 */

/** The timers the queue uses (the page's by default; tests pass their own). */
export interface FrameClock {
  setTimeout(f: () => void, ms: number): unknown;
  /** runs `f` before the next paint; absent: a 16 ms timeout stands in for a frame */
  requestFrame?(f: () => void): unknown;
}

const pageClock = (): FrameClock => ({
  setTimeout: (f, ms) => setTimeout(f, ms),
  ...(typeof requestAnimationFrame === 'function' ? { requestFrame: (f: () => void) => requestAnimationFrame(f) } : {}),
});

/** Runs queued jobs in order, one per frame. One per page ({@link queueRedraw}); tests create their own. */
export class RedrawQueue {
  private readonly jobs: (() => void)[] = [];
  private scheduled = false;

  constructor(private readonly clock: FrameClock = pageClock()) {}

  /**
   * Queues `job` (a figure's state update); it runs in a task after the next free frame.
   * @returns a cancel function: the job does not run if it has not yet
   */
  add(job: () => void): () => void {
    this.jobs.push(job);
    this.schedule();
    return () => {
      const i = this.jobs.indexOf(job);
      if (i >= 0) this.jobs.splice(i, 1);
    };
  }

  /** Jobs waiting for their frame. */
  get pending(): number {
    return this.jobs.length;
  }

  private schedule(): void {
    if (this.scheduled || this.jobs.length === 0) return;
    this.scheduled = true;
    const run = () => {
      this.scheduled = false;
      this.jobs.shift()?.();
      this.schedule();
    };
    // after the frame, in a task of its own: the job's re-render then has the following frame to itself
    if (this.clock.requestFrame) this.clock.requestFrame(() => this.clock.setTimeout(run, 0));
    else this.clock.setTimeout(run, 16);
  }
}

const pageQueue = new RedrawQueue();

/** Queues a figure's redraw on the page's {@link RedrawQueue}; returns its cancel function. */
export function queueRedraw(job: () => void): () => void {
  return pageQueue.add(job);
}
