import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { App } from './App';
import { backendPreferenceFromUrl, startCompute } from './actions/compute';
import './styles.css';

void startCompute(backendPreferenceFromUrl(window.location.search));

createRoot(document.getElementById('root')!).render(
  <StrictMode>
    <App />
  </StrictMode>,
);
