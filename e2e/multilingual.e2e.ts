/**
 * What issue 19 promises a new user of the default page: fine-tuning the shipped pretrained multilingual model
 * in the browser, on the default preset (MLQA-R de/en/es → XQuAD-R de/en/es), gives a mAP heatmap whose
 * cross-lingual cells are far above chance, and a Hybrid − X-X-mono difference map that is not noise-level.
 * Two short runs (wasm workers, fewer steps than the preset's 300 to keep CI time reasonable), their final full
 * evaluations, and the two heatmaps read back from the page's SVG (`rect.cell[data-value]`).
 * Screenshots: test-results/multilingual-*.png.
 */
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { Browser } from 'playwright-core';
import { expectedRandomAp } from '../src/core/metrics/chanceLevel';
import { collectPageErrors, launchChromium } from './browser';
import { candidateCounts, card, heatmapCells, launchRun, loadData, waitForBackend, waitForRunDone, type HeatmapCell } from './notebookHelpers';

const baseUrl = inject('baseUrl');
/** Steps of each run (the preset's batch size, 32): a fifth of the preset's 300. */
const STEPS = Number(process.env.XLIR_E2E_MULTILINGUAL_STEPS ?? 60);
/** Cross-lingual cells must be above this multiple of the query-blind chance of their candidate language. */
const CHANCE_FACTOR = 5;
const LANGS = ['de', 'en', 'es'];

const fmt = (cells: HeatmapCell[], scale = 100) => cells.map((c) => `${c.row}→${c.col} ${c.value === null ? '–' : (c.value * scale).toFixed(2)}`).join(', ');

describe('the default page fine-tunes the pretrained multilingual model (issue 19)', () => {
  let browser: Browser;
  beforeAll(async () => {
    browser = await launchChromium();
  });
  afterAll(async () => {
    await browser?.close();
  });

  it(`Hybrid and X-X-mono, ${STEPS} steps each on the default preset: cross-lingual cells far above chance, a non-zero difference map`, { timeout: 1_500_000 }, async () => {
    const started = Date.now();
    const context = await browser.newContext({ viewport: { width: 1280, height: 1000 } });
    const page = await context.newPage();
    const errors = collectPageErrors(page);
    await page.goto(`${baseUrl}/`);
    await waitForBackend(page);

    // The Model cell: the shipped multilingual model, selected, with a model card that the server answers.
    expect(await page.getByTestId('model-choice-multilingual').locator('input').isChecked()).toBe(true);
    expect(await page.getByLabel('preset').inputValue()).toBe('multilingual');
    const cardHref = (await page.getByTestId('model-card-multilingual').getAttribute('href'))!;
    const modelCard = await page.evaluate(async (href) => {
      const r = await fetch(href);
      const text = await r.text();
      return { status: r.status, type: r.headers.get('content-type') ?? '', html: /^\s*<!doctype html/i.test(text), length: text.length };
    }, cardHref);
    // the preview server answers a missing file with the app's index.html (SPA fallback): that is not a model card
    expect(modelCard, `GET ${cardHref}`).toMatchObject({ status: 200, html: false });
    expect(modelCard.type).not.toContain('text/html');
    expect(modelCard.length).toBeGreaterThan(0);

    // The default data: the preset's MLQA-R → XQuAD-R (de, en, es).
    await loadData(page);
    const candidates = await candidateCounts(page, 'eval');
    expect(Object.keys(candidates)).toEqual(LANGS);
    console.log(`XQuAD-R candidates per language: ${JSON.stringify(candidates)}`);

    // Two runs from the preset: Hybrid (its strategy) and X-X-mono, one wasm worker each, evaluated in full at the end.
    const t0 = Date.now();
    for (const strategy of ['hybrid', 'xx-mono']) {
      await launchRun(page, { backend: 'wasm', strategy, steps: STEPS, checkpointEvery: STEPS, sampledEvalEvery: 0 });
    }
    await expect.poll(() => page.getByTestId('run-card').count()).toBe(2);
    for (const i of [0, 1]) await waitForRunDone(page, i, 1_200_000);
    console.log(`two runs of ${STEPS} steps, full evaluations included: ${((Date.now() - t0) / 1000).toFixed(0)} s`);
    const [hybridId, monoId] = [(await card(page, 0).getAttribute('data-run-id'))!, (await card(page, 1).getAttribute('data-run-id'))!];

    // The Hybrid run's mAP heatmap, against the X-X-mono run.
    await page.getByLabel('heatmap run').selectOption(hybridId);
    await page.getByLabel('baseline run').selectOption(monoId);
    const heatmap = page.getByTestId('map-heatmap');
    await expect.poll(() => heatmap.locator('.title').textContent()).toMatch(/^Hybrid/);
    const cells = await heatmapCells(heatmap);
    expect(cells.length).toBe(9);
    const cross = cells.filter((c) => c.row !== c.col);
    const mono = cells.filter((c) => c.row === c.col);
    expect(cross.length).toBe(6);
    console.log(`Hybrid mAP ×100, cross cells: ${fmt(cross)}; mono cells: ${fmt(mono)}`);
    for (const c of cross) {
      const chance = expectedRandomAp(candidates[c.col]!);
      expect(c.value, `${c.row}→${c.col}: mAP ${c.value} vs ${CHANCE_FACTOR} × chance ${chance.toFixed(5)}`).toBeGreaterThan(CHANCE_FACTOR * chance);
    }
    console.log(`chance ×100 per candidate language: ${LANGS.map((l) => `${l} ${(100 * expectedRandomAp(candidates[l]!)).toFixed(3)}`).join(', ')}`);

    // The difference map Hybrid − X-X-mono: drawn, 9 cells, not all zero. Significance is not asserted.
    const diffMap = page.getByTestId('diff-heatmap');
    await expect.poll(() => diffMap.locator('rect.cell').count()).toBe(9);
    // the difference map redraws a frame after the mAP heatmap (ResultsCell): wait for the chosen pair
    await expect.poll(() => diffMap.locator('.title').textContent()).toMatch(/^Hybrid.* − X-X-mono/);
    const diffs = await heatmapCells(diffMap);
    console.log(`Δ mAP ×100 (Hybrid − X-X-mono): ${fmt(diffs)}`);
    expect(diffs.every((d) => d.value !== null)).toBe(true);
    expect(diffs.some((d) => d.value !== 0)).toBe(true);
    // The paired tests run in the compute worker; the screenshot shows their marks when they finish in time.
    const status = page.getByTestId('significance-status');
    await status
      .filter({ hasText: /Holm|Significance:/ })
      .waitFor({ timeout: 240_000 })
      .catch(() => undefined);
    console.log(`significance: ${await status.textContent()}`);

    await heatmap.screenshot({ path: 'test-results/multilingual-map-heatmap.png' });
    await diffMap.screenshot({ path: 'test-results/multilingual-diff-heatmap.png' });
    await page.getByTestId('results-cell').screenshot({ path: 'test-results/multilingual-results.png' });
    expect(errors).toEqual([]);
    await context.close();
    console.log(`multilingual e2e: ${((Date.now() - started) / 1000).toFixed(0)} s in the test body`);
  });
});
