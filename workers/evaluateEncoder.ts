/**
 * Evaluation inside a worker: embed the evaluation dataset with an encoder (`embedDataset`), then the
 * LAReQA protocol (`evaluateRetrieval`). The sampled variant, for the live heatmap during training,
 * keeps every candidate (the pools are unchanged) but only a fixed subset of question ids — every k-th in
 * order of first appearance, the same for all runs and languages — so sampled heatmaps of different
 * runs compare query for query.
 */
import type { RetrievalDataset } from '../src/core/data/types';
import { evaluateRetrieval } from '../src/core/metrics/evaluateRetrieval';
import type { RetrievalResult } from '../src/core/metrics/resultSchema';
import type { TrainableEncoder } from '../src/core/model/types';
import { EMBED_BATCH_SIZE } from '../src/core/train/checkpointEmbedSettings';
import { embedDataset } from '../src/core/train/embedDataset';

/** @returns the dataset with only the queries of at most `questions` question ids (evenly spaced) */
export function sampledDataset(dataset: RetrievalDataset, questions: number): RetrievalDataset {
  const ids = [...dataset.answersByQuestion.keys()];
  if (ids.length <= questions) return dataset;
  const stride = ids.length / questions;
  const keep = new Set(Array.from({ length: questions }, (_, i) => ids[Math.floor(i * stride)]!));
  return { ...dataset, queries: dataset.queries.filter((q) => keep.has(q.questionId)) };
}

export interface EvaluateEncoderOptions {
  /** most tokens per text, special tokens included: the run's maxLength, or a saved checkpoint's `checkpointEmbedSettings` */
  maxLength: number;
  /** texts per forward pass (default {@link EMBED_BATCH_SIZE}, as the CLI) */
  batchSize?: number;
  /** pad batches to a multiple of this many tokens (`padMultipleFor(backend)`; default 1) */
  padMultiple?: number;
  onProgress?: (what: string) => void;
  shouldStop?: () => boolean;
}

export async function evaluateEncoder(encoder: TrainableEncoder, dataset: RetrievalDataset, options: EvaluateEncoderOptions): Promise<RetrievalResult> {
  const total = dataset.queries.length + dataset.candidates.length;
  let lastReport = 0;
  const embeddings = await embedDataset(encoder, dataset, {
    batchSize: options.batchSize ?? EMBED_BATCH_SIZE,
    maxLength: options.maxLength,
    padMultiple: options.padMultiple ?? 1,
    shouldStop: options.shouldStop,
    onProgress: (done) => {
      if (done - lastReport >= 256 || done === total) {
        lastReport = done;
        options.onProgress?.(`embedding ${done.toLocaleString('en')} / ${total.toLocaleString('en')} texts`);
      }
    },
  });
  options.onProgress?.('scoring');
  // the app's drill-down lists each query's first-retrieved sentence
  return evaluateRetrieval(dataset, embeddings, { shouldCancel: options.shouldStop, keepTopRetrieved: true });
}
