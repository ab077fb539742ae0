/**
 * Training step time by wasm thread count in headless Chromium (issue 25). A page served cross-origin
 * isolated (the app's COOP/COEP headers) runs each job in a fresh module worker with
 * `initBackend('wasm', { wasmThreads })`. `built: true` measures the minified production build served
 * by `vite preview`, where the threaded build used to fail (vite-plugins/wasmThreads.ts).
 *
 *   node --import tsx bench/threads.ts [--built] [--threads 1,2] [--shape demo] [--batch 32] [--repeats 3]
 *   node --import tsx bench/threads.ts --record [--filter REGEX]   # the bench jobs, into results.json / RESULTS.md
 *
 * Node's threaded wasm (src/cli/wasmThreads.ts) is measured by run.ts's `node/wasm+kernels-2t` jobs, in the
 * training table.
 */
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Browser } from 'playwright-core';
import { build, createServer, preview } from 'vite';
import { launchChromium } from '../e2e/browser';
import { mergeSections, readResults, SECTION_ORDER, writeResults, type JobRecord } from './results';
import type { ShapeName } from './shapes';
import type { ThreadJob } from './threads/protocol';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const ROOT = path.dirname(HERE);
const PAGE = 'bench/threads/index.html';

export interface ThreadSession {
  crossOriginIsolated: boolean;
  version: string;
  run(job: ThreadJob): Promise<unknown>;
  close(): Promise<void>;
}

/** Serve the thread bench page (dev server, or a production build under `vite preview`) to Chromium. */
export async function openThreadSession(o: { built: boolean; log: (line: string) => void }): Promise<ThreadSession> {
  const closers: (() => Promise<unknown>)[] = [];
  const closeAll = async () => {
    for (const c of closers.reverse()) await c().catch(() => undefined);
  };
  try {
    let url: string | undefined;
    if (o.built) {
      const outDir = await mkdtemp(path.join(os.tmpdir(), 'xlir-threads-'));
      closers.push(() => rm(outDir, { recursive: true, force: true }));
      await build({ root: ROOT, logLevel: 'warn', build: { outDir, emptyOutDir: true, rollupOptions: { input: path.join(ROOT, PAGE) } } });
      const server = await preview({ root: ROOT, logLevel: 'warn', build: { outDir }, preview: { port: 0, host: '127.0.0.1' } });
      closers.push(() => server.close());
      url = server.resolvedUrls?.local[0];
    } else {
      const server = await createServer({ root: ROOT, logLevel: 'warn', server: { port: 0, host: '127.0.0.1' } });
      closers.push(() => server.close());
      await server.listen();
      url = server.resolvedUrls?.local[0];
    }
    if (!url) throw new Error('the Vite server did not report a URL');
    const browser: Browser = await launchChromium({ webgpu: false });
    closers.push(() => browser.close());
    const page = await browser.newPage();
    page.on('console', (msg) => o.log(`  browser: ${msg.text()}`));
    page.on('pageerror', (err) => o.log(`  browser error: ${err.message}`));
    await page.goto(`${url.replace(/\/$/, '')}/${PAGE}`);
    await page.waitForFunction(() => window.threadsReady === true, undefined, { timeout: 120_000 });
    return {
      crossOriginIsolated: await page.evaluate(() => self.crossOriginIsolated),
      version: browser.version(),
      run: (job) => page.evaluate((j) => window.runThreadJob(j), job),
      close: closeAll,
    };
  } catch (err) {
    await closeAll();
    throw err;
  }
}

/** The jobs `npm run bench -- --only threads` runs: the demo step at 1 and 2 threads (dev server and built app). */
export function threadJobSpecs(cores = os.cpus().length): { id: string; built: boolean; quick: boolean; job: ThreadJob }[] {
  const counts = [...new Set([1, 2, Math.max(1, cores)])].sort((a, b) => a - b);
  const specs: { id: string; built: boolean; quick: boolean; job: ThreadJob }[] = [];
  for (const built of [false, true]) {
    for (const threads of counts) {
      const where = built ? 'built' : 'dev';
      specs.push({ id: `threads/${where}/wasm-${threads}t/demo`, built, quick: !built, job: { threads, shape: 'demo', warmup: 1, repeats: 3, maxSeconds: 60, matmulN: 1024 } });
    }
  }
  for (const threads of counts) specs.push({ id: `threads/dev/wasm-${threads}t/bert-base-2l`, built: false, quick: false, job: { threads, shape: 'bert-base-2l', batch: 8, warmup: 1, repeats: 2, maxSeconds: 60, matmulN: 0 } });
  return specs;
}

/**
 * `--record`: runs the thread jobs (as `npm run bench -- --only threads` does) and writes only their
 * records into results.json and only their section into RESULTS.md, leaving the other sections as they are.
 */
async function recordAll(log: (line: string) => void, filter?: RegExp): Promise<void> {
  const jsonFile = path.join(HERE, 'results.json');
  for (const spec of threadJobSpecs().filter((s) => !filter || filter.test(s.id))) {
    log(`${spec.id} (load ${os.loadavg()[0]!.toFixed(2)})`);
    const record: JobRecord = { measuredAt: new Date().toISOString(), loadBefore: os.loadavg().map((x) => Math.round(x * 100) / 100), wallSeconds: 0, result: null };
    const t0 = performance.now();
    try {
      const session = await openThreadSession({ built: spec.built, log });
      try {
        record.result = { where: spec.built ? 'built' : 'dev', chromium: session.version, crossOriginIsolated: session.crossOriginIsolated, ...((await session.run(spec.job)) as object) };
      } finally {
        await session.close();
      }
    } catch (err) {
      record.error = err instanceof Error ? err.message : String(err);
      log(`  failed: ${record.error}`);
    }
    record.wallSeconds = Math.round((performance.now() - t0) / 100) / 10;
    const results = await readResults(jsonFile);
    results.jobs[spec.id] = record;
    await writeResults(jsonFile, results);
  }
  await renderThreadsSection((await readResults(jsonFile)).jobs, path.join(HERE, 'RESULTS.md'));
}

