/**
 * The typed messages between the page and the stats worker (`workers/stats.worker.ts`), which runs the
 * paired significance tests apart from the compute worker, so that tests never wait behind checkpoint
 * imports and evaluations, nor hold them up. Every message is validated on arrival (house rule 8).
 * Cancelling is not a message: the tests run in one synchronous call, so the page cancels by terminating
 * the worker (`ui/workers/statsWorkerClient.ts`).
 */
import { z } from 'zod';
import { ErrorEventSchema } from './protocol';
import { RetrievalComparisonSchema } from './studyResults';

/** Paired tests of two evaluation results (each validated in the worker); replies `stats/compared`. */
export const StatsCompareCommandSchema = z.object({
  type: z.literal('stats/compare'),
  requestId: z.string(),
  a: z.unknown(),
  b: z.unknown(),
  seed: z.number().int().nonnegative(),
  permutations: z.number().int().positive(),
  resamples: z.number().int().positive(),
  /** confidence level of the bootstrap intervals, e.g. 0.95 */
  level: z.number().gt(0).lt(1),
});
export type StatsCompareCommand = z.infer<typeof StatsCompareCommandSchema>;

export const StatsCommandSchema = z.discriminatedUnion('type', [StatsCompareCommandSchema]);
export type StatsCommand = z.infer<typeof StatsCommandSchema>;

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

export const StatsEventSchema = z.discriminatedUnion('type', [StatsProgressEventSchema, StatsComparedEventSchema, ErrorEventSchema]);
export type StatsEvent = z.infer<typeof StatsEventSchema>;
