/**
 * The example study (issue 9) end to end: a newcomer opens the app, clicks "Open the example study", and
 * every figure of examples/study/study.xlir.json renders — the Table-1 and Table-2 style tables with the
 * files' numbers, one seed-mean heatmap per strategy, the difference heatmaps Hybrid − Adversarial and
 * Hybrid − X-X-mono with their significance tests finished, for both directions; the loss and batch panels
 * of the first seed; the per-run heatmap. Screenshots go to test-results/.
 */
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { Browser } from 'playwright-core';
import { parseNotebook } from '../src/core/experiment/notebook';
import { meanStd } from '../src/core/experiment/studyResults';
import { collectPageErrors, launchChromium } from './browser';

const baseUrl = inject('baseUrl');
const FILE = 'examples/study/study.xlir.json';
const notebook = parseNotebook(FILE, readFileSync(FILE, 'utf8'));
const study = notebook.study!;
const slug = (s: string) => s.toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-+|-+$/g, '');

describe('the example study', () => {
  let browser: Browser;
  beforeAll(async () => {
    browser = await launchChromium();
  });
  afterAll(async () => {
    await browser?.close();
  });

  it('opens from the start page and renders every figure of both directions', { timeout: 600_000 }, async () => {
    const context = await browser.newContext({ viewport: { width: 1400, height: 1000 } });
    const page = await context.newPage();
    const errors = collectPageErrors(page);
    await page.goto(`${baseUrl}/`);
    await page.getByTestId('backend-line').and(page.locator('[data-state="ready"]')).waitFor({ timeout: 120_000 });
    await page.getByTestId('open-example-study').click();
    const cell = page.getByTestId('study-cell');
    await cell.waitFor({ timeout: 60_000 });
    expect(await page.getByLabel('notebook title').inputValue()).toBe(notebook.title);

    for (const direction of study.directions) {
      await page.getByLabel('study direction').selectOption(direction.id);
      const langs = direction.arms[0]!.mean.languages.length;
      // Table 1: one row per arm, the seeds' mean ± sd of the files
      const rows = page.getByTestId('study-summary-table').locator('tbody tr');
      await expect.poll(() => rows.first().locator('td').first().textContent()).toBe(direction.arms[0]!.label);
      expect(await rows.count()).toBe(direction.arms.length);
      for (const [i, arm] of direction.arms.entries()) {
        const cells = await rows.nth(i).locator('td').allTextContents();
        const cross = meanStd(arm.seeds.map((s) => s.result.cross.map! * 100));
        expect(cells[0]).toBe(arm.label);
        expect(cells[5]).toBe(cross.mean.toFixed(2));
        expect(cells[6]).toBe(cross.std.toFixed(2));
      }
      const rd = page.getByTestId('study-rank-distance-table').locator('tbody tr');
      expect(await rd.count()).toBe(direction.arms.length);
      const rd0 = meanStd(direction.arms[0]!.seeds.map((s) => s.result.multi.rank_distance));
      expect((await rd.first().locator('td').allTextContents())[1]).toBe(rd0.mean.toFixed(1));

      // one seed-mean heatmap per strategy, L × L cells
      for (const arm of direction.arms) {
        expect(await page.getByTestId(`study-map-${slug(arm.arm)}`).locator('rect.cell').count()).toBe(langs * langs);
      }
      // the difference heatmaps, with the paired tests done in the compute worker
      for (const [a, b] of direction.differences) {
        const id = `study-diff-${slug(a)}-minus-${slug(b)}`;
        expect(await page.getByTestId(id).locator('rect.cell').count()).toBe(langs * langs);
        await page.getByTestId(`${id}-significance`).filter({ hasText: 'Holm' }).waitFor({ timeout: 300_000 });
      }
      await cell.screenshot({ path: `test-results/study-${direction.id}.png` });
    }

    // The first seed's runs: loss curves and batch strips, and the per-run heatmap of the results cell.
    expect(await page.getByTestId('run-card').count()).toBe(notebook.runs.length);
    await page.locator('[data-testid="loss-panel-loss"][data-drawn]').waitFor({ timeout: 60_000 });
    const first = notebook.runs[0]!;
    expect(await page.getByTestId('run-card').first().getByTestId('batch-strip').locator('rect.step').count()).toBe(first.logs.length);
    const runLangs = first.evaluations[0]!.result.languages.length;
    expect(await page.getByTestId('map-heatmap').locator('rect.cell').count()).toBe(runLangs * runLangs);
    await page.getByTestId('runs-cell').screenshot({ path: 'test-results/study-runs.png' });
    expect(errors).toEqual([]);
    await context.close();
  });
});
