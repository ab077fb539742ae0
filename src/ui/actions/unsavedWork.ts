/**
 * Whether replacing the notebook (Open…, New, the example study) would lose work that is in no file
 * (issue 20, item 10): the decision is a pure function of the notebook now and the one last saved to or
 * read from a file, so it is tested without a browser; the toolbar asks with `window.confirm`.
 */
import { createDefaultNotebook, type Notebook } from '../../core/experiment/notebook';

/** The saved parts of the notebook, as the store holds them (`study` null when there is none). */
export type NotebookParts = Pick<Notebook, 'title' | 'cells' | 'data' | 'model' | 'runs' | 'figures'> & { study: Notebook['study'] | null };

/**
 * What the user made, compared by identity (the store replaces objects, never mutates them) except the
 * data selection, compared by value without `files`: loading data records the files' hashes, which is
 * not work of the user's.
 */
export interface WorkSnapshot {
  title: string;
  cells: unknown;
  data: string;
  model: unknown;
  runs: unknown;
  figures: unknown;
  study: unknown;
}

export function workSnapshot(nb: NotebookParts): WorkSnapshot {
  const { source, train, eval: evalSplit } = nb.data;
  return { title: nb.title, cells: nb.cells, data: JSON.stringify({ source, train, eval: evalSplit }), model: nb.model, runs: nb.runs, figures: nb.figures, study: nb.study };
}

const DEFAULT_NOTES = new Set(createDefaultNotebook().cells.flatMap((c) => (c.kind === 'note' ? [c.markdown] : [])));

/** Runs, a study, a retitled notebook or a note of one's own: something worth asking about. */
export function holdsWork(nb: NotebookParts): boolean {
  return nb.runs.length > 0 || nb.study !== null || nb.title !== createDefaultNotebook().title || nb.cells.some((c) => c.kind === 'note' && c.markdown.trim() !== '' && !DEFAULT_NOTES.has(c.markdown));
}

/**
 * Does replacing the notebook need the user's confirmation?
 * @param saved the snapshot taken when the notebook was last saved to, or read from, a file (or started
 *   new); null when unknown (the page restored an autosave of an earlier visit, which may be in no file)
 * @returns true when the notebook holds work and differs from `saved` (or nothing is known to be saved)
 */
export function replacingNeedsConfirmation(current: NotebookParts, saved: WorkSnapshot | null): boolean {
  if (!holdsWork(current)) return false;
  if (!saved) return true;
  const now = workSnapshot(current);
  return (Object.keys(now) as (keyof WorkSnapshot)[]).some((k) => now[k] !== saved[k]);
}
