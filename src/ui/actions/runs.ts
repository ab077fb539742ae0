/**
 * Runs: launch one training worker per run, pause (checkpoint, then the worker ends), resume (a new worker
 * from the last checkpoint), stop, delete; fold the workers' events into the run records; after a page
 * reload, restart the runs that were training from their last autosaved checkpoint.
 *
 * Step logs and runtime facts arrive many times a second; they are collected in a RunUpdateBuffer and
 * written to the store in one update at most every {@link FLUSH_MS} ms, in an animation frame: React and the
 * autosave see two updates per second instead of one per event, and a hidden tab does no rendering work
 * (issue 20, item 9).
 */
import { lastLoggedStep, latestCheckpoint, StepLogSchema, type RunRecord, type StepLog } from '../../core/experiment/notebook';
import type { TrainEvent } from '../../core/experiment/protocol';
import { unpackEvaluationMessage, type EvaluationMessage } from '../../core/experiment/evaluationMessage';
import { PackedCellError } from '../../core/experiment/packedEvaluations';
import { yieldToEventLoop } from '../../core/train/yieldToEventLoop';
import { rememberPackedPerQuery } from './packedPerQuery';
import { useAppStore } from '../store/store';
import { emptyRuntime, type RunRuntime, type StopRequest } from '../store/runsSlice';
import { RunWorkerClient } from '../workers/runWorkerClient';
import { loadData, loadedDatasetFiles } from './data';
import { draftToConfig, strategyLabel, type RunDraft } from './runDraft';
import { PRESETS } from './presets';
import { addEvaluation, applyRunUpdates, RunUpdateBuffer } from './runUpdates';
import { deleteCheckpointFolder } from '../../../workers/opfsCheckpoints';

const FLUSH_MS = 500;
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

function isRecoverable(error: { name: string; message: string }): boolean {
  return error.name === 'WorkerError' || error.name === 'DeviceLost' || /\bdevice (was |is )?lost\b/i.test(error.message);
}

const workers = new Map<string, RunWorkerClient>();
const stopTimers = new Map<string, ReturnType<typeof setTimeout>>();
const buffer = new RunUpdateBuffer();
let flushTimer: ReturnType<typeof setTimeout> | null = null;
let flushFrame: number | null = null;

function updateRun(runId: string, f: (r: RunRecord) => RunRecord): void {
  useAppStore.setState((s) => ({ runs: s.runs.map((r) => (r.id === runId ? f(r) : r)) }));
}

/** Applies a runtime patch now (rare facts: ready, ended, errors, stop requests). */
function setRuntime(runId: string, patch: Partial<RunRuntime>): void {
  useAppStore.setState((s) => ({ runtime: { ...s.runtime, [runId]: { ...(s.runtime[runId] ?? emptyRuntime()), ...patch } } }));
}

/** Writes what the buffer holds in one store update; called on its schedule, and before events that must follow it. */
function flushUpdates(): void {
  if (flushTimer !== null) clearTimeout(flushTimer);
  if (flushFrame !== null) cancelAnimationFrame(flushFrame);
  flushTimer = null;
  flushFrame = null;
  if (!buffer.pending) return;
  const updates = buffer.take();
  useAppStore.setState((s) => applyRunUpdates(s, updates));
}

function scheduleFlush(): void {
  if (flushTimer !== null || flushFrame !== null) return;
  flushTimer = setTimeout(() => {
    flushTimer = null;
    // in a frame, so the re-render it causes does not split another task; a hidden tab waits until shown
    if (typeof requestAnimationFrame === 'function') flushFrame = requestAnimationFrame(flushUpdates);
    else flushUpdates();
  }, FLUSH_MS);
}

function queueLogs(runId: string, logs: StepLog[]): void {
  buffer.addLogs(runId, logs);
  scheduleFlush();
}

/** Frequent runtime facts (steps/s, phase, progress detail) go out with the next flush. */
function queueRuntime(runId: string, patch: Partial<RunRuntime>): void {
  buffer.patchRuntime(runId, patch);
  scheduleFlush();
}

function finishWorker(runId: string): void {
  flushUpdates();
  workers.get(runId)?.terminate();
  workers.delete(runId);
  clearTimeout(stopTimers.get(runId));
  stopTimers.delete(runId);
}

