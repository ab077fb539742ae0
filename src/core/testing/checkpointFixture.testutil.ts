/**
 * A valid training-checkpoint manifest and a whole checkpoint (manifest + small model and optimizer
 * safetensors files) for the bad-input tests of checkpoints and of resuming (issue 21).
 */
import { parseRunConfig } from '../experiment/runConfig';
import { writeSafetensors } from '../model/safetensors';
import { CHECKPOINT_FORMAT, encodeManifest, MANIFEST_FILE, MODEL_FILE, OPTIMIZER_FILE, type CheckpointManifest, type TrainingCheckpoint } from '../train/trainingCheckpoint';
import { TEST_RUN_CONFIG } from './runConfigFixture.testutil';

/** @param step the step the manifest records (default 5) */
export function validManifest(step = 5): CheckpointManifest {
  return {
    format: CHECKPOINT_FORMAT,
    created: '2025-11-24T12:00:00.000Z',
    step,
    config: parseRunConfig(
      {
        ...TEST_RUN_CONFIG,
        seed: 3,
        model: { builtin: 'tiny', pooling: 'mean', maxLength: 32, freezeEmbeddings: false, vocabSize: 500 },
        data: { train: { dataset: 'mlqa-r', languages: ['de', 'en'] }, eval: { dataset: 'xquad-r', languages: ['en'] } },
        strategy: { kind: 'adversarial', lambdaMax: 0.3, discriminatorHidden: 16 },
      },
      'config',
    ),
    sampler: { name: 'xx-mono', batches: 5, rng: { state: 123456 }, cursors: { de: { epoch: 0, position: 3, deferred: [1] }, en: { epoch: 1, position: 0, deferred: [] } } },
    optimizer: { type: 'adamw', step: 5, beta1: 0.9, beta2: 0.999, epsilon: 1e-8, weightDecay: 0.01 },
    discriminator: { languages: ['de', 'en'], optimizer: { type: 'adamw', step: 5, beta1: 0.9, beta2: 0.999, epsilon: 1e-8, weightDecay: 0 } },
    datasets: [{ name: 'mlqa-r', files: [{ name: 'mlqa-r/de.json', sha256: 'b'.repeat(64), bytes: 1234 }] }],
    trainable: ['embeddings.word_embeddings.weight', 'encoder.layer.0.attention.self.query.weight'],
    codeVersion: '0.1.0',
    tfjsVersion: '4.22.0',
    backend: 'cpu',
    lastLog: { step: 5, loss: 2.1, retrieval_loss: 1.9, adv_loss: 0.7, disc_acc: 0.5, disc_chance: 0.5, lambda: 0.1, lr: 1e-3, grad_norm: 0.4, seconds: 3, batch: { kind: 'mono', pairs: { 'de->de': 4 } } },
  };
}

/** A checkpoint whose files pass `checkpointDamage`: the manifest of `step`, one-tensor model and optimizer files. */
export function wholeCheckpoint(step: number): TrainingCheckpoint {
  const tensor = (name: string) => writeSafetensors({ [name]: { dtype: 'F32', shape: [2], data: new Float32Array([1, 2]) } });
  return {
    step,
    files: {
      [MANIFEST_FILE]: encodeManifest(validManifest(step)),
      [MODEL_FILE]: tensor('embeddings.LayerNorm.bias'),
      [OPTIMIZER_FILE]: tensor('adamw.encoder/embeddings.LayerNorm.bias/m'),
    },
  };
}
