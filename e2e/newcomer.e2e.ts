/**
 * The newcomer path of issue 20, end to end in headless Chromium, from a fresh page: Launch is disabled until
 * data is loaded; the Data cell with every language of the default preset's datasets ticked (training MLQA-R,
 * all 7; evaluation XQuAD-R, all 11) and loaded; the default preset (the pretrained multilingual model) with
 * fewer steps; a Hybrid and an X-X-mono run launched and finished; the 11 × 11 mAP heatmap above chance; the
 * difference map with its paired tests computed by the stats worker, significant cells outlined; exports
 * (heatmap CSV, pure-ASCII table LaTeX, loss curves named after the runs); the notebook saved; and after a
 * reload, the runs and the cached tests come back without recomputation.
 *
 * Screenshots of each stage go to test-results/newcomer/. Measured figures are printed (console.log), never
 * asserted: the two runs' wall time in the browser, the Hybrid run's wall time through the CLI on the same
 * config (`xlir train`; XLIR_E2E_NEWCOMER_CLI=0 skips it), the longest main-thread task while training, the
 * significance computation time and the notebook file size.
 */
import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { DATASET_LANGUAGES } from '../src/core/data/languages';
import { parseNotebook } from '../src/core/experiment/notebook';
import { fileSlug } from '../src/core/figures/fileName';
import { expectedRandomAp } from '../src/core/metrics/chanceLevel';
import { collectPageErrors, launchChromium } from './browser';
import { candidateCounts, card, heatmapCells, launchRun, loadData, longTasks, pageNow, recordLongTasks, saveDownload, waitForBackend, waitForRunDone } from './notebookHelpers';

const baseUrl = inject('baseUrl');
/** Steps of each run (the preset's batch size, 32): the preset's 300 cut to keep the test short. */
const STEPS = Number(process.env.XLIR_E2E_NEWCOMER_STEPS ?? 40);
/** Steps between sampled evaluations (the live heatmap's ≤ 1,000-text sample). */
const SAMPLED_EVERY = 20;
/**
 * Every cell of the Hybrid heatmap must be above this multiple of the query-blind chance of its candidate
 * language (the weakest cell, ar→th, measured 6.2× at 40 steps on 2026-12-03; the median 18×).
 */
const CHANCE_FACTOR = 3;
/** Time the Hybrid run through the CLI as well (same config, same backend). */
const TIME_CLI = process.env.XLIR_E2E_NEWCOMER_CLI !== '0';
const SHOTS = 'test-results/newcomer';
const TRAIN_LANGS = [...DATASET_LANGUAGES['mlqa-r']];
const EVAL_LANGS = [...DATASET_LANGUAGES['xquad-r']];
const execFileP = promisify(execFile);

const shot = (page: Page, testId: string, name: string) => page.getByTestId(testId).screenshot({ path: `${SHOTS}/${name}.png` });

/**
 * Records each change of the difference map's significance line with the page time it happened, from the
 * page's first script on, so the time the tests took is measured in the page, not by polling.
 */
async function recordSignificanceStatus(page: Page): Promise<void> {
  await page.addInitScript(() => {
    const w = window as unknown as { xlirSignificance: { t: number; text: string }[] };
    w.xlirSignificance = [];
    let last = '';
    const check = () => {
      const text = document.querySelector('[data-testid="significance-status"]')?.textContent ?? '';
      if (text !== last) {
        last = text;
        w.xlirSignificance.push({ t: performance.now(), text });
      }
    };
    new MutationObserver(check).observe(document, { subtree: true, childList: true, characterData: true });
  });
}

const significanceLog = (page: Page) => page.evaluate(() => (window as unknown as { xlirSignificance: { t: number; text: string }[] }).xlirSignificance);

/** RFC 4180 CSV without quoted commas (the heatmap CSV's fields are language codes, numbers and booleans). */
const csvRows = (bytes: Buffer) =>
  bytes
    .toString('utf8')
    .trim()
    .split('\r\n')
    .map((l) => l.split(','));

