/** Paired significance tests between two runs' evaluations, run in the compute worker and cached in the store. */
import type { Evaluation, RunRecord } from '../../core/experiment/notebook';
import { useAppStore } from '../store/store';
import { comparisonKey } from '../store/selectors';
import { computeClient } from './compute';
import { COMPARISON_SETTINGS } from '../../core/metrics/compareRetrieval';

/** Starts the comparison of `a` against `b` unless it is cached or running. Both need per-query APs. */
export function requestComparison(a: RunRecord, ea: Evaluation, b: RunRecord, eb: Evaluation): void {
  const key = comparisonKey(a, ea, b, eb);
  if (useAppStore.getState().comparisons[key]) return;
  const set = (status: ReturnType<typeof useAppStore.getState>['comparisons'][string]) =>
    useAppStore.setState((s) => ({ comparisons: { ...s.comparisons, [key]: status } }));
  if (!ea.result.per_query || !eb.result.per_query) {
    set({ state: 'failed', message: 'significance needs per-query APs, and one of these evaluations holds none (a notebook keeps them for the latest full evaluation of each run; the example study keeps them for its seed means, in the study cell)' });
    return;
  }
  set({ state: 'running' });
  // Posting two results copies ~30k per-query numbers: a task of its own, after the render that asked.
  setTimeout(() => {
    computeClient()
      .request({ type: 'results/compare', a: ea.result, b: eb.result, ...COMPARISON_SETTINGS })
      .then((reply) => set({ state: 'done', comparison: reply.comparison }))
      .catch((err: unknown) => set({ state: 'failed', message: err instanceof Error ? err.message : String(err) }));
  }, 0);
}
