/**
 * The runs' lifecycle: launch one training worker per run, pause (checkpoint, then the worker ends),
 * resume (a new worker from the last checkpoint), stop, delete; fold the workers' events into the run
 * records ({@link reduceRun}); after a page reload, restart the runs that were training from their last
 * autosaved checkpoint. Its state (workers, timers, held events, the log flusher) lives in the one
 * controller the app creates (`runs.ts`); tests create their own.
 */
import { lastLoggedStep, latestCheckpoint, StepLogSchema, type RunRecord, type StepLog } from '../../core/experiment/notebook';
import type { TrainCommand, TrainEvent } from '../../core/experiment/protocol';
import { unpackEvaluationMessage, type EvaluationMessage } from '../../core/experiment/evaluationMessage';
import { PackedCellError } from '../../core/experiment/packedEvaluations';
import { yieldToEventLoop } from '../../core/train/yieldToEventLoop';
import { zodProblem } from '../../core/zodMessage';
import type { AppState } from '../store/store';
import { emptyRuntime, type RunRuntime, type StopRequest } from '../store/runsSlice';
import { isRecoverable, reduceRun, resumePoint, rewindTo, runtimePatch, type RunEvent } from '../store/runReducer';
import { rememberPackedPerQuery } from './packedPerQuery';
import { checkPerQuery } from './trainEventArrival';
import { addEvaluation, applyRunUpdates } from './runUpdates';
import { RunFlusher } from './runFlusher';
import type { LoadedFiles } from './data';
import type { DataRole } from '../store/dataSlice';

/**
 * Cells of an arriving evaluation unpacked per task: a full XQuAD-R cell (1,190 values) took ~5 ms in a
 * page on a 2-core machine that two training workers and two CLI runs kept busy, so a slice stays well
 * under the 50 ms of a long task.
 */
const CELLS_PER_SLICE = 2;
/**
 * A crashed worker or a lost GPU device says nothing about the run itself, so the run resumes from its
 * last checkpoint on its own; this many times in a row without a new checkpoint, then it stays failed.
 */
const MAX_AUTO_RESUMES = 3;
/**
 * A worker stops within one batch of a step or an evaluation and then writes a checkpoint; one that has
 * not confirmed after this long (a hung GPU, a huge batch) is ended from here, and the run continues later
 * from its last confirmed checkpoint.
 */
const STOP_GRACE_MS = 60_000;

/**
 * Dataset files as the start command types them. The protocol checks `instanceof Uint8Array`, which views
 * over shared memory pass (the worker copies those before parsing); only zod's inferred type says ArrayBuffer.
 */
const onTheWire = (files: LoadedFiles<Uint8Array<ArrayBufferLike>>['files']) => files as LoadedFiles['files'];

/** A run's training worker, as the controller uses it. */
export interface RunWorker {
  send(command: TrainCommand, transfer?: Transferable[]): void;
  terminate(): void;
}

/** What the controller works with: the store, and how to start workers, load data and delete checkpoints. */
export interface RunControllerDeps {
  store: { getState(): AppState; setState(update: Partial<AppState> | ((s: AppState) => Partial<AppState>)): void };
  createWorker(runId: string, onEvent: (event: TrainEvent) => void): RunWorker;
  /**
   * the loaded dataset files for a worker, loading them first when none are, and the buffers to transfer
   * with them (none where the bytes are shared memory: see `runWorkerDatasetFiles` in data.ts)
   */
  datasetFiles(): Promise<{ files: Record<DataRole, LoadedFiles<Uint8Array<ArrayBufferLike>>>; transfer: ArrayBuffer[] } | null>;
  deleteCheckpointFolder(path: string): Promise<void>;
}

/** Starts, stops and resumes the runs' training workers and folds their events into the store. */
export class RunController {
  private readonly workers = new Map<string, RunWorker>();
  private readonly stopTimers = new Map<string, ReturnType<typeof setTimeout>>();
  /**
   * Per run, the events that came in while an evaluation is being unpacked: they are handled after it
   * lands, in order (a checkpoint or the run's end must not overtake the evaluation made before it).
   */
  private readonly held = new Map<string, TrainEvent[]>();
  private readonly flusher: RunFlusher;

  constructor(private readonly deps: RunControllerDeps) {
    this.flusher = new RunFlusher((updates) => deps.store.setState((s) => applyRunUpdates(s, updates)));
  }

  /** Replaces the run's record with `f` of it; no store update when `f` keeps it. */
  private updateRun(runId: string, f: (r: RunRecord) => RunRecord): void {
    this.deps.store.setState((s) => {
      let changed = false;
      const runs = s.runs.map((r) => {
        if (r.id !== runId) return r;
        const next = f(r);
        changed ||= next !== r;
        return next;
      });
      return changed ? { runs } : s;
    });
  }

  /** Applies a runtime patch now (rare facts: ready, ended, errors, stop requests). */
  private setRuntime(runId: string, patch: Partial<RunRuntime>): void {
    if (Object.keys(patch).length === 0) return;
    this.deps.store.setState((s) => ({ runtime: { ...s.runtime, [runId]: { ...(s.runtime[runId] ?? emptyRuntime()), ...patch } } }));
  }

