/**
 * The bench page: runs each job in a fresh module worker (its own TF.js engine, as the app's compute
 * worker) and hands the result to the Node driver through `window.runBenchJob`.
 */
import { runInFreshWorker } from './freshWorker';
import type { BrowserJob } from './protocol';

declare global {
  interface Window {
    runBenchJob(job: BrowserJob): Promise<unknown>;
    benchReady: boolean;
  }
}

window.runBenchJob = (job: BrowserJob) => runInFreshWorker(() => new Worker(new URL('./bench.worker.ts', import.meta.url), { type: 'module' }), job);
window.benchReady = true;
