/**
 * The PyTorch round trip in the app (issue 24): a run's "Export for PyTorch" zip is a project that
 * `python train.py` trains (Debian's PyTorch, CPU); its checkpoint, zipped, imports into the Model cell and
 * evaluates there to the mAP `xlir evaluate --checkpoint` gives it. Needs Python with torch, like
 * src/cli/commands/exportTorch.test.ts (fails naming the package otherwise).
 */
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { unzipSync, zipSync } from 'fflate';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { runCli } from '../src/cli/commands/cli.testutil';
import { findTorchPython, runPython } from '../src/cli/commands/torchPython.testutil';
import { collectPageErrors, launchChromium } from './browser';
import { card, launchRun, loadData, saveDownload, waitForBackend } from './notebookHelpers';

const baseUrl = inject('baseUrl');

describe('Export for PyTorch', () => {
  let browser: Browser;
  let root: string;
  beforeAll(async () => {
    browser = await launchChromium();
    root = await mkdtemp(path.join(os.tmpdir(), 'xlir-torch-e2e-'));
  });
  afterAll(async () => {
    await browser?.close();
    await rm(root, { recursive: true, force: true });
  });

  it('exports a run, trains it with PyTorch, and the checkpoint evaluates in the app as in the CLI', { timeout: 900_000 }, async () => {
    const python = findTorchPython();
    const context = await browser.newContext({ viewport: { width: 1280, height: 1000 }, acceptDownloads: true });
    const page = await context.newPage();
    const errors = collectPageErrors(page);
    await page.goto(`${baseUrl}/`);
    await waitForBackend(page);
    // the default page: the pretrained multilingual model, MLQA-R → XQuAD-R (de, en, es)
    await loadData(page);
    await launchRun(page, { backend: 'wasm', strategy: 'hybrid', steps: 2, checkpointEvery: 2, sampledEvalEvery: 0 });
    const zip = await saveDownload(page, () => card(page, 0).getByTestId('export-torch').click(), 300_000);
    expect(zip.name).toMatch(/-torch\.zip$/);

    const project = path.join(root, 'project');
    for (const [name, bytes] of Object.entries(unzipSync(new Uint8Array(zip.bytes)))) {
      await mkdir(path.dirname(path.join(project, name)), { recursive: true });
      await writeFile(path.join(project, name), bytes);
    }
    expect((await runPython(python, ['sampler.py', '--check'], project)).stdout).toMatch(/batches identical to xlir's/);
    await runPython(python, ['train.py', '--steps', '2', '--out', 'runs/a', '--device', 'cpu'], project);
    const ckpt = path.join(project, 'runs', 'a', 'checkpoints', 'step-2');

    // back into the app, as a user drops the folder zipped
    const files: Record<string, Uint8Array> = {};
    for (const rel of await readdir(ckpt, { recursive: true })) {
      const bytes = await readFile(path.join(ckpt, rel)).catch(() => null);
      if (bytes) files[`torch-step-2/${rel.split(path.sep).join('/')}`] = new Uint8Array(bytes);
    }
    await page.getByTestId('checkpoint-zip-input').setInputFiles({ name: 'torch-step-2.zip', mimeType: 'application/zip', buffer: Buffer.from(zipSync(files)) });
    await page.getByTestId('model-status').and(page.locator('[data-state="ready"]')).waitFor({ timeout: 120_000 });
    await page.getByTestId('evaluate-checkpoint').click();
    await expect.poll(() => page.getByTestId('run-card').count(), { timeout: 300_000 }).toBe(2);
    const csv = await saveDownload(page, () => page.getByTestId('results-table').locator('[data-export="csv"]').click(), 300_000);
    const rows = csv.bytes
      .toString('utf8')
      .trim()
      .split('\r\n')
      .map((l) => l.split(','));
    const col = rows[0]!.indexOf('mono mAP');
    const imported = rows.find((r) => r[0]!.startsWith('imported'));
    if (!imported) throw new Error(`no imported row in the results table: ${rows.map((r) => r[0]).join(' | ')}`);

    const out = path.join(root, 'cli.json');
    const r = await runCli(['evaluate', '--dataset', 'xquad-r', '--languages', 'de,en,es', '--checkpoint', ckpt, '--out', out]);
    expect(r.stderr).toBe('');
    const cli = JSON.parse(await readFile(out, 'utf8')) as { mono: { map: number } };
    console.log(`mono mAP of the PyTorch checkpoint: app ${imported[col]}, CLI ${cli.mono.map}`);
    expect(Math.abs(Number(imported[col]) - cli.mono.map)).toBeLessThan(1e-4);
    expect(errors).toEqual([]);
    await context.close();
  });
});