  private finishWorker(runId: string): void {
    this.flusher.flush();
    this.workers.get(runId)?.terminate();
    this.workers.delete(runId);
    clearTimeout(this.stopTimers.get(runId));
    this.stopTimers.delete(runId);
  }

  /** Handles an event of a run's training worker (the workers' clients call it; tests too). */
  onTrainEvent = (event: TrainEvent): void => {
    const waiting = this.held.get(event.runId);
    if (waiting) waiting.push(event);
    else this.handleEvent(event);
  };

  /**
   * Unpacks an evaluation's per-query data a few cells per task (a full XQuAD-R evaluation has 264),
   * then adds it to the run in a task of its own (the Results cell re-renders on it), then handles the
   * events held meanwhile.
   */
  private receiveEvaluation(runId: string, message: EvaluationMessage): void {
    const waiting: TrainEvent[] = [];
    this.held.set(runId, waiting);
    const current = () => this.held.get(runId) === waiting;
    const slicing = { cellsPerSlice: CELLS_PER_SLICE, pause: () => yieldToEventLoop() };
    // (the task that received the message validated its summary: the cells start in a task of their own)
    void yieldToEventLoop()
      .then(async () => {
        // the packed per-query data is validated here, not in the message's task (trainEventArrival.ts)
        const perQuery = checkPerQuery(message.perQuery);
        await yieldToEventLoop();
        return unpackEvaluationMessage({ ...message, perQuery }, slicing);
      })
      .then(async (evaluation) => {
        await yieldToEventLoop();
        if (!current()) return;
        if (message.perQuery) rememberPackedPerQuery(evaluation.result, message.perQuery);
        this.updateRun(runId, (r) => ({ ...r, evaluations: addEvaluation(r.evaluations, evaluation) }));
      })
      .catch((err: unknown) => {
        if (!current()) return;
        const where = err instanceof PackedCellError ? `per_query.${err.field}: ` : '';
        this.setRuntime(runId, { storageError: `evaluation dropped: ${where}${err instanceof Error ? err.message : String(err)}` });
      })
      .finally(() => {
        if (!current()) return;
        this.held.delete(runId);
        for (const e of waiting) this.onTrainEvent(e);
      });
  }

  /** The event with its step logs validated, or a failure naming the first bad field. */
  private validated(event: TrainEvent): RunEvent {
    if (event.type !== 'train/steps') return event;
    const logs: StepLog[] = [];
    for (const raw of event.logs) {
      const parsed = StepLogSchema.safeParse(raw);
      if (!parsed.success) {
        const { field, message } = zodProblem(parsed.error);
        return { type: 'train/failed', runId: event.runId, error: { name: 'ProtocolError', code: 'INTERNAL', message: `step log: ${field}: ${message}` } };
      }
      logs.push(parsed.data);
    }
    return { ...event, logs };
  }

  private handleEvent(raw: TrainEvent): void {
    const event = this.validated(raw);
    const { runId } = event;
    switch (event.type) {
      case 'train/steps':
        this.flusher.addLogs(runId, event.logs);
        this.flusher.patchRuntime(runId, runtimePatch(event));
        return;
      case 'train/phase':
      case 'train/timing':
        // frequent facts go out with the next flush
        this.flusher.patchRuntime(runId, runtimePatch(event));
        return;
      case 'train/evaluation':
        this.flusher.flush();
        this.receiveEvaluation(runId, event.evaluation);
        return;
      case 'train/checkpoint':
        // The worker sent the steps up to the checkpoint first; they must reach the store (and the autosave)
        // no later than the checkpoint, or a resume from it after a reload would skip the steps in between.
        this.flusher.flush();
        break;
      case 'train/ended':
        this.finishWorker(runId);
        break;
      case 'train/failed': {
        this.finishWorker(runId);
        const s = this.deps.store.getState();
        const run = s.runs.find((r) => r.id === runId);
        const tries = s.runtime[runId]?.autoResumes ?? 0;
        if (run && isRecoverable(event.error) && tries < MAX_AUTO_RESUMES) {
          this.setRuntime(runId, { phase: 'starting', stepsPerSecond: null, stopRequest: null, autoResumes: tries + 1, recovered: `${event.error.message} at step ${lastLoggedStep(run)}; resumed from ${resumePoint(run)}` });
          void this.resume(runId);
          return;
        }
        break;
      }
    }
    this.updateRun(runId, (r) => reduceRun(r, event));
    this.setRuntime(runId, runtimePatch(event));
  }

