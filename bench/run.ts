/**
 * `npm run bench`: every benchmark of issue 7, one job at a time (the machine has 2 cores), results
 * merged into bench/results.json and rendered into bench/RESULTS.md.
 *
 *   npm run bench                              # everything (about 45 minutes here)
 *   npm run bench -- --only node,pytorch       # sections: peak node browser pytorch profile encode eval threads
 *   npm run bench -- --filter 'demo'           # jobs whose id matches a regular expression
 *   npm run bench -- --quick                   # smoke run (~7 min): wasm and PyTorch on the demo shape,
 *                                              # fewer repeats; writes results.quick.json / RESULTS.quick.md
 *   npm run bench -- --list                    # print the job ids and exit
 *   npm run bench -- --render                  # rewrite RESULTS.md from results.json only
 *   npm run bench -- --wait-quiet 120          # before each job, wait up to 120 s for the load to drop below 1
 *
 * Node jobs run in child processes (`bench/nodeTrain.ts`): one TF.js engine per backend, and the
 * WebGPU one needs Chromium's SwiftShader Vulkan driver in its environment. Browser jobs run in a
 * module worker of a page served by Vite to Debian's headless Chromium (`bench/browserBench.ts`).
 */
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { BrowserSession } from './browserBench';
import type { BrowserJob } from './browser/protocol';
import { describeMachine } from './machine';
import type { NodeJob } from './nodeTrain';
import type { WasmPatch } from './wasmKernelChoice';
import { blasInUse, ensurePytorch, runPytorchMatmul, runPytorchStep } from './pytorchReference';
import { renderResults } from './report';
import { readResults, writeResults, type JobRecord } from './results';
import { TRAIN_SHAPES, type ShapeName } from './shapes';
import { openThreadSession, renderThreadsSection, threadJobSpecs } from './threads';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const ROOT = path.dirname(HERE);
const RESULTS_JSON = path.join(HERE, 'results.json');
const RESULTS_MD = path.join(HERE, 'RESULTS.md');
/** --quick writes here (git-ignored), so a smoke run never replaces the full run's numbers */
const QUICK_JSON = path.join(HERE, 'results.quick.json');
const QUICK_MD = path.join(HERE, 'RESULTS.quick.md');
const SWIFTSHADER_ICD = '/usr/lib/chromium/vk_swiftshader_icd.json';
const RESULT_PREFIX = 'BENCH_RESULT ';
/** PyTorch gets the cores the machine has (2 here); TF.js wasm in Node is single-threaded. */
const THREADS = Math.max(1, Math.min(os.cpus().length, 2));
/** the BERT-base-shaped step at batch 32 needs more than tfjs-wasm's 4 GiB heap (batch 12 peaks at 3.6 GB) */
export const BERT_TFJS_BATCH = 8;
/** sequences per backward chunk at batch 32 (fewer than the 24 of a batch-8 step, which fits) */
export const BERT_CHUNK_ROWS = 16;

export const SECTIONS = ['peak', 'node', 'browser', 'pytorch', 'profile', 'encode', 'eval', 'threads'] as const;
export type Section = (typeof SECTIONS)[number];

interface Context {
  log: (line: string) => void;
  browser: () => Promise<BrowserSession>;
  quick: boolean;
}

export interface Job {
  id: string;
  section: Section;
  /** also part of --quick */
  quick: boolean;
  run: (ctx: Context) => Promise<unknown>;
}

function runNodeJob(job: NodeJob, log: (line: string) => void, timeoutS = 900): Promise<unknown> {
  const env: NodeJS.ProcessEnv = { ...process.env };
  if (job.backend === 'webgpu') {
    env.LD_LIBRARY_PATH = ['/usr/lib/chromium', process.env.LD_LIBRARY_PATH].filter(Boolean).join(':');
    env.VK_ICD_FILENAMES = SWIFTSHADER_ICD;
  }
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', path.join(HERE, 'nodeTrain.ts'), JSON.stringify(job)], { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutS * 1000);
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => {
      err += d.toString();
      for (const line of d.toString().split('\n')) if (line.startsWith('  ')) log(line);
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      const line = out.split('\n').find((l) => l.startsWith(RESULT_PREFIX));
      if (line) resolve(JSON.parse(line.slice(RESULT_PREFIX.length)));
      else {
        // skip emscripten's minified source line that Node prints above a wasm abort
        const reasons = err.split('\n').filter((l) => l.length < 400 && /Error|Abort|error/.test(l));
        reject(new Error(`node job exited with ${signal ?? code}: ${reasons.slice(0, 3).join(' | ') || err.slice(-400)}`));
      }
    });
  });
}

