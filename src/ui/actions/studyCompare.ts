/**
 * Paired tests between two arms' seed means of the notebook's study (the study cell's difference heatmaps),
 * run in the compute worker like the runs' comparisons and cached in the same store map.
 */
import { armMeanResult, type StudyArm } from '../../core/experiment/studyResults';
import { COMPARISON_SETTINGS } from '../../core/metrics/compareRetrieval';
import type { RetrievalResult } from '../../core/metrics/resultSchema';
import { useAppStore } from '../store/store';
import { computeClient } from './compute';

export function studyComparisonKey(direction: string, a: string, b: string): string {
  return `study:${direction}:${a}|${b}`;
}

/** Starts the test of `a` against `b` unless it is cached or running; both need stored per-query APs. */
export function requestStudyComparison(direction: string, a: StudyArm, b: StudyArm): void {
  const key = studyComparisonKey(direction, a.arm, b.arm);
  if (useAppStore.getState().comparisons[key]) return;
  const set = (status: ReturnType<typeof useAppStore.getState>['comparisons'][string]) =>
    useAppStore.setState((s) => ({ comparisons: { ...s.comparisons, [key]: status } }));
  if (!a.mean.per_query_packed || !b.mean.per_query_packed) {
    set({ state: 'failed', message: `the study stores no per-query APs for ${a.mean.per_query_packed ? b.label : a.label}` });
    return;
  }
  set({ state: 'running' });
  // Unpacking ~150k APs is a task of its own, after the render that asked.
  setTimeout(() => {
    // both arms hold packed per-query APs (checked above), so their seed means come back with them
    let ra: RetrievalResult;
    let rb: RetrievalResult;
    try {
      ra = armMeanResult(a) as RetrievalResult;
      rb = armMeanResult(b) as RetrievalResult;
    } catch (err) {
      set({ state: 'failed', message: err instanceof Error ? err.message : String(err) });
      return;
    }
    computeClient()
      .request({ type: 'results/compare', a: ra, b: rb, ...COMPARISON_SETTINGS })
      .then((reply) => set({ state: 'done', comparison: reply.comparison }))
      .catch((err: unknown) => set({ state: 'failed', message: err instanceof Error ? err.message : String(err) }));
  }, 0);
}
