/**
 * The packed form (`core/experiment/perQueryTransfer.ts`) of the per-query data of results in the store,
 * for what must copy them off the main thread: the stats worker (posting a full XQuAD-R evaluation as
 * objects took the page ~100 ms to structured-clone, as strings a few ms) and the autosave (IndexedDB
 * clones what it stores in the calling task: 0.5 s per full evaluation as objects). An evaluation that
 * arrived from a training worker brings its packed form, remembered here by its result object (the store
 * never mutates one); others (a reopened notebook) are packed a few cells per task on first use.
 */
import { packPerQuerySteps, runStepsInSlices, type PerQueryTransfer } from '../../core/experiment/perQueryTransfer';
import type { ComparedResult } from '../../core/experiment/comparedResult';
import type { StoredResult } from '../../core/experiment/notebook';
import { PackedCellError } from '../../core/experiment/packedEvaluations';
import type { RetrievalResult } from '../../core/metrics/resultSchema';
import { yieldToEventLoop } from '../../core/train/yieldToEventLoop';

/** Cells packed per task (a few ms each for a full XQuAD-R cell on a loaded machine). */
const CELLS_PER_SLICE = 2;

const packed = new WeakMap<StoredResult, PerQueryTransfer>();

/** Remembers `transfer` as the packed form of `result`'s per-query data (it must unpack to exactly that). */
export function rememberPackedPerQuery(result: StoredResult, transfer: PerQueryTransfer): void {
  packed.set(result, transfer);
}

/**
 * The packed per-query data of `result`, first-retrieved ids included; null when it has none.
 * @throws PackedCellError when it cannot be packed exactly (`packPerQuerySteps`)
 */
export async function packedPerQuery(result: StoredResult): Promise<PerQueryTransfer | null> {
  if (!result.per_query) return null;
  const known = packed.get(result);
  if (known) return known;
  const transfer = await runStepsInSlices(packPerQuerySteps(result), { cellsPerSlice: CELLS_PER_SLICE, pause: () => yieldToEventLoop() });
  if (transfer) packed.set(result, transfer);
  return transfer;
}

/**
 * A result as the stats worker reads it: packed without its first-retrieved ids, or as it is when its
 * per-query data cannot be packed exactly (cells that disagree on their query order: no evaluator writes them).
 */
export async function comparedResultOf(result: RetrievalResult): Promise<ComparedResult> {
  const { per_query: _pq, top_retrieved: _top, ...summary } = result;
  try {
    const { ids, cells } = (await packedPerQuery(result))!;
    const { top_retrieved: _ids, ...aps } = cells;
    return { form: 'packed', result: summary, perQuery: { ids: { queries: ids.queries, candidates: {} }, cells: aps } };
  } catch (err) {
    if (err instanceof PackedCellError) return { form: 'result', result: { ...summary, per_query: result.per_query } };
    throw err;
  }
}
