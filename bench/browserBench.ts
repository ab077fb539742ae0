/**
 * Runs browser jobs in headless Chromium: a Vite dev server on the repository (the app's own config:
 * COOP/COEP headers, es workers, the same wasm asset URLs) serves `bench/browser/index.html`, whose
 * page runs each job in a fresh module worker. Chromium is Debian's, launched as the e2e tests do.
 */
import { createServer, type ViteDevServer } from 'vite';
import type { Browser, Page } from 'playwright-core';
import { launchChromium } from '../e2e/browser';
import type { BrowserJob } from './browser/protocol';

export interface BrowserSession {
  version: string;
  crossOriginIsolated: boolean;
  run(job: BrowserJob): Promise<unknown>;
  close(): Promise<void>;
}

export async function openBrowserSession(log: (line: string) => void): Promise<BrowserSession> {
  const server: ViteDevServer = await createServer({ logLevel: 'warn', server: { port: 0, host: '127.0.0.1' } });
  let browser: Browser | null = null;
  try {
    await server.listen();
    const url = server.resolvedUrls?.local[0]?.replace(/\/$/, '');
    if (!url) throw new Error('the Vite dev server did not report a URL');
    browser = await launchChromium({ webgpu: true });
    const page: Page = await browser.newPage();
    page.on('console', (msg) => log(`  browser: ${msg.text()}`));
    page.on('pageerror', (err) => log(`  browser error: ${err.message}`));
    const open = async () => {
      await page.goto(`${url}/bench/browser/index.html`);
      await page.waitForFunction(() => window.benchReady === true, undefined, { timeout: 120_000 });
    };
    await open();
    const crossOriginIsolated = await page.evaluate(() => self.crossOriginIsolated);
    const b = browser;
    return {
      version: b.version(),
      crossOriginIsolated,
      async run(job) {
        try {
          return await page.evaluate((j) => window.runBenchJob(j), job);
        } catch (err) {
          // A fresh dev server may reload the page once when it discovers a dependency to pre-bundle.
          if (!/context was destroyed|navigation/i.test(String(err))) throw err;
          log('  browser: page reloaded by Vite; running the job again');
          await open();
          return page.evaluate((j) => window.runBenchJob(j), job);
        }
      },
      async close() {
        await b.close();
        await server.close();
      },
    };
  } catch (err) {
    await browser?.close();
    await server.close();
    throw err;
  }
}
