import type { StateCreator } from 'zustand';
import { createDefaultNotebook, type Cell } from '../../core/experiment/notebook';
import type { Study } from '../../core/experiment/studyResults';

/** The notebook's page: its title and the ordered cells (notes carry their markdown). */
export interface NotebookSlice {
  title: string;
  cells: Cell[];
  /** a multi-seed study's results (the example study), read-only; null in a notebook without one */
  study: Study | null;
}

export const createNotebookSlice: StateCreator<NotebookSlice, [], [], NotebookSlice> = () => {
  const nb = createDefaultNotebook();
  return { title: nb.title, cells: nb.cells, study: null };
};