const train = (backend: NodeJob['backend'], shape: ShapeName, o: Partial<NodeJob> & { warmup: number; repeats: number; maxSeconds: number }): NodeJob => ({ kind: 'train', backend, shape, dropout: 0, ...o });

function nodeJobs(): Job[] {
  const jobs: Job[] = [];
  const add = (id: string, quick: boolean, job: NodeJob, section: Section = 'node') =>
    jobs.push({ id, section, quick, run: (c) => runNodeJob(c.quick ? { ...job, repeats: Math.min(job.repeats ?? 2, 2), warmup: Math.min(job.warmup ?? 1, 1) } : job, c.log) });
  add('node/wasm/demo', true, train('wasm', 'demo', { warmup: 2, repeats: 5, maxSeconds: 120 }));
  add('node/wasm+patch/demo', true, train('wasm', 'demo', { warmup: 2, repeats: 5, maxSeconds: 60, patch: 'transpose-matmul' }));
  add('node/wasm+patch/demo-dropout', false, train('wasm', 'demo', { warmup: 1, repeats: 3, maxSeconds: 60, patch: 'transpose-matmul', dropout: 0.1 }));
  // plain-JS kernels: about 110 s per demo step
  add('node/wasm+patches/demo', true, train('wasm', 'demo', { warmup: 2, repeats: 5, maxSeconds: 60, patch: 'transpose-matmul+share-identity' }));
  add('node/wasm+kernels-xnnpack/demo', true, train('wasm', 'demo', { warmup: 2, repeats: 5, maxSeconds: 60, patch: 'xnnpack-products' }));
  add('node/wasm+own-products/demo', false, train('wasm', 'demo', { warmup: 2, repeats: 5, maxSeconds: 60, patch: 'own-products' }));
  add('node/wasm+kernels/demo', true, train('wasm', 'demo', { warmup: 2, repeats: 5, maxSeconds: 60, patch: 'all' }));
  // the threaded build in Node, as `xlir --threads 2` runs it (src/cli/wasmThreads.ts: our kernels shared among 2
  // threads by src/core/model/heapPool.ts); its 1-thread row is node/wasm+kernels
  add('node/wasm+kernels-2t/demo', true, train('wasm', 'demo', { warmup: 2, repeats: 5, maxSeconds: 60, patch: 'all', threads: 2 }));
  // products on OpenBLAS, as `xlir` runs them where the addon is built (src/cli/nativeProducts.ts); the other
  // kernels as above
  add('node/wasm+openblas/demo', true, train('wasm', 'demo', { warmup: 2, repeats: 5, maxSeconds: 60, patch: 'all', threads: 1, products: 'native' }));
  add('node/wasm+openblas-2t/demo', true, train('wasm', 'demo', { warmup: 2, repeats: 5, maxSeconds: 60, patch: 'all', threads: 2, products: 'native' }));
  add('node/cpu/demo', false, train('cpu', 'demo', { warmup: 1, repeats: 1, maxSeconds: 1 }));
  // SwiftShader runs the demo step at about 0.1 GFLOP/s (100 s at batch 8, ~7 min at batch 32): batch 8, one timed step
  if (existsSync(SWIFTSHADER_ICD)) add('node/webgpu/demo', false, train('webgpu', 'demo', { batch: 8, warmup: 1, repeats: 1, maxSeconds: 1 }));
  // wasm runs kernels synchronously and compiles nothing, so the stock BERT step (about 2 min) is timed without warm-up
  add('node/wasm/bert-base-2l', false, train('wasm', 'bert-base-2l', { batch: BERT_TFJS_BATCH, warmup: 0, repeats: 1, maxSeconds: 1 }));
  add('node/wasm+patch/bert-base-2l', false, train('wasm', 'bert-base-2l', { batch: BERT_TFJS_BATCH, warmup: 1, repeats: 3, maxSeconds: 60, patch: 'transpose-matmul' }));
  add('node/wasm+patches/bert-base-2l', false, train('wasm', 'bert-base-2l', { batch: BERT_TFJS_BATCH, warmup: 1, repeats: 3, maxSeconds: 60, patch: 'transpose-matmul+share-identity' }));
  add('node/wasm+kernels-xnnpack/bert-base-2l', false, train('wasm', 'bert-base-2l', { batch: BERT_TFJS_BATCH, warmup: 1, repeats: 3, maxSeconds: 60, patch: 'xnnpack-products' }));
  add('node/wasm+own-products/bert-base-2l', false, train('wasm', 'bert-base-2l', { batch: BERT_TFJS_BATCH, warmup: 1, repeats: 3, maxSeconds: 60, patch: 'own-products' }));
  add('node/wasm+kernels/bert-base-2l', false, train('wasm', 'bert-base-2l', { batch: BERT_TFJS_BATCH, warmup: 1, repeats: 3, maxSeconds: 60, patch: 'all' }));
  add('node/wasm+kernels-2t/bert-base-2l', false, train('wasm', 'bert-base-2l', { batch: BERT_TFJS_BATCH, warmup: 1, repeats: 3, maxSeconds: 60, patch: 'all', threads: 2 }));
  add('node/wasm+openblas/bert-base-2l', false, train('wasm', 'bert-base-2l', { batch: BERT_TFJS_BATCH, warmup: 1, repeats: 5, maxSeconds: 60, patch: 'all', threads: 1, products: 'native' }));
  add('node/wasm+openblas-2t/bert-base-2l', false, train('wasm', 'bert-base-2l', { batch: BERT_TFJS_BATCH, warmup: 1, repeats: 5, maxSeconds: 60, patch: 'all', threads: 2, products: 'native' }));
  add('node/wasm+openblas/bert-base-2l-b32', false, train('wasm', 'bert-base-2l', { warmup: 1, repeats: 3, maxSeconds: 120, patch: 'all', threads: 1, products: 'native' }));
  add('node/wasm+openblas-2t/bert-base-2l-b32', false, train('wasm', 'bert-base-2l', { warmup: 1, repeats: 3, maxSeconds: 120, patch: 'all', threads: 2, products: 'native' }));
  // does the step fit the 4 GiB wasm heap at the batch the issue asks for once saved tensors are shared?
  add('node/wasm+kernels/bert-base-2l-b32', false, train('wasm', 'bert-base-2l', { warmup: 0, repeats: 1, maxSeconds: 1, patch: 'all' }));
  // it does not; the chunked backward (gradient cache, src/core/train/gradientCache.ts) holds one chunk's activations
  add('node/wasm+kernels/bert-base-2l-b32-chunked', false, train('wasm', 'bert-base-2l', { warmup: 0, repeats: 2, maxSeconds: 300, patch: 'all', backwardChunkRows: BERT_CHUNK_ROWS }));
  add('node/wasm+kernels-2t/bert-base-2l-b32-chunked', false, train('wasm', 'bert-base-2l', { warmup: 0, repeats: 2, maxSeconds: 300, patch: 'all', backwardChunkRows: BERT_CHUNK_ROWS, threads: 2 }));
  add('peak/tfjs-node/wasm', true, { kind: 'matmul', backend: 'wasm', n: 1024, repeats: 5 }, 'peak');
  add('peak/tfjs-node/wasm+kernels', false, { kind: 'matmul', backend: 'wasm', n: 1024, repeats: 5, patch: 'all' }, 'peak');
  add('peak/tfjs-node/wasm+kernels-2t', false, { kind: 'matmul', backend: 'wasm', n: 1024, repeats: 5, patch: 'all', threads: 2 }, 'peak');
  add('peak/tfjs-node/wasm+openblas', false, { kind: 'matmul', backend: 'wasm', n: 1024, repeats: 5, patch: 'all', threads: 1, products: 'native' }, 'peak');
  add('peak/tfjs-node/wasm+openblas-2t', false, { kind: 'matmul', backend: 'wasm', n: 1024, repeats: 5, patch: 'all', threads: 2, products: 'native' }, 'peak');
  // our own wasm product kernel, with and without relaxed SIMD's FMA, beside XNNPACK's (bench/simdGemm.ts)
  add('peak/simd-gemm', false, { kind: 'simd-gemm', backend: 'wasm' }, 'peak');
  add('peak/tfjs-node/cpu', false, { kind: 'matmul', backend: 'cpu', n: 512, repeats: 3 }, 'peak');
  if (existsSync(SWIFTSHADER_ICD)) add('peak/tfjs-node/webgpu', false, { kind: 'matmul', backend: 'webgpu', n: 512, repeats: 3 }, 'peak');
  add('profile/wasm/matmul-variants', true, { kind: 'matmul-variants', backend: 'wasm', repeats: 5 }, 'profile');
  add('profile/wasm/demo', false, { kind: 'profile', backend: 'wasm', shape: 'demo', repeats: 3 }, 'profile');
  add('profile/wasm+patch/demo', true, { kind: 'profile', backend: 'wasm', shape: 'demo', repeats: 3, patch: 'transpose-matmul' }, 'profile');
  add('profile/wasm+patches/demo', false, { kind: 'profile', backend: 'wasm', shape: 'demo', repeats: 3, patch: 'transpose-matmul+share-identity' }, 'profile');
  add('profile/wasm+kernels-xnnpack/demo', false, { kind: 'profile', backend: 'wasm', shape: 'demo', repeats: 3, patch: 'xnnpack-products' }, 'profile');
  add('profile/wasm+own-products/demo', false, { kind: 'profile', backend: 'wasm', shape: 'demo', repeats: 3, patch: 'own-products' }, 'profile');
  add('profile/wasm+kernels/demo', true, { kind: 'profile', backend: 'wasm', shape: 'demo', repeats: 3, patch: 'all' }, 'profile');
  add('profile/wasm+kernels-2t/demo', false, { kind: 'profile', backend: 'wasm', shape: 'demo', repeats: 3, patch: 'all', threads: 2 }, 'profile');
  add('profile/wasm+openblas-2t/demo', false, { kind: 'profile', backend: 'wasm', shape: 'demo', repeats: 3, patch: 'all', threads: 2, products: 'native' }, 'profile');
  add('encode/wasm', false, { kind: 'encode', backend: 'wasm', n: 256, repeats: 1 }, 'encode');
  add('encode/wasm+patch', true, { kind: 'encode', backend: 'wasm', n: 256, repeats: 3, patch: 'transpose-matmul' }, 'encode');
  return jobs;
}

