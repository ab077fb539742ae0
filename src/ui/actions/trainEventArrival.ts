/**
 * How the page takes a training worker's event off the wire (`../workers/runWorkerClient.ts`). Everything
 * is validated in the message's task except an evaluation's packed per-query data: a full XQuAD-R
 * evaluation lists some 25k id strings, and validating them there made the message's task one of the
 * page's long tasks (issue 20, item 9: ~20 ms of zod in a 60 ms task on a loaded 2-core machine). The
 * run controller validates that part in a task of its own before it unpacks it (`runController.ts`,
 * {@link checkPerQuery}), as it validates step logs.
 */
import type { z } from 'zod';
import { TrainEventSchema, type TrainEvent } from '../../core/experiment/protocol';
import { PerQueryTransferSchema, type PerQueryTransfer } from '../../core/experiment/perQueryTransfer';
import { zodDataFormatError } from '../../core/zodMessage';

const isRecord = (x: unknown): x is Record<string, unknown> => typeof x === 'object' && x !== null;

/**
 * The event validated with an evaluation's `perQuery` set aside; the event handed on carries that
 * `perQuery` as it came, to be checked with {@link checkPerQuery} before use.
 */
export function parseTrainEvent(data: unknown): z.ZodSafeParseResult<TrainEvent> {
  if (!isRecord(data) || data.type !== 'train/evaluation' || !isRecord(data.evaluation) || !('perQuery' in data.evaluation)) return TrainEventSchema.safeParse(data);
  const { evaluation } = data;
  const parsed = TrainEventSchema.safeParse({ ...data, evaluation: { ...evaluation, perQuery: null } });
  if (!parsed.success || parsed.data.type !== 'train/evaluation') return parsed;
  // unchecked until checkPerQuery: the controller checks it in the evaluation's first task
  return { ...parsed, data: { ...parsed.data, evaluation: { ...parsed.data.evaluation, perQuery: evaluation.perQuery as PerQueryTransfer | null } } };
}

/**
 * An arrived evaluation's per-query data, validated.
 * @throws DataFormatError naming the first field that does not fit (`perQuery.ids.queries.xquad-r.en`)
 */
export function checkPerQuery(perQuery: unknown): PerQueryTransfer | null {
  const parsed = PerQueryTransferSchema.nullable().safeParse(perQuery);
  if (parsed.success) return parsed.data;
  throw zodDataFormatError('train/evaluation message', parsed.error, ['perQuery']);
}
