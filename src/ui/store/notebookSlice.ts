import type { StateCreator } from 'zustand';
import { createDefaultNotebook, type Cell } from '../../core/experiment/notebook';

/** The notebook's page: its title and the ordered cells (notes carry their markdown). */
export interface NotebookSlice {
  title: string;
  cells: Cell[];
}

export const createNotebookSlice: StateCreator<NotebookSlice, [], [], NotebookSlice> = () => {
  const nb = createDefaultNotebook();
  return { title: nb.title, cells: nb.cells };
};
