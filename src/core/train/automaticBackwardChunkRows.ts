/**
 * The app's automatic choice of the chunked backward (issue 25, gradientCache.ts) for a model too large to
 * backpropagate a whole batch in tfjs-wasm's 4 GiB heap. The run form fills it in when a large checkpoint is
 * imported and says why; it then goes into the run's config (`backwardChunkRows`), never applied silently.
 */
import { formatBytes } from '../model/memoryReport';
import { trainingActivationBytes, type ActivationShape } from '../model/memoryEstimate';

/**
 * Estimated activations (memoryEstimate.ts) of a whole batch above which the backward goes in chunks.
 * Calibrated on bench/RESULTS.md, "Batch 32 with the chunked backward": the BERT-base-shaped step
 * (H 768, 2 layers, 64 tokens) fit at batch 8 (estimate 0.24 GB, heap 2.07 GB) and aborted at the 4 GiB
 * limit at batch 32 (estimate 0.94 GB). The estimate undercounts what tfjs keeps (measured 100–210 KB per
 * token and layer against its ~77 KB), and about 1.5 GB of the heap does not grow with the batch.
 */
export const WHOLE_BATCH_ACTIVATION_BUDGET = 512e6;

/**
 * Most sequences per chunk: in that bench chunks of 8 and 16 peaked alike (what does not grow with the batch
 * dominates once a chunk is small), and fewer chunks cost less time. A deeper or longer model gets fewer,
 * so that one chunk's estimate stays within {@link WHOLE_BATCH_ACTIVATION_BUDGET}.
 */
export const MAX_AUTOMATIC_CHUNK_ROWS = 16;

export interface AutomaticBackwardChunk {
  rows: number;
  /** why, in words, for the form */
  reason: string;
}

/**
 * @param shape the model's sizes (config.json of the checkpoint)
 * @param run triplets per batch B (3B sequences: queries, positives, negatives) and tokens per sequence
 * @returns the chunk size the form suggests, or null when the whole batch fits the budget or a chunk
 *   would hold a whole tower anyway (the largest, the passages, has 2B sequences)
 */
export function automaticBackwardChunkRows(shape: ActivationShape, run: { batchSize: number; maxLength: number }): AutomaticBackwardChunk | null {
  const sequences = 3 * run.batchSize;
  const perSequence = trainingActivationBytes(shape, 1, run.maxLength);
  const bytes = sequences * perSequence;
  const rows = Math.max(1, Math.min(MAX_AUTOMATIC_CHUNK_ROWS, Math.floor(WHOLE_BATCH_ACTIVATION_BUDGET / perSequence)));
  if (bytes <= WHOLE_BATCH_ACTIVATION_BUDGET || rows >= 2 * run.batchSize) return null;
  return {
    rows,
    reason: `H ${shape.hiddenSize}, ${shape.numLayers} layers, batch ${run.batchSize}: the whole batch's ${sequences} sequences of ${run.maxLength} tokens need about ${formatBytes(bytes)} of activations (estimate), more than the ${formatBytes(WHOLE_BATCH_ACTIVATION_BUDGET)} that leave room in the 4 GiB wasm heap`,
  };
}
