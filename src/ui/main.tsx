import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { App } from './App';
import { backendPreferenceFromUrl, startCompute } from './actions/compute';
import { idbKeyValueStore, NotebookAutosave, startAutosave } from './actions/autosave';
import { applyNotebook } from './actions/notebook';
import { resumeInterruptedRuns } from './actions/runs';
import { useAppStore } from './store/store';
import './styles.css';

void startCompute(backendPreferenceFromUrl(window.location.search));
// (Plotly is not loaded here: the page draws its loss curves as SVG; see loadPlotly.)

// Restore the autosaved notebook, then keep saving it; runs that were training when the page went away
// continue from their last checkpoint.
const autosave = new NotebookAutosave(idbKeyValueStore());
autosave
  .read()
  .then((notebook) => {
    if (notebook) applyNotebook(notebook);
  })
  .catch((err: unknown) => {
    useAppStore.setState({ fileError: `the autosaved notebook could not be restored (a fresh one was opened): ${err instanceof Error ? err.message : String(err)}` });
  })
  .finally(() => {
    useAppStore.setState({ restored: true });
    startAutosave(autosave);
    resumeInterruptedRuns({ autoResume: true });
  });

createRoot(document.getElementById('root')!).render(
  <StrictMode>
    <App />
  </StrictMode>,
);
