import { isBackendPreference, type BackendPreference } from '../../core/model/backendNames';
import { ComputeWorkerClient } from '../workers/computeWorkerClient';
import { useAppStore } from '../store/store';

/** Reads `?backend=` from the page URL; anything unknown falls back to automatic selection. */
export function backendPreferenceFromUrl(search: string): BackendPreference {
  const value = new URLSearchParams(search).get('backend');
  return isBackendPreference(value) ? value : 'auto';
}

let client: ComputeWorkerClient | null = null;

/** The running compute worker (started at page load by `startCompute`). */
export function computeClient(): ComputeWorkerClient {
  client ??= new ComputeWorkerClient();
  return client;
}

/** (Re)start the compute worker with a backend preference and record the outcome in the store. */
export async function startCompute(preference: BackendPreference): Promise<void> {
  client?.terminate();
  client = new ComputeWorkerClient();
  const { setCompute } = useAppStore.getState();
  setCompute({ state: 'starting', preference });
  try {
    const ready = await client.initBackend(preference);
    setCompute({ state: 'ready', preference, info: ready.info, smoke: ready.smoke });
  } catch (err) {
    setCompute({ state: 'failed', preference, message: err instanceof Error ? err.message : String(err) });
  }
}
