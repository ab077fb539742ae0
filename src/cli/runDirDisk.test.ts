/**
 * Issue 21: a disk that refuses writes (full, quota, read-only, …) during training. The failing write
 * is injected by wrapping node:fs/promises; every other call goes to the real file system.
 */
import { mkdtemp, readdir, rm, writeFile as realWriteFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { StorageError } from '../core/errors';
import { parseRunConfig } from '../core/experiment/runConfig';
import { wholeCheckpoint } from '../core/testing/checkpointFixture.testutil';
import { TEST_RUN_CONFIG } from '../core/testing/runConfigFixture.testutil';
import { runCli } from './commands/cli.testutil';
import { appendStepLog, checkNewRunDir, createRunDir, listCheckpoints, resumePoint, writeCheckpoint, writeEvalResult } from './runDir';

const failing = vi.hoisted(() => ({ match: null as RegExp | null, code: 'ENOSPC' }));

vi.mock('node:fs/promises', async (importOriginal) => {
  const real = await importOriginal<typeof import('node:fs/promises')>();
  const check = (file: unknown) => {
    if (failing.match?.test(String(file))) {
      const err = new Error(`${failing.code}: injected failure, write '${String(file)}'`) as NodeJS.ErrnoException;
      err.code = failing.code;
      throw err;
    }
  };
  const writeFile = (async (file: Parameters<typeof real.writeFile>[0], ...rest: unknown[]) => {
    check(file);
    return (real.writeFile as (...a: unknown[]) => Promise<void>)(file, ...rest);
  }) as typeof real.writeFile;
  const appendFile = (async (file: Parameters<typeof real.appendFile>[0], ...rest: unknown[]) => {
    check(file);
    return (real.appendFile as (...a: unknown[]) => Promise<void>)(file, ...rest);
  }) as typeof real.appendFile;
  return { ...real, default: { ...real, writeFile, appendFile }, writeFile, appendFile };
});

const config = parseRunConfig({ ...TEST_RUN_CONFIG, strategy: { kind: 'xy' }, warmupSteps: 0, dropout: 0 }, 'test');

let dir: string;
beforeEach(async () => {
  failing.match = null;
  failing.code = 'ENOSPC';
  dir = path.join(await mkdtemp(path.join(os.tmpdir(), 'xlir-disk-')), 'run');
});
afterEach(async () => {
  failing.match = null;
  await rm(path.dirname(dir), { recursive: true, force: true });
});

describe('a disk that refuses writes', () => {
  it.each(['ENOSPC', 'EDQUOT', 'EROFS', 'EACCES', 'EIO'])('%s while writing a checkpoint: one line naming the file and the intact checkpoint, no partial folder', async (code) => {
    await createRunDir(dir, config);
    await writeCheckpoint(dir, wholeCheckpoint(10));
    failing.code = code;
    failing.match = /model\.safetensors$/;
    const err = await writeCheckpoint(dir, wholeCheckpoint(20)).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(StorageError);
    const message = (err as Error).message;
    expect(message).not.toContain('\n');
    expect(message).toContain(path.join(dir, 'checkpoints', 'step-20', 'model.safetensors'));
    expect(message).toContain(code);
    expect(message).toContain(`last intact checkpoint is ${path.join(dir, 'checkpoints', 'step-10')}`);
    expect(await readdir(path.join(dir, 'checkpoints'))).toEqual(['step-10']);
    failing.match = null;
    expect((await resumePoint(dir)).step).toBe(10);
  });

  it('a refused rewrite of the same step keeps the old checkpoint of that step', async () => {
    await createRunDir(dir, config);
    await writeCheckpoint(dir, wholeCheckpoint(10));
    failing.match = /manifest\.json$/;
    await expect(writeCheckpoint(dir, wholeCheckpoint(10))).rejects.toThrow(StorageError);
    failing.match = null;
    expect(await readdir(path.join(dir, 'checkpoints'))).toEqual(['step-10']);
    expect((await resumePoint(dir)).step).toBe(10);
  });

  it('a full disk before any checkpoint, and in the logs and evaluations, says so in one line', async () => {
    await createRunDir(dir, config);
    failing.match = /\.partial\//;
    await expect(writeCheckpoint(dir, wholeCheckpoint(5))).rejects.toThrow(/no checkpoint was written yet/);
    expect(await listCheckpoints(dir)).toEqual([]);
    expect(await readdir(path.join(dir, 'checkpoints'))).toEqual([]);
    failing.match = null;
    await writeCheckpoint(dir, wholeCheckpoint(5));
    failing.match = /log\.jsonl$/;
    const logErr = await appendStepLog(dir, { step: 6 } as never).catch((e: unknown) => e);
    expect(logErr).toBeInstanceOf(StorageError);
    expect((logErr as Error).message).toMatch(/log\.jsonl: cannot write: the disk is full \(ENOSPC\); the last intact checkpoint is .*step-5/);
    failing.match = /eval\/step-6\.json$/;
    await expect(writeEvalResult(dir, 6, {})).rejects.toThrow(StorageError);
  });

  it('a new run folder whose config.json is refused is removed', async () => {
    failing.match = /config\.json$/;
    await expect(createRunDir(dir, config)).rejects.toThrow(/config\.json: cannot write: the disk is full \(ENOSPC\); the run folder was not started/);
    await expect(readdir(dir)).rejects.toThrow(/ENOENT/);
  });

  it('checks a new run folder before training: under /proc it fails at once, and a writable one is left as it was', async () => {
    await expect(checkNewRunDir('/proc/xlir-test')).rejects.toThrow(StorageError);
    await expect(checkNewRunDir('/proc/xlir-test/a/b')).rejects.toThrow(/\/proc\/xlir-test: cannot create the folder/);
    await checkNewRunDir(dir);
    await expect(readdir(dir)).rejects.toThrow(/ENOENT/);
    await createRunDir(dir, config);
    await expect(checkNewRunDir(dir)).rejects.toThrow(/already holds files/);
  });

  it('xlir train --out /proc/xlir-test fails fast with one line', async () => {
    const root = path.dirname(dir);
    const configFile = path.join(root, 'config.json');
    await realWriteFile(configFile, JSON.stringify(TEST_RUN_CONFIG));
    const { code, stderr } = await runCli(['train', '--config', configFile, '--out', '/proc/xlir-test', '--data', root]);
    expect(code).toBe(1);
    expect(stderr).toMatch(/^xlir: \/proc\/xlir-test: cannot create the folder: .*\(ENOENT\)\n$/);
  });
});
