import type { FigureSettings } from '../../core/experiment/notebook';
import type { DatasetName, Lang } from '../../core/data/languages';
import { useAppStore } from '../store/store';
import { computeClient } from './compute';

/** Changes figure settings (saved with the notebook). */
export function setFigureSettings(patch: Partial<FigureSettings>): void {
  useAppStore.setState((s) => ({ figures: { ...s.figures, ...patch } }));
}

/** Shows a run's loss curves and tables, or hides them. */
export function toggleRunVisible(runId: string): void {
  useAppStore.setState((s) => {
    const hidden = s.figures.hiddenRunIds.includes(runId) ? s.figures.hiddenRunIds.filter((id) => id !== runId) : [...s.figures.hiddenRunIds, runId];
    return { figures: { ...s.figures, hiddenRunIds: hidden } };
  });
}

export function inspectStep(runId: string, step: number | null): void {
  useAppStore.setState({ inspectedStep: step === null ? null : { runId, step } });
}

export function inspectCell(cell: { row: string; col: string } | null): void {
  useAppStore.setState({ inspectedCell: cell });
}

/**
 * Fetches the question, gold and first-retrieved sentence of the listed queries from the compute worker
 * (which holds the loaded dataset); the drill-down shows them once they arrive.
 */
export async function loadDrilldownTexts(key: string, dataset: DatasetName, candidateLang: Lang, queryIds: string[], retrievedIds: (string | null)[]): Promise<void> {
  const current = useAppStore.getState().drilldownTexts;
  if (current?.key === key && current.state !== 'failed') return;
  useAppStore.setState({ drilldownTexts: { key, state: 'loading' } });
  try {
    const reply = await computeClient().request({ type: 'data/drilldown', dataset, candidateLang, queryIds, retrievedIds });
    if (useAppStore.getState().drilldownTexts?.key !== key) return;
    useAppStore.setState({ drilldownTexts: { key, state: 'done', rows: Object.fromEntries(reply.rows.map((r) => [r.queryId, r])) } });
  } catch (err) {
    if (useAppStore.getState().drilldownTexts?.key !== key) return;
    useAppStore.setState({ drilldownTexts: { key, state: 'failed', message: err instanceof Error ? err.message : String(err) } });
  }
}
