/**
 * The flat names of an evaluation's headline numbers (issue 22): one spelling, `<setting>.<metric>` after
 * the result file's own fields (`multi.map` is `result.multi.map`), for `eval.jsonl`'s `metrics`, the CLI's
 * progress notes, the train worker's evaluation hook and the study's validation scores.
 */
import type { RetrievalResult } from './resultSchema';

export const METRIC_KEYS = ['mono.map', 'mono.recall_1', 'cross.map', 'cross.recall_1', 'multi.map', 'multi.recall_10', 'multi.rank_distance', 'probe.accuracy', 'probe.majority'] as const;
export type MetricKey = (typeof METRIC_KEYS)[number];

/** The three mAPs whose mean scores a study's try on the validation split (`studyPlan.ts` validationScore). */
export const VALIDATION_SCORE_KEYS = ['mono.map', 'cross.map', 'multi.map'] as const satisfies readonly MetricKey[];

/**
 * The headline numbers of an evaluation, flat, in {@link METRIC_KEYS} order, without nulls (a setting
 * without cells, e.g. cross with one language, has none; a result without a probe has no `probe.*`).
 */
export function headlineMetrics(r: RetrievalResult): Partial<Record<MetricKey, number>> {
  const values: Record<MetricKey, number | null> = {
    'mono.map': r.mono.map,
    'mono.recall_1': r.mono.recall_1,
    'cross.map': r.cross.map,
    'cross.recall_1': r.cross.recall_1,
    'multi.map': r.multi.map,
    'multi.recall_10': r.multi.recall_10,
    'multi.rank_distance': r.multi.rank_distance,
    // the language-ID probe (`languageProbe.ts`), absent from older and single-language results
    'probe.accuracy': r.probe?.accuracy ?? null,
    'probe.majority': r.probe?.majority ?? null,
  };
  const out: Partial<Record<MetricKey, number>> = {};
  for (const k of METRIC_KEYS) {
    const v = values[k];
    if (v !== null) out[k] = v;
  }
  return out;
}
