/**
 * Issue 5 in headless Chromium: the app's core loader and encoder, run in a page on WebGPU, WebGL and
 * wasm, against the float64 references of shared/fixtures/tiny-xlmr and tiny-labse (tolerances from
 * their README). The Vite dev server serves the core as modules, so the page runs the very code Node
 * runs (e2e/checkpointsPage.ts only calls it); the fixture files are served to the page by a route.
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Browser, Page } from 'playwright-core';
import { createServer, type ViteDevServer } from 'vite';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readSafetensors } from '../src/core/model/safetensors';
import { collectPageErrors, launchChromium } from './browser';
import type { PageResult, TokenizerCaseResult } from './checkpointsPage';

const FIXTURES = fileURLToPath(new URL('../../shared/fixtures/', import.meta.url));

interface Reference {
  attention_mask: number[][];
  last_hidden_state: number[][][];
  pooler_output: number[][];
  mean_pooled_l2_normalized?: number[][];
  sentence_embedding?: number[][];
  loss_probe?: { loss: number };
}
const readRef = async (dir: string) => JSON.parse(await readFile(path.join(FIXTURES, dir, 'reference_outputs.json'), 'utf8')) as Reference;

/** max |a − b| over rows of [B, L, H] whose mask is 1. */
function maxErrNonPad(got: number[][][], want: number[][][], mask: number[][]): number {
  let m = 0;
  want.forEach((rows, b) =>
    rows.forEach((row, t) => {
      if (mask[b]![t] === 1) row.forEach((x, h) => (m = Math.max(m, Math.abs(got[b]![t]![h]! - x))));
    }),
  );
  return m;
}
const maxErr = (got: number[][], want: number[][]) => Math.max(...want.flatMap((row, b) => row.map((x, h) => Math.abs(got[b]![h]! - x))));

/** The README's per-tensor rule: max|g − ref| ≤ 1e-3·max(max|ref|, 1e-3·max|ref_all|). Returns the worst ratio to the bound and its tensor. */
function gradientCheck(got: Record<string, number[]>, ref: Map<string, Float32Array>) {
  const maxAll = Math.max(...[...ref.values()].map((t) => t.reduce((m, x) => Math.max(m, Math.abs(x)), 0)));
  let worst = { name: '', ratio: 0, abs: 0, rel: 0 };
  // the same over tensors whose gradient is not (analytically) zero, i.e. relative to their own scale
  let worstScaled = { name: '', rel: 0 };
  for (const [name, want] of ref) {
    const g = got[name];
    if (!g || g.length !== want.length) throw new Error(`gradient of ${name}: ${g ? `${g.length} values, want ${want.length}` : 'missing'}`);
    const maxRef = want.reduce((m, x) => Math.max(m, Math.abs(x)), 0);
    let err = 0;
    want.forEach((x, i) => (err = Math.max(err, Math.abs(g[i]! - x))));
    const bound = 1e-3 * Math.max(maxRef, 1e-3 * maxAll);
    if (err / bound > worst.ratio) worst = { name, ratio: err / bound, abs: err, rel: err / Math.max(maxRef, 1e-3 * maxAll) };
    if (maxRef >= 1e-3 * maxAll && err / maxRef > worstScaled.rel) worstScaled = { name, rel: err / maxRef };
  }
  return { ...worst, worstScaled };
}

const TOL = 1e-4;
/** First WebGPU use on SwiftShader compiles every shader (tens of seconds on 2 cores). */
const PAGE_TIMEOUT = 600_000;

