/**
 * Picking a preset in the Runs cell: a preset brings its model and its data, so a run launched from it
 * trains what the preset describes (not a preset for a small built-in run on whatever model was ticked).
 */
import type { DataSelection, ModelChoice } from '../../core/experiment/notebook';
import type { RunConfig } from '../../core/experiment/runConfig';
import { useAppStore } from '../store/store';
import { sameSplits, selectionIsLoaded } from '../store/dataSlice';
import { PRESETS } from './presets';
import { draftFromPreset } from './runDraft';
import { loadData } from './data';

/**
 * The model a preset selects: its built-in one, or null for a preset that names a checkpoint folder (a
 * path on the CLI's disk, which the browser cannot open: the Model cell's choice stays, and the Runs cell
 * says so).
 */
export function presetModel(preset: RunConfig): ModelChoice | null {
  return preset.model.builtin ? { kind: 'builtin', config: preset.model.builtin } : null;
}

/** The Data cell's selection with the preset's datasets and languages (the source stays the user's). */
export function presetSelection(preset: RunConfig, current: DataSelection): DataSelection {
  const next = { train: { ...preset.data.train }, eval: { ...preset.data.eval } };
  return sameSplits(next, current) ? current : { ...current, ...next, files: {} };
}

/**
 * Switches the form to preset `name`, the Model cell to its model and the Data cell to its data. When
 * data was loaded (or is loading), the preset's data is loaded in its place (kept as it was if that fails); a page that
 * loaded nothing yet waits for Load, as a download happens only when asked for.
 */
export async function applyPreset(name: string): Promise<void> {
  const preset = PRESETS.get(name);
  if (!preset) return;
  const s = useAppStore.getState();
  const model = presetModel(preset);
  const modelChanges = model !== null && JSON.stringify(model) !== JSON.stringify(s.model);
  useAppStore.setState({
    runDraft: { ...draftFromPreset(name, preset), backend: s.runDraft.backend },
    data: presetSelection(preset, s.data),
    ...(modelChanges ? { model, modelStatus: { state: 'idle' } } : {}),
  });
  const now = useAppStore.getState();
  // a load in progress is of the old selection: the preset's supersedes it
  if (now.dataLoad.state === 'loading' || (now.dataStatus.state === 'loaded' && !selectionIsLoaded(now))) await loadData();
}
