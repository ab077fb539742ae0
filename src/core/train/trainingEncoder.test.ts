import * as tf from '@tensorflow/tfjs';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import type { Lang } from '../data/languages';
import { parseRunConfig, type RunConfig, type RunConfigInput } from '../experiment/runConfig';
import type { StepLog } from '../experiment/runLog';
import { ConfigError } from '../errors';
import { initBackend } from '../model/backend';
import { PRETRAINED_FOLDERS } from '../model/builtinConfigs';
import { memorySource } from '../model/checkpointSource';
import type { TransformerEncoder } from '../model/encoder';
import { makeToyDataset } from './toyDataset.testutil';
import type { TrainingCheckpoint } from './trainingCheckpoint';
import { builtinTokenizerTexts, createTrainingEncoder } from './trainingEncoder';
import { runTraining } from './trainLoop';

const LANGS: Lang[] = ['de', 'en', 'es'];
const dataset = await makeToyDataset({ languages: LANGS, paragraphs: 30, seed: 8 });

function makeConfig(overrides: Partial<RunConfigInput> = {}): RunConfig {
  return parseRunConfig(
    {
      schemaVersion: 1,
      seed: 5,
      model: { builtin: 'tiny', pooling: 'mean', maxLength: 24, freezeEmbeddings: false, vocabSize: 4000 },
      data: { train: { dataset: 'mlqa-r', languages: LANGS }, eval: { dataset: 'xquad-r', languages: ['en'] } },
      strategy: { kind: 'hybrid', alpha: 0.5 },
      steps: 6,
      batchSize: 6,
      tau: 0.05,
      lr: 3e-3,
      weightDecay: 0.01,
      epsilon: 1e-8,
      warmupSteps: 1,
      clipNorm: 1,
      dropout: 0.1,
      checkpointEvery: 3,
      evalEvery: 0,
      ...overrides,
    },
    'test config',
  );
}

let clock = 0;
const now = () => (clock += 100);
const values = (e: TransformerEncoder) => Object.fromEntries(Object.entries(e.trainableVariables()).map(([n, v]) => [n, Array.from(v.dataSync())]));
const withoutTime = (logs: StepLog[]) => logs.map(({ seconds: _s, ...rest }) => rest);

beforeAll(async () => {
  await initBackend('cpu');
});

describe('createTrainingEncoder', () => {
  it('builds the built-in model with a tokenizer trained on prefixed training texts only, dropout from the run config', async () => {
    const config = makeConfig();
    const texts = builtinTokenizerTexts(dataset, LANGS);
    expect(texts.length).toBe(dataset.queries.length + dataset.candidates.length);
    expect(texts.filter((t) => t.startsWith('Query: ')).length).toBe(dataset.queries.length);
    const { encoder, exportModel, origin } = await createTrainingEncoder(config, { trainDataset: dataset });
    expect(origin).toBe('builtin');
    expect(encoder.dim).toBe(32);
    expect(encoder.config.hiddenDropout).toBe(0.1);
    expect(encoder.embeddingsFrozen).toBe(false);
    const files = await exportModel();
    expect(Object.keys(files)).toEqual(expect.arrayContaining(['model.safetensors', 'config.json', 'tokenizer.json', 'tokenizer_config.json']));
    // the same config gives the same initial model (seeded init, deterministic tokenizer)
    const again = await createTrainingEncoder(config, { trainDataset: dataset });
    expect(values(again.encoder)).toEqual(values(encoder));

    // a saved model loads back as `model.checkpoint` and embeds identically
    const base = await createTrainingEncoder(parseRunConfig({ ...makeConfig(), model: { checkpoint: 'mem', pooling: 'mean', maxLength: 24, freezeEmbeddings: false } }, 'x'), {
      trainDataset: dataset,
      baseCheckpoint: memorySource('mem', new Map(Object.entries(files))),
    });
    expect(base.origin).toBe('checkpoint');
    // a checkpoint trains with the run's dropout, whatever its config.json says
    const otherRate = await createTrainingEncoder(parseRunConfig({ ...makeConfig(), dropout: 0.3, model: { checkpoint: 'mem', pooling: 'mean', maxLength: 24, freezeEmbeddings: false } }, 'x'), {
      trainDataset: dataset,
      baseCheckpoint: memorySource('mem', new Map(Object.entries(files))),
    });
    expect([otherRate.encoder.config.hiddenDropout, otherRate.encoder.config.attentionDropout]).toEqual([0.3, 0.3]);
    otherRate.encoder.dispose();
    const texts2 = ['Query: enask topic3x1', 'Passage: dew3 topic3x1 dew4.'];
    const embed = (e: TransformerEncoder) => Array.from(tf.tidy(() => e.embed(e.tokenize(texts2, 24), { training: false })).dataSync());
    expect(embed(base.encoder)).toEqual(embed(encoder));
    for (const e of [encoder, again.encoder, base.encoder]) e.dispose();
  });
});

