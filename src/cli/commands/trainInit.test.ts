import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readSafetensors } from '../../core/model/safetensors';
import { sharedDataDir, sharedFixture } from '../../core/testing/sharedData.testutil';
import { runCli } from './cli.testutil';

const FIXTURE = path.resolve('../shared/fixtures/tiny-xlmr');

describe('xlir train --init', () => {
  let dir: string;
  beforeAll(async () => {
    sharedFixture('tiny-xlmr');
    sharedDataDir();
    dir = await mkdtemp(path.join(os.tmpdir(), 'xlir-train-init-'));
    const tiny = JSON.parse(await readFile('experiments/tiny.json', 'utf8'));
    await writeFile(path.join(dir, 'cfg.json'), JSON.stringify({ ...tiny, steps: 4, warmupSteps: 1, checkpointEvery: 4 }));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('fine-tunes a Hugging Face checkpoint folder and records it in the run config', async () => {
    const run = path.join(dir, 'run');
    const r = await runCli(['train', '--config', path.join(dir, 'cfg.json'), '--init', FIXTURE, '--out', run, '--no-eval']);
    expect(r.code, r.stderr).toBe(0);
    const config = JSON.parse(await readFile(path.join(run, 'config.json'), 'utf8'));
    expect(config.model.checkpoint).toBe(FIXTURE);
    expect(config.model.builtin).toBeUndefined();
    const log = (await readFile(path.join(run, 'log.jsonl'), 'utf8')).trim().split('\n');
    expect(log).toHaveLength(4);
    for (const line of log) expect(Number.isFinite(JSON.parse(line).loss)).toBe(true);
    // The saved weights keep the fixture's names and shapes but have moved.
    const before = readSafetensors(new Uint8Array(await readFile(path.join(FIXTURE, 'model.safetensors'))), 'model.safetensors');
    const after = readSafetensors(new Uint8Array(await readFile(path.join(run, 'checkpoints', 'step-4', 'model.safetensors'))), 'model.safetensors');
    const name = 'encoder.layer.0.attention.self.query.weight';
    const w0 = before.tensors.get(name);
    const w1 = after.tensors.get(name);
    expect(w1?.shape).toEqual(w0?.shape);
    expect(Array.from(w1!.data as Float32Array)).not.toEqual(Array.from(w0!.data as Float32Array));
  });

  it('refuses --init together with --resume', async () => {
    const r = await runCli(['train', '--resume', path.join(dir, 'run'), '--init', FIXTURE]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/--init starts a new run/);
  });
});
