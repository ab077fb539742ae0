/**
 * The typed messages between the page and the stats worker (`workers/stats.worker.ts`), which runs the
 * paired significance tests apart from the compute worker, so that tests never wait behind checkpoint
 * imports and evaluations, nor hold them up. Every message is validated on arrival (house rule 8).
 * Cancelling is not a message: the tests run in one synchronous call, so the page cancels by terminating
 * the worker (`ui/workers/statsWorkerClient.ts`). Cache keys are asked of a second instance of the worker,
 * so that a lookup never waits behind a minute of tests.
 */
import { z } from 'zod';
import { ErrorEventSchema } from './protocol';
import { RetrievalComparisonSchema } from '../metrics/retrievalComparison';
import { ComparedResultSchema } from './comparedResult';
import { SignificanceKeySchema } from './significanceCache';

/** What a comparison reads: two results (packed, `comparedResult.ts`; unpacked and checked in the worker) and the tests' settings. */
const ComparisonInputsSchema = z.object({
  requestId: z.string(),
  a: ComparedResultSchema,
  b: ComparedResultSchema,
  seed: z.number().int().nonnegative(),
  permutations: z.number().int().positive(),
  resamples: z.number().int().positive(),
  /** confidence level of the bootstrap intervals, e.g. 0.95 */
  level: z.number().gt(0).lt(1),
});

/**
 * The cache key of a comparison (`significanceKey`), computed here rather than on the page (hashing a full
 * evaluation's per-query values took the page's main thread ~0.3 s); replies `stats/keyed`.
 */
export const StatsKeyCommandSchema = ComparisonInputsSchema.extend({ type: z.literal('stats/key') });
export type StatsKeyCommand = z.infer<typeof StatsKeyCommandSchema>;

/** Paired tests of two evaluation results; replies `stats/compared`. */
export const StatsCompareCommandSchema = ComparisonInputsSchema.extend({ type: z.literal('stats/compare') });
export type StatsCompareCommand = z.infer<typeof StatsCompareCommandSchema>;

export const StatsCommandSchema = z.discriminatedUnion('type', [StatsKeyCommandSchema, StatsCompareCommandSchema]);
export type StatsCommand = z.infer<typeof StatsCommandSchema>;

export const StatsKeyedEventSchema = z.object({ type: z.literal('stats/keyed'), requestId: z.string(), key: SignificanceKeySchema });

/** Tests done of the comparison's total (one per cell and one per setting), sent as each finishes. */
export const StatsProgressEventSchema = z.object({
  type: z.literal('stats/progress'),
  requestId: z.string(),
  done: z.number().int().nonnegative(),
  total: z.number().int().nonnegative(),
});
export type StatsProgressEvent = z.infer<typeof StatsProgressEventSchema>;

export const StatsComparedEventSchema = z.object({
  type: z.literal('stats/compared'),
  requestId: z.string(),
  comparison: RetrievalComparisonSchema,
});

export const StatsEventSchema = z.discriminatedUnion('type', [StatsProgressEventSchema, StatsComparedEventSchema, StatsKeyedEventSchema, ErrorEventSchema]);
export type StatsEvent = z.infer<typeof StatsEventSchema>;
