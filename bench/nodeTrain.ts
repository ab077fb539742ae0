/**
 * Child process of `bench/run.ts`: one backend in a fresh Node process (TF.js keeps one global
 * engine; the webgpu adapter must exist before the backend module is imported).
 *
 *   npx tsx bench/nodeTrain.ts '<json NodeJob>'
 *
 * For webgpu, start it with LD_LIBRARY_PATH=/usr/lib/chromium VK_ICD_FILENAMES=/usr/lib/chromium/
 * vk_swiftshader_icd.json (Dawn loads Chromium's SwiftShader Vulkan driver; see
 * shared/notes/platform-webgpu.md §3). Prints progress on stderr and one line `BENCH_RESULT <json>`.
 */
import type { BackendName } from '../src/core/model/backend';
import type { ProductChoice } from '../src/cli/nativeProducts';
import { TRAIN_SHAPES, type ShapeName } from './shapes';
import { wasmKernelChoice, type WasmPatch } from './wasmKernelChoice';

export interface NodeJob {
  kind: 'train' | 'profile' | 'matmul' | 'encode' | 'matmul-variants' | 'simd-gemm';
  backend: Extract<BackendName, 'wasm' | 'cpu' | 'webgpu'>;
  shape?: ShapeName;
  /** triplets per step, overriding the shape's (the BERT-base shape at batch 32 does not fit tfjs-wasm's heap) */
  batch?: number;
  dropout?: number;
  warmup?: number;
  repeats?: number;
  maxSeconds?: number;
  /** matmul size; for encode: texts of each kind */
  n?: number;
  /** train: backpropagate this many sequences at a time (`TrainingStepOptions.backwardChunkRows`) */
  backwardChunkRows?: number;
  /** train/profile: force AdamW's fused (true) or per-variable (false) update; default as the app */
  fusedOptimizer?: boolean;
  /** wasm: this many threads as `xlir --threads` runs them (src/cli/wasmThreads.ts: more than 1 is the threaded SIMD build); without it the single-threaded build */
  threads?: number;
  /** our wasm kernels (src/core/model/wasmKernels.ts); without it the row measures tfjs's stock kernels */
  patch?: WasmPatch;
  /** with `threads`: where the products run, as `xlir --products` (src/cli/nativeProducts.ts); default wasm */
  products?: ProductChoice;
}

export const RESULT_PREFIX = 'BENCH_RESULT ';

async function main(): Promise<void> {
  const job = JSON.parse(process.argv[2] ?? '{}') as NodeJob;
  if (job.backend === 'webgpu') {
    // tfjs-backend-webgpu decides at import time whether to register: navigator.gpu must exist first.
    const { create, globals } = await import('webgpu');
    Object.assign(globalThis, globals);
    Object.defineProperty(globalThis, 'navigator', { value: { gpu: create([]) }, configurable: true, writable: true });
  }
  // Node 20 has relaxed SIMD behind a flag; `xlir` turns it on the same way (src/cli/wasmThreads.ts)
  (await import('../src/cli/relaxedSimd')).enableRelaxedSimd();
  const { initBackend } = await import('../src/core/model/backend');
  const bench = await import('./trainStep');
  const options = { wasmKernels: wasmKernelChoice(job.patch) };
  const info = job.threads !== undefined ? await (await import('../src/cli/wasmThreads')).initCliBackend(job.backend, job.threads, options, job.products ?? 'wasm') : await initBackend(job.backend, options);
  const log = (line: string) => process.stderr.write(`${line}\n`);
  let result: unknown;
  if (job.kind === 'matmul-variants') {
    // the same products before and after the matmul patch, in one process
    const stock = await bench.matmulVariants(job.repeats ?? 5);
    (await import('../src/core/model/wasmKernels')).installWasmKernels({ ...(await import('../src/core/model/wasmKernels')).STOCK_WASM_KERNELS, matmul: true });
    result = { info, stock, patched: await bench.matmulVariants(job.repeats ?? 5) };
  } else if (job.kind === 'encode') {
    result = { info, patch: job.patch ?? null, ...(await (await import('./encode')).measureEncode(job.n ?? 500, job.repeats ?? 3, log)) };
  } else if (job.kind === 'simd-gemm') {
    result = { info, ...(await (await import('./simdGemm')).measureSimdGemm()) };
  } else if (job.kind === 'matmul') {
    result = { info, ...(await bench.matmulGflops(job.n ?? 1024, job.repeats ?? 5)) };
  } else {
    const shape = { ...TRAIN_SHAPES[job.shape ?? 'demo'], ...(job.batch ? { batch: job.batch } : {}) };
    if (job.kind === 'profile') {
      result = { info, patch: job.patch ?? null, fusedOptimizer: job.fusedOptimizer ?? null, ...(await bench.profileTraining(shape, job.repeats ?? 3, job.dropout ?? 0, job.fusedOptimizer)) };
    } else {
      const m = await bench.measureTraining(
        {
          shape,
          dropout: job.dropout ?? 0,
          warmup: job.warmup ?? 2,
          repeats: job.repeats ?? 5,
          maxSeconds: job.maxSeconds ?? 120,
          ...(job.backwardChunkRows ? { backwardChunkRows: job.backwardChunkRows } : {}),
          ...(job.fusedOptimizer !== undefined ? { fusedOptimizer: job.fusedOptimizer } : {}),
        },
        log,
      );
      result = { info, patch: job.patch ?? null, ...m };
    }
  }
  process.stdout.write(`${RESULT_PREFIX}${JSON.stringify(result)}\n`);
}

await main();
