import { type ReactNode, useRef } from 'react';
import { useStore } from 'zustand';
import { useAppStore } from '../store/store';
import { setTitle } from '../actions/notebook';
import { autosaveLabel } from '../actions/autosave';
import { cancelTrecExport, formatBytes, trecExportStatus, type TrecExportStatus } from '../actions/trecExport';
import { confirmReplacing, dismissFileError, openExampleStudy, openNotebookFile, saveNotebookFile, startNewNotebook } from '../actions/notebookFile';

/** The TREC export in flight, in words. */
function trecExportLabel(s: Extract<TrecExportStatus, { state: 'running' }>): string {
  const what =
    s.phase === 'loading'
      ? 'loading the checkpoint'
      : s.phase === 'embedding'
        ? `embedding ${s.done.toLocaleString('en')}/${s.total.toLocaleString('en')} texts`
        : `cell ${s.done}/${s.total}${s.cell ? ` (${s.cell})` : ''}, ${formatBytes(s.written)} zipped`;
  return `TREC files of ${s.run}: ${s.cancelling ? 'cancelling…' : what}${s.estimate > 0 ? ` (estimated ${formatBytes(s.estimate)} uncompressed)` : ''}`;
}

/**
 * A button whose action replaces the open notebook: it asks first (see {@link confirmReplacing}) and acts
 * only when the user agrees.
 */
function ReplacingButton({ action, testId, title, onConfirmed, children }: { action: string; testId?: string; title?: string; onConfirmed: () => void; children: ReactNode }) {
  return (
    <button type="button" data-testid={testId} title={title} onClick={() => confirmReplacing(action, (m) => window.confirm(m)) && onConfirmed()}>
      {children}
    </button>
  );
}

/** Title, save/open of the `.xlir.json` file, autosave status, a TREC export's progress and the last file error. */
export function NotebookToolbar() {
  const title = useAppStore((s) => s.title);
  const autosave = useAppStore((s) => s.autosave);
  const fileError = useAppStore((s) => s.fileError);
  const trecExport = useStore(trecExportStatus);
  const picker = useRef<HTMLInputElement>(null);
  return (
    <section className="toolbar" aria-label="notebook">
      <input className="title" aria-label="notebook title" value={title} onChange={(e) => setTitle(e.target.value)} />
      <div className="actions">
        <button type="button" data-testid="save-notebook" onClick={saveNotebookFile} title="download the notebook (configs, logs, results, notes; no weights)">
          Save .xlir.json
        </button>
        {/* asked before the picker opens, so a cancelled question leaves the page as it was */}
        <ReplacingButton action="Open another notebook" testId="open-notebook" onConfirmed={() => picker.current?.click()}>
          Open…
        </ReplacingButton>
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
        <ReplacingButton action="Start a new notebook" onConfirmed={startNewNotebook}>
          New
        </ReplacingButton>
        <ReplacingButton action="Open the example study" testId="open-example-study" title="a finished study: six strategies × two directions × three seeds, with its tables, heatmaps and tests" onConfirmed={() => void openExampleStudy()}>
          Open the example study
        </ReplacingButton>
        <span className={`autosave ${autosave.state}`} data-testid="autosave" data-state={autosave.state} data-at={autosave.state === 'saved' ? autosave.at : ''}>
          {autosaveLabel(autosave)}
        </span>
      </div>
      {trecExport.state === 'running' && (
        <div className="banner" role="status" data-testid="trec-export-status">
          <span>{trecExportLabel(trecExport)}</span>
          {trecExport.phase !== 'loading' && <progress max={trecExport.total} value={trecExport.done} />}
          <button type="button" data-testid="trec-export-cancel" disabled={trecExport.cancelling} onClick={cancelTrecExport}>
            Cancel
          </button>
        </div>
      )}
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