/** The shipped files of the pretrained built-in, as the app fetches them (public/models/multilingual). */
function shippedMultilingual(name = 'shipped') {
  const folder = PRETRAINED_FOLDERS.multilingual;
  const dir = path.resolve(__dirname, '../../../public', folder.path);
  return memorySource(name, new Map(folder.files.map((f) => [f, new Uint8Array(readFileSync(path.join(dir, f)))])));
}

describe('createTrainingEncoder with the pretrained built-in multilingual model', () => {
  const multilingual = (overrides: Partial<RunConfigInput> = {}) => makeConfig({ model: { builtin: 'multilingual', pooling: 'mean', maxLength: 24, freezeEmbeddings: false }, ...overrides });

  it('loads the shipped files like model.checkpoint, with the run config’s pooling, dropout and freezeEmbeddings', async () => {
    const run = await createTrainingEncoder(multilingual({ dropout: 0.2 }), { trainDataset: dataset, pretrained: shippedMultilingual() });
    expect(run.origin).toBe('pretrained');
    expect([run.encoder.config.hiddenDropout, run.encoder.config.attentionDropout]).toEqual([0.2, 0.2]);
    expect(run.encoder.embeddingsFrozen).toBe(false);
    expect(run.encoder.pooling).toBe('mean');
    const asCheckpoint = await createTrainingEncoder(parseRunConfig({ ...makeConfig(), dropout: 0.2, model: { checkpoint: 'mem', pooling: 'mean', maxLength: 24, freezeEmbeddings: false } }, 'x'), {
      trainDataset: dataset,
      baseCheckpoint: shippedMultilingual('mem'),
    });
    const texts = ['Query: enask topic3x1', 'Passage: dew3 topic3x1 dew4.', 'Query: ¿dónde está?'];
    const embed = (e: TransformerEncoder) => Array.from(tf.tidy(() => e.embed(e.tokenize(texts, 24), { training: false })).dataSync());
    expect(embed(run.encoder)).toEqual(embed(asCheckpoint.encoder));
    expect(run.encoder.dim).toBe(asCheckpoint.encoder.dim);
    // the run's exported model is the shipped tokenizer with the (not yet trained) weights
    const files = await run.exportModel();
    expect(new TextDecoder().decode(files['tokenizer.json'])).toBe(new TextDecoder().decode(await shippedMultilingual().read('tokenizer.json')));

    const frozen = await createTrainingEncoder(multilingual({ model: { builtin: 'multilingual', pooling: 'cls', maxLength: 24, freezeEmbeddings: true } }), { trainDataset: dataset, pretrained: shippedMultilingual() });
    expect(frozen.encoder.embeddingsFrozen).toBe(true);
    expect(frozen.encoder.pooling).toBe('cls');
    for (const e of [run.encoder, asCheckpoint.encoder, frozen.encoder]) e.dispose();
  });

  it('is a ConfigError without the shipped files, or with a maxLength beyond the model’s positions', async () => {
    const missing = await createTrainingEncoder(multilingual(), { trainDataset: dataset }).catch((e: unknown) => e);
    expect(missing).toBeInstanceOf(ConfigError);
    expect((missing as Error).message).toMatch(/"multilingual".*public\/models\/multilingual/);
    // the shipped model takes 512 tokens, the schema's limit; a pretrained folder with fewer positions (the
    // tiny XLM-R fixture: 64 tokens) stands in for one whose limit a config can exceed
    const fixture = path.resolve(__dirname, '../../../../shared/fixtures/tiny-xlmr');
    const short = memorySource('short', new Map(['config.json', 'model.safetensors', 'tokenizer.json'].map((f) => [f, new Uint8Array(readFileSync(path.join(fixture, f)))])));
    const long = await createTrainingEncoder(multilingual({ model: { builtin: 'multilingual', pooling: 'mean', maxLength: 100, freezeEmbeddings: false } }), { trainDataset: dataset, pretrained: short }).catch((e: unknown) => e);
    expect(long).toBeInstanceOf(ConfigError);
    expect((long as Error).message).toMatch(/^model\.maxLength: .*at most 64 tokens \(got 100\)/);
  });

  it('trains a few steps and resumes from its own checkpoint files', async () => {
    const config = multilingual({ steps: 3, checkpointEvery: 2 });
    const first = await createTrainingEncoder(config, { trainDataset: dataset, pretrained: shippedMultilingual() });
    const checkpoints: TrainingCheckpoint[] = [];
    const before = values(first.encoder);
    const result = await runTraining(config, { dataset, encoder: first.encoder, exportModel: first.exportModel, now, stopAtStep: 2, onCheckpoint: (c) => void checkpoints.push(c) });
    expect(result.step).toBe(2);
    expect(values(first.encoder)).not.toEqual(before);
    const resumed = await createTrainingEncoder(config, { trainDataset: dataset, resume: memorySource('ckpt', new Map(Object.entries(checkpoints.at(-1)!.files))) });
    expect(resumed.origin).toBe('resumed');
    expect(values(resumed.encoder)).toEqual(values(first.encoder));
    for (const e of [first.encoder, resumed.encoder]) e.dispose();
  });
});

