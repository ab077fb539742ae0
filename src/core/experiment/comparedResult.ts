/**
 * A result as the page posts it to the stats worker for the paired tests and their cache key (issue 20):
 * packed, so that posting costs the page milliseconds, not a long task per result; the worker unpacks
 * it to exactly the result the page holds (same values, same key order), so keys and tests are the ones
 * computed from that result directly.
 */
import { z } from 'zod';
import { RetrievalResultSchema, type RetrievalResult } from '../metrics/resultSchema';
import { ResultSummarySchema } from './evaluationMessage';
import { PerQueryTransferSchema, runSteps, unpackPerQuerySteps } from './perQueryTransfer';
import { PackedResultSchema, unpackResult } from './studyResults';

export const ComparedResultSchema = z.discriminatedUnion('form', [
  /** a run's evaluation: its summary and its per-query data (`perQueryTransfer.ts`) */
  z.object({ form: z.literal('packed'), result: ResultSummarySchema, perQuery: PerQueryTransferSchema }),
  /** a study arm's seed mean, as the study keeps it (`studyResults.ts` PackedResult) */
  z.object({ form: z.literal('study'), result: PackedResultSchema }),
  /** a result whose per-query data cannot be packed exactly (cells that disagree on their query order), as it is */
  z.object({ form: z.literal('result'), result: RetrievalResultSchema }),
]);
export type ComparedResult = z.infer<typeof ComparedResultSchema>;

/**
 * The result the page holds.
 * @throws PackedCellError (packed) or ConfigError (study) when the per-query data does not fit its grammar
 */
export function unpackComparedResult(c: ComparedResult): RetrievalResult {
  switch (c.form) {
    case 'packed':
      return { ...c.result, per_query: runSteps(unpackPerQuerySteps(c.perQuery, c.result.dataset)).per_query };
    case 'study':
      return unpackResult(c.result);
    case 'result':
      return c.result;
  }
}
