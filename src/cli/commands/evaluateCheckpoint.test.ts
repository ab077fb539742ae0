import { TEST_RUN_CONFIG } from '../../core/testing/runConfigFixture.testutil';
import { sharedFixture } from '../../core/testing/sharedData.testutil';
import { cp, mkdtemp, mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { initBackend } from '../../core/model/backend';
import { loadEncoderCheckpoint } from '../../core/model/loadEncoderCheckpoint';
import { loadTokenizer } from '../../core/model/tokenizer';
import { embedDataset } from '../../core/train/embedDataset';
import { dirSource } from '../loadCheckpoint';
import { loadDatasetFromDir } from '../loadDataset';
import { pretrainedModelDir } from '../pretrainedModel';
import { makeToyFiles } from '../../core/train/toyDataset.testutil';
import { HAND_FILES, lareqaFile, runCli } from './cli.testutil';

// a pass-through spy: which length the CLI path embeds with (issue 20, item 3)
vi.mock(import('../../core/train/embedDataset'), async (importOriginal) => {
  const actual = await importOriginal();
  return { ...actual, embedDataset: vi.fn(actual.embedDataset) };
});

const FIXTURE = path.resolve('../shared/fixtures/tiny-xlmr');

describe('xlir evaluate --checkpoint', () => {
  let dir: string;
  beforeAll(async () => {
    sharedFixture('tiny-xlmr');
    dir = await mkdtemp(path.join(os.tmpdir(), 'xlir-evaluate-ckpt-'));
    await mkdir(path.join(dir, 'mlqa-r'));
    for (const [lang, text] of Object.entries(HAND_FILES)) await writeFile(path.join(dir, 'mlqa-r', `${lang}.json`), text);
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });
  afterEach(() => {
    vi.restoreAllMocks();
  });

  it('embeds with the checkpoint and scores exactly as --embeddings does with the same vectors', async () => {
    const viaCheckpoint = path.join(dir, 'ckpt.json');
    const r1 = await runCli(['evaluate', '--dataset', 'mlqa-r', '--data', dir, '--languages', 'de,en', '--checkpoint', FIXTURE, '--max-length', '32', '--out', viaCheckpoint]);
    expect(r1.stderr).toBe('');
    expect(r1.code).toBe(0);

    // The same vectors, computed independently and written as an embeddings file.
    await initBackend('wasm');
    const dataset = await loadDatasetFromDir(dir, 'mlqa-r', ['de', 'en']);
    const encoder = await loadEncoderCheckpoint(dirSource(FIXTURE), { loadTokenizer });
    const emb = await embedDataset(encoder, dataset, { batchSize: 64, maxLength: 32 });
    encoder.dispose();
    const rows = (data: Float32Array, i: number) => Array.from(data.subarray(i * emb.dim, (i + 1) * emb.dim));
    const file = {
      queries: Object.fromEntries(dataset.queries.map((q, i) => [q.id, rows(emb.queries, i)])),
      candidates: Object.fromEntries(dataset.candidates.map((c, i) => [c.id, rows(emb.candidates, i)])),
    };
    await writeFile(path.join(dir, 'emb.json'), JSON.stringify(file));
    const viaEmbeddings = path.join(dir, 'emb-result.json');
    const r2 = await runCli(['evaluate', '--dataset', 'mlqa-r', '--data', dir, '--languages', 'de,en', '--embeddings', path.join(dir, 'emb.json'), '--out', viaEmbeddings]);
    expect(r2.code).toBe(0);

    const a = JSON.parse(await readFile(viaCheckpoint, 'utf8'));
    const b = JSON.parse(await readFile(viaEmbeddings, 'utf8'));
    expect(a.dim).toBe(32);
    expect(a).toEqual(b);
  });

  it('needs exactly one of --embeddings and --checkpoint', async () => {
    const none = await runCli(['evaluate', '--dataset', 'mlqa-r', '--data', dir, '--languages', 'de,en', '--out', path.join(dir, 'x.json')]);
    expect(none.code).toBe(2);
    expect(none.stderr).toBe('xlir: give exactly one of --embeddings FILE and --checkpoint DIR\n');
    const both = await runCli(['evaluate', '--dataset', 'mlqa-r', '--data', dir, '--languages', 'de,en', '--embeddings', 'e.json', '--checkpoint', FIXTURE, '--out', path.join(dir, 'x.json')]);
    expect(both.code).toBe(2);
  });

  it('refuses a folder that holds only a pickle checkpoint, naming it', async () => {
    const pickleOnly = path.join(dir, 'pickle-only');
    await mkdir(pickleOnly);
    await writeFile(path.join(pickleOnly, 'config.json'), await readFile(path.join(FIXTURE, 'config.json')));
    await writeFile(path.join(pickleOnly, 'pytorch_model.bin'), await readFile(path.join(FIXTURE, 'pytorch_model.bin')));
    const r = await runCli(['evaluate', '--dataset', 'mlqa-r', '--data', dir, '--languages', 'de,en', '--checkpoint', pickleOnly, '--out', path.join(dir, 'x.json')]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/pytorch_model\.bin/);
    expect(r.stderr).toMatch(/never opened.*save_pretrained/);
  });
});

describe('xlir evaluate --checkpoint builtin:multilingual (the shipped pretrained model, zero-shot)', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'xlir-evaluate-builtin-'));
    await mkdir(path.join(dir, 'mlqa-r'));
    for (const [lang, text] of Object.entries(HAND_FILES)) await writeFile(path.join(dir, 'mlqa-r', `${lang}.json`), text);
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('scores exactly as the folder public/models/multilingual does', async () => {
    expect(pretrainedModelDir('multilingual')).toBe(path.resolve('public/models/multilingual'));
    const viaName = path.join(dir, 'builtin.json');
    const r1 = await runCli(['evaluate', '--dataset', 'mlqa-r', '--data', dir, '--languages', 'de,en', '--checkpoint', 'builtin:multilingual', '--max-length', '32', '--out', viaName]);
    expect(r1.stderr).toBe('');
    expect(r1.code).toBe(0);
    const viaFolder = path.join(dir, 'folder.json');
    const r2 = await runCli(['evaluate', '--dataset', 'mlqa-r', '--data', dir, '--languages', 'de,en', '--checkpoint', pretrainedModelDir('multilingual'), '--max-length', '32', '--out', viaFolder]);
    expect(r2.code).toBe(0);
    expect(JSON.parse(await readFile(viaName, 'utf8'))).toEqual(JSON.parse(await readFile(viaFolder, 'utf8')));
  });

  it('names the pretrained models when the name is unknown', async () => {
    const r = await runCli(['evaluate', '--dataset', 'mlqa-r', '--data', dir, '--languages', 'de,en', '--checkpoint', 'builtin:tiny', '--out', path.join(dir, 'x.json')]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/builtin:tiny: no such pretrained built-in model \(there is builtin:multilingual/);
  });
});