/**
 * Per run, the events that came in while an evaluation is being unpacked: they are handled after it
 * lands, in order (a checkpoint or the run's end must not overtake the evaluation made before it).
 */
const held = new Map<string, TrainEvent[]>();

/** Handles an event of a run's training worker (exported for tests; the workers' clients call it). */
export function onTrainEvent(event: TrainEvent): void {
  const waiting = held.get(event.runId);
  if (waiting) waiting.push(event);
  else handleEvent(event);
}

/**
 * Unpacks an evaluation's per-query data a few cells per task (a full XQuAD-R evaluation has 264),
 * then adds it to the run in a task of its own (the Results cell re-renders on it), then handles the
 * events held meanwhile.
 */
function receiveEvaluation(runId: string, message: EvaluationMessage): void {
  const waiting: TrainEvent[] = [];
  held.set(runId, waiting);
  const current = () => held.get(runId) === waiting;
  const slicing = { cellsPerSlice: CELLS_PER_SLICE, pause: () => yieldToEventLoop() };
  // (the task that received the message validated its summary: the cells start in a task of their own)
  void yieldToEventLoop()
    .then(() => unpackEvaluationMessage(message, slicing))
    .then(async (evaluation) => {
      await yieldToEventLoop();
      if (!current()) return;
      if (message.perQuery) rememberPackedPerQuery(evaluation.result, message.perQuery);
      updateRun(runId, (r) => ({ ...r, evaluations: addEvaluation(r.evaluations, evaluation) }));
    })
    .catch((err: unknown) => {
      if (!current()) return;
      const where = err instanceof PackedCellError ? `per_query.${err.field}: ` : '';
      setRuntime(runId, { storageError: `evaluation dropped: ${where}${err instanceof Error ? err.message : String(err)}` });
    })
    .finally(() => {
      if (!current()) return;
      held.delete(runId);
      for (const e of waiting) onTrainEvent(e);
    });
}

function handleEvent(event: TrainEvent): void {
  const { runId } = event;
  switch (event.type) {
    case 'train/ready':
      setRuntime(runId, { phase: 'training', backend: event.backend });
      updateRun(runId, (r) => ({ ...r, status: 'running', error: null }));
      break;
    case 'train/steps': {
      const logs: StepLog[] = [];
      for (const raw of event.logs) {
        const parsed = StepLogSchema.safeParse(raw);
        if (!parsed.success) {
          onTrainEvent({ type: 'train/failed', runId, error: { name: 'ProtocolError', code: 'INTERNAL', message: `step log: ${parsed.error.issues[0]?.path.join('.')}: ${parsed.error.issues[0]?.message}` } });
          return;
        }
        logs.push(parsed.data);
      }
      queueLogs(runId, logs);
      if (event.stepsPerSecond !== null) queueRuntime(runId, { stepsPerSecond: event.stepsPerSecond, phase: 'training' });
      break;
    }
    case 'train/checkpoint':
      // The worker sent the steps up to the checkpoint first; they must reach the store (and the autosave)
      // no later than the checkpoint, or a resume from it after a reload would skip the steps in between.
      flushUpdates();
      updateRun(runId, (r) => ({
        ...r,
        checkpoints: [...r.checkpoints.filter((c) => c.step !== event.step && !event.removed.includes(c.key)), { step: event.step, key: event.key }],
      }));
      setRuntime(runId, { storageError: null, autoResumes: 0 });
      break;
    case 'train/evaluation':
      flushUpdates();
      receiveEvaluation(runId, event.evaluation);
      break;
    case 'train/phase':
      queueRuntime(runId, { phase: event.phase === 'saving' ? 'pausing' : event.phase, detail: event.detail });
      break;
    case 'train/timing':
      queueRuntime(runId, { timing: event.timing });
      break;
    case 'train/storage-error':
      setRuntime(runId, { storageError: event.message });
      break;
    case 'train/ended':
      finishWorker(runId);
      updateRun(runId, (r) => ({ ...r, status: event.reason }));
      setRuntime(runId, { phase: 'idle', stepsPerSecond: null, stopRequest: null });
      break;
    case 'train/failed': {
      finishWorker(runId);
      const s = useAppStore.getState();
      const run = s.runs.find((r) => r.id === runId);
      const tries = s.runtime[runId]?.autoResumes ?? 0;
      if (run && isRecoverable(event.error) && tries < MAX_AUTO_RESUMES) {
        setRuntime(runId, { phase: 'starting', stepsPerSecond: null, stopRequest: null, autoResumes: tries + 1, recovered: `${event.error.message} at step ${lastLoggedStep(run)}; resumed from ${resumePoint(run)}` });
        void resumeRun(runId);
        break;
      }
      updateRun(runId, (r) => ({ ...r, status: 'failed', error: event.error.message }));
      setRuntime(runId, { phase: 'idle', stepsPerSecond: null, stopRequest: null });
      break;
    }
  }
}

