/**
 * The pure half of `runs.ts`: how the training workers' events become store updates. Step logs and
 * runtime facts (steps/s, phase, detail) arrive many times a second; they are collected in a
 * {@link RunUpdateBuffer} and written in ONE store update per flush (issue 20, item 9: every store update
 * re-renders the cards, the loss curves and the results, and the page had main-thread tasks of 324 ms).
 */
import type { Evaluation, RunRecord, StepLog } from '../../core/experiment/notebook';
import type { RunTiming } from '../../core/experiment/protocol';
import { emptyRuntime, type RunRuntime, type StopRequest } from '../store/runsSlice';

/** Appends step logs to a run's; a resumed run re-sends steps after its checkpoint, so the newest of each step is kept. */
export function appendLogs(existing: readonly StepLog[], incoming: readonly StepLog[]): StepLog[] {
  if (incoming.length === 0) return [...existing];
  const first = incoming[0]!.step;
  const kept = existing.length && existing[existing.length - 1]!.step >= first ? existing.filter((l) => l.step < first) : existing;
  return [...kept, ...incoming];
}

type StoredEvaluation = Evaluation;

function withoutPerQuery(e: StoredEvaluation): StoredEvaluation {
  if (!e.result.per_query && !e.result.top_retrieved) return e;
  const { per_query: _dropped, top_retrieved: _alsoDropped, ...result } = e.result;
  return { ...e, result };
}

/**
 * Adds (or replaces, same step and kind) an evaluation. Per-query APs and first-retrieved lists are kept
 * only in the newest evaluation of each kind (the drill-down and the paired tests read those; see
 * notebook.ts). Sampled ones kept theirs before, so each sampled evaluation grew the notebook the
 * autosave rewrites.
 */
export function addEvaluation(evaluations: readonly StoredEvaluation[], e: StoredEvaluation): StoredEvaluation[] {
  const rest = evaluations.filter((x) => !(x.step === e.step && x.kind === e.kind));
  return [...rest.map((x) => (x.kind === e.kind ? withoutPerQuery(x) : x)), e];
}

/** Logs and runtime patches per run, waiting for the next flush. */
export interface RunUpdates {
  logs: Map<string, StepLog[]>;
  runtime: Map<string, Partial<RunRuntime>>;
}

/** Collects the workers' frequent events between flushes; later runtime patches of a run override earlier ones. */
export class RunUpdateBuffer {
  private updates: RunUpdates = { logs: new Map(), runtime: new Map() };

  addLogs(runId: string, logs: readonly StepLog[]): void {
    const list = this.updates.logs.get(runId) ?? [];
    list.push(...logs);
    this.updates.logs.set(runId, list);
  }

  patchRuntime(runId: string, patch: Partial<RunRuntime>): void {
    this.updates.runtime.set(runId, { ...this.updates.runtime.get(runId), ...patch });
  }

  get pending(): boolean {
    return this.updates.logs.size > 0 || this.updates.runtime.size > 0;
  }

  /** @returns what was collected, leaving the buffer empty */
  take(): RunUpdates {
    const out = this.updates;
    this.updates = { logs: new Map(), runtime: new Map() };
    return out;
  }

  /** Forgets a run's pending updates (the run was deleted). */
  drop(runId: string): void {
    this.updates.logs.delete(runId);
    this.updates.runtime.delete(runId);
  }
}

/**
 * The store update of one flush. Runs without new logs keep their object (the autosave and the figures'
 * memos compare by identity); `runs` / `runtime` are returned only when something changed.
 */
export function applyRunUpdates(state: { runs: RunRecord[]; runtime: Record<string, RunRuntime> }, updates: RunUpdates): { runs?: RunRecord[]; runtime?: Record<string, RunRuntime> } {
  const out: { runs?: RunRecord[]; runtime?: Record<string, RunRuntime> } = {};
  if (updates.logs.size > 0) {
    out.runs = state.runs.map((r) => {
      const logs = updates.logs.get(r.id);
      return logs?.length ? { ...r, logs: appendLogs(r.logs, logs) } : r;
    });
  }
  if (updates.runtime.size > 0) {
    const runtime = { ...state.runtime };
    for (const [runId, patch] of updates.runtime) runtime[runId] = { ...(runtime[runId] ?? emptyRuntime()), ...patch };
    out.runtime = runtime;
  }
  return out;
}

/** The card's status badge: the record's status, or `stopping…` / `pausing…` from the click until the worker confirms. */
export function runBadge(status: RunRecord['status'], stopRequest: StopRequest | null | undefined): { label: string; className: string } {
  const live = status === 'running' || status === 'queued';
  if (live && stopRequest === 'stop') return { label: 'stopping…', className: 'stopping' };
  if (live && stopRequest === 'pause') return { label: 'pausing…', className: 'stopping' };
  return { label: status, className: status };
}

function duration(seconds: number): string {
  if (seconds < 10) return `${seconds.toFixed(1)} s`;
  if (seconds < 90) return `${Math.round(seconds)} s`;
  const m = Math.floor(seconds / 60);
  return `${m} min ${Math.round(seconds - 60 * m)} s`;
}

const percent = (part: number, whole: number) => (whole > 0 ? `${Math.round((100 * part) / whole)} %` : '–');

/**
 * Where a run's time went, in words (issue 20, item 9), e.g.
 * `training 1 min 40 s (83 %) · sampled evaluations 9 × 1.1 s = 9.9 s (8 %, 1,000 texts each) · full evaluations 1 × 8.2 s (7 %) · checkpoints 3 × 0.4 s (1 %)`
 */
export function timingSummary(t: RunTiming): string {
  const training = Math.max(0, t.elapsed - t.sampled.seconds - t.full.seconds - t.checkpoints.seconds);
  const parts = [`training ${duration(training)} (${percent(training, t.elapsed)})`];
  if (t.sampled.count > 0) {
    parts.push(`sampled evaluations ${t.sampled.count} × ${duration(t.sampled.seconds / t.sampled.count)} = ${duration(t.sampled.seconds)} (${percent(t.sampled.seconds, t.elapsed)}, ${t.sampled.texts.toLocaleString('en')} texts each)`);
  }
  if (t.full.count > 0) parts.push(`full evaluations ${t.full.count} × ${duration(t.full.seconds / t.full.count)} (${percent(t.full.seconds, t.elapsed)})`);
  if (t.checkpoints.count > 0) parts.push(`checkpoints ${t.checkpoints.count} × ${duration(t.checkpoints.seconds / t.checkpoints.count)} (${percent(t.checkpoints.seconds, t.elapsed)})`);
  return parts.join(' · ');
}
