import type { StateCreator } from 'zustand';

/**
 * `off` until `startAutosave` runs (and after it is stopped); `on` while it runs with nothing to write yet
 * (the notebook in storage is the one on screen, just restored or untouched).
 */
export type AutosaveStatus = { state: 'off' } | { state: 'on' } | { state: 'pending' } | { state: 'saved'; at: string } | { state: 'failed'; message: string };

/** Saving and loading of the notebook: the autosave state and the last file error. Not saved. */
export interface PersistenceSlice {
  autosave: AutosaveStatus;
  /** the last failed "open notebook" (names the file and the field); the notebook was left as it was */
  fileError: string | null;
  /** true once the autosaved notebook (if any) has been restored at start-up */
  restored: boolean;
}

export const createPersistenceSlice: StateCreator<PersistenceSlice, [], [], PersistenceSlice> = () => ({
  autosave: { state: 'off' },
  fileError: null,
  restored: false,
});
