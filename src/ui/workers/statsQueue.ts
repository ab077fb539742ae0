/**
 * Which significance requests the stats worker runs, as pure functions over a small state: one job runs at
 * a time, the rest wait in order, and a new request for a figure (its `slot`) supersedes that figure's
 * earlier one: dropped if waiting, and if running, the worker must be terminated (its tests run in one
 * synchronous call, so there is no cooperative stop). The client (`statsWorkerClient.ts`) applies the
 * returned effects.
 */

export interface StatsJob {
  id: string;
  /** the figure that asked; one job per slot is ever wanted */
  slot: string;
  /** the inputs' cache key (`significanceKey`): the same key in the same slot is the same work */
  key: string;
}

export interface StatsQueue {
  running: StatsJob | null;
  waiting: readonly StatsJob[];
}

export const EMPTY_STATS_QUEUE: StatsQueue = { running: null, waiting: [] };

export interface Submitted {
  queue: StatsQueue;
  /** jobs the new one supersedes: their callers are told they were cancelled */
  cancelled: StatsJob[];
  /** the running job was cancelled: terminate the worker (a fresh one starts the next job) */
  terminate: boolean;
  /** set when the slot already runs or awaits this key: the new request waits for that job instead */
  joined: StatsJob | null;
}

export function submitStatsJob(queue: StatsQueue, job: StatsJob): Submitted {
  const same = [queue.running, ...queue.waiting].find((j) => j && j.slot === job.slot && j.key === job.key) ?? null;
  if (same) return { queue, cancelled: [], terminate: false, joined: same };
  const terminate = queue.running !== null && queue.running.slot === job.slot;
  const cancelled = [...(terminate ? [queue.running!] : []), ...queue.waiting.filter((j) => j.slot === job.slot)];
  return {
    queue: { running: terminate ? null : queue.running, waiting: [...queue.waiting.filter((j) => j.slot !== job.slot), job] },
    cancelled,
    terminate,
    joined: null,
  };
}

/** Starts the first waiting job when none runs; `start` is the job to post to the worker. */
export function startNextStatsJob(queue: StatsQueue): { queue: StatsQueue; start: StatsJob | null } {
  if (queue.running || queue.waiting.length === 0) return { queue, start: null };
  const [next, ...rest] = queue.waiting;
  return { queue: { running: next!, waiting: rest }, start: next! };
}

/** Marks job `id` finished (answered, failed, or lost with its worker); other ids leave the queue as it is. */
export function finishStatsJob(queue: StatsQueue, id: string): StatsQueue {
  return queue.running?.id === id ? { ...queue, running: null } : queue;
}

/**
 * Cancels every job (the page is leaving the notebook): what to tell the callers, and whether the worker
 * must be terminated.
 */
export function cancelAllStatsJobs(queue: StatsQueue): { queue: StatsQueue; cancelled: StatsJob[]; terminate: boolean } {
  return { queue: EMPTY_STATS_QUEUE, cancelled: [...(queue.running ? [queue.running] : []), ...queue.waiting], terminate: queue.running !== null };
}