function browserJobs(): Job[] {
  const jobs: Job[] = [];
  const add = (id: string, quick: boolean, job: BrowserJob, section: Section = 'browser') =>
    jobs.push({
      id,
      section,
      quick,
      run: async (c) => {
        const session = await c.browser();
        const j = c.quick && job.kind === 'train' ? { ...job, warmup: 1, repeats: Math.min(job.repeats, 2) } : job;
        return { chromium: session.version, crossOriginIsolated: session.crossOriginIsolated, ...((await session.run(j)) as object) };
      },
    });
  const t = (backend: BrowserJob['backend'], shape: ShapeName, o: { warmup: number; repeats: number; maxSeconds: number; batch?: number; patch?: WasmPatch }): BrowserJob => ({ kind: 'train', backend, shape, dropout: 0, ...o });
  add('browser/wasm/demo', true, t('wasm', 'demo', { warmup: 1, repeats: 3, maxSeconds: 90 }));
  add('browser/wasm+patch/demo', true, t('wasm', 'demo', { warmup: 1, repeats: 3, maxSeconds: 60, patch: 'transpose-matmul' }));
  add('browser/webgl/demo', false, t('webgl', 'demo', { warmup: 1, repeats: 3, maxSeconds: 90 }));
  add('browser/webgpu/demo', false, t('webgpu', 'demo', { batch: 8, warmup: 1, repeats: 1, maxSeconds: 1 }));
  add('browser/wasm+patches/demo', false, t('wasm', 'demo', { warmup: 1, repeats: 3, maxSeconds: 60, patch: 'transpose-matmul+share-identity' }));
  add('browser/wasm+kernels/demo', true, t('wasm', 'demo', { warmup: 1, repeats: 3, maxSeconds: 60, patch: 'all' }));
  add('browser/wasm+patch/bert-base-2l', false, t('wasm', 'bert-base-2l', { batch: BERT_TFJS_BATCH, warmup: 1, repeats: 2, maxSeconds: 60, patch: 'transpose-matmul' }));
  for (const backend of ['wasm', 'webgl', 'webgpu'] as const) add(`peak/tfjs-browser/${backend}`, backend !== 'webgpu', { kind: 'matmul', backend, n: backend === 'webgpu' ? 512 : 1024, repeats: 5 }, 'peak');
  return jobs;
}

