import * as tf from '@tensorflow/tfjs';
import { copyFile, cp, mkdir, mkdtemp, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CheckpointError } from '../core/errors';
import { initBackend } from '../core/model/backend';
import { loadEncoderCheckpoint } from '../core/model/loadEncoderCheckpoint';
import { saveEncoderCheckpoint } from '../core/model/saveEncoderCheckpoint';
import { loadTokenizer } from '../core/model/tokenizer';
import { dirSource } from './loadCheckpoint';

const FIXTURES = fileURLToPath(new URL('../../../shared/fixtures/', import.meta.url));
const XLMR = path.join(FIXTURES, 'tiny-xlmr');
const LABSE = path.join(FIXTURES, 'tiny-labse');

interface Reference {
  inputs: string[];
  input_ids: number[][];
  mean_pooled_l2_normalized?: number[][];
  sentence_embedding?: number[][];
}
const reference = async (dir: string) => JSON.parse(await readFile(path.join(dir, 'reference_outputs.json'), 'utf8')) as Reference;
const maxErr = (a: number[][], b: number[][]) => Math.max(...b.flatMap((row, i) => row.map((x, j) => Math.abs(a[i]![j]! - x))));

let tmp: string;
beforeAll(async () => {
  await initBackend('cpu');
  tmp = await mkdtemp(path.join(os.tmpdir(), 'xlir-ckpt-'));
});
afterAll(async () => {
  await rm(tmp, { recursive: true, force: true });
});

describe('dirSource', () => {
  it('lists files recursively with relative / paths and reads whole files or ranges', async () => {
    const src = dirSource(LABSE);
    const files = await src.list();
    expect(files).toContain('2_Dense/model.safetensors');
    expect(files).toContain('config.json');
    const whole = await src.read('config.json');
    expect(new TextDecoder().decode(whole)).toContain('"model_type": "bert"');
    expect(await src.size!('config.json')).toBe(whole.byteLength);
    expect(await src.readRange!('config.json', 2, 10)).toEqual(whole.slice(2, 10));
  });

  it('refuses reads outside the folder, past the end, or of missing files, naming the path', async () => {
    const src = dirSource(XLMR);
    await expect(src.read('../tiny-labse/config.json')).rejects.toThrow('is outside the checkpoint folder');
    await expect(src.readRange!('config.json', 0, 10_000)).rejects.toThrow(/config\.json: range \[0, 10000\) is outside the file \(594 bytes\)/);
    await expect(src.read('nope.json')).rejects.toThrow(`cannot read ${path.join(XLMR, 'nope.json')} (ENOENT)`);
    await expect(dirSource(path.join(tmp, 'missing')).list()).rejects.toThrow(CheckpointError);
  });

  // issue 21: malformed folders holding symbolic links, refused whether listed or read by name
  it.each([
    ['model.safetensors linking to the real file', 'model.safetensors', (d: string) => path.join(d, '..', 'target', 'model.safetensors'), 'list'],
    ['config.json linking outside the folder', 'config.json', () => path.join(XLMR, 'config.json'), 'list'],
    ['a link to /dev/zero', 'zeros.bin', () => '/dev/zero', 'list'],
    ['a module folder linking to /', '2_Dense', () => '/', 'list'],
    ['a dangling link', 'tokenizer.json', (d: string) => path.join(d, 'nowhere.json'), 'list'],
    ['a link read by name (modules.json path)', '1_Pooling', () => path.join(LABSE, '1_Pooling'), 'read'],
  ] as const)('refuses %s, naming the link', async (label, name, target, how) => {
    const parent = await mkdtemp(path.join(tmp, 'links-'));
    const dir = path.join(parent, 'ckpt');
    await cp(XLMR, path.join(parent, 'target'), { recursive: true });
    await cp(XLMR, dir, { recursive: true });
    await rm(path.join(dir, name), { recursive: true, force: true });
    await symlink(target(dir), path.join(dir, name));
    const src = dirSource(dir);
    const run = how === 'list' ? src.list() : src.read(`${name}/config.json`);
    await expect(run, label).rejects.toThrow(CheckpointError);
    await expect(run, label).rejects.toThrow(`${path.join(dir, name)} is a symbolic link; a checkpoint folder must hold plain files and folders`);
    if (how === 'list') await expect(loadEncoderCheckpoint(src)).rejects.toThrow(`${path.join(dir, name)} is a symbolic link`);
  });

  it('accepts a checkpoint folder that is itself reached through a link', async () => {
    const link = path.join(tmp, 'xlmr-link');
    await symlink(XLMR, link);
    expect(await dirSource(link).list()).toContain('model.safetensors');
  });

  it('loads tiny-xlmr with its tokenizer: reference ids and embeddings', async () => {
    const ref = await reference(XLMR);
    const enc = await loadEncoderCheckpoint(dirSource(XLMR), { loadTokenizer });
    try {
      const batch = enc.tokenize(ref.inputs, 24);
      expect(batch.seqLen).toBe(ref.input_ids[0]!.length);
      expect(Array.from(batch.inputIds)).toEqual(ref.input_ids.flat());
      const got = tf.tidy(() => enc.embed(batch, { training: false }).arraySync());
      expect(maxErr(got, ref.mean_pooled_l2_normalized!)).toBeLessThan(1e-4);
    } finally {
      enc.dispose();
    }
  });

  it('saves to disk and loads back (LaBSE layout with tokenizer) with identical embeddings', async () => {
    const ref = await reference(LABSE);
    const original = await loadEncoderCheckpoint(dirSource(LABSE), { loadTokenizer });
    const out = path.join(tmp, 'saved-labse');
    try {
      const files = await saveEncoderCheckpoint(original, {
        'tokenizer.json': original.tokenizer!.toJSON(),
        'tokenizer_config.json': JSON.parse(await readFile(path.join(LABSE, 'tokenizer_config.json'), 'utf8')),
      });
      for (const [rel, bytes] of files) {
        await mkdir(path.dirname(path.join(out, rel)), { recursive: true });
        await writeFile(path.join(out, rel), bytes);
      }
      const reloaded = await loadEncoderCheckpoint(dirSource(out), { loadTokenizer });
      try {
        const batch = reloaded.tokenize(ref.inputs, 64);
        expect(Array.from(batch.inputIds)).toEqual(Array.from(original.tokenize(ref.inputs, 64).inputIds));
        const [a, b] = tf.tidy(() => [original.embed(batch, { training: false }).arraySync(), reloaded.embed(batch, { training: false }).arraySync()]);
        expect(b).toEqual(a);
        expect(maxErr(b!, ref.sentence_embedding!)).toBeLessThan(1e-4);
      } finally {
        reloaded.dispose();
      }
    } finally {
      original.dispose();
    }
  });

  it('refuses a folder holding only pytorch_model.bin, with the conversion command', async () => {
    const dir = path.join(tmp, 'pickle-only');
    await mkdir(dir);
    await copyFile(path.join(XLMR, 'config.json'), path.join(dir, 'config.json'));
    await copyFile(path.join(XLMR, 'pytorch_model.bin'), path.join(dir, 'pytorch_model.bin'));
    const run = loadEncoderCheckpoint(dirSource(dir));
    await expect(run).rejects.toThrow(CheckpointError);
    await expect(run).rejects.toThrow(`${path.join(dir, 'pytorch_model.bin')} is a PyTorch pickle file, which is never opened here`);
  });
});
