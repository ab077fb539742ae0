/**
 * Embed → evaluate: the one path from an encoder to a LAReQA result (`embedDataset`, then
 * `evaluateRetrieval`), used by `xlir train` (evaluation and validation), `xlir evaluate --checkpoint`, the
 * training worker and the compute worker (issue 22: it existed five times with different defaults). Texts
 * per forward pass default to {@link EMBED_BATCH_SIZE} everywhere; the length is always the caller's: the
 * run's `config.model.maxLength`, or a saved checkpoint's own (`checkpointEmbedSettings`).
 *
 * Every result carries the held-out language-ID probe on the query embeddings (`withLanguageProbe`).
 *
 * With `shouldStop`, both phases yield to the event loop between batches and score blocks and poll it,
 * so a stop message (a worker's) or a signal (the CLI's SIGINT) ends the evaluation within one batch with
 * a CancelledError.
 */
import type { RetrievalDataset } from '../data/types';
import { evaluateRetrieval } from '../metrics/evaluateRetrieval';
import { withLanguageProbe } from '../metrics/languageProbe';
import type { RetrievalResult } from '../metrics/resultSchema';
import { createTfScorer, type ScorerFactory } from '../metrics/scorer';
import type { TrainableEncoder } from '../model/types';
import { EMBED_BATCH_SIZE } from './checkpointEmbedSettings';
import { embedDataset } from './embedDataset';
import { yieldToEventLoop } from './yieldToEventLoop';

/** Where an evaluation is: texts embedded so far (queries then candidates), or scoring. */
export type EvaluationProgress = { phase: 'embedding'; done: number; total: number } | { phase: 'scoring' };

export interface EmbedAndEvaluateOptions {
  /** most tokens per text, special tokens included */
  maxLength: number;
  /** texts per forward pass (default {@link EMBED_BATCH_SIZE}) */
  batchSize?: number;
  /** pad batches to a multiple of this many tokens (`padMultipleFor(backend)`; default 1) */
  padMultiple?: number;
  /** score blocks (default TF.js matMul, `createTfScorer`) */
  scorer?: ScorerFactory;
  /** query rows per score block (default evaluateRetrieval's) */
  queryChunk?: number;
  /** keep each query's first-retrieved candidate per cell (the app's drill-down) */
  keepTopRetrieved?: boolean;
  /** after each embedded batch, and once when scoring starts */
  onProgress?: (progress: EvaluationProgress) => void;
  /** polled between batches and score blocks (after a yield to the event loop); true ends with a CancelledError */
  shouldStop?: () => boolean;
  /** awaited before each batch, and before each score block when `shouldStop` is given (default {@link yieldToEventLoop}) */
  yieldToEventLoop?: () => Promise<void>;
}

/** A scorer that yields to the event loop before each block, so that a stop request can arrive while scoring. */
function yielding(factory: ScorerFactory, pause: () => Promise<void>): ScorerFactory {
  return (candidates, nCandidates, dim) => {
    const scorer = factory(candidates, nCandidates, dim);
    return {
      score: async (queries, rows) => {
        await pause();
        return scorer.score(queries, rows);
      },
      dispose: () => scorer.dispose(),
    };
  };
}

/**
 * Embeds the dataset's queries and candidates with `encoder` and evaluates them (mono, cross, multi).
 * @throws CancelledError when `shouldStop` returns true
 */
export async function embedAndEvaluate(encoder: TrainableEncoder, dataset: RetrievalDataset, options: EmbedAndEvaluateOptions): Promise<RetrievalResult> {
  const { shouldStop } = options;
  const pause = options.yieldToEventLoop ?? yieldToEventLoop;
  const embeddings = await embedDataset(encoder, dataset, {
    batchSize: options.batchSize ?? EMBED_BATCH_SIZE,
    maxLength: options.maxLength,
    padMultiple: options.padMultiple ?? 1,
    onProgress: (done, total) => options.onProgress?.({ phase: 'embedding', done, total }),
    ...(shouldStop ? { shouldStop } : {}),
    ...(options.yieldToEventLoop ? { yieldToEventLoop: options.yieldToEventLoop } : {}),
  });
  options.onProgress?.({ phase: 'scoring' });
  const scorer = options.scorer ?? createTfScorer;
  const result = await evaluateRetrieval(dataset, embeddings, {
    scorer: shouldStop ? yielding(scorer, pause) : scorer,
    ...(options.queryChunk !== undefined ? { queryChunk: options.queryChunk } : {}),
    ...(shouldStop ? { shouldCancel: shouldStop } : {}),
    ...(options.keepTopRetrieved ? { keepTopRetrieved: true } : {}),
  });
  return withLanguageProbe(result, dataset, embeddings);
}
