/**
 * The page's runs actions: the one {@link RunController} of the app, wired to the store, the training
 * workers, the loaded data and browser storage, and the functions the panels call. The lifecycle is in
 * `runController.ts`, the record's reducer in `../store/runReducer.ts`, the batching of step logs in
 * `runFlusher.ts` (issue 22).
 */
import type { RunRecord } from '../../core/experiment/notebook';
import type { TrainEvent } from '../../core/experiment/protocol';
import { useAppStore } from '../store/store';
import { RunWorkerClient } from '../workers/runWorkerClient';
import { deleteCheckpointFolder } from '../../storage/opfsCheckpoints';
import { hasLoadedDatasetFiles, loadData, runWorkerDatasetFiles } from './data';
import { draftToConfig, strategyLabel, type RunDraft } from './runDraft';
import { PRESETS } from './presets';
import { RunController } from './runController';

/** Created once, with the module: it holds the workers and timers of this page's runs. */
const controller = new RunController({
  store: useAppStore,
  createWorker: (runId, onEvent) => new RunWorkerClient(runId, onEvent),
  async datasetFiles() {
    if (!hasLoadedDatasetFiles()) await loadData();
    return runWorkerDatasetFiles();
  },
  deleteCheckpointFolder,
});

/** Handles an event of a run's training worker (exported for tests; the workers' clients call it). */
export function onTrainEvent(event: TrainEvent): void {
  controller.onTrainEvent(event);
}

export function setRunDraft(patch: Partial<RunDraft>): void {
  useAppStore.setState((s) => ({ runDraft: { ...s.runDraft, ...patch } }));
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
  await controller.launch(run);
  return id;
}

/** Asks the run's worker to pause: it checkpoints and ends; the card says `pausing…` until then. */
export function pauseRun(runId: string): void {
  controller.requestStop(runId, 'pause');
}

/** Asks the run's worker to stop: it checkpoints and ends; the card says `stopping…` until then. */
export function stopRun(runId: string): void {
  controller.requestStop(runId, 'stop');
}

/** Continues a paused (or interrupted) run from its last checkpoint, or from step 0 when it has none. */
export function resumeRun(runId: string): Promise<void> {
  return controller.resume(runId);
}

/** Deletes a run, its worker and its stored checkpoints. */
export function deleteRun(runId: string): Promise<void> {
  return controller.delete(runId);
}

/** Ends every training worker (before another notebook replaces this one); their runs stay as recorded. */
export function stopAllRunWorkers(): void {
  controller.stopAll();
}

/**
 * After a reload (or opening a notebook): runs recorded as running or queued have no worker any more.
 * With `autoResume` they restart from their last checkpoint; otherwise they are marked paused.
 */
export function resumeInterruptedRuns(options: { autoResume: boolean }): void {
  controller.resumeInterrupted(options);
}