function pytorchJobs(): Job[] {
  const jobs: Job[] = [];
  const step = (id: string, quick: boolean, shape: ShapeName, threads: number, o: { batch?: number; warmup: number; repeats: number }) =>
    jobs.push({
      id,
      section: 'pytorch',
      quick,
      run: async (c) => {
        const s = { ...TRAIN_SHAPES[shape], ...(o.batch ? { batch: o.batch } : {}) };
        return { batch: s.batch, seq: s.seq, ...runPytorchStep(s, threads, c.quick ? 3 : o.repeats, c.quick ? 1 : o.warmup) };
      },
    });
  step(`pytorch/${THREADS}t/demo`, true, 'demo', THREADS, { warmup: 2, repeats: 5 });
  step('pytorch/1t/demo', true, 'demo', 1, { warmup: 2, repeats: 5 });
  step(`pytorch/${THREADS}t/demo-b8`, false, 'demo', THREADS, { batch: 8, warmup: 2, repeats: 5 });
  step('pytorch/1t/demo-b8', false, 'demo', 1, { batch: 8, warmup: 2, repeats: 5 });
  step(`pytorch/${THREADS}t/bert-base-2l`, false, 'bert-base-2l', THREADS, { batch: BERT_TFJS_BATCH, warmup: 1, repeats: 3 });
  step('pytorch/1t/bert-base-2l', false, 'bert-base-2l', 1, { batch: BERT_TFJS_BATCH, warmup: 1, repeats: 3 });
  step(`pytorch/${THREADS}t/bert-base-2l-b32`, false, 'bert-base-2l', THREADS, { warmup: 1, repeats: 3 });
  jobs.push({ id: `peak/pytorch/${THREADS}t`, section: 'peak', quick: true, run: async () => runPytorchMatmul([1024, 2048], THREADS, 5) });
  jobs.push({ id: 'peak/pytorch/1t', section: 'peak', quick: false, run: async () => runPytorchMatmul([1024, 2048], 1, 5) });
  return jobs;
}

