/// <reference lib="webworker" />
/** One thread-count job per worker: wasm with `threads` threads, a matmul, then training steps. */
import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../../src/core/model/backend';
import { WASM_PATHS } from '../../workers/wasmAssets';
import { TRAIN_SHAPES } from '../shapes';
import { matmulGflops, measureTraining } from '../trainStep';
import type { ThreadJob, ThreadReply } from './protocol';

const post = (m: ThreadReply) => (self as unknown as DedicatedWorkerGlobalScope).postMessage(m);

self.onmessage = async (e: MessageEvent<ThreadJob>) => {
  const job = e.data;
  try {
    const info = await initBackend('wasm', { wasmPaths: WASM_PATHS, wasmThreads: job.threads });
    const env = { crossOriginIsolated: self.crossOriginIsolated, hardwareConcurrency: navigator.hardwareConcurrency, threadedBuild: Boolean(await tf.env().getAsync('WASM_HAS_MULTITHREAD_SUPPORT')) };
    const matmul = job.matmulN > 0 ? await matmulGflops(job.matmulN, 5) : null;
    const shape = { ...TRAIN_SHAPES[job.shape], ...(job.batch ? { batch: job.batch } : {}) };
    const train = job.repeats > 0 ? await measureTraining({ shape, dropout: 0, warmup: job.warmup, repeats: job.repeats, maxSeconds: job.maxSeconds }, (line) => post({ type: 'log', line: `[wasm ${job.threads}t ${job.shape}]${line}` })) : null;
    post({ type: 'result', result: { info, env, matmul, train } });
  } catch (err) {
    post({ type: 'error', message: err instanceof Error ? `${err.name}: ${err.message}` : String(err) });
  }
};