async function main(): Promise<void> {
  const argv = process.argv.slice(2);
  const value = (flag: string) => {
    const i = argv.indexOf(flag);
    return i >= 0 ? argv[i + 1] : undefined;
  };
  const log = (line: string) => process.stderr.write(`${line}\n`);
  if (argv.includes('--record')) {
    await recordAll(log, value('--filter') ? new RegExp(value('--filter')!) : undefined);
    return;
  }
  const threads = (value('--threads') ?? '1,2').split(',').map(Number);
  if (threads.some((t) => !Number.isInteger(t) || t < 1)) throw new Error('--threads takes a comma-separated list of positive integers');
  const session = await openThreadSession({ built: argv.includes('--built'), log });
  try {
    log(`crossOriginIsolated=${session.crossOriginIsolated} (${session.version})`);
    for (const t of threads) {
      const batch = value('--batch') ? Number(value('--batch')) : undefined;
      const job: ThreadJob = { threads: t, shape: (value('--shape') ?? 'demo') as ShapeName, ...(batch ? { batch } : {}), warmup: 1, repeats: Number(value('--repeats') ?? 3), maxSeconds: 120, matmulN: Number(value('--matmul') ?? 1024) };
      const load = os.loadavg()[0]!.toFixed(2);
      const r = await session.run(job);
      console.log(JSON.stringify({ threads: t, load, crossOriginIsolated: session.crossOriginIsolated, ...(r as object) }));
    }
  } finally {
    await session.close();
  }
}

/** A `npm run bench` job record's result for a thread-count job (what `ThreadSession.run` returns, plus where). */
interface ThreadResult {
  where: 'dev' | 'built';
  chromium: string;
  crossOriginIsolated: boolean;
  info: { wasmThreads?: number };
  matmul: { n: number; gflops: number } | null;
  train: { batch: number; seq: number; medianMs: number; gflops: number; timesMs: number[] } | null;
}

export const THREADS_HEADING = 'Training step by wasm thread count (Chromium)';

/** The RESULTS.md section for the `threads/…` jobs of results.json (a table; empty when none ran). */
export function threadsSection(jobs: Record<string, { loadBefore: number[]; result: unknown; error?: string; measuredAt: string }>): string {
  const rows: string[] = [];
  const failed: string[] = [];
  for (const [id, rec] of Object.entries(jobs)) {
    if (!id.startsWith('threads/')) continue;
    if (rec.error || !rec.result) {
      failed.push(`\`${id}\`: ${rec.error ?? 'no result'}`);
      continue;
    }
    const r = rec.result as ThreadResult;
    const shape = id.split('/').pop();
    const t = r.train;
    rows.push(
      `| ${shape} | ${r.where === 'built' ? 'built app (vite preview)' : 'dev server'} | ${r.crossOriginIsolated ? 'yes' : 'no'} | ${r.info.wasmThreads ?? '?'} | ${t ? `${t.batch} × ${t.seq}` : '–'} | ${t ? `${Math.round(t.medianMs)} ms` : '–'} | ${t ? t.gflops.toFixed(2) : '–'} | ${r.matmul ? `${r.matmul.gflops.toFixed(2)} (${r.matmul.n}³)` : '–'} | ${rec.loadBefore[0]?.toFixed(2) ?? '?'} |`,
    );
  }
  if (rows.length === 0 && failed.length === 0) return '';
  return [
    'Rendered by bench/threads.ts from the `threads/…` jobs (`npm run bench -- --only threads`). Each row is a fresh module',
    'worker of a cross-origin isolated page running the threaded SIMD wasm build with the given thread count',
    "(`initBackend('wasm', { wasmThreads })`), our wasm kernels installed; the demo step as in the training table.",
    'Node runs the same threaded build through src/cli/wasmThreads.ts: its rows are in the training table. On this shared 2-core machine,',
    'compare rows measured at a similar load only: with the load above 2, a second thread competes for a core',
    'and its spin-waits can make the step slower than one thread.',
    '',
    '| shape | served by | isolated | threads | batch × tokens | ms / step (median) | GFLOP/s | matmul GFLOP/s | load |',
    '|---|---|---|---:|---|---:|---:|---:|---:|',
    ...rows,
    ...(failed.length ? ['', `Failed: ${failed.join('; ')}.`] : []),
  ].join('\n');
}

/** Adds (or replaces) the thread-count section of RESULTS.md, keeping every other section as it is. */
export async function renderThreadsSection(jobs: Parameters<typeof threadsSection>[0], file: string): Promise<void> {
  const body = threadsSection(jobs);
  if (!body) return;
  const current = await readFile(file, 'utf8');
  const preamble = current.split(/^(?=## )/m)[0] ?? '';
  await writeFile(file, mergeSections(current, preamble, [{ heading: THREADS_HEADING, body }], SECTION_ORDER));
}

if (process.argv[1] && fileURLToPath(import.meta.url) === path.resolve(process.argv[1])) await main();
