/**
 * Helpers shared by the notebook e2e tests (notebook.e2e.ts, multilingual.e2e.ts): driving the Data and Runs
 * cells of the served app and reading its figures back. Runs on the Node side, over playwright-core.
 */
import { readFileSync } from 'node:fs';
import type { Download, Locator, Page } from 'playwright-core';

/** Clicks something that starts a download and returns the downloaded file. */
export async function saveDownload(page: Page, click: () => Promise<void>, timeout = 60_000): Promise<{ name: string; bytes: Buffer }> {
  const [download] = (await Promise.all([page.waitForEvent('download', { timeout }), click()])) as [Download, void];
  const path = await download.path();
  return { name: download.suggestedFilename(), bytes: readFileSync(path) };
}

/** Waits until the header's backend line says the TF.js backend is ready. */
export async function waitForBackend(page: Page, timeout = 120_000): Promise<void> {
  await page.getByTestId('backend-line').and(page.locator('[data-state="ready"]')).waitFor({ timeout });
}

export async function setNumber(page: Page, testId: string, value: number): Promise<void> {
  await page.getByTestId(testId).fill(String(value));
}

/** Loads the Data cell's current selection (the preset's data unless changed) and waits until it is loaded. */
export async function loadData(page: Page): Promise<void> {
  await page.getByTestId('load-data').click();
  await page.getByTestId('data-status').and(page.locator('[data-state="loaded"]')).waitFor({ timeout: 120_000 });
}

export interface LaunchFields {
  backend: string;
  strategy: string;
  steps: number;
  checkpointEvery: number;
  /** 0 = no sampled evaluation during training */
  sampledEvalEvery: number;
}

/** Sets the Runs form's fields (the rest stays as the preset suggests) and launches a run. */
export async function launchRun(page: Page, f: LaunchFields): Promise<void> {
  await page.getByLabel('run backend').selectOption(f.backend);
  await page.getByTestId('strategy').selectOption(f.strategy);
  await setNumber(page, 'steps', f.steps);
  await setNumber(page, 'checkpoint-every', f.checkpointEvery);
  await setNumber(page, 'sampled-eval-every', f.sampledEvalEvery);
  await page.getByTestId('launch-run').click();
}

/** The i-th run card, in launch order. */
export const card = (page: Page, i: number): Locator => page.getByTestId('run-card').nth(i);

/** Waits until run card i is done (its final full evaluation included) and fails with the card's error otherwise. */
export async function waitForRunDone(page: Page, i: number, timeout: number): Promise<void> {
  await card(page, i).and(page.locator('[data-status="done"], [data-status="failed"]')).waitFor({ timeout });
  const status = await card(page, i).getAttribute('data-status');
  if (status !== 'done') throw new Error(`run ${i} ended ${status}: ${(await card(page, i).locator('.error').allTextContents()).join(' ')}`);
}

/**
 * The tests sized for the random-init smoke run (hundreds of steps of batch 8) pick it: the tiny preset and the
 * tiny model, the default page's pretrained multilingual model being checked by the first test.
 */
export async function chooseTinyControl(page: Page): Promise<void> {
  await page.getByLabel('preset').selectOption('tiny');
  await page.getByTestId('model-choice-tiny').locator('input').check();
}

export interface HeatmapCell {
  row: string;
  col: string;
  /** the cell's value at full precision, on the figure's data scale (mAP in [0, 1]; the cell prints it ×100); null = no value */
  value: number | null;
}

/** The cells of a heatmap figure (`rect.cell` with `data-row`, `data-col`, `data-value`), row by row. */
export async function heatmapCells(figure: Locator): Promise<HeatmapCell[]> {
  return figure.locator('rect.cell').evaluateAll((rects) =>
    rects.map((r) => {
      const v = r.getAttribute('data-value') ?? '';
      return { row: r.getAttribute('data-row') ?? '', col: r.getAttribute('data-col') ?? '', value: v === '' ? null : Number(v) };
    }),
  );
}

/**
 * Candidates per language of a Data-cell counts table (`data-counts-train` / `data-counts-eval`), read from
 * its `candidates` row.
 */
export async function candidateCounts(page: Page, role: 'train' | 'eval'): Promise<Record<string, number>> {
  const table = page.getByTestId(`data-counts-${role}`);
  const langs = (await table.locator('thead th').allTextContents()).slice(1, -1);
  const row = table.locator('tbody tr').filter({ has: page.locator('th', { hasText: /^candidates$/ }) });
  const cells = (await row.locator('td').allTextContents()).slice(0, langs.length);
  return Object.fromEntries(langs.map((l, i) => [l, Number(cells[i]!.replace(/,/g, ''))]));
}

/** A main-thread long task (PerformanceObserver 'longtask'), in page time (ms). */
export interface LongTask {
  start: number;
  duration: number;
}

/** Records the page's main-thread long tasks from its first script on (read them with {@link longTasks}). */
export async function recordLongTasks(page: Page): Promise<void> {
  await page.addInitScript(() => {
    const w = window as unknown as { xlirLongTasks: { start: number; duration: number }[] };
    w.xlirLongTasks = [];
    new PerformanceObserver((list) => {
      for (const e of list.getEntries()) w.xlirLongTasks.push({ start: e.startTime, duration: e.duration });
    }).observe({ type: 'longtask', buffered: true });
  });
}

/** The page's clock (performance.now(), ms), the one long tasks are stamped with. */
export const pageNow = (page: Page): Promise<number> => page.evaluate(() => performance.now());

/** The long tasks {@link recordLongTasks} saw starting between page times `from` and `to` (ms). */
export const longTasks = (page: Page, from: number, to: number): Promise<LongTask[]> => page.evaluate(([a, b]) => (window as unknown as { xlirLongTasks: LongTask[] }).xlirLongTasks.filter((t) => t.start >= a! && t.start <= b!), [from, to]);
