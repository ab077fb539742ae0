import { create } from 'zustand';
import { createEnvironmentSlice, type EnvironmentSlice } from './environmentSlice';
import { createNotebookSlice, type NotebookSlice } from './notebookSlice';
import { createDataSlice, type DataSlice } from './dataSlice';
import { createModelSlice, type ModelSlice } from './modelSlice';
import { createRunsSlice, type RunsSlice } from './runsSlice';
import { createFiguresSlice, type FiguresSlice } from './figuresSlice';
import { createPersistenceSlice, type PersistenceSlice } from './persistenceSlice';

/**
 * The one store of the app, built from slices; it holds serialisable facts only. Workers, loaded datasets
 * and file bytes live outside it (see `ui/actions/`), derived values are computed by selectors.
 */
export type AppState = EnvironmentSlice & NotebookSlice & DataSlice & ModelSlice & RunsSlice & FiguresSlice & PersistenceSlice;

export const useAppStore = create<AppState>()((...a) => ({
  ...createEnvironmentSlice(...a),
  ...createNotebookSlice(...a),
  ...createDataSlice(...a),
  ...createModelSlice(...a),
  ...createRunsSlice(...a),
  ...createFiguresSlice(...a),
  ...createPersistenceSlice(...a),
}));
