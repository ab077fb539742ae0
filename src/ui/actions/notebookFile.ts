/**
 * Saving the notebook to a `.xlir.json` download, opening one the user picked, and asking before a
 * notebook with unsaved work is replaced.
 */
import { notebookFileName, parseNotebook, serializeNotebook } from '../../core/experiment/notebook';
import { useAppStore } from '../store/store';
import { selectNotebook } from '../store/selectors';
import { downloadText, MIME } from '../export/download';
import { applyNotebook, newNotebook } from './notebook';
import { resumeInterruptedRuns } from './runs';
import { replacingNeedsConfirmation, workSnapshot, type WorkSnapshot } from './unsavedWork';
// The committed example (examples/study, `xlir study build`): served by Vite in dev, emitted as an asset in the build.
import exampleStudyUrl from '../../../examples/study/study.xlir.json?url';

export const EXAMPLE_STUDY_FILE = 'examples/study/study.xlir.json';

/**
 * The notebook as last saved to or read from a file, or started new; null until then (a restored autosave
 * may be in no file). Kept here, not in the store: it holds references, compared by identity.
 */
let savedWork: WorkSnapshot | null = null;

function markSaved(): void {
  savedWork = workSnapshot(useAppStore.getState());
}

/**
 * Asks before the notebook is replaced when it holds work saved in no file (`unsavedWork.ts`).
 * @param confirm the browser's `window.confirm`, or a stand-in
 * @returns true when replacing may go ahead
 */
export function confirmReplacing(action: string, confirm: (message: string) => boolean): boolean {
  if (!replacingNeedsConfirmation(useAppStore.getState(), savedWork)) return true;
  return confirm(`${action}? The current notebook has changes that are in no saved file; they will be lost (its autosave is replaced). Use "Save .xlir.json" first to keep them.`);
}

/** Offers the whole notebook (not the weights) as `<title>.xlir.json`. */
export function saveNotebookFile(): void {
  const state = useAppStore.getState();
  downloadText(serializeNotebook(selectNotebook(state)), notebookFileName(state.title), MIME.json);
  markSaved();
}

/** A fresh notebook (the caller has asked, see {@link confirmReplacing}). */
export function startNewNotebook(): void {
  newNotebook();
  markSaved();
}

/**
 * Opens a notebook file. On any problem the current notebook stays as it is and `fileError` names the
 * file and the field.
 * @returns true when the notebook was replaced
 */
export async function openNotebookFile(file: File): Promise<boolean> {
  try {
    const notebook = parseNotebook(file.name, await file.text());
    applyNotebook(notebook);
    // Runs saved mid-training are left paused: the user resumes them (their checkpoints may be on this machine).
    resumeInterruptedRuns({ autoResume: false });
    markSaved();
    return true;
  } catch (err) {
    useAppStore.setState({ fileError: err instanceof Error ? err.message : String(err) });
    return false;
  }
}

/**
 * Opens the example study shipped with the app. Like opening a file, a failure leaves the current notebook
 * as it is and names the file and the field.
 * @returns true when the notebook was replaced
 */
export async function openExampleStudy(): Promise<boolean> {
  try {
    const response = await fetch(exampleStudyUrl);
    if (!response.ok) throw new Error(`${EXAMPLE_STUDY_FILE}: HTTP ${response.status} ${response.statusText}`);
    applyNotebook(parseNotebook(EXAMPLE_STUDY_FILE, await response.text()));
    markSaved();
    return true;
  } catch (err) {
    useAppStore.setState({ fileError: err instanceof Error ? err.message : String(err) });
    return false;
  }
}

export function dismissFileError(): void {
  useAppStore.setState({ fileError: null });
}
