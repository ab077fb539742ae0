/**
 * Runs our wasm products (wasmGemm.ts) and heap tasks (heapTasks.ts) on several threads at once: worker threads
 * that instantiate the same kernel module on tfjs's shared heap (its threaded build) and take their share of
 * the work, while the calling thread takes the first share. One kernel call is one dispatch: the caller writes
 * the task and its parameters into a small shared control block, wakes the workers with `Atomics.notify` and
 * waits for them with `Atomics.wait`.
 *
 * Why not XNNPACK's own threads: they only run XNNPACK's kernels, whose single-thread products reach 27–31
 * GFLOP/s here against our kernel's 45–49 (bench/RESULTS.md), and tfjs's other kernels run on one thread.
 *
 * Every element of C is computed by the same instructions in the same order on whichever thread holds its row,
 * so the thread count changes no bit of a product; the heap tasks split their work the same way.
 */
import { HEAP_TASKS, TASK_GEMM } from './heapTasks';
import { PARAM_SLOTS, PARAMS, runShare, type GemmFunctions, type WasmGemm } from './wasmGemm';

/** Control block slots (Int32): the pool's own, then the task's parameters from PARAMS. */
const GENERATION = 0;
const REMAINING = 1;
/** the task id (HEAP_TASKS), or STOP */
const TASK = 2;
const FAILED = 3;
const STOP = -1;

/** Runs share `index` of `count` of `task` (on any thread: the caller or a worker). */
export function runTask(task: number, fns: GemmFunctions, buffer: ArrayBufferLike, control: Int32Array, index: number, count: number): void {
  if (task === TASK_GEMM) return runShare(fns, control, index, count);
  const run = HEAP_TASKS[task];
  if (!run) throw new RangeError(`no heap task ${task}`);
  run(fns, buffer, control, index, count);
}

/** What each worker receives once, in its first message. */
export interface HeapWorkerInit {
  module: WebAssembly.Module;
  memory: WebAssembly.Memory;
  control: SharedArrayBuffer;
  index: number;
  count: number;
}

export interface StartedWorker {
  terminate(): void;
}

/**
 * Starts a worker on `source` (a classic script), posts it `init`, and resolves once the worker answers
 * `'ready'`; rejects on any other answer, an error, or when it does not answer in time. The platform's:
 * {@link browserWorkerSpawner} in pages and web workers; src/cli's on Node's worker_threads.
 */
export type SpawnWorker = (source: string, init: HeapWorkerInit) => Promise<StartedWorker>;

/** How long a worker may take to start before the pool gives up on threads. */
export const WORKER_START_TIMEOUT_MS = 20_000;

/**
 * Busy-polls before blocking: a product takes 0.1–30 ms and the next one follows within microseconds to
 * milliseconds, so a short spin saves the futex wake-up without keeping a core from the calling thread's
 * elementwise work for long.
 */
const SPINS = 2000;

/** The worker's script: the tasks' own sources, then a loop that waits for work. */
export function heapWorkerSource(): string {
  return `"use strict";
const runShare = (${runShare.toString()});
const tasks = [${HEAP_TASKS.map((t) => (t ? `(${t.toString()})` : 'null')).join(', ')}];
const start = (init, post) => {
  let fns;
  try {
    fns = new WebAssembly.Instance(init.module, { env: { memory: init.memory } }).exports;
  } catch (error) {
    post('failed: ' + (error && error.message ? error.message : String(error)));
    return;
  }
  const control = new Int32Array(init.control);
  post('ready');
  let seen = 0;
  for (;;) {
    let spins = 0;
    while (Atomics.load(control, ${GENERATION}) === seen) {
      if (++spins > ${SPINS}) Atomics.wait(control, ${GENERATION}, seen);
    }
    seen = Atomics.load(control, ${GENERATION});
    const task = Atomics.load(control, ${TASK});
    if (task === ${STOP}) return;
    try {
      if (task === ${TASK_GEMM}) runShare(fns, control, init.index, init.count);
      else tasks[task](fns, init.memory.buffer, control, init.index, init.count);
    } catch (error) {
      Atomics.store(control, ${FAILED}, init.index);
    }
    if (Atomics.sub(control, ${REMAINING}, 1) === 1) Atomics.notify(control, ${REMAINING});
  }
};
if (typeof self === 'undefined' && typeof require === 'function') {
  const { parentPort } = require('node:worker_threads');
  parentPort.once('message', (init) => start(init, (m) => parentPort.postMessage(m)));
} else {
  self.onmessage = (event) => start(event.data, (m) => self.postMessage(m));
}
`;
}

