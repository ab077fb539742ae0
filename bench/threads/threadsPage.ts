/** The thread-count bench page: each job in a fresh module worker, driven through `window.runThreadJob`. */
import { runInFreshWorker } from '../browser/freshWorker';
import type { ThreadJob } from './protocol';

declare global {
  interface Window {
    runThreadJob(job: ThreadJob): Promise<unknown>;
    threadsReady: boolean;
  }
}

window.runThreadJob = (job: ThreadJob) => runInFreshWorker(() => new Worker(new URL('./threads.worker.ts', import.meta.url), { type: 'module' }), job);
window.threadsReady = true;
