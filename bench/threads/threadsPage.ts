/** The thread-count bench page: each job in a fresh module worker, driven through `window.runThreadJob`. */
import type { ThreadJob, ThreadReply } from './protocol';

declare global {
  interface Window {
    runThreadJob(job: ThreadJob): Promise<unknown>;
    threadsReady: boolean;
  }
}

window.runThreadJob = (job: ThreadJob) =>
  new Promise((resolve, reject) => {
    const worker = new Worker(new URL('./threads.worker.ts', import.meta.url), { type: 'module' });
    worker.onmessage = (e: MessageEvent<ThreadReply>) => {
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
window.threadsReady = true;
