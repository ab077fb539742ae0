import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadEncoderCheckpoint } from '../../core/model/loadEncoderCheckpoint';
import { readSafetensors } from '../../core/model/safetensors';
import { loadTokenizer } from '../../core/model/tokenizer';
import { dirSource } from '../loadCheckpoint';
import { runCli } from './cli.testutil';

let dir: string;

/** A synthetic corpus: "red house 3" ↔ "rot haus 3"-style pairs, so pairs share numbers across languages. */
function pairs(words: [string, string][], n: number): string {
  const lines: string[] = [];
  for (let i = 0; i < n; i++) {
    const [en, x] = words[i % words.length]!;
    lines.push(`${en} item ${i}\t${x} ding ${i}`);
  }
  return `${lines.join('\n')}\n`;
}

const CONFIG = {
  schemaVersion: 1,
  seed: 7,
  corpus: { languages: ['de', 'es'] },
  tokenizer: { vocabSize: 5000 },
  model: { hiddenSize: 16, numLayers: 0, numHeads: 2, intermediateSize: 32, maxLength: 16, pooling: 'mean' },
  steps: 6,
  batchSize: 8,
  scale: 20,
  margin: 0.2,
  lr: 0.01,
  warmupSteps: 2,
  weightDecay: 0,
  epsilon: 1e-8,
  clipNorm: 10,
  dropout: 0,
  checkpointEvery: 3,
};

beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'xlir-pretrain-'));
  await writeFile(
    path.join(dir, 'pairs.de.tsv'),
    pairs(
      [
        ['red house', 'rotes haus'],
        ['open file', 'datei öffnen'],
        ['blue sky', 'blauer himmel'],
      ],
      40,
    ),
  );
  await writeFile(
    path.join(dir, 'pairs.es.tsv'),
    pairs(
      [
        ['red house', 'casa roja'],
        ['open file', 'abrir archivo'],
        ['green tree', 'árbol verde'],
      ],
      30,
    ),
  );
  await writeFile(path.join(dir, 'cfg.json'), JSON.stringify(CONFIG));
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('xlir pretrain', () => {
  it('trains, writes loadable checkpoints and a log, and a resumed run equals an uninterrupted one bit for bit', async () => {
    const full = path.join(dir, 'full');
    const r = await runCli(['pretrain', '--config', path.join(dir, 'cfg.json'), '--corpus', dir, '--out', full]);
    expect(r.stdout).toContain('completed at step 6/6');
    expect(r.code).toBe(0);
    const log = (await readFile(path.join(full, 'log.jsonl'), 'utf8'))
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { step: number; lang: string });
    expect(log.map((l) => l.step)).toEqual([1, 2, 3, 4, 5, 6]);
    expect(new Set(log.map((l) => l.lang))).toEqual(new Set(['de', 'es']));

    const half = path.join(dir, 'half');
    expect((await runCli(['pretrain', '--config', path.join(dir, 'cfg.json'), '--corpus', dir, '--out', half, '--until', '3'])).code).toBe(0);
    const resumed = await runCli(['pretrain', '--resume', half]);
    expect(resumed.stdout).toContain('completed at step 6/6');
    expect(resumed.code).toBe(0);
    const weights = (run: string) => readFile(path.join(run, 'checkpoints', 'step-6', 'model.safetensors'));
    expect(Buffer.compare(await weights(full), await weights(half))).toBe(0);
    const untimed = async (run: string) =>
      (await readFile(path.join(run, 'log.jsonl'), 'utf8'))
        .trim()
        .split('\n')
        .map((l) => ({ ...JSON.parse(l), seconds: 0 }));
    expect(await untimed(half)).toEqual(await untimed(full));

    // a finished run resumed with --export writes its final model, keeping other files of the folder
    const shipped = path.join(dir, 'shipped');
    await mkdir(shipped, { recursive: true });
    await writeFile(path.join(shipped, 'MODEL_CARD.md'), 'card');
    const exported = await runCli(['pretrain', '--resume', full, '--export', shipped]);
    expect(exported.code).toBe(0);
    expect(Buffer.compare(await readFile(path.join(shipped, 'model.safetensors')), await weights(full))).toBe(0);
    expect(await readFile(path.join(shipped, 'MODEL_CARD.md'), 'utf8')).toBe('card');

    const encoder = await loadEncoderCheckpoint(dirSource(path.join(full, 'checkpoints', 'step-6')), { loadTokenizer });
    expect(encoder.config.numLayers).toBe(0);
    const e = tf.tidy(() => encoder.embed(encoder.tokenize(['red house'], 16), { training: false }));
    expect(e.shape).toEqual([1, 16]);
    e.dispose();
    encoder.dispose();
  });

  it('refuses an output folder that cannot hold files before reading the corpus (under /proc mkdir would hang)', async () => {
    const r = await runCli(['pretrain', '--config', path.join(dir, 'cfg.json'), '--corpus', dir, '--out', '/proc/xlir-test/run']);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^xlir: \/proc\/xlir-test: cannot create the folder: .*\n$/);
  });

  it('a run resumed with --steps keeps its new length for the next resume', async () => {
    const run = path.join(dir, 'longer');
    expect((await runCli(['pretrain', '--config', path.join(dir, 'cfg.json'), '--corpus', dir, '--out', run, '--until', '3'])).code).toBe(0);
    expect((await runCli(['pretrain', '--resume', run, '--steps', '9', '--until', '6'])).code).toBe(0);
    const last = await runCli(['pretrain', '--resume', run]);
    expect(last.code).toBe(0);
    expect(last.stdout).toContain('completed at step 9/9');
  });

  it('exports the untrained control and an F16 model that loads with nearly the same embeddings', async () => {
    const f32 = path.join(dir, 'init32');
    const f16 = path.join(dir, 'init16');
    expect((await runCli(['pretrain', '--config', path.join(dir, 'cfg.json'), '--corpus', dir, '--out', path.join(dir, 'i1'), '--init-only', '--export', f32])).code).toBe(0);
    expect((await runCli(['pretrain', '--config', path.join(dir, 'cfg.json'), '--corpus', dir, '--out', path.join(dir, 'i2'), '--init-only', '--export', f16, '--fp16'])).code).toBe(0);
    const dtypes = (file: Buffer) => new Set([...readSafetensors(new Uint8Array(file), 'm').tensors.values()].map((t) => t.dtype));
    expect(dtypes(await readFile(path.join(f16, 'model.safetensors')))).toEqual(new Set(['F16']));
    expect(dtypes(await readFile(path.join(f32, 'model.safetensors')))).toEqual(new Set(['F32']));
    const embed = async (folder: string) => {
      const enc = await loadEncoderCheckpoint(dirSource(folder), { loadTokenizer });
      const t = tf.tidy(() => enc.embed(enc.tokenize(['open file item 3', 'datei öffnen ding 3'], 16), { training: false }));
      const v = Array.from(await t.data());
      t.dispose();
      enc.dispose();
      return v;
    };
    const a = await embed(f32);
    const b = await embed(f16);
    expect(Math.max(...a.map((x, i) => Math.abs(x - b[i]!)))).toBeLessThan(2e-3);
  });

  it('refuses a missing corpus file and a non-empty --out folder, naming them', async () => {
    const cfg = path.join(dir, 'cfg-zh.json');
    await writeFile(cfg, JSON.stringify({ ...CONFIG, corpus: { languages: ['zh'] } }));
    const missing = await runCli(['pretrain', '--config', cfg, '--corpus', dir, '--out', path.join(dir, 'zh')]);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain('has no pairs.zh.tsv[.gz]');
    const taken = await runCli(['pretrain', '--config', path.join(dir, 'cfg.json'), '--corpus', dir, '--out', path.join(dir, 'full')]);
    expect(taken.code).toBe(1);
    expect(taken.stderr).toContain('already exists and is not empty');
  });
});
