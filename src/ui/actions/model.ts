/**
 * The Model cell's actions: a built-in model (the pretrained multilingual one, or a random-init control), or a checkpoint folder picked or dropped by the user
 * (or a zip downloaded from a run), copied into browser storage and loaded once in the compute worker to
 * check it. "Evaluate" scores it on the evaluation data with the runs' evaluator and records the result as
 * an imported run, so a re-imported checkpoint can be compared with the run that saved it.
 */
import type { ModelBuiltin } from '../../core/model/builtinConfigs';
import { EvaluationSchema, type RunRecord } from '../../core/experiment/notebook';
import { parseRunConfig } from '../../core/experiment/runConfig';
import { useAppStore } from '../store/store';
import type { ModelStatus } from '../store/modelSlice';
import { computeClient } from './compute';
import { readPickedCheckpoint, storeImportedCheckpoint } from './checkpoints';
import { hasLoadedDatasetFiles, loadData } from './data';
import { PRESETS, DEFAULT_PRESET } from './presets';
import { draftToConfig, withAutomaticBackwardChunk } from './runDraft';

/** Picks a built-in model: the pretrained `multilingual` or a random-init control (`tiny`, `small`). */
export function chooseBuiltin(config: ModelBuiltin): void {
  // the built-ins are small: an automatic chunked backward chosen for an imported model is cleared
  useAppStore.setState((s) => ({
    model: { kind: 'builtin', config },
    modelStatus: { state: 'idle' },
    checkpointRefused: null,
    runDraft: withAutomaticBackwardChunk(s.runDraft, presetOf(s.runDraft.preset), null),
  }));
}

/** The run form's preset, or the default one when the form names none known. */
function presetOf(name: string) {
  return PRESETS.get(name) ?? PRESETS.get(DEFAULT_PRESET)!;
}

/** A pick in words: the zip's name, the folder's name, or how many files. */
export function describePick(files: readonly Pick<File, 'name' | 'webkitRelativePath'>[]): string {
  if (files.length === 1) return files[0]!.name;
  const folder = (files[0]?.webkitRelativePath ?? '').split('/')[0];
  return folder ? `${folder}/` : `${files.length} files`;
}

/**
 * Whether a checkpoint picked now must be refused: while a checkpoint loads (or is evaluated) a second
 * one would race it, and whichever finished last would silently win.
 * @returns the refusal in words, or null when the pick can be imported
 */
export function importRefusal(status: ModelStatus, pick: string): string | null {
  if (status.state !== 'loading') return null;
  return `${pick} was not imported: the model cell is busy (${status.message.replace(/…$/, '')}); pick it again when that is done`;
}

/**
 * Imports picked or dropped files (a folder's files, or one .zip) as the model of the next runs. A pick
 * made while another checkpoint loads is refused, visibly (`checkpointRefused`); the one loading goes on.
 */
export async function importCheckpoint(files: readonly File[]): Promise<void> {
  const set = (modelStatus: ModelStatus) => useAppStore.setState({ modelStatus });
  const refused = importRefusal(useAppStore.getState().modelStatus, describePick(files));
  useAppStore.setState({ checkpointRefused: refused });
  if (refused) return;
  try {
    if (files.length === 0) throw new Error('no files picked');
    set({ state: 'loading', message: 'reading the files…' });
    const folder = await readPickedCheckpoint(files);
    if (!folder.files.has('config.json')) throw new Error(`${folder.name} has no config.json (pick the checkpoint folder itself, or its .zip)`);
    set({ state: 'loading', message: 'copying into browser storage…' });
    const key = await storeImportedCheckpoint(folder.name, folder.files);
    set({ state: 'loading', message: 'loading it in the compute worker…' });
    const reply = await computeClient().request({ type: 'model/inspect', key });
    useAppStore.setState((s) => ({
      model: { kind: 'checkpoint', name: folder.name, key, files: [...folder.files].map(([path, bytes]) => ({ path, bytes: bytes.byteLength })) },
      modelStatus: { state: 'ready', summary: reply.summary },
      // a model too large to backpropagate a whole batch in wasm: the form fills in the chunked backward, saying why
      runDraft: withAutomaticBackwardChunk(s.runDraft, presetOf(s.runDraft.preset), reply.architecture),
    }));
  } catch (err) {
    set({ state: 'failed', message: err instanceof Error ? err.message : String(err) });
  }
}

/**
 * Evaluates the imported checkpoint on the evaluation data and adds it to the runs as a finished,
 * imported run (no training), named after the folder.
 * @returns the new record's id
 */
export async function evaluateImportedCheckpoint(): Promise<string> {
  const { model } = useAppStore.getState();
  if (model.kind !== 'checkpoint') throw new Error('import a checkpoint first');
  if (!hasLoadedDatasetFiles() || useAppStore.getState().dataStatus.state !== 'loaded') await loadData();
  const s = useAppStore.getState();
  if (s.dataStatus.state !== 'loaded') throw new Error('the data did not load (see the Data cell)');
  useAppStore.setState({ modelStatus: { state: 'loading', message: 'evaluating (embedding every query and candidate)…' } });
  try {
    const inspected = await computeClient().request({ type: 'model/inspect', key: model.key });
    const preset = presetOf(s.runDraft.preset);
    // A checkpoint saved by a run carries its config; a foreign one gets the form's, for the record.
    const config = inspected.runConfig ? parseRunConfig(inspected.runConfig, `${model.name}/manifest.json`) : draftToConfig(s.runDraft, preset, s.data, model);
    const reply = await computeClient().request({ type: 'model/evaluate', key: model.key, dataset: s.data.eval.dataset, languages: s.data.eval.languages });
    const evaluation = EvaluationSchema.parse({ step: 0, kind: 'full', result: reply.result });
    const id = `run-${crypto.randomUUID().slice(0, 8)}`;
    const record: RunRecord = {
      id,
      name: `imported ${model.name}`,
      config,
      backend: 'auto',
      sampledEvalEvery: 0,
      status: 'done',
      error: null,
      createdAt: new Date().toISOString(),
      logs: [],
      evaluations: [evaluation],
      checkpoints: [],
      origin: inspected.runConfig ? { kind: 'run-checkpoint', step: inspected.runStep } : { kind: 'hf-import', baseModel: model.name },
    };
    useAppStore.setState((st) => ({ runs: [...st.runs, record], modelStatus: { state: 'ready', summary: reply.summary } }));
    return id;
  } catch (err) {
    useAppStore.setState({ modelStatus: { state: 'failed', message: err instanceof Error ? err.message : String(err) } });
    throw err;
  }
}
