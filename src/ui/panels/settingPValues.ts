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
