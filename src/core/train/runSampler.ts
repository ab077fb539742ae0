/**
 * The batch sampler of a run, built from its config: the one construction shared by `runTraining`
 * (trainLoop.ts) and the batch panel's replay (`figures/batchTexts.ts`), so the panel can never show
 * other texts than training used (issue 22). The sampler is a pure function of (training set, seed,
 * options) and the number of batches drawn.
 */
import type { RetrievalDataset } from '../data/types';
import { samplerOf, type RunConfig } from '../experiment/runConfig';
import { buildTrainingSet, type TrainingSet } from './examples';
import { createSampler, type BatchSampler } from './samplers';

export interface RunSampler {
  /** the training set (`config.data.train` languages, seed and validation hold-out) */
  set: TrainingSet;
  /** a fresh sampler at batch 0 */
  sampler: BatchSampler;
}

/**
 * @param dataset the run's training dataset (`config.data.train`), loaded with at least its languages
 * @throws ConfigError on an impossible config (e.g. a batch larger than a language's questions)
 */
export function createRunSampler(config: RunConfig, dataset: RetrievalDataset): RunSampler {
  const set = buildTrainingSet(dataset, { languages: config.data.train.languages, seed: config.seed, validationFraction: config.data.validationFraction });
  const strategy = config.strategy;
  const sampler = createSampler(samplerOf(strategy), set, {
    batchSize: config.batchSize,
    seed: config.seed,
    totalSteps: config.steps,
    ...(strategy.kind === 'hybrid' ? { alpha: strategy.alpha, alphaEnd: strategy.alphaEnd } : {}),
  });
  return { set, sampler };
}
