/** Messages between the bench page, its worker and the Node driver (bench/browserBench.ts). */
import type { ShapeName } from '../shapes';
import type { WasmPatch } from '../wasmKernelChoice';

export const BROWSER_BACKENDS = ['wasm', 'webgl', 'webgpu'] as const;
export type BrowserBackend = (typeof BROWSER_BACKENDS)[number];

export type BrowserJob =
  | { kind: 'train'; backend: BrowserBackend; shape: ShapeName; batch?: number; patch?: WasmPatch; dropout: number; warmup: number; repeats: number; maxSeconds: number }
  | { kind: 'matmul'; backend: BrowserBackend; n: number; repeats: number };

export type WorkerReply = { type: 'log'; line: string } | { type: 'result'; result: unknown } | { type: 'error'; message: string };
