import { useRef } from 'react';
import { useAppStore } from '../store/store';
import { setTitle, newNotebook } from '../actions/notebook';
import { autosaveLabel } from '../actions/autosave';
import { dismissFileError, openExampleStudy, openNotebookFile, saveNotebookFile } from '../actions/notebookFile';

/** Title, save/open of the `.xlir.json` file, autosave status and the last file error. */
export function NotebookToolbar() {
  const title = useAppStore((s) => s.title);
  const autosave = useAppStore((s) => s.autosave);
  const fileError = useAppStore((s) => s.fileError);
  const picker = useRef<HTMLInputElement>(null);
  return (
    <section className="toolbar" aria-label="notebook">
      <input className="title" aria-label="notebook title" value={title} onChange={(e) => setTitle(e.target.value)} />
      <div className="actions">
        <button type="button" data-testid="save-notebook" onClick={saveNotebookFile} title="download the notebook (configs, logs, results, notes; no weights)">
          Save .xlir.json
        </button>
        <button type="button" data-testid="open-notebook" onClick={() => picker.current?.click()}>
          Open…
        </button>
        <input
          ref={picker}
          type="file"
          accept=".json,application/json"
          hidden
          data-testid="open-notebook-input"
          onChange={(e) => {
            const file = e.target.files?.[0];
            e.target.value = '';
            if (file) void openNotebookFile(file);
          }}
        />
        <button
          type="button"
          onClick={() => {
            if (window.confirm('Start a new notebook? The current one stays in any file you saved; its autosave is replaced.')) newNotebook();
          }}
        >
          New
        </button>
        <button
          type="button"
          data-testid="open-example-study"
          title="a finished study: six strategies × two directions × three seeds, with its tables, heatmaps and tests"
          onClick={() => {
            const hasRuns = useAppStore.getState().runs.length > 0;
            if (!hasRuns || window.confirm('Open the example study? The current notebook stays in any file you saved; its autosave is replaced.')) void openExampleStudy();
          }}
        >
          Open the example study
        </button>
        <span className={`autosave ${autosave.state}`} data-testid="autosave" data-state={autosave.state} data-at={autosave.state === 'saved' ? autosave.at : ''}>
          {autosaveLabel(autosave)}
        </span>
      </div>
      {fileError && (
        <div className="banner error" role="alert" data-testid="file-error">
          <span>Could not open the notebook — nothing was changed. {fileError}</span>
          <button type="button" onClick={dismissFileError} aria-label="dismiss">
            ×
          </button>
        </div>
      )}
    </section>
  );
}