/** Starts workers from a Blob URL: pages and web workers (a cross-origin isolated page's workers may nest). */
export const browserWorkerSpawner: SpawnWorker = (source, init) => {
  const url = URL.createObjectURL(new Blob([source], { type: 'text/javascript' }));
  const worker = new Worker(url);
  return new Promise<StartedWorker>((resolve, reject) => {
    const fail = (reason: string) => {
      clearTimeout(timer);
      worker.terminate();
      reject(new Error(reason));
    };
    const timer = setTimeout(() => fail(`the heap worker did not start within ${WORKER_START_TIMEOUT_MS} ms`), WORKER_START_TIMEOUT_MS);
    worker.onmessage = (event: MessageEvent) => {
      if (event.data !== 'ready') return fail(`the heap worker could not start: ${String(event.data)}`);
      clearTimeout(timer);
      resolve(worker);
    };
    worker.onerror = (event) => fail(`the heap worker could not start: ${event.message || 'error'}`);
    worker.postMessage(init);
  }).finally(() => URL.revokeObjectURL(url));
};

/** Whether this thread may block in `Atomics.wait` (not a page's main thread). */
function canBlock(): boolean {
  try {
    Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 1, 0);
    return true;
  } catch {
    return false;
  }
}

export interface HeapPool {
  /** the threads that share a task: the caller and the workers */
  readonly threads: number;
  /** runs `task` (a HEAP_TASKS id) with the parameters written at PARAMS; returns when every share is done */
  run(task: number): void;
  /** the block the task's parameters go into */
  readonly control: Int32Array;
  /** stops the workers; the pool must not run again */
  close(): void;
}

/**
 * Starts `threads - 1` workers on `gemm`'s module and `memory` (shared). Rejects if any worker fails to start
 * (the others are stopped): the caller then keeps its kernels on one thread.
 */
export async function startHeapPool(gemm: WasmGemm, memory: WebAssembly.Memory, threads: number, spawn: SpawnWorker): Promise<HeapPool> {
  if (!(Number.isInteger(threads) && threads >= 2)) throw new RangeError(`a heap pool needs at least 2 threads (got ${threads})`);
  if (!(memory.buffer instanceof SharedArrayBuffer)) throw new Error('a heap pool needs a shared wasm memory (tfjs-backend-wasm’s threaded build)');
  const buffer = new SharedArrayBuffer(4 * (PARAMS + PARAM_SLOTS));
  const control = new Int32Array(buffer);
  const source = heapWorkerSource();
  const started = await Promise.allSettled(Array.from({ length: threads - 1 }, (_, i) => spawn(source, { module: gemm.module, memory, control: buffer, index: i + 1, count: threads })));
  const workers = started.flatMap((s) => (s.status === 'fulfilled' ? [s.value] : []));
  const stop = () => {
    Atomics.store(control, TASK, STOP);
    Atomics.add(control, GENERATION, 1);
    Atomics.notify(control, GENERATION);
    for (const w of workers) w.terminate();
  };
  const failure = started.find((s): s is PromiseRejectedResult => s.status === 'rejected');
  if (failure) {
    stop();
    throw failure.reason instanceof Error ? failure.reason : new Error(String(failure.reason));
  }
  const blocking = canBlock();
  let closed = false;
  return {
    threads,
    control,
    run(task) {
      if (closed) throw new Error('the heap pool is closed');
      Atomics.store(control, TASK, task);
      Atomics.store(control, FAILED, 0);
      Atomics.store(control, REMAINING, threads - 1);
      Atomics.add(control, GENERATION, 1);
      Atomics.notify(control, GENERATION);
      let failed: unknown = null;
      try {
        runTask(task, gemm, memory.buffer, control, 0, threads);
      } catch (error) {
        failed = error;
      }
      // the workers write into C: wait for them even when our share failed
      let spins = 0;
      for (let left = Atomics.load(control, REMAINING); left !== 0; left = Atomics.load(control, REMAINING)) {
        if (blocking && ++spins > SPINS) Atomics.wait(control, REMAINING, left);
      }
      if (failed !== null) throw failed;
      const worker = Atomics.load(control, FAILED);
      if (worker !== 0) throw new Error(`heap worker ${worker} of ${threads - 1} failed task ${task}`);
    },
    close() {
      if (closed) return;
      closed = true;
      stop();
    },
  };
}
