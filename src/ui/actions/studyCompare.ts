/**
 * Paired tests between two arms' seed means of the notebook's study (the study cell's difference heatmaps),
 * run in the stats worker and cached in the notebook like the runs' comparisons (`compare.ts`).
 */
import type { StudyArm } from '../../core/experiment/studyResults';
import { showComparison } from './compare';

export function studyComparisonKey(direction: string, a: string, b: string): string {
  return `study:${direction}:${a}|${b}`;
}

/**
 * Starts the test of `a` against `b` unless it is shown or running; both need stored per-query APs. The
 * figure of a pair is one place on the page whatever the direction, so switching direction supersedes
 * the other direction's test of the pair.
 * @param options.cacheOnly only show tests cached in the notebook (the figure shows the study's stored tests)
 */
export function requestStudyComparison(direction: string, a: StudyArm, b: StudyArm, options: { cacheOnly?: boolean } = {}): void {
  showComparison({
    figure: studyComparisonKey(direction, a.arm, b.arm),
    slot: `study-difference:${a.arm}|${b.arm}`,
    ...options,
    // both arms hold packed per-query APs (checked first): the stats worker unpacks their seed means
    load: async () =>
      !a.mean.per_query_packed || !b.mean.per_query_packed
        ? `the study stores no per-query APs for ${a.mean.per_query_packed ? b.label : a.label}`
        : { a: { form: 'study', result: { ...a.mean, per_query_packed: a.mean.per_query_packed } }, b: { form: 'study', result: { ...b.mean, per_query_packed: b.mean.per_query_packed } } },
  });
}