describe('the tiny built-in model on cpu', () => {
  it('resumes exactly: 2N steps == N steps + resume N steps, bit for bit (weights and losses)', async () => {
    const config = makeConfig();
    const run = async (opts: { stopAtStep?: number; resumeFrom?: TrainingCheckpoint }) => {
      const { encoder, exportModel } = await createTrainingEncoder(config, {
        trainDataset: dataset,
        ...(opts.resumeFrom ? { resume: memorySource('ckpt', new Map(Object.entries(opts.resumeFrom.files))) } : {}),
      });
      const logs: StepLog[] = [];
      const checkpoints: TrainingCheckpoint[] = [];
      const result = await runTraining(config, { dataset, encoder, exportModel, now, onStep: (l) => void logs.push(l), onCheckpoint: (c) => void checkpoints.push(c), ...opts });
      return { encoder, logs, checkpoints, result };
    };
    const straight = await run({});
    const first = await run({ stopAtStep: 3 });
    const ckpt = first.checkpoints.at(-1)!;
    expect(ckpt.step).toBe(3);
    expect(Object.keys(ckpt.files)).toEqual(expect.arrayContaining(['model.safetensors', 'optimizer.safetensors', 'manifest.json', 'tokenizer.json', 'config.json']));
    const second = await run({ resumeFrom: ckpt });
    expect(second.result.startStep).toBe(3);
    expect(withoutTime([...first.logs, ...second.logs])).toEqual(withoutTime(straight.logs));
    expect(values(second.encoder)).toEqual(values(straight.encoder));
    expect(straight.logs.at(-1)!.retrieval_loss).not.toBe(straight.logs[0]!.retrieval_loss);
    for (const r of [straight, first, second]) r.encoder.dispose();
  });
});
