/**
 * Editing the notebook's page: title, note cells (add anywhere, edit, move, delete) and replacing the
 * whole notebook (open a file, restore the autosave, start a new one).
 */
import { createDefaultNotebook, type Cell, type Notebook } from '../../core/experiment/notebook';
import { useAppStore } from '../store/store';
import { stopAllRunWorkers } from './runs';
import { forgetLoadedData } from './data';
import { presetData } from '../store/dataSlice';
import { DEFAULT_PRESET, PRESETS } from './presets';

export function setTitle(title: string): void {
  useAppStore.setState({ title });
}

function newNoteId(cells: readonly Cell[]): string {
  for (;;) {
    const id = `note-${crypto.randomUUID().slice(0, 8)}`;
    if (!cells.some((c) => c.id === id)) return id;
  }
}

/**
 * Inserts an empty note so that it becomes cell number `index` (0 = top, cells.length = bottom).
 * @returns the new note's id
 */
export function addNote(index: number, markdown = ''): string {
  const { cells } = useAppStore.getState();
  const id = newNoteId(cells);
  const at = Math.max(0, Math.min(cells.length, index));
  useAppStore.setState({ cells: [...cells.slice(0, at), { kind: 'note', id, markdown }, ...cells.slice(at)] });
  return id;
}

export function updateNote(id: string, markdown: string): void {
  useAppStore.setState((s) => ({ cells: s.cells.map((c) => (c.id === id && c.kind === 'note' ? { ...c, markdown } : c)) }));
}

/** Moves a note one place up (-1) or down (+1); the fixed cells keep their relative order. */
export function moveNote(id: string, delta: -1 | 1): void {
  useAppStore.setState((s) => {
    const i = s.cells.findIndex((c) => c.id === id);
    const j = i + delta;
    if (i < 0 || s.cells[i]!.kind !== 'note' || j < 0 || j >= s.cells.length) return {};
    const cells = [...s.cells];
    [cells[i], cells[j]] = [cells[j]!, cells[i]!];
    return { cells };
  });
}

export function deleteNote(id: string): void {
  useAppStore.setState((s) => ({ cells: s.cells.filter((c) => !(c.id === id && c.kind === 'note')) }));
}

/**
 * Replaces the saved part of the state with `notebook` (already validated) and forgets everything derived
 * from the old one. Running workers are stopped first: their runs belong to the old notebook.
 */
export function applyNotebook(notebook: Notebook): void {
  stopAllRunWorkers();
  forgetLoadedData();
  useAppStore.setState({
    title: notebook.title,
    cells: notebook.cells,
    data: notebook.data,
    model: notebook.model,
    runs: notebook.runs,
    figures: notebook.figures,
    study: notebook.study ?? null,
    significance: notebook.significance ?? {},
    runtime: {},
    dataStatus: { state: 'idle' },
    dataLoad: { state: 'idle' },
    modelStatus: { state: 'idle' },
    checkpointRefused: null,
    inspectedStep: null,
    inspectedCell: null,
    fileError: null,
  });
}

/** A fresh notebook on the default preset's data. */
export function newNotebook(): void {
  applyNotebook({ ...createDefaultNotebook(), data: presetData(PRESETS.get(DEFAULT_PRESET)!) });
}
