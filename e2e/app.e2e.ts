import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { Browser } from 'playwright-core';
import { collectPageErrors, launchChromium } from './browser';

describe('app shell and compute worker', () => {
  let browser: Browser;
  const baseUrl = inject('baseUrl');

  beforeAll(async () => {
    browser = await launchChromium();
  });
  afterAll(async () => {
    await browser?.close();
  });

  it('on auto, passes over the software (SwiftShader) WebGPU adapter for wasm, says why, and logs no errors', async () => {
    const page = await browser.newPage();
    const errors = collectPageErrors(page);
    await page.goto(`${baseUrl}/`);
    const line = page.getByTestId('backend-line');
    await line.and(page.locator('[data-state="ready"]')).waitFor({ timeout: 120_000 });
    expect(await line.getAttribute('data-backend')).toBe('wasm');
    const about = (await page.getByTestId('about-machine').textContent()) ?? '';
    expect(about).toMatch(/webgpu ✗ \(software adapter \([^)]*swiftshader/i);
    expect(await page.getByTestId('smoke').textContent()).toMatch(/^ok/);
    expect(errors).toEqual([]);
    // The built app carries a CSP: an injected inline script must not run, and the browser says why.
    const probe = await page.evaluate(
      () =>
        new Promise<{ ran: boolean; directive: string }>((resolve) => {
          document.addEventListener('securitypolicyviolation', (e) => resolve({ ran: 'xlirInlineRan' in window, directive: e.effectiveDirective }), { once: true });
          const s = document.createElement('script');
          s.textContent = 'window.xlirInlineRan = true';
          document.head.append(s);
        }),
    );
    expect(probe).toEqual({ ran: false, directive: 'script-src-elem' });
    await page.screenshot({ path: 'test-results/app-shell.png', fullPage: true });
    await page.close();
  });

  it('selects WebGPU when asked (?backend=webgpu) and reports the adapter', async () => {
    const page = await browser.newPage();
    const errors = collectPageErrors(page);
    await page.goto(`${baseUrl}/?backend=webgpu`);
    const line = page.getByTestId('backend-line');
    await line.and(page.locator('[data-state="ready"]')).waitFor({ timeout: 120_000 });
    expect(await line.getAttribute('data-backend')).toBe('webgpu');
    const text = (await line.textContent()) ?? '';
    expect(text).toMatch(/^webgpu · /);
    expect(text.toLowerCase()).toContain('swiftshader');
    expect(await page.getByTestId('smoke').textContent()).toMatch(/^ok/);
    expect(errors).toEqual([]);
    await page.close();
  });

  it('honours ?backend= to force a backend', async () => {
    const page = await browser.newPage();
    const errors = collectPageErrors(page);
    await page.goto(`${baseUrl}/?backend=wasm`);
    const line = page.getByTestId('backend-line');
    await line.and(page.locator('[data-state="ready"]')).waitFor({ timeout: 60_000 });
    expect(await line.getAttribute('data-backend')).toBe('wasm');
    expect(await page.getByTestId('smoke').textContent()).toMatch(/^ok/);
    expect(errors).toEqual([]);
    await page.close();
  });

  it('falls back past WebGPU when the browser has it off', async () => {
    const plain = await launchChromium({ webgpu: false });
    try {
      const page = await plain.newPage();
      await page.goto(`${baseUrl}/`);
      const line = page.getByTestId('backend-line');
      await line.and(page.locator('[data-state="ready"]')).waitFor({ timeout: 60_000 });
      expect(['webgl', 'wasm', 'cpu']).toContain(await line.getAttribute('data-backend'));
      expect(await page.getByTestId('about-machine').textContent()).toContain('webgpu ✗');
      await page.close();
    } finally {
      await plain.close();
    }
  });
});
