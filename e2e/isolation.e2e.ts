import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { createServer, type ViteDevServer } from 'vite';
import type { Browser, Page } from 'playwright-core';
import { collectPageErrors, launchChromium } from './browser';

/** The thread count the About panel states for the wasm backend ("WebAssembly SIMD, 2 threads"). */
async function wasmThreadsShown(page: Page): Promise<number> {
  const line = page.getByTestId('backend-line');
  await line.and(page.locator('[data-state="ready"]')).waitFor({ timeout: 120_000 });
  expect(await line.getAttribute('data-backend')).toBe('wasm');
  const about = (await page.getByTestId('about-machine').textContent()) ?? '';
  const m = /WebAssembly SIMD, (\d+) threads?/.exec(about);
  if (!m) throw new Error(`the About panel names no wasm thread count: ${about}`);
  return Number(m[1]);
}

/** The threads our own wasm kernels run on ("our wasm kernel (relaxed-SIMD FMA), 2 threads"): the heap pool's. */
async function ourKernelThreadsShown(page: Page): Promise<number> {
  const products = (await page.getByTestId('wasm-products').textContent()) ?? '';
  const m = /^our wasm kernel \(relaxed-SIMD FMA\), (\d+) threads?$/.exec(products);
  if (!m) throw new Error(`the About panel does not say our kernels run the wasm products: ${products}`);
  return Number(m[1]);
}

// Issue 25: the threaded SIMD wasm build needs SharedArrayBuffer, which needs cross-origin isolation
// (COOP/COEP); isolation must not break the workers or the dataset download (a CORS fetch).
describe('cross-origin isolation and wasm threads', () => {
  let browser: Browser;
  let dev: ViteDevServer;
  let other: http.Server;
  let otherUrl = '';

  beforeAll(async () => {
    browser = await launchChromium({ webgpu: false });
    dev = await createServer({ logLevel: 'warn', server: { port: 0, host: '127.0.0.1' } });
    await dev.listen();
    // a second origin standing in for the dataset host: CORS, no CORP header
    other = http.createServer((_req, res) => {
      res.setHeader('Access-Control-Allow-Origin', '*');
      res.setHeader('Content-Type', 'application/json');
      res.end('{"ok":true}');
    });
    await new Promise<void>((resolve) => other.listen(0, '127.0.0.1', resolve));
    otherUrl = `http://127.0.0.1:${(other.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    await browser?.close();
    await dev?.close();
    await new Promise((resolve) => other?.close(resolve));
  });

  it('the built app (vite preview) is isolated and its wasm backend and our kernels run one thread per core', async () => {
    const page = await browser.newPage();
    const errors = collectPageErrors(page);
    await page.goto(`${inject('baseUrl')}/?backend=wasm`);
    expect(await page.evaluate(() => self.crossOriginIsolated)).toBe(true);
    const cores = await page.evaluate(() => navigator.hardwareConcurrency);
    expect(await wasmThreadsShown(page)).toBe(Math.max(1, cores));
    // our kernels' worker threads start from a Blob URL inside the compute worker of the built app too
    expect(await ourKernelThreadsShown(page)).toBe(Math.max(1, cores));
    expect(errors).toEqual([]);
    await page.close();
  });

  it('the dev server is isolated, runs wasm threaded, serves the data route and allows a CORS download', async () => {
    const url = dev.resolvedUrls?.local[0]?.replace(/\/$/, '');
    const page = await browser.newPage();
    const errors = collectPageErrors(page);
    await page.goto(`${url}/?backend=wasm`);
    expect(await page.evaluate(() => self.crossOriginIsolated)).toBe(true);
    const cores = await page.evaluate(() => navigator.hardwareConcurrency);
    expect(await wasmThreadsShown(page)).toBe(Math.max(1, cores));
    expect(await ourKernelThreadsShown(page)).toBe(Math.max(1, cores));
    const local = await page.evaluate(async () => {
      const r = await fetch('/data/xquad-r/en.json');
      return { status: r.status, bytes: (await r.arrayBuffer()).byteLength };
    });
    expect(local.status).toBe(200);
    expect(local.bytes).toBeGreaterThan(1000);
    const remote = await page.evaluate(async (u) => (await fetch(u)).json(), `${otherUrl}/dataset.json`);
    expect(remote).toEqual({ ok: true });
    expect(errors).toEqual([]);
    await page.close();
  });
});
