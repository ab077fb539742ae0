import type { StateCreator } from 'zustand';
import type { RunRecord } from '../../core/experiment/notebook';
import type { RunTiming } from '../../core/experiment/protocol';
import { draftFromPreset, type RunDraft } from '../actions/runDraft';
import { DEFAULT_PRESET, PRESETS } from '../actions/presets';

/** A pause or stop the page asked for and the worker has not confirmed yet (`train/ended`). */
export type StopRequest = 'pause' | 'stop';

/** Live facts about a run's worker; never saved (a reload starts from the record instead). */
export interface RunRuntime {
  phase: 'starting' | 'training' | 'evaluating' | 'pausing' | 'idle';
  backend: string | null;
  /** steps per second over the last few steps */
  stepsPerSecond: number | null;
  /** what the worker is doing, in words (e.g. "evaluating 1,200 / 3,570 queries") */
  detail: string | null;
  /** a storage problem (quota, OPFS unavailable) reported by the worker; the run may go on unsaved */
  storageError: string | null;
  /** automatic resumes after crashes since the last new checkpoint (bounded, see actions/runController.ts) */
  autoResumes: number;
  /** what was recovered from, in words, shown on the run's card */
  recovered: string | null;
  /** set on the click, cleared when the worker confirms: the card says `stopping…` / `pausing…` meanwhile */
  stopRequest: StopRequest | null;
  /** where the worker's time went (training, sampled / full evaluations, checkpoints), as last reported */
  timing: RunTiming | null;
}

/** A run's runtime before its worker said anything. */
export function emptyRuntime(): RunRuntime {
  return { phase: 'starting', backend: null, stepsPerSecond: null, detail: null, storageError: null, autoResumes: 0, recovered: null, stopRequest: null, timing: null };
}

/** The runs of the study (saved records) and the form for the next run (not saved). */
export interface RunsSlice {
  runs: RunRecord[];
  runDraft: RunDraft;
  runtime: Record<string, RunRuntime>;
}

export const createRunsSlice: StateCreator<RunsSlice, [], [], RunsSlice> = () => ({
  runs: [],
  runDraft: draftFromPreset(DEFAULT_PRESET, PRESETS.get(DEFAULT_PRESET)!),
  runtime: {},
});
