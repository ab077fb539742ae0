import type { RetrievalComparison } from '../../core/metrics/compareRetrieval';

/**
 * The setting-level p-values of a comparison, as the panels print them: "mono 0.0001, cross 0.2214, multi
 * 0.0001", and the rank distance's when the results held it per query.
 */
export function settingPValues(c: Pick<RetrievalComparison, 'mono' | 'cross' | 'multi' | 'rank_distance'>): string {
  const parts = (['mono', 'cross', 'multi'] as const).map((s) => `${s} ${c[s].p.toFixed(4)}`);
  if (c.rank_distance) parts.push(`rank distance ${c.rank_distance.p.toFixed(4)}`);
  return parts.join(', ');
}

/**
 * The status line of tests being computed: "Running paired randomization tests (10,000 permutations per
 * cell) in the stats worker: 37 of 147 tests done…" once the worker reports, without the count before.
 */
export function runningTestsLine(status: { done?: number; total?: number }, permutations: number, verb: 'Running' | 'Recomputing' = 'Running'): string {
  const head = `${verb} paired randomization tests (${permutations.toLocaleString('en')} permutations per cell) in the stats worker`;
  return status.total ? `${head}: ${status.done ?? 0} of ${status.total} tests done…` : `${head}…`;
}

/** Where shown tests come from, for the status line: computed now, or read from the notebook's cache. */
export const testsSource = (status: { cached?: boolean }): string => (status.cached ? ' (saved in the notebook; not recomputed)' : '');
