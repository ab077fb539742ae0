/** Messages between the thread-count bench page, its worker and the Node driver (bench/threads.ts). */
import type { ShapeName } from '../shapes';

/** One training measurement on the wasm backend with a given thread count (a fresh worker each). */
export interface ThreadJob {
  threads: number;
  shape: ShapeName;
  batch?: number;
  warmup: number;
  repeats: number;
  maxSeconds: number;
  /** also time an n×n×n matmul (GFLOP/s) with the same thread count; 0 skips it */
  matmulN: number;
}

/** The worker's messages: the same as the main bench worker's. */
export type { WorkerReply as ThreadReply } from '../browser/protocol';
