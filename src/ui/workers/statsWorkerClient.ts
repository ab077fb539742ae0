/**
 * Page-side handle on the stats worker (`workers/stats.worker.ts`): queues significance requests one at a
 * time, reports their progress, and cancels a figure's superseded request (see `statsQueue.ts`; a running
 * one by terminating the worker, which is started again, lazily, for the next). Cache keys are computed
 * by a second instance of the worker, in order, so that a lookup never waits behind a running test. Kept
 * out of the store (workers are not serialisable state).
 */
import { StatsEventSchema, type StatsCommand } from '../../core/experiment/statsProtocol';
import type { ComparedResult } from '../../core/experiment/comparedResult';
import type { ResultsComparison } from '../../core/experiment/protocol';
import { CancelledError, deserializeError } from '../../core/errors';
import type { SignificanceSettings } from '../../core/metrics/significanceKey';
import { EMPTY_STATS_QUEUE, cancelAllStatsJobs, finishStatsJob, startNextStatsJob, submitStatsJob, type StatsJob, type StatsQueue } from './statsQueue';

/** What the client needs of a Worker, so that tests can drive it with a fake. */
export interface StatsWorkerLike {
  onmessage: ((msg: MessageEvent<unknown>) => void) | null;
  onerror: ((ev: ErrorEvent) => void) | null;
  postMessage(message: StatsCommand): void;
  terminate(): void;
}

/** Two results (packed on the page, unpacked in the worker) and the tests' settings. */
export interface StatsInputs {
  a: ComparedResult;
  b: ComparedResult;
  settings: SignificanceSettings;
}

export interface StatsRequest extends StatsInputs {
  /** the figure asking: a newer request for the same slot cancels this one */
  slot: string;
  /** `significanceKey` of the inputs ({@link StatsWorkerClient.key}) */
  key: string;
  /** tests done of their total, as they finish */
  onProgress?: (done: number, total: number) => void;
}

interface Waiter {
  resolve: (c: ResultsComparison) => void;
  reject: (err: Error) => void;
  onProgress?: (done: number, total: number) => void;
}

const spawnStatsWorker = (): StatsWorkerLike => new Worker(new URL('../../../workers/stats.worker.ts', import.meta.url), { type: 'module' });

interface KeyWaiter {
  resolve: (key: string) => void;
  reject: (err: Error) => void;
}

export class StatsWorkerClient {
  private worker: StatsWorkerLike | null = null;
  /** the instance that computes cache keys, and the requests it has not answered yet */
  private keyWorker: StatsWorkerLike | null = null;
  private readonly keyWaiters = new Map<string, KeyWaiter>();
  private queue: StatsQueue = EMPTY_STATS_QUEUE;
  /** per job: its command (posted when it starts) and everyone waiting for it */
  private readonly jobs = new Map<string, { command: StatsCommand; waiters: Waiter[] }>();
  private nextId = 0;

  constructor(private readonly spawn: () => StatsWorkerLike = spawnStatsWorker) {}

  /**
   * @returns the comparison; rejects with CancelledError when a newer request for the same slot supersedes it
   */
  compare(request: StatsRequest): Promise<ResultsComparison> {
    return new Promise((resolve, reject) => {
      const waiter: Waiter = { resolve, reject, ...(request.onProgress ? { onProgress: request.onProgress } : {}) };
      const job: StatsJob = { id: `s${this.nextId++}`, slot: request.slot, key: request.key };
      const submitted = submitStatsJob(this.queue, job);
      if (submitted.joined) {
        this.jobs.get(submitted.joined.id)?.waiters.push(waiter);
        return;
      }
      this.queue = submitted.queue;
      this.jobs.set(job.id, { command: { type: 'stats/compare', requestId: job.id, a: request.a, b: request.b, ...request.settings }, waiters: [waiter] });
      this.cancel(submitted.cancelled, submitted.terminate, `superseded by a newer request for ${request.slot}`);
      this.pump();
    });
  }

  /**
   * The cache key (`significanceKey`) of the inputs, computed in the worker: hashing a full evaluation's
   * per-query values took the page ~0.3 s.
   */
  key({ a, b, settings }: StatsInputs): Promise<string> {
    return new Promise((resolve, reject) => {
      const requestId = `k${this.nextId++}`;
      this.keyWaiters.set(requestId, { resolve, reject });
      this.ensureKeyWorker().postMessage({ type: 'stats/key', requestId, a, b, ...settings });
    });
  }