function evalJob(): Job {
  return {
    id: 'eval/wasm',
    section: 'eval',
    quick: true,
    run: async (c) => {
      const dir = await mkdtemp(path.join(os.tmpdir(), 'xlir-bench-'));
      const file = path.join(dir, 'evaluate.json');
      try {
        await new Promise<void>((resolve, reject) => {
          const args = ['--import', 'tsx', path.join(HERE, 'evaluate.bench.ts'), '--json', file, ...(c.quick ? ['--quick', '--runs', '1', '--results', QUICK_MD] : [])];
          const child = spawn(process.execPath, args, { cwd: ROOT, stdio: ['ignore', 'ignore', 'pipe'] });
          child.stderr.on('data', (d: Buffer) => {
            for (const line of d.toString().split('\n')) if (line.trim()) c.log(`  ${line}`);
          });
          child.on('close', (code) => (code === 0 ? resolve() : reject(new Error(`evaluate.bench.ts exited with ${code}`))));
        });
        return JSON.parse(await readFile(file, 'utf8'));
      } finally {
        await rm(dir, { recursive: true, force: true });
      }
    },
  };
}

/** Step time by wasm thread count in Chromium (bench/threads.ts); each job opens its own page and server. */
function threadJobs(): Job[] {
  return threadJobSpecs().map((spec) => ({
    id: spec.id,
    section: 'threads' as const,
    quick: spec.quick,
    run: async (c: Context) => {
      const session = await openThreadSession({ built: spec.built, log: c.log });
      try {
        const job = c.quick ? { ...spec.job, repeats: Math.min(spec.job.repeats, 2) } : spec.job;
        return { where: spec.built ? 'built' : 'dev', chromium: session.version, crossOriginIsolated: session.crossOriginIsolated, ...((await session.run(job)) as object) };
      } finally {
        await session.close();
      }
    },
  }));
}

export function allJobs(): Job[] {
  const nodeAll = nodeJobs();
  const bySection = (s: Section) => nodeAll.filter((j) => j.section === s);
  const py = pytorchJobs();
  const br = browserJobs();
  // peak first (the reference points), then training side by side, then the rest
  return [
    ...py.filter((j) => j.section === 'peak'),
    ...bySection('peak'),
    ...br.filter((j) => j.section === 'peak'),
    ...py.filter((j) => j.section === 'pytorch'),
    ...bySection('node'),
    ...br.filter((j) => j.section === 'browser'),
    ...bySection('profile'),
    ...bySection('encode'),
    evalJob(),
    ...threadJobs(),
  ];
}

