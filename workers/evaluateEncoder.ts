/**
 * Evaluation inside a worker: embed the evaluation dataset with an encoder (`embedDataset`), then the
 * LAReQA protocol (`evaluateRetrieval`). The training worker's sampled evaluation passes the sub-dataset of
 * `core/train/sampledEvaluation.ts` here. Both phases yield to the event loop between batches and poll
 * `shouldStop`, so a stop message ends an evaluation within one batch (issue 20, item 7).
 */
import type { RetrievalDataset } from '../src/core/data/types';
import { evaluateRetrieval } from '../src/core/metrics/evaluateRetrieval';
import type { RetrievalResult } from '../src/core/metrics/resultSchema';
import { createTfScorer, type ScorerFactory } from '../src/core/metrics/scorer';
import type { TrainableEncoder } from '../src/core/model/types';
import { EMBED_BATCH_SIZE } from '../src/core/train/checkpointEmbedSettings';
import { embedDataset } from '../src/core/train/embedDataset';
import { yieldToEventLoop } from '../src/core/train/yieldToEventLoop';

/** The TF.js scorer, with a yield before each score block so a stop message can arrive while scoring. */
const yieldingTfScorer: ScorerFactory = (candidates, nCandidates, dim) => {
  const scorer = createTfScorer(candidates, nCandidates, dim);
  return {
    score: async (queries, rows) => {
      await yieldToEventLoop();
      return scorer.score(queries, rows);
    },
    dispose: () => scorer.dispose(),
  };
};

export interface EvaluateEncoderOptions {
  /** most tokens per text, special tokens included: the run's maxLength, or a saved checkpoint's `checkpointEmbedSettings` */
  maxLength: number;
  /** texts per forward pass (default {@link EMBED_BATCH_SIZE}, as the CLI) */
  batchSize?: number;
  /** pad batches to a multiple of this many tokens (`padMultipleFor(backend)`; default 1) */
  padMultiple?: number;
  onProgress?: (what: string) => void;
  /** polled between batches and score blocks; true ends the evaluation with a CancelledError */
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
  return evaluateRetrieval(dataset, embeddings, { scorer: yieldingTfScorer, shouldCancel: options.shouldStop, keepTopRetrieved: true });
}
