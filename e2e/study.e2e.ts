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
import { fileSlug } from '../src/core/figures/fileName';
import { collectPageErrors, launchChromium } from './browser';

const baseUrl = inject('baseUrl');
const FILE = 'examples/study/study.xlir.json';
const notebook = parseNotebook(FILE, readFileSync(FILE, 'utf8'));
const study = notebook.study!;
/** The app's slug of an arm id in test ids and file names (`hybrid-0.25` keeps its number's dot). */
const slug = fileSlug;
const report = readFileSync('examples/study/REPORT.md', 'utf8');

/** REPORT.md's p-values (mono, cross, multi) of Hybrid against `label` in the section of `direction`. */
function reportPValues(directionLabel: string, label: string): string[] {
  const section = report.split('\n### ').find((s) => s.startsWith(directionLabel))!;
  const tests = section.slice(section.indexOf('against each arm'));
  const row = tests.split('\n').find((l) => l.startsWith(`| ${label} |`))!;
  const cells = row.split('|').map((c) => c.trim());
  return [cells[4]!, cells[7]!, cells[10]!];
}

/** The body rows of the REPORT.md table after `heading` in the section of `direction` (bold marks dropped). */
function reportTableRows(directionLabel: string, heading: string): string[][] {
  const section = report.split('\n### ').find((s) => s.startsWith(directionLabel))!;
  const lines = section.slice(section.indexOf(heading)).split('\n');
  const start = lines.findIndex((l) => l.startsWith('|'));
  const end = lines.findIndex((l, i) => i > start && !l.startsWith('|'));
  return lines.slice(start + 2, end).map((l) =>
    l
      .split('|')
      .slice(1, -1)
      .map((c) => c.trim().replace(/^\*\*(.*)\*\*$/, '$1')),
  );
}

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
        // mono, ± sd, × chance, cross, ± sd, × chance, …: each mean beside its multiple of the pool's chance level
        expect(cells[6]).toBe(cross.mean.toFixed(2));
        expect(cells[7]).toBe(cross.std.toFixed(2));
        expect(cells[8]).toBe((cross.mean / (direction.chance!.cross! * 100)).toFixed(1));
      }
      expect(await page.getByTestId('study-summary-table').locator('caption').textContent()).toContain(`Query-blind chance (mAP × 100; a ranking that ignores the query, on the same pool): mono ${(direction.chance!.mono * 100).toFixed(2)}`);
      const rd = page.getByTestId('study-rank-distance-table').locator('tbody tr');
      expect(await rd.count()).toBe(direction.arms.length);
      const rd0 = meanStd(direction.arms[0]!.seeds.map((s) => s.result.multi.rank_distance));
      expect((await rd.first().locator('td').allTextContents())[1]).toBe(rd0.mean.toFixed(1));

      // the report's further statistics, row for row: multilingual without the own answer, stable cell
      // counts, seed-level inference (each with its caption)
      for (const [testId, heading] of [
        ['study-without-own-table', '**Multilingual without the easy answer.**'],
        ['study-sequential-table', '**Significant cells, stable under another seed.**'],
        ['study-seed-level-table', '**Seed-level inference,'],
        ['study-probe-table', '**Does the adversary act? The language-ID probe.**'],
        ['study-gradient-ratio-table', '**Does the adversary act? Its gradient.**'],
      ] as const) {
        const table = page.getByTestId(testId);
        const shown = await table.locator('tbody tr').evaluateAll((trs) => trs.map((tr) => [...tr.querySelectorAll('td')].map((td) => td.textContent!.trim())));
        const expected = reportTableRows(direction.label, heading);
        expect(expected.length, `${direction.id} ${testId}: REPORT.md rows`).toBeGreaterThan(0);
        expect(shown, `${direction.id} ${testId}`).toEqual(expected);
        expect(await table.locator('caption').textContent()).toBeTruthy();
      }
      expect(await page.getByTestId('study-seed-level-table').locator('caption').textContent()).toContain('Here the seed is a random effect');

      // the probe's verdict on the adversary, as the report states it
      const verdict = /Adversarial (lowers|raises|does not change) what the probe reads[^|\n]*?\)\./.exec(report.split('\n### ').find((x) => x.startsWith(direction.label))!)![0];
      expect(await page.getByTestId('study-probe-table').locator('caption').textContent()).toContain(verdict);
      // each arm over training: five panels, a band per arm on the evaluation panels, the ratio for the adversarial arm only
      const over = page.getByTestId('study-over-training');
      expect(await over.locator('g.panel').count()).toBe(5);
      expect(await over.locator('g.panel[data-panel="probe"] path.band').count()).toBe(direction.arms.length);
      expect(await over.locator('g.panel[data-panel="grad_ratio"] g.arm').count()).toBe(1);

      // one seed-mean heatmap per strategy, L × L cells, each with its spread over the seeds
      for (const arm of direction.arms) {
        const map = page.getByTestId(`study-map-${slug(arm.arm)}`);
        expect(await map.locator('rect.cell').count()).toBe(langs * langs);
        expect(await map.locator('text.spread').count()).toBe(langs * langs);
      }
      // the difference heatmaps, marked with the tests the build stored
      for (const [a, b] of direction.differences) {
        const id = `study-diff-${slug(a)}-minus-${slug(b)}`;
        expect(await page.getByTestId(id).locator('rect.cell').count()).toBe(langs * langs);
        const status = page.getByTestId(`${id}-significance`);
        await status.filter({ hasText: 'computed by xlir study build' }).waitFor({ timeout: 60_000 });
        const stored = direction.tests!.find((t) => t.a === a && t.b === b)!.comparison;
        const marked = [...Object.values(stored.mono.cells), ...Object.values(stored.cross.cells)].filter((c) => c.pHolm < 0.05).length;
        expect(await page.getByTestId(id).locator('.mark').count()).toBe(marked);
        // the app's tests are the report's: same per-query APs, same seed and permutations
        const shown = /mono ([\d.]+), cross ([\d.]+), multi ([\d.]+)/.exec((await status.textContent())!)!.slice(1);
        const label = direction.arms.find((x) => x.arm === b)!.label;
        reportPValues(direction.label, label).forEach((p, i) => expect(p === '< 0.0001' ? Number(shown[i]) <= 0.0001 : p === shown[i], `${direction.id} ${a} − ${b} p[${i}]: app ${shown[i]}, report ${p}`).toBe(true));
      }
      await cell.screenshot({ path: `test-results/study-${direction.id}.png` });
    }

    // Recomputed in the browser's compute worker from the stored per-query APs, the tests equal the stored ones
    // (the smaller direction, to keep the test short).
    const small = study.directions.find((d) => d.id === 'xquad-mlqa')!;
    await page.getByLabel('study direction').selectOption(small.id);
    const [a, b] = small.differences[1]!;
    const id = `study-diff-${slug(a)}-minus-${slug(b)}`;
    await page.getByTestId(`${id}-recompute`).click();
    const recomputed = page.getByTestId(`${id}-recompute-status`);
    await recomputed.and(page.locator('[data-state="agrees"], [data-state="differs"], [data-state="failed"]')).waitFor({ timeout: 400_000 });
    expect(await recomputed.textContent()).toMatch(/equals the stored tests/);

    // The first seed's runs: loss curves and batch strips, and the per-run heatmap of the results cell.
    expect(await page.getByTestId('run-card').count()).toBe(notebook.runs.length);
    await page.locator('[data-testid="loss-panel-loss"][data-drawn]').waitFor({ timeout: 60_000 });
    const first = notebook.runs[0]!;
    expect(await page.getByTestId('run-card').first().getByTestId('batch-strip').locator('rect.step').count()).toBe(first.logs.length);
    const runLangs = first.evaluations[0]!.result.languages.length;
    expect(await page.getByTestId('map-heatmap').locator('rect.cell').count()).toBe(runLangs * runLangs);
    await page.getByTestId('runs-cell').screenshot({ path: 'test-results/study-runs.png' });
    // the runs' results carry the multilingual figures without the own answer: two more columns, explained in the caption
    const headers = await page.getByTestId('results-table').locator('thead th').allTextContents();
    expect(headers).toEqual(expect.arrayContaining(['multi excl. own mAP', 'rank distance, other languages']));
    expect(await page.getByTestId('results-table').locator('caption').textContent()).toContain('Query-blind chance without the query-language answer');
    expect(errors).toEqual([]);
    await context.close();
  });
});
