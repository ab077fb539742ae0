/**
 * The threaded SIMD wasm build in Node, so the CLI can train on several cores (issue 25) as the cross-origin
 * isolated app does (`--threads N`). tfjs-backend-wasm 4.22 turns the build off under Node and starts its pthread workers
 * from blob: URLs, which `worker_threads` refuses (ERR_WORKER_PATH). Here, before the backend starts:
 *  - its flag `WASM_HAS_MULTITHREAD_SUPPORT` is set;
 *  - the two scripts tfjs builds as Blobs (the pthread worker and the module factory, from
 *    `Function.toString()`) are written to a temporary folder, and `URL.createObjectURL` and the worker's
 *    `load` message get their file paths. The factory's text names the Node bundle's renamed
 *    `require`s (`require$$0` = fs, …) and `commonjsGlobal`, so the file defines them first, read from the
 *    bundle itself rather than written here;
 *  - the pool's workers never ref themselves (emscripten refs a worker while it runs a pthread, and
 *    tfjs's pool threads never return), so a finished command exits;
 *  - `os.cpus()` reports twice the threads while the backend starts: emscripten sizes its thread pool
 *    from half the cores, which is one thread on a 2-core machine (the app's worker does the same with
 *    `navigator.hardwareConcurrency`, src/core/model/backend.ts).
 * The tfjs version is pinned exactly (package.json), because this reads the bundle's internals.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { Worker } from 'node:worker_threads';
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { loadOpenBlasProducts, type ProductChoice } from './nativeProducts';
import { nodeWorkerSpawner } from './productWorkers';
import { enableRelaxedSimd } from './relaxedSimd';
import { type BackendInfo, type BackendOptions, initBackend } from '../core/model/backend';
import { XlirError } from '../core/errors';
import type { BackendPreference } from '../core/model/backendNames';
import { attachNativeProducts, wasmProductKernel } from '../core/model/wasmKernels';

/** A name both of tfjs's scripts contain, and nothing else the CLI turns into a Blob. */
const TFJS_SCRIPT_MARK = 'WasmBackendModuleThreadedSimd';

let installed = false;

/**
 * Every core this process may use, unless asked. A step of the demo shape (bench/trainStep.ts's measureTraining,
 * 2026-12-05, this project's 2-core machine) took 712 ms on 2 threads against 1047 ms on 1 with both cores idle,
 * 1159 against 1038 ms with another process holding one core, and 1581 against 1664 ms with both held. The pool's
 * threads wait on a futex after a short spin, so a busy machine costs a little, not the tenfold of the first
 * threaded build (no kernels of ours on threads then). Starting the threads costs about 0.8 s per command, which
 * only a smoke run notices. 1 and N threads train to the same bits (heapPool.ts).
 */
export function defaultCliThreads(): number {
  return Math.max(1, os.availableParallelism());
}

/** The `--threads` option's help, for every command that has it. */
export const THREADS_OPTION_HELP = `wasm threads (default: every core, ${defaultCliThreads()} here; 1 = the single-threaded build)`;

