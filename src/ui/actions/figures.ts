import type { FigureSettings } from '../../core/experiment/notebook';
import { useAppStore } from '../store/store';

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