/** Candidate sentences far longer than 32 tokens. */
const LONG = Array.from({ length: 4 }, (_, k) => `${Array.from({ length: 40 }, (_, w) => `word${(w + k) % 9}x${w}`).join(' ')} ending${k} tail${k * 3}.`);

describe('xlir evaluate --checkpoint of a run checkpoint (issue 20, items 3 and 13)', () => {
  let root: string;
  let evalData: string;
  let checkpoint: string;
  beforeAll(async () => {
    root = await mkdtemp(path.join(os.tmpdir(), 'xlir-evaluate-run-'));
    const trainData = path.join(root, 'train-data');
    await mkdir(path.join(trainData, 'mlqa-r'), { recursive: true });
    for (const f of makeToyFiles({ languages: ['de', 'en'], paragraphs: 8, seed: 1 })) await writeFile(path.join(trainData, 'mlqa-r', f.name), f.bytes);
    evalData = path.join(root, 'eval-data');
    await mkdir(path.join(evalData, 'mlqa-r'), { recursive: true });
    await writeFile(
      path.join(evalData, 'mlqa-r', 'en.json'),
      lareqaFile(LONG, [
        ['q1', 0],
        ['q2', 2],
        ['q3', 1],
      ]),
    );
    await writeFile(
      path.join(evalData, 'mlqa-r', 'de.json'),
      lareqaFile(LONG.slice(0, 3), [
        ['q1', 1],
        ['q2', 0],
      ]),
    );
    const config = {
      ...TEST_RUN_CONFIG,
      seed: 3,
      model: { ...TEST_RUN_CONFIG.model, vocabSize: 4000 },
      data: { ...TEST_RUN_CONFIG.data, train: { dataset: 'mlqa-r', languages: ['de', 'en'] } },
      steps: 2,
      lr: 5e-3,
      warmupSteps: 1,
      checkpointEvery: 2,
    };
    await writeFile(path.join(root, 'run.json'), JSON.stringify(config));
    const trained = await runCli(['train', '--config', path.join(root, 'run.json'), '--out', path.join(root, 'run'), '--data', trainData, '--backend', 'cpu', '--no-eval']);
    expect(trained.stderr).toBe('');
    expect(trained.code).toBe(0);
    checkpoint = path.join(root, 'run', 'checkpoints', 'step-2');
  }, 120_000);
  afterAll(async () => {
    await rm(root, { recursive: true, force: true });
  });
  afterEach(() => {
    vi.restoreAllMocks();
  });
  const evaluate = (...more: string[]) => runCli(['evaluate', '--dataset', 'mlqa-r', '--data', evalData, '--languages', 'de,en', ...more]);

  it('embeds with the 32 tokens the run trained with (its manifest), not the 65 the positions allow, showing progress', async () => {
    const viaCheckpoint = path.join(root, 'ckpt.json');
    vi.mocked(embedDataset).mockClear();
    const r1 = await evaluate('--checkpoint', checkpoint, '--out', viaCheckpoint);
    expect(r1.stderr).toBe('');
    expect(r1.code).toBe(0);
    expect(vi.mocked(embedDataset).mock.calls.map(([, , o]) => o.maxLength)).toEqual([32]);

    await initBackend('wasm');
    const dataset = await loadDatasetFromDir(evalData, 'mlqa-r', ['de', 'en']);
    const encoder = await loadEncoderCheckpoint(dirSource(checkpoint), { loadTokenizer });
    // the candidates are longer than 32 tokens, so the length matters
    expect(encoder.tokenize([`Passage: ${LONG[0]!}`], 65).seqLen).toBeGreaterThan(32);
    const emb = await embedDataset(encoder, dataset, { batchSize: 64, maxLength: 32 });
    const emb65 = await embedDataset(encoder, dataset, { batchSize: 64, maxLength: 65 });
    encoder.dispose();
    expect(Array.from(emb65.candidates)).not.toEqual(Array.from(emb.candidates));
    const rows = (data: Float32Array, i: number) => Array.from(data.subarray(i * emb.dim, (i + 1) * emb.dim));
    const file = {
      queries: Object.fromEntries(dataset.queries.map((q, i) => [q.id, rows(emb.queries, i)])),
      candidates: Object.fromEntries(dataset.candidates.map((c, i) => [c.id, rows(emb.candidates, i)])),
    };
    await writeFile(path.join(root, 'emb32.json'), JSON.stringify(file));
    const viaEmbeddings = path.join(root, 'emb-result.json');
    const r2 = await evaluate('--embeddings', path.join(root, 'emb32.json'), '--out', viaEmbeddings);
    expect(r2.code).toBe(0);
    expect(JSON.parse(await readFile(viaCheckpoint, 'utf8'))).toEqual(JSON.parse(await readFile(viaEmbeddings, 'utf8')));
    // the settings and the progress on stderr
    expect(r1.info).toContain(`embedding 12 texts, at most 32 tokens each (${checkpoint}/manifest.json config.model.maxLength), mean pooling, batches of 64`);
    expect(r1.info).toMatch(/embedding 12\/12 texts .*texts\/s .*ETA/);
  }, 60_000);

  it('refuses a checkpoint whose sentence_bert_config.json disagrees with its manifest, naming both', async () => {
    const spoilt = path.join(root, 'spoilt');
    await cp(checkpoint, spoilt, { recursive: true });
    await writeFile(path.join(spoilt, 'sentence_bert_config.json'), JSON.stringify({ max_seq_length: 48, do_lower_case: false }));
    const r = await evaluate('--checkpoint', spoilt, '--out', path.join(root, 'never.json'));
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(new RegExp(`^xlir: ${spoilt}/manifest\\.json config\\.model\\.maxLength is 32 but ${spoilt}/sentence_bert_config\\.json max_seq_length is 48; both count the special tokens`));
  });

  it('prints the scores without --out, and a --max-length past the positions is a usage error', async () => {
    const r = await evaluate('--checkpoint', checkpoint);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^mlqa-r: 2 languages \(de en\), 5 queries, 7 candidates, dim 32\n/);
    expect(r.stdout).not.toMatch(/wrote/);
    const u = await evaluate('--checkpoint', checkpoint, '--max-length', '66');
    expect(u.code).toBe(2);
    expect(u.stderr).toBe("xlir: --max-length 66 is more than the 65 tokens this model's positions allow\n");
  });
});
