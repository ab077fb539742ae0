/**
 * A yield to the event loop (a macrotask, not a microtask). A worker's `onmessage` runs only between tasks,
 * and TF.js reads on the cpu and wasm backends resolve as microtasks, so a loop of `await tensor.data()`
 * never lets a stop or pause message in (issue 20, item 7: Stop did nothing during a 14k-text evaluation).
 * Loops that must stay stoppable await this between batches.
 *
 * `scheduler.yield()` where the platform has it; else a MessageChannel round trip, which unlike
 * `setTimeout(0)` is not clamped to 4 ms when nested (a tiny training step takes ~60 ms; 4 ms per step
 * would be a 6 % tax); else `setTimeout(0)`.
 */
interface SchedulerLike {
  yield?: () => Promise<void>;
}

export function yieldToEventLoop(): Promise<void> {
  const scheduler = (globalThis as { scheduler?: SchedulerLike }).scheduler;
  if (typeof scheduler?.yield === 'function') return scheduler.yield();
  if (typeof MessageChannel === 'function') {
    return new Promise((resolve) => {
      const channel = new MessageChannel();
      channel.port1.onmessage = () => {
        // closed, or Node would keep the process alive on the open port
        channel.port1.close();
        resolve();
      };
      channel.port2.postMessage(null);
    });
  }
  return new Promise((resolve) => setTimeout(resolve, 0));
}
