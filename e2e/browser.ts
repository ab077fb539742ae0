import { existsSync } from 'node:fs';
import { chromium, type Browser, type Page } from 'playwright-core';

/** Flags every e2e run uses: WebGPU on, and nothing that reaches the network. */
export const CHROMIUM_ARGS = ['--enable-unsafe-webgpu', '--no-sandbox', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run', '--disable-quic'];

export function chromiumPath(): string {
  const p = process.env.CHROME_PATH ?? '/usr/bin/chromium';
  if (!existsSync(p)) throw new Error(`Chromium not found at ${p}: install Debian's chromium or set CHROME_PATH`);
  return p;
}

export interface LaunchOptions {
  /** Leave out --enable-unsafe-webgpu: Chromium then offers no WebGPU adapter on this machine. */
  webgpu?: boolean;
}

export function launchChromium({ webgpu = true }: LaunchOptions = {}): Promise<Browser> {
  const args = webgpu ? CHROMIUM_ARGS : CHROMIUM_ARGS.filter((a) => a !== '--enable-unsafe-webgpu');
  return chromium.launch({ executablePath: chromiumPath(), headless: true, args });
}

/** Collects console errors and uncaught exceptions of a page, so a test can assert there were none. */
export function collectPageErrors(page: Page): string[] {
  const errors: string[] = [];
  page.on('console', (msg) => {
    if (msg.type() === 'error') errors.push(`console: ${msg.text()}`);
  });
  page.on('pageerror', (err) => errors.push(`pageerror: ${err.message}`));
  // CSP violations are reported as console errors too; this makes them explicit in the message.
  page.on('console', (msg) => {
    if (/Content Security Policy/i.test(msg.text()) && msg.type() !== 'error') errors.push(`csp: ${msg.text()}`);
  });
  return errors;
}
