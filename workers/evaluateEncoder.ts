/**
 * Evaluation inside a worker: `embedAndEvaluate` (core/train) with the progress as text, at most every 256
 * texts (each line is a message to the page), and each query's first-retrieved sentence kept for the
 * app's drill-down. The training worker's sampled evaluation passes the sub-dataset of
 * `core/train/sampledEvaluation.ts` here. A stop message ends an evaluation within one batch (issue 20, item 7).
 */
import type { RetrievalDataset } from '../src/core/data/types';
import type { RetrievalResult } from '../src/core/metrics/resultSchema';
import type { TrainableEncoder } from '../src/core/model/types';
import { embedAndEvaluate, type EmbedAndEvaluateOptions } from '../src/core/train/embedAndEvaluate';

export interface EvaluateEncoderOptions extends Pick<EmbedAndEvaluateOptions, 'maxLength' | 'batchSize' | 'padMultiple' | 'shouldStop'> {
  onProgress?: (what: string) => void;
}

export async function evaluateEncoder(encoder: TrainableEncoder, dataset: RetrievalDataset, options: EvaluateEncoderOptions): Promise<RetrievalResult> {
  const { onProgress, ...rest } = options;
  let lastReport = 0;
  return embedAndEvaluate(encoder, dataset, {
    ...rest,
    keepTopRetrieved: true,
    onProgress: (p) => {
      if (p.phase === 'scoring') onProgress?.('scoring');
      else if (p.done - lastReport >= 256 || p.done === p.total) {
        lastReport = p.done;
        onProgress?.(`embedding ${p.done.toLocaleString('en')} / ${p.total.toLocaleString('en')} texts`);
      }
    },
  });
}