function parseArgs(argv: string[]) {
  const value = (flag: string) => {
    const i = argv.indexOf(flag);
    return i >= 0 ? argv[i + 1] : undefined;
  };
  const only = value('--only')
    ?.split(',')
    .map((s) => s.trim());
  for (const s of only ?? []) if (!(SECTIONS as readonly string[]).includes(s)) throw new Error(`--only: unknown section "${s}" (sections: ${SECTIONS.join(', ')})`);
  const filter = value('--filter');
  const wait = Number(value('--wait-quiet') ?? 0);
  if (!(wait >= 0)) throw new Error('--wait-quiet takes a number of seconds');
  return { only: only as Section[] | undefined, filter: filter ? new RegExp(filter) : undefined, quick: argv.includes('--quick'), list: argv.includes('--list'), render: argv.includes('--render'), waitQuiet: wait };
}

/** On a shared machine: wait (at most `seconds`) until the 1-minute load average drops below 1. */
async function waitForQuiet(seconds: number, log: (line: string) => void): Promise<void> {
  const until = performance.now() + seconds * 1000;
  if (os.loadavg()[0]! < 1 || seconds <= 0) return;
  log(`  waiting up to ${seconds} s for the load (${os.loadavg()[0]!.toFixed(2)}) to drop below 1`);
  while (os.loadavg()[0]! >= 1 && performance.now() < until) await new Promise((r) => setTimeout(r, 5000));
}

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2));
  const log = (line: string) => process.stderr.write(`${line}\n`);
  const jobs = allJobs().filter((j) => (!args.only || args.only.includes(j.section)) && (!args.filter || args.filter.test(j.id)) && (!args.quick || j.quick));
  if (args.list) {
    for (const j of jobs) console.log(`${j.section.padEnd(8)} ${j.id}`);
    return;
  }
  const [jsonFile, mdFile] = args.quick ? [QUICK_JSON, QUICK_MD] : [RESULTS_JSON, RESULTS_MD];
  const results = await readResults(jsonFile);
  if (!args.render) {
    const needTorch = jobs.some((j) => j.id.startsWith('pytorch/') || j.id.startsWith('peak/pytorch/'));
    const torch = needTorch ? ensurePytorch(log) : false;
    let session: BrowserSession | null = null;
    const ctx: Context = {
      log,
      quick: args.quick,
      browser: async () => {
        if (!session) session = await (await import('./browserBench')).openBrowserSession(log);
        return session;
      },
    };
    try {
      for (const [i, job] of jobs.entries()) {
        if ((job.id.startsWith('pytorch/') || job.id.startsWith('peak/pytorch/')) && !torch) {
          results.jobs[job.id] = { measuredAt: new Date().toISOString(), loadBefore: os.loadavg(), wallSeconds: 0, result: null, error: 'PyTorch is not available' };
          continue;
        }
        await waitForQuiet(args.waitQuiet, log);
        log(`[${i + 1}/${jobs.length}] ${job.id} (load ${os.loadavg()[0]!.toFixed(2)})`);
        const t0 = performance.now();
        const record: JobRecord = { measuredAt: new Date().toISOString(), loadBefore: os.loadavg().map((x) => Math.round(x * 100) / 100), wallSeconds: 0, result: null };
        try {
          record.result = await job.run(ctx);
        } catch (err) {
          record.error = err instanceof Error ? err.message : String(err);
          log(`  failed: ${record.error}`);
        }
        record.wallSeconds = Math.round((performance.now() - t0) / 100) / 10;
        results.jobs[job.id] = record;
        results.updated = new Date().toISOString();
        await writeResults(jsonFile, results);
      }
    } finally {
      if (session) await (session as BrowserSession).close();
    }
    const torchVersion =
      Object.values(results.jobs)
        .map((j) => (j.result as { torch?: string } | null)?.torch)
        .find(Boolean) ?? null;
    results.machine = describeMachine({ torch: torchVersion, blas: blasInUse() });
    await writeResults(jsonFile, results);
  }
  await renderResults(results, mdFile);
  await renderThreadsSection(results.jobs, mdFile);
  log(`wrote ${path.relative(ROOT, jsonFile)} and ${path.relative(ROOT, mdFile)}`);
}

if (process.argv[1] && fileURLToPath(import.meta.url) === path.resolve(process.argv[1])) await main();
