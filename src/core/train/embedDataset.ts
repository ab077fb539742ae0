/**
 * Embeds every query and candidate of a dataset with an encoder, for evaluation
 * (`evaluateRetrieval(dataset, embeddings)` in `src/core/metrics`). Queries get the "Query: " prefix and
 * candidates the "Passage: " prefix, exactly as in training (notes/paper-method.md §1.1); candidates are
 * the sentence alone (§2.1, OUR CHOICE: no paragraph context).
 *
 * Texts are tokenized once, processed in batches sorted by token count (less padding; the attention mask
 * makes padding irrelevant to the result up to float rounding) and written back in dataset order.
 */
import * as tf from '@tensorflow/tfjs';
import type { RetrievalDataset } from '../data/types';
import { CancelledError } from '../errors';
import { bucketedLength, rowLengths, takeRows } from '../model/tokenBatch';
import type { TrainableEncoder } from '../model/types';
import { PASSAGE_PREFIX, QUERY_PREFIX } from './textPrefixes';
import { yieldToEventLoop } from './yieldToEventLoop';

export interface EmbedDatasetOptions {
  /** texts per forward pass */
  batchSize: number;
  /** most tokens per text */
  maxLength: number;
  /** pad each batch to a multiple of this many tokens (fewer shapes for GPU backends; default 1) */
  padMultiple?: number;
  /** called after each batch with texts done and total (queries then candidates) */
  onProgress?: (done: number, total: number) => void;
  /** polled before every batch (after {@link EmbedDatasetOptions.yieldToEventLoop}); true aborts with a CancelledError */
  shouldStop?: () => boolean;
  /**
   * Awaited before every batch, so that a stop request sent as a message (a worker's) or a signal (the
   * CLI's SIGINT) is seen: the backends' reads resolve as microtasks, so without it none arrives until the whole
   * dataset is embedded (issue 20, item 7). Default {@link yieldToEventLoop} (well under a millisecond).
   */
  yieldToEventLoop?: () => Promise<void>;
}

export interface DatasetEmbeddings {
  /** [queries.length, dim] row-major, in `dataset.queries` order */
  queries: Float32Array;
  /** [candidates.length, dim] row-major, in `dataset.candidates` order */
  candidates: Float32Array;
  dim: number;
}

async function embedTexts(encoder: TrainableEncoder, texts: readonly string[], o: EmbedDatasetOptions, progress: { done: number; total: number }): Promise<Float32Array> {
  const dim = encoder.dim;
  const out = new Float32Array(texts.length * dim);
  if (texts.length === 0) return out;
  const all = encoder.tokenize([...texts], o.maxLength);
  const lengths = rowLengths(all);
  const order = texts.map((_, i) => i).sort((a, b) => lengths[a]! - lengths[b]! || a - b);
  for (let start = 0; start < order.length; start += o.batchSize) {
    await (o.yieldToEventLoop ?? yieldToEventLoop)();
    if (o.shouldStop?.()) throw new CancelledError('embedding cancelled');
    const rows = order.slice(start, start + o.batchSize);
    const longest = lengths[rows[rows.length - 1]!]!;
    const tokens = takeRows(all, rows, bucketedLength(longest, o.padMultiple ?? 1, all.seqLen));
    const emb = tf.tidy(() => encoder.embed(tokens, { training: false }));
    const data = (await emb.data()) as Float32Array;
    emb.dispose();
    if (data.length !== rows.length * dim) throw new RangeError(`the encoder returned ${data.length} values for ${rows.length} texts of dimension ${dim}`);
    rows.forEach((row, k) => out.set(data.subarray(k * dim, (k + 1) * dim), row * dim));
    progress.done += rows.length;
    o.onProgress?.(progress.done, progress.total);
  }
  return out;
}

/**
 * @returns query and candidate embeddings in dataset order (L2-normalised as the encoder returns them)
 * @throws CancelledError when `shouldStop` returns true
 */
export async function embedDataset(encoder: TrainableEncoder, dataset: RetrievalDataset, options: EmbedDatasetOptions): Promise<DatasetEmbeddings> {
  if (!Number.isInteger(options.batchSize) || options.batchSize < 1) throw new RangeError(`batchSize must be a positive integer (got ${options.batchSize})`);
  const progress = { done: 0, total: dataset.queries.length + dataset.candidates.length };
  const queries = await embedTexts(
    encoder,
    dataset.queries.map((q) => QUERY_PREFIX + q.text),
    options,
    progress,
  );
  const candidates = await embedTexts(
    encoder,
    dataset.candidates.map((c) => PASSAGE_PREFIX + c.text),
    options,
    progress,
  );
  return { queries, candidates, dim: encoder.dim };
}
