import type { BackendPreference } from '../core/model/backendNames';
import { useAppStore } from './store/store';
import { startCompute } from './actions/compute';
import { BackendSelect } from './components/BackendSelect';

function backendLine(compute: ReturnType<typeof useAppStore.getState>['compute']): string {
  switch (compute.state) {
    case 'starting':
      return `starting (${compute.preference})…`;
    case 'failed':
      return `unavailable: ${compute.message}`;
    case 'ready': {
      const a = compute.info.adapter;
      return `${compute.info.backend} · ${[a.vendor, a.architecture, a.description].filter(Boolean).join(' / ')}`;
    }
  }
}

export function Header() {
  const compute = useAppStore((s) => s.compute);
  const onChange = (preference: BackendPreference) => {
    const url = new URL(window.location.href);
    url.searchParams.set('backend', preference);
    window.history.replaceState(null, '', url);
    void startCompute(preference);
  };
  return (
    <header className="app-header">
      <h1>XLIR Lab</h1>
      <span className="subtitle">cross-lingual retrieval notebook</span>
      <div className="backend">
        <BackendSelect label="backend preference" value={compute.preference} onChange={onChange} />
        <span data-testid="backend-line" data-state={compute.state} data-backend={compute.state === 'ready' ? compute.info.backend : ''}>
          {backendLine(compute)}
        </span>
      </div>
    </header>
  );
}
