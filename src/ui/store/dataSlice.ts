import type { StateCreator } from 'zustand';
import type { DataSelection } from '../../core/experiment/notebook';
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

export type DataStatus =
  | { state: 'idle' }
  | { state: 'loading'; message: string }
  | { state: 'loaded'; train: LoadedSplit; eval: LoadedSplit; parallel: { dataset: DatasetName; example: ParallelExample } | null }
  | { state: 'failed'; message: string };

/** The study's training and evaluation data (saved), and what loading them found (not saved). */
export interface DataSlice {
  data: DataSelection;
  dataStatus: DataStatus;
  /** names of the files the user picked for the `files` source (the bytes stay outside the store) */
  pickedFiles: Record<DataRole, string[]>;
}

/** The data a preset trains and evaluates on (the default study starts with the default preset's). */
export function presetData(preset: RunConfig, source: DataSelection['source'] = 'served'): DataSelection {
  return { source, train: { ...preset.data.train }, eval: { ...preset.data.eval }, files: {} };
}

export const createDataSlice: StateCreator<DataSlice, [], [], DataSlice> = () => ({
  data: presetData(PRESETS.get(DEFAULT_PRESET)!),
  dataStatus: { state: 'idle' },
  pickedFiles: { train: [], eval: [] },
});
