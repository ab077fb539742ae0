import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createServer, type ViteDevServer } from 'vite';
import type { Browser } from 'playwright-core';
import { collectPageErrors, launchChromium } from './browser';

// `npm start` runs the Vite dev server; this checks that the unbundled app and worker load there too.
describe('npm start (vite dev server)', () => {
  let server: ViteDevServer;
  let browser: Browser;

  beforeAll(async () => {
    server = await createServer({ logLevel: 'warn', server: { port: 0, host: '127.0.0.1' } });
    await server.listen();
    browser = await launchChromium();
  });
  afterAll(async () => {
    await browser?.close();
    await server?.close();
  });

  it('serves the app, starts the worker and serves the local dataset folder', async () => {
    const url = server.resolvedUrls?.local[0]?.replace(/\/$/, '');
    expect(url).toBeTruthy();
    const page = await browser.newPage();
    const errors = collectPageErrors(page);
    await page.goto(`${url}/?backend=wasm`);
    const line = page.getByTestId('backend-line');
    await line.and(page.locator('[data-state="ready"]')).waitFor({ timeout: 120_000 });
    expect(await line.getAttribute('data-backend')).toBe('wasm');
    const status = await page.evaluate(async () => (await fetch('/data/xquad-r/en.json', { method: 'HEAD' })).status);
    expect(status).toBe(200);
    expect(errors).toEqual([]);
    await page.close();
  });
});