export function setRunDraft(patch: Partial<RunDraft>): void {
  useAppStore.setState((s) => ({ runDraft: { ...s.runDraft, ...patch } }));
}

async function startWorker(run: RunRecord, resumeFrom: string | null): Promise<void> {
  if (!loadedDatasetFiles()) await loadData();
  const data = loadedDatasetFiles();
  if (!data) {
    updateRun(run.id, (r) => ({ ...r, status: 'failed', error: 'the dataset did not load (see the Data cell)' }));
    return;
  }
  workers.get(run.id)?.terminate();
  const client = new RunWorkerClient(run.id, onTrainEvent);
  workers.set(run.id, client);
  setRuntime(run.id, { phase: 'starting', storageError: null, stepsPerSecond: null, detail: null, stopRequest: null, timing: null });
  const { model } = useAppStore.getState();
  client.send(
    {
      type: 'train/start',
      runId: run.id,
      config: run.config,
      model,
      train: { name: data.train.dataset, languages: data.train.languages, files: data.train.files },
      eval: { name: data.eval.dataset, languages: data.eval.languages, files: data.eval.files },
      sampledEvalEvery: run.sampledEvalEvery,
      backend: run.backend,
      resumeFrom,
      checkpointRoot: `runs/${run.id}`,
    },
    [...data.train.files, ...data.eval.files].map((f) => f.bytes.buffer),
  );
}

/**
 * Creates a run from the form (with `overrides`) and starts its worker.
 * @returns the new run's id
 * @throws DataFormatError (file "run form") when the form does not make a valid config
 */
export async function launchRun(overrides: Partial<RunDraft> = {}): Promise<string> {
  const s = useAppStore.getState();
  const draft = { ...s.runDraft, ...overrides };
  const preset = PRESETS.get(draft.preset);
  if (!preset) throw new Error(`unknown preset "${draft.preset}"`);
  const config = draftToConfig(draft, preset, s.data, s.model);
  const id = `run-${crypto.randomUUID().slice(0, 8)}`;
  const label = strategyLabel(config.strategy);
  const same = s.runs.filter((r) => strategyLabel(r.config.strategy) === label).length;
  const run: RunRecord = {
    id,
    name: `${label}${same ? ` #${same + 1}` : ''}`,
    config,
    backend: draft.backend,
    sampledEvalEvery: draft.sampledEvalEvery,
    status: 'queued',
    error: null,
    createdAt: new Date().toISOString(),
    logs: [],
    evaluations: [],
    checkpoints: [],
    origin: { kind: 'trained' },
  };
  useAppStore.setState((st) => ({ runs: [...st.runs, run] }));
  await startWorker(run, null);
  return id;
}

/**
 * Asks the run's worker to pause or stop: it ends the step or evaluation batch in progress, writes a
 * checkpoint and confirms with `train/ended`. The card shows `pausing…` / `stopping…` until then.
 */