describe('HF checkpoints in headless Chromium (issue 5): fixtures on webgpu, webgl and wasm', () => {
  let server: ViteDevServer;
  let browser: Browser;
  let page: Page;
  let errors: string[];
  const measured: string[] = [];

  beforeAll(async () => {
    // the page imports @huggingface/tokenizers, which the app's entry scan may not reach: pre-bundle it
    // up front, so no re-optimisation (and second copy of a dependency) happens while the page runs
    server = await createServer({ logLevel: 'warn', server: { port: 0, host: '127.0.0.1' }, optimizeDeps: { include: ['@huggingface/tokenizers'] } });
    await server.listen();
    const url = server.resolvedUrls?.local[0]?.replace(/\/$/, '');
    if (!url) throw new Error('vite dev server reported no local URL');
    browser = await launchChromium();
    page = await browser.newPage();
    errors = collectPageErrors(page);
    await page.route('**/fixtures/**', async (route) => {
      const rel = decodeURIComponent(new URL(route.request().url()).pathname.replace(/^\/fixtures\//, ''));
      const file = path.resolve(FIXTURES, rel);
      if (!file.startsWith(FIXTURES) || rel.includes('..')) return route.fulfill({ status: 403 });
      try {
        return await route.fulfill({ status: 200, body: Buffer.from(await readFile(file)), headers: { 'Content-Type': 'application/octet-stream', 'Cross-Origin-Resource-Policy': 'same-origin' } });
      } catch {
        return route.fulfill({ status: 404 });
      }
    });
    // an empty document on the dev server's origin (not the app, whose worker would claim a backend),
    // from which the page imports the core as modules and fetches the fixtures
    await page.route(`${url}/checkpoints-e2e.html`, (route) => route.fulfill({ status: 200, contentType: 'text/html', body: '<!doctype html><title>checkpoints e2e</title>' }));
    await page.goto(`${url}/checkpoints-e2e.html`);
  });
  afterAll(async () => {
    if (measured.length) console.log(`checkpoints e2e, max errors vs float64 references:\n${measured.join('\n')}`);
    await browser?.close();
    await server?.close();
  });

  // A string, not a function: vitest would rewrite a dynamic import() inside a function it transforms.
  const inPage = <T>(expr: string) => page.evaluate(`import('/e2e/checkpointsPage.ts').then((m) => ${expr})`) as Promise<T>;

  it(
    'tokenizes every tokenizer case of both fixtures exactly (48 + 33)',
    async () => {
      const results = await inPage<TokenizerCaseResult[]>('m.runTokenizerCases()');
      expect(results).toEqual([
        { fixture: 'tiny-xlmr', cases: 48, mismatches: [] },
        { fixture: 'tiny-labse', cases: 33, mismatches: [] },
      ]);
      expect(errors).toEqual([]);
    },
    PAGE_TIMEOUT,
  );

  it.each(['webgpu', 'webgl', 'wasm'] as const)(
    'on %s: hidden states, pooler, mean and LaBSE embeddings within 1e-4, loss_probe gradients by the per-tensor rule',
    async (backend) => {
      const xlmrRef = await readRef('tiny-xlmr');
      const labseRef = await readRef('tiny-labse');
      const gradRef = new Map([...readSafetensors(new Uint8Array(await readFile(path.join(FIXTURES, 'tiny-xlmr/reference_grads.safetensors'))), 'reference_grads.safetensors').tensors].map(([k, t]) => [k, t.data as Float32Array]));
      const r = await inPage<PageResult>(`m.runFixtureChecks(${JSON.stringify(backend)})`);
      expect(r.backend.backend).toBe(backend);
      if (backend !== 'wasm') expect(r.backend.adapter.description.toLowerCase() + r.backend.adapter.architecture.toLowerCase()).toContain('swiftshader');

      const e = {
        hidden: maxErrNonPad(r.xlmr.lastHiddenState, xlmrRef.last_hidden_state, xlmrRef.attention_mask),
        pooler: maxErr(r.xlmr.poolerOutput, xlmrRef.pooler_output),
        mean: maxErr(r.xlmr.meanEmbedding, xlmrRef.mean_pooled_l2_normalized!),
        loss: Math.abs(r.xlmr.loss - xlmrRef.loss_probe!.loss),
        labseHidden: maxErrNonPad(r.labse.lastHiddenState, labseRef.last_hidden_state, labseRef.attention_mask),
        labseSentence: maxErr(r.labse.sentenceEmbedding, labseRef.sentence_embedding!),
      };
      const g = gradientCheck(r.xlmr.grads, gradRef);
      measured.push(
        `  ${backend} (${r.backend.adapter.description || r.backend.adapter.architecture}, ${r.seconds.toFixed(1)} s): ` +
          `xlmr hidden ${e.hidden.toExponential(2)}, pooler ${e.pooler.toExponential(2)}, mean ${e.mean.toExponential(2)}, loss ${e.loss.toExponential(2)}; ` +
          `labse hidden ${e.labseHidden.toExponential(2)}, sentence ${e.labseSentence.toExponential(2)}; ` +
          `gradients ${Object.keys(r.xlmr.grads).length} tensors: worst ${(100 * g.ratio).toFixed(1)} % of its bound (${g.name}), ` +
          `worst relative to its own scale ${g.worstScaled.rel.toExponential(2)} (${g.worstScaled.name})`,
      );
      expect(Object.keys(r.xlmr.grads).sort()).toEqual([...gradRef.keys()].sort());
      expect(e.hidden).toBeLessThan(TOL);
      expect(e.pooler).toBeLessThan(TOL);
      expect(e.mean).toBeLessThan(TOL);
      expect(e.loss).toBeLessThan(TOL);
      expect(e.labseHidden).toBeLessThan(TOL);
      expect(e.labseSentence).toBeLessThan(TOL);
      expect(g.ratio, `${g.name}: |Δ| ${g.abs}`).toBeLessThanOrEqual(1);
      expect(r.leakedTensors).toBe(0);
      expect(errors).toEqual([]);
    },
    PAGE_TIMEOUT,
  );
});
