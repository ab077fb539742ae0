import type { StateCreator } from 'zustand';
import { DEFAULT_FIGURE_SETTINGS, type FigureSettings } from '../../core/experiment/notebook';
import type { ResultsComparison } from '../../core/experiment/protocol';
import type { DrilldownText } from '../../core/figures/drilldownTexts';
import type { SignificanceCache } from '../../core/experiment/significanceCache';

/**
 * A paired comparison of two evaluations as a figure shows it: computing in the stats worker (`done` of
 * `total` tests once it reports), or done (`cached` when read from the notebook's significance cache). The
 * status itself is not saved; the computed tests are, in {@link FiguresSlice.significance}.
 */
export type ComparisonStatus = { state: 'running'; done?: number; total?: number } | { state: 'done'; comparison: ResultsComparison; cached?: boolean } | { state: 'failed'; message: string };

/** Texts of the drill-down's listed queries, fetched from the compute worker (keyed by run, step and cell). */
export type DrilldownTextsStatus = { key: string; state: 'loading' } | { key: string; state: 'done'; rows: Record<string, DrilldownText> } | { key: string; state: 'failed'; message: string };

/** How the figures are drawn (saved with the notebook), and what the user is inspecting (not saved). */
export interface FiguresSlice {
  figures: FigureSettings;
  /** the step whose batch the batch panel shows, per run */
  inspectedStep: { runId: string; step: number } | null;
  /** the heatmap cell being drilled into */
  inspectedCell: { row: string; col: string } | null;
  /** keyed by {@link comparisonKey} */
  comparisons: Record<string, ComparisonStatus>;
  /** computed tests by the hash of their inputs, saved with the notebook (its `significance` field) */
  significance: SignificanceCache;
  drilldownTexts: DrilldownTextsStatus | null;
}

export const createFiguresSlice: StateCreator<FiguresSlice, [], [], FiguresSlice> = () => ({
  figures: { ...DEFAULT_FIGURE_SETTINGS },
  inspectedStep: null,
  inspectedCell: null,
  comparisons: {},
  significance: {},
  drilldownTexts: null,
});
