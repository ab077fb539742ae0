import { appendFile, mkdir, mkdtemp, readdir, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { CheckpointError, ConfigError } from '../core/errors';
import { TEST_RUN_CONFIG } from '../core/testing/runConfigFixture.testutil';
import { parseRunConfig } from '../core/experiment/runConfig';
import type { StepLog } from '../core/experiment/runLog';
import { appendEvalLog, appendStepLog, createRunDir, latestCheckpoint, listCheckpoints, readCheckpoint, readEvalLog, readRunConfig, readStepLog, resumePoint, settleDivergedRun, truncateLogsAfter, writeCheckpoint } from './runDir';
import { wholeCheckpoint } from '../core/testing/checkpointFixture.testutil';

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

/** issue 21: what a crash, a full disk or a hand copy leaves in a run folder, met by --resume. */
describe('resuming a malformed run folder', () => {
  it('drops a half-written last line of log.jsonl and eval.jsonl with a note, keeping the lines up to the checkpoint', async () => {
    await createRunDir(dir, config);
    for (let s = 1; s <= 6; s++) await appendStepLog(dir, log(s));
    await appendEvalLog(dir, { step: 5, seconds: 5, metrics: { 'multi.map': 0.1 } });
    await appendFile(path.join(dir, 'log.jsonl'), JSON.stringify(log(7)).slice(0, 40));
    await appendFile(path.join(dir, 'eval.jsonl'), '{"step": 7, "sec');
    const notes = await truncateLogsAfter(dir, 5);
    expect(notes).toEqual([
      `${path.join(dir, 'log.jsonl')}: dropped a half-written last line (40 characters, no newline; the process stopped while writing it)`,
      `${path.join(dir, 'eval.jsonl')}: dropped a half-written last line (16 characters, no newline; the process stopped while writing it)`,
    ]);
    expect((await readStepLog(dir)).map((l) => l.step)).toEqual([1, 2, 3, 4, 5]);
    expect((await readEvalLog(dir)).map((l) => l.step)).toEqual([5]);
    expect(await truncateLogsAfter(dir, 5)).toEqual([]);
  });

  it('keeps a whole last line without its newline, and still refuses a bad line that is not the last', async () => {
    await createRunDir(dir, config);
    await writeFile(path.join(dir, 'log.jsonl'), `${JSON.stringify(log(1))}\n${JSON.stringify(log(2))}`);
    expect(await truncateLogsAfter(dir, 5)).toEqual([]);
    expect((await readStepLog(dir)).map((l) => l.step)).toEqual([1, 2]);
    await writeFile(path.join(dir, 'log.jsonl'), `${JSON.stringify(log(1))}\n{"step": 2, "lo\n${JSON.stringify(log(3))}\n`);
    await expect(truncateLogsAfter(dir, 5)).rejects.toThrow(/log\.jsonl: line 2: not valid JSON/);
    // a complete last line (newline written) that is damaged is damage, not a torn write
    await writeFile(path.join(dir, 'log.jsonl'), `${JSON.stringify(log(1))}\n{"step": 2, "lo\n`);
    await expect(truncateLogsAfter(dir, 5)).rejects.toThrow(/log\.jsonl: line 2: not valid JSON/);
  });

  it('ignores checkpoint folders with non-canonical names (step-0099, step-5.bak, a file), with a note', async () => {
    await createRunDir(dir, config);
    await writeCheckpoint(dir, wholeCheckpoint(5));
    await mkdir(path.join(dir, 'checkpoints', 'step-0099'));
    await mkdir(path.join(dir, 'checkpoints', 'step-5.bak'));
    await mkdir(path.join(dir, 'checkpoints', 'step-99999999999999999999'));
    await writeFile(path.join(dir, 'checkpoints', 'step-7'), 'not a folder');
    expect(await listCheckpoints(dir)).toEqual([5]);
    const r = await resumePoint(dir);
    expect(r.step).toBe(5);
    const ckpts = path.join(dir, 'checkpoints');
    expect(r.notes).toEqual(['step-0099', 'step-5.bak', 'step-7', 'step-99999999999999999999'].map((n) => `ignoring ${path.join(ckpts, n)}: not a checkpoint folder (checkpoints are named step-N, N without leading zeros)`));
  });

  it('falls back from a half-written latest checkpoint to the previous one and says so', async () => {
    await createRunDir(dir, config);
    await writeCheckpoint(dir, wholeCheckpoint(5));
    await writeCheckpoint(dir, wholeCheckpoint(10));
    const opt = path.join(dir, 'checkpoints', 'step-10', 'optimizer.safetensors');
    const bytes = await readFile(opt);
    await writeFile(opt, bytes.subarray(0, bytes.byteLength - 4));
    const r = await resumePoint(dir);
    expect(r.step).toBe(5);
    expect(r.checkpoint.files).toEqual(wholeCheckpoint(5).files);
    expect(r.notes[0]).toMatch(/^passing over the checkpoint of step 10, which is incomplete or damaged: .*step-10\/optimizer\.safetensors: tensor ".*" data_offsets: .* run past the end of the data/);
    expect(r.notes[1]).toBe('resuming from the checkpoint of step 5 instead');
  });

  it('refuses clearly when no checkpoint is whole, or there is none', async () => {
    await createRunDir(dir, config);
    await expect(resumePoint(dir)).rejects.toThrow(`${dir} has no checkpoint to resume from`);
    await mkdir(path.join(dir, 'checkpoints', 'step-007'), { recursive: true });
    await expect(resumePoint(dir)).rejects.toThrow('(no checkpoints/step-N folder; ignored step-007)');
    await writeCheckpoint(dir, { ...wholeCheckpoint(3), files: { ...wholeCheckpoint(3).files, 'manifest.json': new Uint8Array([0x7b]) } });
    await expect(resumePoint(dir)).rejects.toThrow(/has no whole checkpoint to resume from: .*step-3\/manifest\.json: \(json\): not valid JSON/);
  });

  it('refuses a checkpoint holding a symbolic link, naming it', async () => {
    await createRunDir(dir, config);
    const ckpt = await writeCheckpoint(dir, wholeCheckpoint(5));
    await rm(path.join(ckpt, 'optimizer.safetensors'));
    await symlink('/dev/zero', path.join(ckpt, 'optimizer.safetensors'));
    await expect(resumePoint(dir)).rejects.toThrow(`${path.join(ckpt, 'optimizer.safetensors')} is a symbolic link; a checkpoint folder must hold plain files and folders`);
  });

  it('names a run config saved as UTF-16', async () => {
    await createRunDir(dir, config);
    await writeFile(path.join(dir, 'config.json'), Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(JSON.stringify(config), 'utf16le')]));
    await expect(readRunConfig(dir)).rejects.toThrow(`${path.join(dir, 'config.json')}: encoding: is UTF-16LE, not UTF-8`);
  });
});

describe('a diverged run (issue 21)', () => {
  it('is left resumable from its last good checkpoint, with the log lines after it dropped', async () => {
    await createRunDir(dir, config);
    for (let s = 1; s <= 3; s++) await appendStepLog(dir, log(s));
    await writeCheckpoint(dir, wholeCheckpoint(2));
    const note = await settleDivergedRun(dir, 2, true);
    expect(note).toMatch(/last good checkpoint .*step-2 .*--resume/);
    expect((await readStepLog(dir)).map((l) => l.step)).toEqual([1, 2]);
    const resume = await resumePoint(dir);
    expect(resume.step).toBe(2);
    expect(resume.notes).toEqual([]);
  });

  it('without a checkpoint, the folder the command started is removed so --out can be used again', async () => {
    await createRunDir(dir, config);
    await appendStepLog(dir, log(1));
    expect(await settleDivergedRun(dir, null, true)).toMatch(/^removed .*no checkpoint/);
    await createRunDir(dir, config);
    expect(await readRunConfig(dir)).toEqual(config);
  });
});