  private async startWorker(run: RunRecord, resumeFrom: string | null): Promise<void> {
    const loaded = await this.deps.datasetFiles();
    if (!loaded) {
      this.updateRun(run.id, (r) => ({ ...r, status: 'failed', error: 'the dataset did not load (see the Data cell)' }));
      return;
    }
    this.workers.get(run.id)?.terminate();
    const client = this.deps.createWorker(run.id, this.onTrainEvent);
    this.workers.set(run.id, client);
    this.setRuntime(run.id, { phase: 'starting', storageError: null, stepsPerSecond: null, detail: null, stopRequest: null, timing: null });
    const { model } = this.deps.store.getState();
    const { files: data, transfer } = loaded;
    client.send(
      {
        type: 'train/start',
        runId: run.id,
        config: run.config,
        model,
        train: { name: data.train.dataset, languages: data.train.languages, files: onTheWire(data.train.files) },
        eval: { name: data.eval.dataset, languages: data.eval.languages, files: onTheWire(data.eval.files) },
        sampledEvalEvery: run.sampledEvalEvery,
        backend: run.backend,
        resumeFrom,
        checkpointRoot: `runs/${run.id}`,
      },
      transfer,
    );
  }

  /** Adds `run` to the store and starts its worker. */
  async launch(run: RunRecord): Promise<void> {
    this.deps.store.setState((st) => ({ runs: [...st.runs, run] }));
    await this.startWorker(run, null);
  }

  /**
   * Asks the run's worker to pause or stop: it ends the step or evaluation batch in progress, writes a
   * checkpoint and confirms with `train/ended`. The card shows `pausing…` / `stopping…` until then.
   */
  requestStop(runId: string, request: StopRequest): void {
    const w = this.workers.get(runId);
    if (!w) {
      if (request === 'stop') this.updateRun(runId, (r) => ({ ...r, status: 'stopped' }));
      return;
    }
    // a stop overrides a pending pause; a pause does not soften a pending stop
    if (this.deps.store.getState().runtime[runId]?.stopRequest === 'stop' && request === 'pause') return;
    this.setRuntime(runId, { stopRequest: request });
    w.send({ type: request === 'stop' ? 'train/stop' : 'train/pause', runId });
    if (this.stopTimers.has(runId)) return;
    this.stopTimers.set(
      runId,
      setTimeout(() => {
        this.stopTimers.delete(runId);
        if (this.workers.get(runId) !== w) return;
        // no confirmation: end the worker here; the run continues later from its last confirmed checkpoint
        const stopRequest = this.deps.store.getState().runtime[runId]?.stopRequest ?? request;
        this.finishWorker(runId);
        this.updateRun(runId, (r) => ({ ...r, status: stopRequest === 'stop' ? 'stopped' : 'paused' }));
        this.setRuntime(runId, {
          phase: 'idle',
          stepsPerSecond: null,
          stopRequest: null,
          detail: null,
          storageError: `the worker did not confirm the ${stopRequest} within ${STOP_GRACE_MS / 1000} s and was ended; resume continues from the last checkpoint`,
        });
      }, STOP_GRACE_MS),
    );
  }

  /** Continues a paused (or interrupted) run from its last checkpoint, or from step 0 when it has none. */
  async resume(runId: string): Promise<void> {
    const run = this.deps.store.getState().runs.find((r) => r.id === runId);
    if (!run || this.workers.has(runId)) return;
    const last = latestCheckpoint(run);
    const rewound = last ? rewindTo(run, last.step) : { ...run, logs: [], evaluations: [] };
    this.updateRun(runId, () => ({ ...rewound, status: 'queued', error: null }));
    await this.startWorker(rewound, last?.key ?? null);
  }

  async delete(runId: string): Promise<void> {
    this.finishWorker(runId);
    this.flusher.drop(runId);
    this.held.delete(runId);
    this.deps.store.setState((s) => {
      const { [runId]: _gone, ...runtime } = s.runtime;
      return {
        runs: s.runs.filter((r) => r.id !== runId),
        runtime,
        figures: {
          ...s.figures,
          hiddenRunIds: s.figures.hiddenRunIds.filter((id) => id !== runId),
          heatmapRunId: s.figures.heatmapRunId === runId ? null : s.figures.heatmapRunId,
          baselineRunId: s.figures.baselineRunId === runId ? null : s.figures.baselineRunId,
        },
      };
    });
    try {
      await this.deps.deleteCheckpointFolder(`runs/${runId}`);
    } catch (err) {
      this.deps.store.setState({ fileError: `could not delete the checkpoints of ${runId}: ${err instanceof Error ? err.message : String(err)}` });
    }
  }

  /** Ends every training worker (before another notebook replaces this one); their runs stay as recorded. */
  stopAll(): void {
    this.flusher.flush();
    for (const w of this.workers.values()) w.terminate();
    this.workers.clear();
    this.held.clear();
    for (const t of this.stopTimers.values()) clearTimeout(t);
    this.stopTimers.clear();
  }

  /**
   * After a reload (or opening a notebook): runs recorded as running or queued have no worker any more.
   * With `autoResume` they restart from their last checkpoint; otherwise they are marked paused.
   */
  resumeInterrupted({ autoResume }: { autoResume: boolean }): void {
    for (const run of this.deps.store.getState().runs) {
      if (run.status !== 'running' && run.status !== 'queued') continue;
      if (autoResume) {
        this.setRuntime(run.id, { recovered: `the page was closed or reloaded after step ${lastLoggedStep(run)} (as last autosaved); resumed from ${resumePoint(run)}` });
        void this.resume(run.id);
      } else this.updateRun(run.id, (r) => ({ ...r, status: 'paused' }));
    }
  }
}
