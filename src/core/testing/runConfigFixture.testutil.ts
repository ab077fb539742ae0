import type { RunConfigInput } from '../experiment/runConfig';

/**
 * A small valid run config for tests (10 steps of batch 4 on the tiny model); tests spread their own
 * model, data or strategy over it.
 */
export const TEST_RUN_CONFIG: RunConfigInput = {
  schemaVersion: 1,
  seed: 1,
  model: { builtin: 'tiny', pooling: 'mean', maxLength: 32, freezeEmbeddings: false },
  data: { train: { dataset: 'mlqa-r', languages: ['en', 'de'] }, eval: { dataset: 'xquad-r', languages: ['en'] } },
  strategy: { kind: 'hybrid', alpha: 0.5 },
  steps: 10,
  batchSize: 4,
  tau: 0.05,
  lr: 1e-3,
  weightDecay: 0.01,
  epsilon: 1e-8,
  warmupSteps: 2,
  clipNorm: 1,
  dropout: 0.1,
  checkpointEvery: 5,
  evalEvery: 0,
};
