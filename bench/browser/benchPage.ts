/**
 * The bench page: runs each job in a fresh module worker (its own TF.js engine, as the app's compute
 * worker) and hands the result to the Node driver through `window.runBenchJob`.
 */
import type { BrowserJob, WorkerReply } from './protocol';

declare global {
  interface Window {
    runBenchJob(job: BrowserJob): Promise<unknown>;
    benchReady: boolean;
  }
}

window.runBenchJob = (job: BrowserJob) =>
  new Promise((resolve, reject) => {
    const worker = new Worker(new URL('./bench.worker.ts', import.meta.url), { type: 'module' });
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
window.benchReady = true;
