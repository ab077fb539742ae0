/** Saving the notebook to a `.xlir.json` download and opening one the user picked. */
import { notebookFileName, parseNotebook, serializeNotebook } from '../../core/experiment/notebook';
import { useAppStore } from '../store/store';
import { selectNotebook } from '../store/selectors';
import { downloadText, MIME } from '../export/download';
import { applyNotebook } from './notebook';
import { resumeInterruptedRuns } from './runs';
// The committed example (examples/study, `xlir study build`): served by Vite in dev, emitted as an asset in the build.
import exampleStudyUrl from '../../../examples/study/study.xlir.json?url';

export const EXAMPLE_STUDY_FILE = 'examples/study/study.xlir.json';

/** Offers the whole notebook (not the weights) as `<title>.xlir.json`. */
export function saveNotebookFile(): void {
  const state = useAppStore.getState();
  downloadText(serializeNotebook(selectNotebook(state)), notebookFileName(state.title), MIME.json);
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
    return true;
  } catch (err) {
    useAppStore.setState({ fileError: err instanceof Error ? err.message : String(err) });
    return false;
  }
}

export function dismissFileError(): void {
  useAppStore.setState({ fileError: null });
}
