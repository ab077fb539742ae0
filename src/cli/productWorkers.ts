/**
 * Node's worker threads for the heap pool (src/core/model/heapPool.ts), which shares our wasm kernel's
 * products and heap tasks among threads when `xlir` runs tfjs's threaded build (`--threads N`).
 */
import { Worker } from 'node:worker_threads';
import { type SpawnWorker, type StartedWorker, WORKER_START_TIMEOUT_MS } from '../core/model/heapPool';

export const nodeWorkerSpawner: SpawnWorker = (source, init) =>
  new Promise<StartedWorker>((resolve, reject) => {
    const worker = new Worker(source, { eval: true });
    // the workers wait for products for the whole process; they must not keep a finished command alive
    worker.unref();
    const fail = (reason: string) => {
      clearTimeout(timer);
      void worker.terminate();
      reject(new Error(reason));
    };
    const timer = setTimeout(() => fail(`the heap worker did not start within ${WORKER_START_TIMEOUT_MS} ms`), WORKER_START_TIMEOUT_MS);
    worker.once('message', (message: unknown) => {
      if (message !== 'ready') return fail(`the heap worker could not start: ${String(message)}`);
      clearTimeout(timer);
      resolve({ terminate: () => void worker.terminate() });
    });
    worker.once('error', (error) => fail(`the heap worker could not start: ${error.message}`));
    worker.postMessage(init);
  });
