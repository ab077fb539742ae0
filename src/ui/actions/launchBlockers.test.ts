import { describe, expect, it } from 'vitest';
import type { DataSelection } from '../../core/experiment/notebook';
import type { LoadedData, LoadedSplit } from '../store/dataSlice';
import { useAppStore } from '../store/store';
import { launchBlockers, launchSummary, type LaunchState } from './launchBlockers';
import { PRESETS } from './presets';
import { draftFromPreset } from './runDraft';

const initial = useAppStore.getState();
const split = { stats: { dataset: 'mlqa-r', files: {}, languages: {}, totals: { questions: 1, paragraphs: 1, candidates: 1 } }, questionIds: ['q'] } as unknown as LoadedSplit;
const loadedAs = (selection: DataSelection): LoadedData => ({ state: 'loaded', selection, train: split, eval: split, parallel: null });

/** The default page after Load: the default preset's data, loaded. */
const ready: LaunchState = { ...initial, dataStatus: loadedAs(initial.data) };

describe('launchBlockers', () => {
  it('lets a launch on loaded data with a ready model through', () => {
    expect(initial.runDraft.preset).toBe('multilingual');
    expect(launchBlockers(ready)).toEqual([]);
  });

  it('blocks a launch before any data is loaded, and while it loads', () => {
    expect(launchBlockers(initial)).toEqual(['no data is loaded: press Load in the Data cell']);
    expect(launchBlockers({ ...ready, dataLoad: { state: 'loading', message: 'reading…' } })).toEqual(['the data is still loading']);
  });

  it('names a training language that is selected but not loaded (the failed card of the issue)', () => {
    const preset = PRESETS.get('mlqa-xquad.hybrid')!;
    // a preset with more languages picked while the default data is loaded
    const state: LaunchState = { ...ready, runDraft: draftFromPreset('mlqa-xquad.hybrid', preset), data: { ...ready.data, train: { ...preset.data.train }, eval: { ...preset.data.eval } } };
    expect(launchBlockers(state)).toEqual(['training languages "ar", "hi", "vi", "zh" are not loaded: press Load in the Data cell', 'evaluation languages "ar", "el", "hi", "ru", "th", "tr", "vi", "zh" are not loaded: press Load in the Data cell']);
  });

  it('names another dataset and unticked languages', () => {
    const data = ready.data;
    expect(launchBlockers({ ...ready, data: { ...data, train: { dataset: 'xquad-r', languages: ['de', 'en', 'es'] }, eval: { dataset: 'mlqa-r', languages: ['de', 'en', 'es'] } } })).toEqual([
      'training dataset xquad-r is not loaded (mlqa-r is): press Load in the Data cell',
      'evaluation dataset mlqa-r is not loaded (xquad-r is): press Load in the Data cell',
    ]);
    expect(launchBlockers({ ...ready, data: { ...data, eval: { ...data.eval, languages: ['de', 'en'] } } })).toEqual(['evaluation languages changed since the data was loaded ("es" unticked): press Load in the Data cell']);
  });

  it('blocks while a checkpoint loads, and when the form makes no valid config', () => {
    expect(launchBlockers({ ...ready, modelStatus: { state: 'loading', message: 'copying into browser storage…' } })).toEqual(['the model is not ready (copying into browser storage…)']);
    const one = { ...ready.data, train: { ...ready.data.train, languages: ['en' as const] } };
    const blockers = launchBlockers({ ...ready, data: one, dataStatus: loadedAs(one), runDraft: { ...ready.runDraft, strategy: 'xy' } });
    expect(blockers).toHaveLength(1);
    expect(blockers[0]).toMatch(/run form: data\.train\.languages: strategy "xy" needs at least two/);
    expect(launchBlockers({ ...ready, runDraft: { ...ready.runDraft, preset: 'gone' } })).toEqual(['unknown preset "gone"']);
  });
});

describe('launchSummary', () => {
  it('says what a launch uses, and where it differs from the preset', () => {
    expect(launchSummary(ready)).toBe('uses built-in multilingual, trains on mlqa-r (de, en, es), evaluates on xquad-r (de, en, es)');
    expect(launchSummary({ ...ready, runDraft: draftFromPreset('tiny', PRESETS.get('tiny')!) })).toBe('uses built-in multilingual, trains on mlqa-r (de, en, es), evaluates on xquad-r (de, en, es) (the preset "tiny" suggested model built-in tiny)');
  });
});
