/**
 * An evaluation as the training worker posts it to the page (`train/evaluation`, protocol.ts; issue 20).
 * The worker, which produced it, validates it whole; the page validates the small summary with zod and
 * the per-query data by its grammar as it unpacks it ({@link unpackEvaluationMessage}, a few cells per
 * task), so no task of the page's main thread touches all ~300k per-query values of a full evaluation.
 */
import { z } from 'zod';
import { RetrievalResultSchema } from '../metrics/resultSchema';
import type { Evaluation } from './notebook';
import { packPerQuerySteps, PerQueryTransferSchema, runSteps, runStepsInSlices, unpackPerQuerySteps, type CellSteps, type Slicing } from './perQueryTransfer';

/** A result without its per-query APs and first-retrieved ids (`summarizeResult`'s shape). */
export const ResultSummarySchema = RetrievalResultSchema.omit({ per_query: true, top_retrieved: true });

export const EvaluationMessageSchema = z.object({
  step: z.number().int().nonnegative(),
  kind: z.enum(['sampled', 'full']),
  result: ResultSummarySchema,
  /** the result's `per_query` and `top_retrieved`, packed; null when it has none */
  perQuery: PerQueryTransferSchema.nullable(),
});
export type EvaluationMessage = z.infer<typeof EvaluationMessageSchema>;

/**
 * The message of a validated evaluation (in the worker; packing a full XQuAD-R evaluation takes it a few
 * hundred ms).
 * @throws PackedCellError when the per-query data cannot be packed exactly (`packPerQuerySteps`)
 */
export function packEvaluationMessage(e: Evaluation): EvaluationMessage {
  const { per_query: _pq, top_retrieved: _top, ...summary } = e.result;
  return { step: e.step, kind: e.kind, result: summary, perQuery: runSteps(packPerQuerySteps(e.result)) };
}

/**
 * The evaluation of a message whose summary was validated, unpacked a slice of cells at a time: the same
 * objects, key for key and in the same order, as the evaluation the worker packed.
 * @throws PackedCellError naming the cell (relative to `per_query_packed`) that does not fit its grammar
 */
export function unpackEvaluationMessage(m: EvaluationMessage, slicing: Slicing): Promise<Evaluation> {
  return runStepsInSlices(evaluationSteps(m), slicing);
}

/** {@link unpackEvaluationMessage} as steps, one per cell (`runSteps` runs them at once). */
export function* evaluationSteps(m: EvaluationMessage): CellSteps<Evaluation> {
  const perQuery = m.perQuery ? yield* unpackPerQuerySteps(m.perQuery, m.result.dataset) : {};
  return { step: m.step, kind: m.kind, result: { ...m.result, ...perQuery } };
}