function requestStop(runId: string, request: StopRequest): void {
  const w = workers.get(runId);
  if (!w) {
    if (request === 'stop') updateRun(runId, (r) => ({ ...r, status: 'stopped' }));
    return;
  }
  // a stop overrides a pending pause; a pause does not soften a pending stop
  if (useAppStore.getState().runtime[runId]?.stopRequest === 'stop' && request === 'pause') return;
  setRuntime(runId, { stopRequest: request });
  w.send({ type: request === 'stop' ? 'train/stop' : 'train/pause', runId });
  if (!stopTimers.has(runId)) {
    stopTimers.set(
      runId,
      setTimeout(() => {
        stopTimers.delete(runId);
        if (workers.get(runId) !== w) return;
        // no confirmation: end the worker here; the run continues later from its last confirmed checkpoint
        const stopRequest = useAppStore.getState().runtime[runId]?.stopRequest ?? request;
        finishWorker(runId);
        updateRun(runId, (r) => ({ ...r, status: stopRequest === 'stop' ? 'stopped' : 'paused' }));
        setRuntime(runId, { phase: 'idle', stepsPerSecond: null, stopRequest: null, detail: null, storageError: `the worker did not confirm the ${stopRequest} within ${STOP_GRACE_MS / 1000} s and was ended; resume continues from the last checkpoint` });
      }, STOP_GRACE_MS),
    );
  }
}

export function pauseRun(runId: string): void {
  requestStop(runId, 'pause');
}

export function stopRun(runId: string): void {
  requestStop(runId, 'stop');
}

/** Drops the record's logs and evaluations after `step` (they will be produced again from the checkpoint). */
function rewindTo(run: RunRecord, step: number): RunRecord {
  return { ...run, logs: run.logs.filter((l) => l.step <= step), evaluations: run.evaluations.filter((e) => e.step <= step) };
}

/** Continues a paused (or interrupted) run from its last checkpoint, or from step 0 when it has none. */
export async function resumeRun(runId: string): Promise<void> {
  const run = useAppStore.getState().runs.find((r) => r.id === runId);
  if (!run || workers.has(runId)) return;
  const last = latestCheckpoint(run);
  const rewound = last ? rewindTo(run, last.step) : { ...run, logs: [], evaluations: [] };
  updateRun(runId, () => ({ ...rewound, status: 'queued', error: null }));
  await startWorker(rewound, last?.key ?? null);
}

export async function deleteRun(runId: string): Promise<void> {
  finishWorker(runId);
  buffer.drop(runId);
  held.delete(runId);
  useAppStore.setState((s) => {
    const { [runId]: _gone, ...runtime } = s.runtime;
    return {
      runs: s.runs.filter((r) => r.id !== runId),
      runtime,
      figures: { ...s.figures, hiddenRunIds: s.figures.hiddenRunIds.filter((id) => id !== runId), heatmapRunId: s.figures.heatmapRunId === runId ? null : s.figures.heatmapRunId, baselineRunId: s.figures.baselineRunId === runId ? null : s.figures.baselineRunId },
    };
  });
  try {
    await deleteCheckpointFolder(`runs/${runId}`);
  } catch (err) {
    useAppStore.setState({ fileError: `could not delete the checkpoints of ${runId}: ${err instanceof Error ? err.message : String(err)}` });
  }
}

/** Ends every training worker (before another notebook replaces this one); their runs stay as recorded. */
export function stopAllRunWorkers(): void {
  flushUpdates();
  for (const w of workers.values()) w.terminate();
  workers.clear();
  held.clear();
  for (const t of stopTimers.values()) clearTimeout(t);
  stopTimers.clear();
}

/**
 * After a reload (or opening a notebook): runs recorded as running or queued have no worker any more.
 * With `autoResume` they restart from their last checkpoint; otherwise they are marked paused.
 */
export function resumeInterruptedRuns({ autoResume }: { autoResume: boolean }): void {
  for (const run of useAppStore.getState().runs) {
    if (run.status !== 'running' && run.status !== 'queued') continue;
    if (autoResume) {
      setRuntime(run.id, { recovered: `the page was closed or reloaded after step ${lastLoggedStep(run)} (as last autosaved); resumed from ${resumePoint(run)}` });
      void resumeRun(run.id);
    } else updateRun(run.id, (r) => ({ ...r, status: 'paused' }));
  }
}

/** Where {@link resumeRun} continues `run` from, in words. */
function resumePoint(run: RunRecord): string {
  const last = latestCheckpoint(run);
  return last ? `checkpoint @${last.step}` : 'the start (no checkpoint yet)';
}
