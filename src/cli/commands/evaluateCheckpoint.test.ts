import { existsSync } from 'node:fs';
import { mkdtemp, mkdir, readFile, rm, writeFile } from 'node:fs/promises';
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
import { HAND_FILES, runCli } from './cliTestUtils';

const FIXTURE = path.resolve('../shared/fixtures/tiny-xlmr');

describe.skipIf(!existsSync(FIXTURE))('xlir evaluate --checkpoint', () => {
  let dir: string;
  beforeAll(async () => {
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