/** Free names of tfjs's factory text, defined as the Node bundle defines them. */
function bundlePrelude(): string {
  const bundle = readFileSync(createRequire(import.meta.url).resolve('@tensorflow/tfjs-backend-wasm'), 'utf8');
  const requires = [...bundle.matchAll(/(require\$\$\d+) = require\('([^']+)'\);/g)].map(([, name, mod]) => `var ${name} = require(${JSON.stringify(mod)});`);
  return [...requires, 'var commonjsGlobal = globalThis;', ''].join('\n');
}

function installScriptFiles(): void {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'xlir-wasm-threads-'));
  // the pool's workers read their scripts while the backend starts; nothing needs them after the command
  process.once('exit', () => rmSync(dir, { recursive: true, force: true }));
  const prelude = bundlePrelude();
  const files = new WeakMap<Blob, string>();
  let written = 0;
  const NativeBlob = globalThis.Blob;
  class ScriptBlob extends NativeBlob {
    constructor(parts: BlobPart[] = [], options?: BlobPropertyBag) {
      super(parts, options);
      if (parts.every((p) => typeof p === 'string') && parts.join('').includes(TFJS_SCRIPT_MARK)) {
        // .cjs: the worker needs `require` whatever package.json is around the temporary folder
        const file = path.join(dir, `tfjs-wasm-${written++}.cjs`);
        writeFileSync(file, prelude + parts.join(''));
        files.set(this, file);
      }
    }
  }
  globalThis.Blob = ScriptBlob;
  const createObjectURL = URL.createObjectURL.bind(URL);
  URL.createObjectURL = (blob: Blob) => files.get(blob) ?? createObjectURL(blob);
  const postMessage = Worker.prototype.postMessage;
  Worker.prototype.postMessage = function (this: Worker, message: unknown, transfer?: Parameters<Worker['postMessage']>[1]) {
    const load = message as { cmd?: unknown; urlOrBlob?: unknown } | null;
    if (load?.cmd === 'load') {
      if (load.urlOrBlob instanceof NativeBlob && files.has(load.urlOrBlob)) load.urlOrBlob = files.get(load.urlOrBlob);
      // emscripten unrefs a worker once loaded and refs it while it runs a pthread; tfjs's pool threads run
      // for the whole process and the main thread waits for them synchronously, so they must never keep a
      // finished command alive
      this.ref = () => {};
    }
    return postMessage.call(this, message, transfer);
  };
}

/** What `initCliBackend` started; `nativeUnavailable` says why `--products auto` kept the products on wasm. */
export interface CliBackendInfo extends BackendInfo {
  nativeUnavailable?: string;
}

/**
 * Starts a backend for a CLI command; wasm gets `threads` threads (default {@link defaultCliThreads}). One
 * thread is tfjs's own single-threaded SIMD build, untouched; more start the threaded build as above. On wasm,
 * `products` chooses where the products run (src/cli/nativeProducts.ts): OpenBLAS on as many threads, or our wasm
 * kernel.
 * @throws RangeError for a thread count that is not a positive integer; XlirError for `products: 'native'` where
 * OpenBLAS cannot load, saying why
 */
export async function initCliBackend(name: BackendPreference, threads = defaultCliThreads(), rest: BackendOptions = {}, products: ProductChoice = 'auto'): Promise<CliBackendInfo> {
  const info = await startBackend(name, threads, rest);
  if (info.backend !== 'wasm' || !info.wasmKernels?.matmul) return info;
  if (products === 'wasm') {
    // a backend started earlier in this process may have had them
    attachNativeProducts(null);
    return { ...info, wasmProducts: wasmProductKernel() ?? undefined };
  }
  const native = loadOpenBlasProducts(threads);
  if (!native.ok) {
    if (products === 'native') throw new XlirError('BACKEND_UNAVAILABLE', `--products native: ${native.reason}`);
    return { ...info, nativeUnavailable: native.reason };
  }
  attachNativeProducts(native.products);
  return { ...info, wasmProducts: wasmProductKernel() ?? undefined };
}

/** The backend for a command's log, with where the products ran: they set a run's bits (src/cli/nativeProducts.ts). */
export function backendSummary(info: CliBackendInfo): string {
  return info.wasmProducts ? `${info.backend} (products: ${info.wasmProducts})` : info.backend;
}

async function startBackend(name: BackendPreference, threads: number, rest: BackendOptions): Promise<BackendInfo> {
  if (!(Number.isInteger(threads) && threads >= 1)) throw new RangeError(`threads must be a positive integer (got ${threads})`);
  // before any wasm module compiles: our product kernel's FMA (src/core/model/wasmGemm.ts)
  enableRelaxedSimd();
  if ((name !== 'wasm' && name !== 'auto') || threads === 1) return initBackend(name, rest);
  if (!installed) {
    installScriptFiles();
    tf.env().set('WASM_HAS_MULTITHREAD_SUPPORT', true);
    installed = true;
  }
  const cpus = os.cpus;
  const one = cpus()[0];
  if (one) os.cpus = () => Array.from({ length: 2 * threads }, () => one);
  try {
    return await initBackend(name, { spawnWorker: nodeWorkerSpawner, ...rest, wasmThreads: threads });
  } finally {
    os.cpus = cpus;
  }
}
