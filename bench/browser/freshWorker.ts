/**
 * Runs one bench job in a fresh module worker (its own TF.js engine, as the app's compute worker) and
 * settles with its result. The caller creates the worker, so Vite still sees `new Worker(new URL(...))`
 * in the page that owns it and bundles that worker.
 */
import type { WorkerReply } from './protocol';

export function runInFreshWorker(createWorker: () => Worker, job: unknown): Promise<unknown> {
  return new Promise((resolve, reject) => {
    const worker = createWorker();
    worker.onmessage = (e: MessageEvent<WorkerReply>) => {
      const m = e.data;
      if (m.type === 'log') {
        console.log(m.line);
        return;
      }
      worker.terminate();
      if (m.type === 'result') resolve(m.result);
      else reject(new Error(m.message));
    };
    worker.onerror = (e) => {
      worker.terminate();
      reject(new Error(`worker error: ${e.message}`));
    };
    worker.postMessage(job);
  });
}