describe('the newcomer path (issue 20)', () => {
  let browser: Browser;
  let cliDir: string | null = null;
  beforeAll(async () => {
    mkdirSync(SHOTS, { recursive: true });
    browser = await launchChromium();
  });
  afterAll(async () => {
    await browser?.close();
    if (cliDir) rmSync(cliDir, { recursive: true, force: true });
  });

  it(`all languages, default preset at ${STEPS} steps: Hybrid and X-X-mono, results, significance, exports, save, reload`, { timeout: 3_000_000 }, async () => {
    const started = Date.now();
    const context = await browser.newContext({ viewport: { width: 1400, height: 1000 }, acceptDownloads: true });
    const page = await context.newPage();
    const errors = collectPageErrors(page);
    // Open/New ask before replacing unsaved work; this test accepts whatever the page asks.
    page.on('dialog', (d) => void d.accept());
    await recordLongTasks(page);
    await recordSignificanceStatus(page);
    await page.goto(`${baseUrl}/`);
    await waitForBackend(page);
    await page.screenshot({ path: `${SHOTS}/01-fresh-page.png`, fullPage: true });

    // A fresh page: the default preset and its pretrained model, and nothing to launch on yet.
    expect(await page.getByLabel('preset').inputValue()).toBe('multilingual');
    expect(await page.getByTestId('model-choice-multilingual').locator('input').isChecked()).toBe(true);
    expect(await page.getByTestId('launch-run').isDisabled()).toBe(true);
    expect(await page.getByTestId('launch-blockers').textContent()).toContain('no data is loaded');

    // Data: every language of both datasets ticked, then loaded.
    expect(await page.getByLabel('train dataset').inputValue()).toBe('mlqa-r');
    expect(await page.getByLabel('eval dataset').inputValue()).toBe('xquad-r');
    for (const l of TRAIN_LANGS) await page.getByLabel(`train ${l}`, { exact: true }).check();
    for (const l of EVAL_LANGS) await page.getByLabel(`eval ${l}`, { exact: true }).check();
    await shot(page, 'data-cell', '02-data-ticked');
    const tLoad = Date.now();
    await loadData(page);
    console.log(`data load (MLQA-R ×7, XQuAD-R ×11): ${((Date.now() - tLoad) / 1000).toFixed(1)} s`);
    expect(Object.keys(await candidateCounts(page, 'train'))).toEqual(TRAIN_LANGS);
    const candidates = await candidateCounts(page, 'eval');
    expect(Object.keys(candidates)).toEqual(EVAL_LANGS);
    console.log(`XQuAD-R candidates per language: ${JSON.stringify(candidates)}`);
    expect(await page.getByTestId('launch-run').isEnabled()).toBe(true);
    expect(await page.getByTestId('launch-blockers').count()).toBe(0);
    expect(await page.getByTestId('launch-summary').textContent()).toContain(`xquad-r (${EVAL_LANGS.join(', ')})`);
    await shot(page, 'data-cell', '03-data-loaded');

    // Two runs of the default preset with fewer steps, on the default backend (auto: wasm here).
    const t0 = Date.now();
    const p0 = await pageNow(page);
    for (const strategy of ['hybrid', 'xx-mono']) {
      await launchRun(page, { backend: 'auto', strategy, steps: STEPS, checkpointEvery: STEPS, sampledEvalEvery: SAMPLED_EVERY });
    }
    await expect.poll(() => page.getByTestId('run-card').count()).toBe(2);
    await card(page, 0).and(page.locator('[data-step]:not([data-step="0"])')).waitFor({ timeout: 600_000 });
    await shot(page, 'runs-cell', '04-runs-training');
    for (const i of [0, 1]) await waitForRunDone(page, i, 2_400_000);
    const trainSeconds = (Date.now() - t0) / 1000;
    const p1 = await pageNow(page);
    for (const i of [0, 1]) expect(await card(page, i).getAttribute('data-backend')).toBe('wasm');
    const tasks = await longTasks(page, p0, p1);
    const longest = Math.max(0, ...tasks.map((t) => t.duration));
    const timing = await Promise.all([0, 1].map(async (i) => (await card(page, i).getByTestId('run-timing').allTextContents()).join(' ') || '–'));
    console.log(`two runs of ${STEPS} steps side by side in the browser, full evaluations (11 × 11) included: ${trainSeconds.toFixed(0)} s wall; run cards: ${timing.join(' | ')}`);
    console.log(`main-thread long tasks while training: ${tasks.length}, longest ${longest.toFixed(0)} ms; tasks (s after the launch: ms): ${tasks.map((t) => `${((t.start - p0) / 1000).toFixed(1)}:${t.duration.toFixed(0)}`).join(' ')}`);
    await shot(page, 'runs-cell', '05-runs-done');
    const [hybridId, monoId] = [(await card(page, 0).getAttribute('data-run-id'))!, (await card(page, 1).getAttribute('data-run-id'))!];
    const names = [(await card(page, 0).locator('strong').first().textContent())!, (await card(page, 1).locator('strong').first().textContent())!];
    expect(names[0]).toMatch(/^Hybrid/);
    expect(names[1]).toMatch(/^X-X-mono/);

    // Results: the Hybrid run's 11 × 11 mAP heatmap, every cell well above the query-blind chance of its candidates.
    await page.getByLabel('heatmap run').selectOption(hybridId);
    await page.getByLabel('baseline run').selectOption(monoId);
    const heatmap = page.getByTestId('map-heatmap');
    await expect.poll(() => heatmap.locator('.title').textContent()).toMatch(/^Hybrid/);
    const cells = await heatmapCells(heatmap);
    expect(cells.length).toBe(EVAL_LANGS.length ** 2);
    const ratios = cells.map((c) => ({ ...c, chance: expectedRandomAp(candidates[c.col]!), ratio: (c.value ?? 0) / expectedRandomAp(candidates[c.col]!) }));
    for (const c of ratios) expect(c.value, `${c.row}→${c.col}: mAP ${c.value} vs ${CHANCE_FACTOR} × chance ${c.chance.toFixed(5)}`).toBeGreaterThan(CHANCE_FACTOR * c.chance);
    const weakest = [...ratios].sort((a, b) => a.ratio - b.ratio).slice(0, 5);
    console.log(`Hybrid mAP over chance: weakest cells ${weakest.map((c) => `${c.row}→${c.col} ${(100 * c.value!).toFixed(2)} (×${c.ratio.toFixed(1)})`).join(', ')}; median ×${[...ratios].sort((a, b) => a.ratio - b.ratio)[60]!.ratio.toFixed(1)}`);

    // The difference map, its paired tests computed by the stats worker; outlined cells = significant ones.
    const diffMap = page.getByTestId('diff-heatmap');
    await expect.poll(() => diffMap.locator('rect.cell').count()).toBe(EVAL_LANGS.length ** 2);
    // the difference map redraws a frame after the mAP heatmap (ResultsCell): wait for the chosen pair
    await expect.poll(() => diffMap.locator('.title').textContent()).toMatch(/^Hybrid.* − X-X-mono/);
    const status = page.getByTestId('significance-status');
    await status.filter({ hasText: /Holm|Significance:/ }).waitFor({ timeout: 1_200_000 });
    const statusText = (await status.textContent())!;
    expect(statusText).toMatch(/^outlined cells = significant after Holm correction/);
    expect(statusText).not.toContain('not recomputed');
    expect(page.workers().some((w) => w.url().includes('stats.worker'))).toBe(true);
    const log = await significanceLog(page);
    const doneAt = log.findIndex((e) => e.text.includes('Holm'));
    let startAt = doneAt;
    while (startAt > 0 && log[startAt - 1]!.text.startsWith('Running')) startAt--;
    expect(startAt).toBeLessThan(doneAt);
    console.log(`significance (${EVAL_LANGS.length ** 2} cells, stats worker): ${((log[doneAt]!.t - log[startAt]!.t) / 1000).toFixed(1)} s from "${log[startAt]!.text}" to done; ${statusText}`);
    const diffCsv = await saveDownload(page, () => page.getByTestId('diff-heatmap-export').locator('[data-export="csv"]').click());
    const diffRows = csvRows(diffCsv.bytes);
    expect(diffRows[0]).toEqual(['query language', 'candidate language', expect.any(String), 'p', 'Holm-adjusted p', 'significant']);
    expect(diffRows.length - 1).toBe(EVAL_LANGS.length ** 2);
    const significant = diffRows.slice(1).filter((r) => r[5] === 'true');
    for (const r of diffRows.slice(1)) expect(r[5] === 'true', `${r[0]}→${r[1]}: Holm p ${r[4]}`).toBe(Number(r[4]) < 0.05);
    expect(await diffMap.locator('.mark').count()).toBe(significant.length);
    console.log(`significant cells (Holm, α = 0.05): ${significant.length} of ${diffRows.length - 1}`);
    await shot(page, 'results-cell', '06-results');
    await heatmap.screenshot({ path: `${SHOTS}/07-map-heatmap.png` });
    await diffMap.screenshot({ path: `${SHOTS}/08-diff-heatmap.png` });

    // Exports: the heatmap's CSV, the summary table's LaTeX (pure ASCII), the loss curves named by their runs.
    const mapCsv = await saveDownload(page, () => page.getByTestId('map-heatmap-export').locator('[data-export="csv"]').click());
    expect(mapCsv.name).toMatch(/\.csv$/);
    expect(mapCsv.name).toContain(fileSlug(names[0]!));
    const mapRows = csvRows(mapCsv.bytes);
    expect(mapRows.length - 1).toBe(EVAL_LANGS.length ** 2);
    for (const c of cells) {
      const row = mapRows.find((r) => r[0] === c.row && r[1] === c.col)!;
      expect(Number(row[2]), `${c.row}→${c.col}`).toBeCloseTo(c.value!, 12);
    }
    const latex = await saveDownload(page, () => page.getByTestId('results-table').locator('[data-export="latex"]').click());
    expect(latex.name).toMatch(/\.tex$/);
    const nonAscii = [...latex.bytes].filter((b) => b > 0x7f).length;
    expect(nonAscii, `non-ASCII bytes in ${latex.name}`).toBe(0);
    expect(latex.bytes.toString('utf8')).toContain('\\begin{tabular}');
    const lossSvg = await saveDownload(page, () => page.getByTestId('loss-export').locator('[data-export="svg"]').click());
    for (const n of names) expect(lossSvg.name).toContain(fileSlug(n));
    expect(lossSvg.bytes.toString('utf8')).toMatch(/^<svg[\s\S]*<\/svg>$/);
    console.log(`exports: ${mapCsv.name}, ${latex.name}, ${lossSvg.name}`);

    // Save: a packed (v2) file that parses back to both runs with their per-query APs and the cached tests.
    const saved = await saveDownload(page, () => page.getByTestId('save-notebook').click());
    expect(saved.name).toMatch(/\.xlir\.json$/);
    const savedJson = JSON.parse(saved.bytes.toString('utf8')) as { schemaVersion: number };
    expect(savedJson.schemaVersion).toBe(2);
    const notebook = parseNotebook(saved.name, saved.bytes.toString('utf8'));
    expect(notebook.runs.map((r) => r.id)).toEqual([hybridId, monoId]);
    for (const r of notebook.runs) {
      // what was launched: the preset's pretrained model on every ticked language
      expect(r.config.model.builtin).toBe('multilingual');
      expect(r.config.data.train).toEqual({ dataset: 'mlqa-r', languages: TRAIN_LANGS });
      expect(r.config.data.eval).toEqual({ dataset: 'xquad-r', languages: EVAL_LANGS });
      expect(r.config.steps).toBe(STEPS);
      expect(r.evaluations.filter((e) => e.kind === 'full').at(-1)!.result.per_query).toBeTruthy();
    }
    expect(Object.keys(notebook.significance ?? {}).length).toBeGreaterThanOrEqual(1);
    console.log(`notebook file: ${saved.name}, ${(saved.bytes.length / 1e6).toFixed(2)} MB (${saved.bytes.length.toLocaleString('en')} bytes)`);

    // Reload: the autosave brings back both runs, the heatmaps and the tests, read from the notebook, not recomputed.
    // an autosave written after the tests were done (they go into the notebook's significance cache)
    const sigDone = await page.evaluate((t) => new Date(performance.timeOrigin + t).toISOString(), log[doneAt]!.t);
    await page.waitForFunction(
      (t) => {
        const el = document.querySelector('[data-testid="autosave"]');
        return el?.getAttribute('data-state') === 'saved' && (el.getAttribute('data-at') ?? '') >= t;
      },
      sigDone,
      { timeout: 120_000 },
    );
    await page.reload();
    await waitForBackend(page);
    await expect.poll(() => page.getByTestId('run-card').count(), { timeout: 60_000 }).toBe(2);
    for (const i of [0, 1]) expect(await card(page, i).getAttribute('data-status')).toBe('done');
    expect(await card(page, 0).getAttribute('data-run-id')).toBe(hybridId);
    const cached = page.getByTestId('significance-status');
    await cached.filter({ hasText: 'not recomputed' }).waitFor({ timeout: 120_000 });
    expect(await cached.textContent()).toBe(`${statusText} (saved in the notebook; not recomputed)`);
    // no test progress: the tests were read from the notebook's cache (a stats worker hashed the inputs
    // into the cache key, off the main thread, but ran no test; issue 20)
    const afterReload = await significanceLog(page);
    expect(afterReload.filter((e) => / tests done/.test(e.text))).toEqual([]);
    console.log(`significance line after the reload: ${afterReload.map((e) => JSON.stringify(e.text.slice(0, 60))).join(' → ')}`);
    expect(await heatmapCells(page.getByTestId('map-heatmap'))).toEqual(cells);
    expect(await page.getByTestId('diff-heatmap').locator('.mark').count()).toBe(significant.length);
    await page.screenshot({ path: `${SHOTS}/09-after-reload.png`, fullPage: true });
    expect(errors).toEqual([]);
    await context.close();
    console.log(`newcomer e2e, browser part: ${((Date.now() - started) / 1000).toFixed(0)} s`);

    // The same Hybrid run through the CLI, on the same config and backend, for comparison (after the browser closed its runs).
    if (TIME_CLI) {
      cliDir = mkdtempSync(path.join(tmpdir(), 'xlir-newcomer-'));
      const configFile = path.join(cliDir, 'hybrid.json');
      writeFileSync(configFile, JSON.stringify(notebook.runs[0]!.config, null, 2));
      const tc = Date.now();
      await execFileP(process.execPath, ['bin/xlir.mjs', 'train', '--config', configFile, '--out', path.join(cliDir, 'run'), '--backend', 'wasm'], { timeout: 2_400_000, maxBuffer: 64 * 1024 * 1024 });
      console.log(`the Hybrid run via the CLI (xlir train, wasm, ${STEPS} steps, full evaluation included): ${((Date.now() - tc) / 1000).toFixed(0)} s wall`);
    }
  });
});
