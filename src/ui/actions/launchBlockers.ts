/**
 * Whether the Runs cell's "Launch run" can succeed, decided before a run card exists: a launch that
 * cannot succeed is disabled with these reasons instead of producing a failed card.
 */
import type { DataSplitSelection, ModelChoice } from '../../core/experiment/notebook';
import type { RunConfig } from '../../core/experiment/runConfig';
import type { AppState } from '../store/store';
import type { DataRole } from '../store/dataSlice';
import { PRESETS } from './presets';
import { draftToConfig } from './runDraft';

/** The part of the store a launch depends on. */
export type LaunchState = Pick<AppState, 'runDraft' | 'data' | 'dataStatus' | 'dataLoad' | 'model' | 'modelStatus'>;

const ROLE_WORDS: Record<DataRole, string> = { train: 'training', eval: 'evaluation' };

const quoted = (xs: readonly string[]) => xs.map((x) => `"${x}"`).join(', ');

/** Why the loaded split is not the selected one, or null when they are the same. */
function splitMismatch(role: DataRole, selected: DataSplitSelection, loaded: DataSplitSelection): string | null {
  const word = ROLE_WORDS[role];
  if (selected.dataset !== loaded.dataset) return `${word} dataset ${selected.dataset} is not loaded (${loaded.dataset} is): press Load in the Data cell`;
  const missing = selected.languages.filter((l) => !loaded.languages.includes(l));
  if (missing.length) return `${word} language${missing.length > 1 ? 's' : ''} ${quoted(missing)} ${missing.length > 1 ? 'are' : 'is'} not loaded: press Load in the Data cell`;
  const dropped = loaded.languages.filter((l) => !selected.languages.includes(l));
  if (dropped.length) return `${word} languages changed since the data was loaded (${quoted(dropped)} unticked): press Load in the Data cell`;
  return null;
}

/**
 * @returns the reasons a launch from the form would fail, in words, in the order to fix them; empty when
 *   it can start (the form makes a valid config, on loaded data, with a ready model)
 */
export function launchBlockers(s: LaunchState, presets: ReadonlyMap<string, RunConfig> = PRESETS): string[] {
  const out: string[] = [];
  if (s.dataLoad.state === 'loading') out.push('the data is still loading');
  else if (s.dataStatus.state !== 'loaded') out.push('no data is loaded: press Load in the Data cell');
  else {
    for (const role of ['train', 'eval'] as const) {
      const why = splitMismatch(role, s.data[role], s.dataStatus.selection[role]);
      if (why) out.push(why);
    }
  }
  if (s.modelStatus.state === 'loading') out.push(`the model is not ready (${s.modelStatus.message})`);
  const preset = presets.get(s.runDraft.preset);
  if (!preset) out.push(`unknown preset "${s.runDraft.preset}"`);
  else {
    try {
      draftToConfig(s.runDraft, preset, s.data, s.model);
    } catch (err) {
      out.push(err instanceof Error ? err.message : String(err));
    }
  }
  return out;
}

function describeModel(model: ModelChoice): string {
  return model.kind === 'builtin' ? `built-in ${model.config}` : `checkpoint ${model.name}`;
}

const describeSplit = (s: DataSplitSelection) => `${s.dataset} (${s.languages.join(', ')})`;

/**
 * What a launch will use, in words: the model and the data, and where they differ from the preset's
 * (the Model and Data cells win; the preset only suggested them).
 */
export function launchSummary(s: Pick<LaunchState, 'runDraft' | 'data' | 'model'>, presets: ReadonlyMap<string, RunConfig> = PRESETS): string {
  const uses = `uses ${describeModel(s.model)}, trains on ${describeSplit(s.data.train)}, evaluates on ${describeSplit(s.data.eval)}`;
  const preset = presets.get(s.runDraft.preset);
  if (!preset) return uses;
  const notes: string[] = [];
  const presetModel = preset.model.builtin ? `built-in ${preset.model.builtin}` : `checkpoint ${preset.model.checkpoint ?? '?'}`;
  if (presetModel !== describeModel(s.model)) notes.push(`model ${presetModel}`);
  for (const role of ['train', 'eval'] as const) {
    const p = preset.data[role];
    if (describeSplit(p) !== describeSplit(s.data[role])) notes.push(`${ROLE_WORDS[role]} data ${describeSplit(p)}`);
  }
  return notes.length ? `${uses} (the preset "${s.runDraft.preset}" suggested ${notes.join(', ')})` : uses;
}
