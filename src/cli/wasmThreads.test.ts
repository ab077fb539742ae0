/**
 * The CLI's threaded wasm (wasmThreads.ts) in fresh processes, as a user runs `xlir`: the build starts
 * with the threads asked for, a finished command exits on its own, a run repeats bit for bit on a given thread
 * count (the determinism rule: one seed, the same bits on cpu/wasm), and 1 and 2 threads give the same bits
 * (our kernels share work among threads without changing any element's arithmetic).
 */
import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TEST_RUN_CONFIG } from '../core/testing/runConfigFixture.testutil';
import { makeToyFiles } from '../core/train/toyDataset.testutil';

const run = promisify(execFile);
const XLIR = path.resolve(import.meta.dirname, '../../bin/xlir.mjs');
/** a command whose pool threads kept Node alive would run into this */
const EXIT_WITHIN_MS = 120_000;

const xlir = (args: string[]) => run(process.execPath, [XLIR, ...args], { timeout: EXIT_WITHIN_MS, maxBuffer: 1 << 24 });

describe('xlir on threaded wasm', () => {
  let root: string;
  let data: string;
  let configFile: string;

  beforeAll(async () => {
    root = await mkdtemp(path.join(os.tmpdir(), 'xlir-threads-'));
    data = path.join(root, 'data');
    for (const [dataset, languages, seed] of [
      ['mlqa-r', ['de', 'en'], 1],
      ['xquad-r', ['en'], 2],
    ] as const) {
      await mkdir(path.join(data, dataset), { recursive: true });
      for (const f of makeToyFiles({ languages: [...languages], paragraphs: 8, seed })) await writeFile(path.join(data, dataset, f.name), f.bytes);
    }
    configFile = path.join(root, 'run.json');
    await writeFile(configFile, JSON.stringify({ ...TEST_RUN_CONFIG, steps: 3, warmupSteps: 1, checkpointEvery: 3 }));
  });
  afterAll(async () => {
    await rm(root, { recursive: true, force: true });
  });

  it('starts the threads asked for and exits when done', { timeout: 2 * EXIT_WITHIN_MS }, async () => {
    for (const threads of [1, 2]) {
      const { stdout } = await xlir(['env', '--threads', String(threads), '--products', 'wasm']);
      expect(stdout).toMatch(new RegExp(`backend\\s+wasm \\(WebAssembly SIMD, ${threads} threads?\\)`));
      // products on our kernel (with FMA: xlir turns Node 20's flag on), on every thread asked for
      expect(stdout).toMatch(new RegExp(`products\\s+our wasm kernel \\(relaxed-SIMD FMA\\), ${threads} threads?`));
      expect(stdout).toMatch(/matmul\s+256³ ok/);
      // by default on OpenBLAS (src/cli/nativeProducts.ts; .ci/run installs what the addon needs), as many threads
      for (const products of [[], ['--products', 'native']]) {
        const native = await xlir(['env', '--threads', String(threads), ...products]);
        expect(native.stdout).toMatch(new RegExp(`products\\s+OpenBLAS [0-9.]+ \\(\\w+\\), ${threads} threads?`));
        expect(native.stdout).toMatch(/matmul\s+256³ ok/);
      }
    }
    await expect(xlir(['env', '--threads', '0'])).rejects.toMatchObject({ stderr: expect.stringContaining('--threads must be a positive integer (got "0")') });
  });

  it.each(['wasm', 'native'])('trains to the same bits run after run, on 1 thread and on 2, with products on %s', { timeout: 8 * EXIT_WITHIN_MS }, async (products) => {
    let runs = 0;
    const outcome = async (threads: number) => {
      const out = path.join(root, `run-${products}-${threads}t-${runs++}`);
      const { stderr } = await xlir(['train', '--config', configFile, '--out', out, '--data', data, '--backend', 'wasm', '--threads', String(threads), '--products', products]);
      // the log names where the products ran: they set the run's bits
      expect(stderr).toMatch(products === 'native' ? /backend wasm \(products: OpenBLAS / : /backend wasm \(products: our wasm kernel /);
      const log = await readFile(path.join(out, 'log.jsonl'), 'utf8');
      const losses = log
        .trim()
        .split('\n')
        .map((l) => (JSON.parse(l) as { loss: number }).loss);
      const weights = await readFile(path.join(out, 'checkpoints', 'step-3', 'model.safetensors'));
      return { losses, weights };
    };
    const one = await outcome(1);
    const two = await outcome(2);
    expect(one.losses).toHaveLength(3);
    expect((await outcome(1)).losses).toEqual(one.losses);
    const twoAgain = await outcome(2);
    expect(twoAgain.losses).toEqual(two.losses);
    expect(Buffer.compare(twoAgain.weights, two.weights)).toBe(0);
    // both builds run products, GELU, sums and gathers on our kernels (src/core/model/wasmKernels.ts), which split
    // work among threads without changing any element's arithmetic, and OpenBLAS splits C, never K: 1 and 2 threads
    // give the same bits
    expect(two.losses).toEqual(one.losses);
    expect(Buffer.compare(two.weights, one.weights)).toBe(0);
  });

  it('records the products of each stretch of a run and says so when a resume switches them', { timeout: 4 * EXIT_WITHIN_MS }, async () => {
    const out = path.join(root, 'run-switch');
    await xlir(['train', '--config', configFile, '--out', out, '--data', data, '--threads', '1', '--products', 'wasm', '--until', '2']);
    const { stderr } = await xlir(['train', '--resume', out, '--data', data, '--threads', '2', '--products', 'native']);
    expect(stderr).toMatch(/products: steps before 2 ran on our wasm kernel \(relaxed-SIMD FMA\), the steps from here on run on OpenBLAS [0-9.]+ \(\w+\) \(products\.json\)/);
    const record = JSON.parse(await readFile(path.join(out, 'products.json'), 'utf8')) as { segments: { fromStep: number; products: string }[] };
    expect(record.segments.map((s) => s.fromStep)).toEqual([0, 2]);
    expect(record.segments[1]!.products).toMatch(/^OpenBLAS /);
  });
});
