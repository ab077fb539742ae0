/**
 * The texts of one training batch, re-derived from the run's config: the step log keeps only pair counts,
 * but the sampler is a pure function of (training set, seed, options) and the number of batches drawn, so
 * replaying it from the start gives exactly the batch `runTraining` used at any step — also after a
 * resume, whose restored sampler state is the replayed one. The sampler is `createRunSampler`, the same
 * construction `runTraining` uses; `batchTexts.test.ts` checks the replayed texts against the texts the
 * loop tokenized.
 */
import { ConfigError } from '../errors';
import type { RetrievalDataset } from '../data/types';
import type { RunConfig } from '../experiment/runConfig';
import { createRunSampler } from '../train/runSampler';
import type { BatchRecord } from '../train/samplers';

export interface BatchTextTriplet {
  queryLang: string;
  passageLang: string;
  query: string;
  positive: string;
  negative: string;
}

export interface BatchTexts {
  /** 1-based step, as in the log */
  step: number;
  record: BatchRecord;
  triplets: BatchTextTriplet[];
}

/**
 * @param dataset the run's training dataset (`config.data.train`)
 * @param step 1-based step of the log line (the batch is the sampler's `step`-th)
 * @throws ConfigError when the dataset is not the run's training dataset or the step is out of range
 */
export function batchTexts(config: RunConfig, dataset: RetrievalDataset, step: number): BatchTexts {
  if (dataset.name !== config.data.train.dataset) throw new ConfigError(`the run trains on ${config.data.train.dataset}, not ${dataset.name}`);
  if (!Number.isInteger(step) || step < 1 || step > config.steps) throw new ConfigError(`step ${step} is outside the run (1 … ${config.steps})`);
  const { sampler } = createRunSampler(config, dataset);
  for (let s = 0; s < step - 1; s++) sampler.next(s);
  const batch = sampler.next(step - 1);
  return {
    step,
    record: batch.record,
    triplets: batch.triplets.map((t) => ({
      queryLang: t.queryLang,
      passageLang: t.passageLang,
      query: dataset.queries[t.query]!.text,
      positive: dataset.candidates[t.positive]!.text,
      negative: dataset.candidates[t.negative]!.text,
    })),
  };
}
