/**
 * Issue 20, item 3: a checkpoint saved by a run embeds with the run's own maxLength wherever it is
 * loaded, and a checkpoint whose files disagree is refused, naming both files and fields.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import type { Lang } from '../data/languages';
import { CheckpointError, ConfigError } from '../errors';
import { parseRunConfig } from '../experiment/runConfig';
import { initBackend } from '../model/backend';
import { memorySource } from '../model/checkpointSource';
import { loadTokenizer } from '../model/tokenizer';
import { TEST_RUN_CONFIG } from '../testing/runConfigFixture.testutil';
import { checkpointEmbedSettings, loadCheckpointForEmbedding } from './checkpointEmbedSettings';
import { makeToyDataset } from './toyDataset.testutil';
import type { TrainingCheckpoint } from './trainingCheckpoint';
import { createTrainingEncoder } from './trainingEncoder';
import { runTraining } from './trainLoop';

const LANGS: Lang[] = ['de', 'en'];
const text = (value: unknown) => new TextEncoder().encode(JSON.stringify(value));
const json = (bytes: Uint8Array) => JSON.parse(new TextDecoder().decode(bytes)) as Record<string, unknown>;

describe('checkpointEmbedSettings', () => {
  /** the files of a run checkpoint of the tiny model (positions allow 65 tokens) trained with maxLength 32 */
  let files: Map<string, Uint8Array>;
  const edited = (name: string, change: (value: Record<string, unknown>) => void) => {
    const copy = new Map(files);
    const value = json(copy.get(name)!);
    change(value);
    copy.set(name, text(value));
    return copy;
  };
  const without = (...names: string[]) => new Map([...files].filter(([name]) => !names.includes(name)));

  beforeAll(async () => {
    await initBackend('cpu');
    const dataset = await makeToyDataset({ languages: LANGS, paragraphs: 8, seed: 4 });
    const config = parseRunConfig({ ...TEST_RUN_CONFIG, model: { builtin: 'tiny', pooling: 'cls', maxLength: 32, freezeEmbeddings: false, vocabSize: 4000 }, steps: 2, checkpointEvery: 2 }, 'test');
    const model = await createTrainingEncoder(config, { trainDataset: dataset });
    const checkpoints: TrainingCheckpoint[] = [];
    await runTraining(config, { dataset, encoder: model.encoder, exportModel: model.exportModel, now: () => 0, onCheckpoint: (c) => void checkpoints.push(c) });
    model.encoder.dispose();
    files = new Map(Object.entries(checkpoints.at(-1)!.files));
  }, 60_000);

  it('a run checkpoint writes its maxLength as max_seq_length and embeds with it', async () => {
    expect(json(files.get('sentence_bert_config.json')!).max_seq_length).toBe(32);
    const settings = await checkpointEmbedSettings(memorySource('ckpt', files));
    expect(settings).toMatchObject({ maxLength: 32, maxLengthFrom: 'ckpt/manifest.json config.model.maxLength', limit: 65, pooling: 'cls', batchSize: 64 });
    const { encoder, settings: again } = await loadCheckpointForEmbedding(memorySource('ckpt', files), { loadTokenizer });
    expect(encoder.pooling).toBe('cls');
    expect(again.maxLength).toBe(32);
    encoder.dispose();
  });

  it('refuses a manifest and a sentence_bert_config.json that disagree, naming both files and fields', async () => {
    const spoilt = memorySource(
      'ckpt',
      edited('sentence_bert_config.json', (v) => (v.max_seq_length = 40)),
    );
    await expect(checkpointEmbedSettings(spoilt)).rejects.toThrow(CheckpointError);
    await expect(checkpointEmbedSettings(spoilt)).rejects.toThrow(/^ckpt\/manifest\.json config\.model\.maxLength is 32 but ckpt\/sentence_bert_config\.json max_seq_length is 40; both count the special tokens/);
    // an explicit length does not paper over files that disagree
    await expect(checkpointEmbedSettings(spoilt, { maxLength: 32 })).rejects.toThrow(/max_seq_length is 40/);
  });

  it('reads a run checkpoint of the older writer (max_seq_length = the positions limit) by its manifest', async () => {
    const older = memorySource(
      'ckpt',
      edited('sentence_bert_config.json', (v) => (v.max_seq_length = 65)),
    );
    expect(await checkpointEmbedSettings(older)).toMatchObject({ maxLength: 32, maxLengthFrom: 'ckpt/manifest.json config.model.maxLength' });
  });

  it('refuses a manifest whose pooling is not the Pooling module’s', async () => {
    const spoilt = memorySource(
      'ckpt',
      edited('1_Pooling/config.json', (v) => ((v.pooling_mode_cls_token = false), (v.pooling_mode_mean_tokens = true))),
    );
    await expect(checkpointEmbedSettings(spoilt)).rejects.toThrow('ckpt/manifest.json config.model.pooling is "cls" but ckpt/1_Pooling/config.json pools by "mean"; they must agree');
  });

  it('without a manifest reads max_seq_length, else the default; a stated or requested length past the positions is refused', async () => {
    const plain = edited('sentence_bert_config.json', (v) => (v.max_seq_length = 20));
    plain.delete('manifest.json');
    expect(await checkpointEmbedSettings(memorySource('hf', plain))).toMatchObject({ maxLength: 20, maxLengthFrom: 'hf/sentence_bert_config.json max_seq_length', pooling: undefined, manifest: null });
    const bare = without('manifest.json', 'sentence_bert_config.json');
    expect((await checkpointEmbedSettings(memorySource('hf', bare))).maxLength).toBe(65);
    expect((await checkpointEmbedSettings(memorySource('hf', bare), { defaultMaxLength: 40 })).maxLength).toBe(40);
    expect((await checkpointEmbedSettings(memorySource('hf', bare), { defaultMaxLength: 'limit' })).maxLength).toBe(65);
    // the caller's default never overrides what the checkpoint states
    expect((await checkpointEmbedSettings(memorySource('ckpt', files), { defaultMaxLength: 64 })).maxLength).toBe(32);
    expect(await checkpointEmbedSettings(memorySource('ckpt', files), { maxLength: 16, maxLengthName: '--max-length' })).toMatchObject({ maxLength: 16, maxLengthFrom: '--max-length' });

    const tooLong = edited('sentence_bert_config.json', (v) => (v.max_seq_length = 66));
    tooLong.delete('manifest.json');
    await expect(checkpointEmbedSettings(memorySource('hf', tooLong))).rejects.toThrow('hf/sentence_bert_config.json max_seq_length is 66, more than the 65 tokens hf/config.json max_position_embeddings 66 allows');
    await expect(checkpointEmbedSettings(memorySource('ckpt', files), { maxLength: 66, maxLengthName: '--max-length' })).rejects.toThrow(new ConfigError("--max-length 66 is more than the 65 tokens this model's positions allow"));
    const bad = edited('sentence_bert_config.json', (v) => (v.max_seq_length = '32'));
    bad.delete('manifest.json');
    await expect(checkpointEmbedSettings(memorySource('hf', bad))).rejects.toThrow(/hf\/sentence_bert_config\.json.*max_seq_length.*positive integer/);
  });
});
