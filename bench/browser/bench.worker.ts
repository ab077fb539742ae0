/// <reference lib="webworker" />
/** One benchmark job per worker: select the backend, run the step or the matmul, post the result. */
import { initBackend } from '../../src/core/model/backend';
import { WASM_PATHS } from '../../workers/wasmAssets';
import { TRAIN_SHAPES } from '../shapes';
import { matmulGflops, measureTraining } from '../trainStep';
import { wasmKernelChoice } from '../wasmKernelChoice';
import type { BrowserJob, WorkerReply } from './protocol';

const post = (m: WorkerReply) => (self as unknown as DedicatedWorkerGlobalScope).postMessage(m);

self.onmessage = async (e: MessageEvent<BrowserJob>) => {
  const job = e.data;
  try {
    // One wasm thread, like the rows this section has always reported; bench/threads.ts measures thread counts.
    const info = await initBackend(job.backend, { wasmPaths: WASM_PATHS, wasmKernels: wasmKernelChoice(job.kind === 'train' ? job.patch : undefined), wasmThreads: 1 });
    const env = { crossOriginIsolated: self.crossOriginIsolated, userAgent: navigator.userAgent, hardwareConcurrency: navigator.hardwareConcurrency };
    if (job.kind === 'matmul') {
      post({ type: 'result', result: { info, env, ...(await matmulGflops(job.n, job.repeats)) } });
      return;
    }
    const shape = { ...TRAIN_SHAPES[job.shape], ...(job.batch ? { batch: job.batch } : {}) };
    const m = await measureTraining({ shape, dropout: job.dropout, warmup: job.warmup, repeats: job.repeats, maxSeconds: job.maxSeconds }, (line) => post({ type: 'log', line: `[${job.backend} ${job.shape}]${line}` }));
    post({ type: 'result', result: { info, env, patch: job.patch ?? null, ...m } });
  } catch (err) {
    post({ type: 'error', message: err instanceof Error ? `${err.name}: ${err.message}` : String(err) });
  }
};
