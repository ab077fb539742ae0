import type { StateCreator } from 'zustand';
import type { DataSelection, DataSplitSelection } from '../../core/experiment/notebook';
import type { RunConfig } from '../../core/experiment/runConfig';
import { DEFAULT_PRESET, PRESETS } from '../actions/presets';
import type { DatasetStats } from '../../core/data/datasetStats';
import type { DatasetName } from '../../core/data/languages';
import type { ParallelExample } from '../../core/experiment/protocol';

export const DATA_ROLES = ['train', 'eval'] as const;
export type DataRole = (typeof DATA_ROLES)[number];

export interface LoadedSplit {
  stats: DatasetStats;
  /** every question id, in order of first appearance (the parallel view's navigation) */
  questionIds: string[];
}

/** Loaded data: what was committed by the last successful load. */
export interface LoadedData {
  state: 'loaded';
  /** the selection these counts (and the bytes kept in `actions/data.ts`) were loaded for */
  selection: DataSelection;
  train: LoadedSplit;
  eval: LoadedSplit;
  parallel: { dataset: DatasetName; example: ParallelExample } | null;
}

/**
 * The data the runs use: nothing yet, or what the last successful load committed. A failed load never
 * changes it (see {@link DataLoad}), so the data already loaded stays usable.
 */
export type DataStatus = { state: 'idle' } | LoadedData;

/** The load in progress, or the last one's failure (the loaded data, if any, is kept). */
export type DataLoad = { state: 'idle' } | { state: 'loading'; message: string } | { state: 'failed'; message: string };

/** The study's training and evaluation data (saved), and what loading them found (not saved). */
export interface DataSlice {
  data: DataSelection;
  dataStatus: DataStatus;
  dataLoad: DataLoad;
  /** names of the files the user picked for the `files` source (the bytes stay outside the store) */
  pickedFiles: Record<DataRole, string[]>;
}

/** True when `a` and `b` name the same datasets and languages (the source and file hashes aside). */
export function sameSplits(a: Pick<DataSelection, 'train' | 'eval'>, b: Pick<DataSelection, 'train' | 'eval'>): boolean {
  const same = (x: DataSplitSelection, y: DataSplitSelection) => x.dataset === y.dataset && x.languages.length === y.languages.length && x.languages.every((l, i) => l === y.languages[i]);
  return same(a.train, b.train) && same(a.eval, b.eval);
}

/** True when the loaded data is the data the Data cell selects (a run would train on what it shows). */
export function selectionIsLoaded(s: Pick<DataSlice, 'data' | 'dataStatus'>): boolean {
  return s.dataStatus.state === 'loaded' && sameSplits(s.data, s.dataStatus.selection);
}

/** The data a preset trains and evaluates on (the default study starts with the default preset's). */
export function presetData(preset: RunConfig, source: DataSelection['source'] = 'served'): DataSelection {
  return { source, train: { ...preset.data.train }, eval: { ...preset.data.eval }, files: {} };
}

export const createDataSlice: StateCreator<DataSlice, [], [], DataSlice> = () => ({
  data: presetData(PRESETS.get(DEFAULT_PRESET)!),
  dataStatus: { state: 'idle' },
  dataLoad: { state: 'idle' },
  pickedFiles: { train: [], eval: [] },
});
