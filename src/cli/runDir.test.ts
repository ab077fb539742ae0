import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { CheckpointError, ConfigError } from '../core/errors';
import { TEST_RUN_CONFIG } from '../core/testing/runConfigFixture';
import { parseRunConfig } from '../core/experiment/runConfig';
import type { StepLog } from '../core/experiment/runLog';
import {
  appendEvalLog,
  appendStepLog,
  createRunDir,
  latestCheckpoint,
  listCheckpoints,
  readCheckpoint,
  readEvalLog,
  readRunConfig,
  readStepLog,
  truncateLogsAfter,
  writeCheckpoint,
} from './runDir';

const config = parseRunConfig({ ...TEST_RUN_CONFIG, strategy: { kind: 'xy' }, warmupSteps: 0, dropout: 0 }, 'test');

const log = (step: number): StepLog => ({
  step,
  loss: 1 / step,
  retrieval_loss: 1 / step,
  adv_loss: null,
  disc_acc: null,
  disc_chance: null,
  lambda: null,
  lr: 1e-3,
  grad_norm: 0.5,
  seconds: step,
  batch: { kind: 'cross', pairs: { 'en->de': 4 } },
});

let dir: string;
beforeEach(async () => {
  dir = path.join(await mkdtemp(path.join(os.tmpdir(), 'xlir-rundir-')), 'run');
});
afterEach(async () => {
  await rm(path.dirname(dir), { recursive: true, force: true });
});

describe('run folder', () => {
  it('writes config.json and refuses to start over a non-empty folder', async () => {
    await createRunDir(dir, config);
    expect(await readRunConfig(dir)).toEqual(config);
    await expect(createRunDir(dir, config)).rejects.toThrow(ConfigError);
    await expect(createRunDir(dir, config)).rejects.toThrow(/--resume/);
    await expect(readRunConfig(path.join(dir, 'nope'))).rejects.toThrow(/is .* a run folder/);
  });

  it('appends log lines and truncates them after a step for a resumed run', async () => {
    await createRunDir(dir, config);
    for (let s = 1; s <= 7; s++) await appendStepLog(dir, log(s));
    await appendEvalLog(dir, { step: 5, seconds: 5, metrics: { 'multi.map': 0.1 } });
    await appendEvalLog(dir, { step: 7, seconds: 7, metrics: { 'multi.map': 0.2 } });
    expect((await readStepLog(dir)).map((l) => l.step)).toEqual([1, 2, 3, 4, 5, 6, 7]);
    await truncateLogsAfter(dir, 5);
    expect((await readStepLog(dir)).map((l) => l.step)).toEqual([1, 2, 3, 4, 5]);
    expect((await readEvalLog(dir)).map((l) => l.step)).toEqual([5]);
    expect(await readStepLog(dir)).toEqual([1, 2, 3, 4, 5].map(log));
  });

  it('reports a bad log line by file, line and field', async () => {
    await createRunDir(dir, config);
    await appendStepLog(dir, log(1));
    await writeFile(path.join(dir, 'log.jsonl'), `${JSON.stringify(log(1))}\n{"step": 2}\n`);
    await expect(readStepLog(dir)).rejects.toThrow(/log\.jsonl: line 2: loss/);
  });

  it('writes checkpoints atomically under checkpoints/step-N and reads them back', async () => {
    await createRunDir(dir, config);
    expect(await listCheckpoints(dir)).toEqual([]);
    await expect(latestCheckpoint(dir)).rejects.toThrow(CheckpointError);
    const files = { 'manifest.json': new Uint8Array([1, 2]), 'model.safetensors': new Uint8Array([3]), '2_Dense/model.safetensors': new Uint8Array([4]) };
    await writeCheckpoint(dir, { step: 5, files });
    await writeCheckpoint(dir, { step: 10, files });
    await writeCheckpoint(dir, { step: 10, files: { 'manifest.json': new Uint8Array([9]) } });
    expect(await listCheckpoints(dir)).toEqual([5, 10]);
    expect(await readdir(path.join(dir, 'checkpoints'))).toEqual(expect.arrayContaining(['step-5', 'step-10']));
    const latest = await latestCheckpoint(dir);
    expect(latest.step).toBe(10);
    expect((await readCheckpoint(latest.dir, 10)).files).toEqual({ 'manifest.json': new Uint8Array([9]) });
    expect((await readCheckpoint(path.join(dir, 'checkpoints', 'step-5'), 5)).files).toEqual(files);
    expect(await readFile(path.join(dir, 'checkpoints', 'step-5', '2_Dense', 'model.safetensors'))).toEqual(Buffer.from([4]));
    await expect(writeCheckpoint(dir, { step: 1, files: { '../escape': new Uint8Array() } })).rejects.toThrow(/leaves the checkpoint folder/);
  });
});
