import type { StateCreator } from 'zustand';
import { createDefaultNotebook, type ModelChoice } from '../../core/experiment/notebook';

export type ModelStatus = { state: 'idle' } | { state: 'loading'; message: string } | { state: 'ready'; summary: string } | { state: 'failed'; message: string };

/** The encoder the runs start from (saved), and whether a picked checkpoint loaded (not saved). */
export interface ModelSlice {
  model: ModelChoice;
  modelStatus: ModelStatus;
  /** a checkpoint picked while another was loading, refused (not queued): says which, and why */
  checkpointRefused: string | null;
}

export const createModelSlice: StateCreator<ModelSlice, [], [], ModelSlice> = () => ({
  model: createDefaultNotebook().model,
  modelStatus: { state: 'idle' },
  checkpointRefused: null,
});