  /** Cancels every request and stops the workers. */
  terminate(): void {
    const all = cancelAllStatsJobs(this.queue);
    this.queue = all.queue;
    this.cancel(all.cancelled, true, 'the stats worker was stopped');
    this.stopKeyWorker(new CancelledError('the stats worker was stopped'));
  }

  private ensureKeyWorker(): StatsWorkerLike {
    if (this.keyWorker) return this.keyWorker;
    const worker = this.spawn();
    worker.onmessage = (msg) => {
      if (this.keyWorker !== worker) return;
      const parsed = StatsEventSchema.safeParse(msg.data);
      if (!parsed.success) {
        this.stopKeyWorker(new Error(`invalid message from the stats worker: ${parsed.error.message}`));
        return;
      }
      const event = parsed.data;
      const waiter = event.requestId === undefined ? undefined : this.keyWaiters.get(event.requestId);
      if (!waiter) return;
      this.keyWaiters.delete(event.requestId!);
      if (event.type === 'stats/keyed') waiter.resolve(event.key);
      else if (event.type === 'error') waiter.reject(deserializeError(event.error));
    };
    worker.onerror = (ev) => {
      if (this.keyWorker === worker) this.stopKeyWorker(new Error(`stats worker crashed: ${ev.message || 'unknown error'}`));
    };
    this.keyWorker = worker;
    return worker;
  }

  /** Ends the key instance (a fresh one starts for the next key) and fails the keys it owed. */
  private stopKeyWorker(err: Error): void {
    this.keyWorker?.terminate();
    this.keyWorker = null;
    for (const w of this.keyWaiters.values()) w.reject(err);
    this.keyWaiters.clear();
  }

  private cancel(jobs: StatsJob[], terminate: boolean, why: string): void {
    if (terminate && this.worker) {
      this.worker.terminate();
      this.worker = null;
    }
    for (const j of jobs) {
      for (const w of this.jobs.get(j.id)?.waiters ?? []) w.reject(new CancelledError(why));
      this.jobs.delete(j.id);
    }
  }

  private pump(): void {
    const next = startNextStatsJob(this.queue);
    this.queue = next.queue;
    if (!next.start) return;
    const worker = this.ensureWorker();
    worker.postMessage(this.jobs.get(next.start.id)!.command);
  }

  private ensureWorker(): StatsWorkerLike {
    if (this.worker) return this.worker;
    const worker = this.spawn();
    worker.onmessage = (msg) => {
      if (this.worker === worker) this.receive(msg.data);
    };
    worker.onerror = (ev) => {
      if (this.worker !== worker) return;
      // a crashed worker takes its running job with it; the next job starts on a fresh one
      worker.terminate();
      this.worker = null;
      this.settleRunning((w) => w.reject(new Error(`stats worker crashed: ${ev.message || 'unknown error'}`)));
    };
    this.worker = worker;
    return worker;
  }

  private receive(data: unknown): void {
    const parsed = StatsEventSchema.safeParse(data);
    if (!parsed.success) {
      this.settleRunning((w) => w.reject(new Error(`invalid message from the stats worker: ${parsed.error.message}`)));
      return;
    }
    const event = parsed.data;
    const id = event.requestId ?? this.queue.running?.id;
    const job = id === undefined ? undefined : this.jobs.get(id);
    if (!job || id !== this.queue.running?.id) return;
    switch (event.type) {
      case 'stats/progress':
        for (const w of job.waiters) w.onProgress?.(event.done, event.total);
        return;
      case 'stats/compared':
        this.settleRunning((w) => w.resolve(event.comparison));
        return;
      case 'error':
        this.settleRunning((w) => w.reject(deserializeError(event.error)));
        return;
      case 'stats/keyed':
        // (keys come from the other instance)
        return;
    }
  }

  /** Answers the running job's waiters, forgets it, and starts the next. */
  private settleRunning(settle: (w: Waiter) => void): void {
    const running = this.queue.running;
    if (running) {
      for (const w of this.jobs.get(running.id)?.waiters ?? []) settle(w);
      this.jobs.delete(running.id);
      this.queue = finishStatsJob(this.queue, running.id);
    }
    this.pump();
  }
}
