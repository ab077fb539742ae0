import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { App } from './App';
import { backendPreferenceFromUrl, startCompute } from './actions/compute';
import { idbKeyValueStore, NotebookAutosave, startAutosave } from './actions/autosave';
import { applyNotebook } from './actions/notebook';
import { resumeInterruptedRuns } from './actions/runs';
import { useAppStore } from './store/store';
import { loadPlotly } from './components/PlotlyFigure';
import './styles.css';

void startCompute(backendPreferenceFromUrl(window.location.search));
// Evaluate Plotly's big script now, before any run trains (see loadPlotly).
setTimeout(() => void loadPlotly(), 0);

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
