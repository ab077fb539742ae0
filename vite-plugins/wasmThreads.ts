import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import type { Plugin } from 'vite';

/**
 * Makes tfjs-backend-wasm's threaded SIMD build survive minification (issue 25).
 *
 * tfjs 4.22 hands each pthread worker the Emscripten factory as
 * `new Blob(['var WasmBackendModuleThreadedSimd = ' + wasmFactoryThreadedSimd.toString()])`. Once the
 * bundle is minified that function's text refers to renamed module-level helpers the worker lacks, and
 * every pthread fails with `ReferenceError: e is not defined` (shared/notes/platform-webgpu.md §5).
 * This transform puts the factory file's own source text there instead, as a string literal the
 * minifier leaves alone. The leading `0;` lets the file's `var WasmBackendModuleThreadedSimd = (...)`
 * follow tfjs's prefix unchanged (a repeated `var` is legal); the file's CommonJS/AMD exports are
 * guarded by `typeof` checks and do nothing in a worker.
 */
export const BACKEND_WASM_FILE = /tfjs-backend-wasm[\\/]dist[\\/]backend_wasm\.js$/;
export const FACTORY_TO_STRING = 'wasmFactoryThreadedSimd.toString()';

/** The replacement text for `wasmFactoryThreadedSimd.toString()`: the factory file as a string literal. */
export function threadedFactorySource(): string {
  const require = createRequire(import.meta.url);
  const file = require.resolve('@tensorflow/tfjs-backend-wasm/wasm-out/tfjs-backend-wasm-threaded-simd.js');
  return JSON.stringify(`0;\n${readFileSync(file, 'utf8')}`);
}

/**
 * Rewrites backend_wasm.js; throws when the expression is missing (a tfjs upgrade changed it), so a
 * build never ships a threaded build that cannot start its threads.
 */
export function rewriteBackendWasm(code: string, id: string, factorySource = threadedFactorySource()): string {
  if (!code.includes(FACTORY_TO_STRING)) {
    throw new Error(`${id}: expected "${FACTORY_TO_STRING}" (tfjs-backend-wasm changed; see vite-plugins/wasmThreads.ts)`);
  }
  return code.replace(FACTORY_TO_STRING, () => factorySource);
}

export function wasmThreads(): Plugin {
  let source: string | undefined;
  return {
    name: 'xlir-wasm-threads',
    enforce: 'pre',
    transform(code, id) {
      if (!BACKEND_WASM_FILE.test(id.split('?')[0]!)) return null;
      source ??= threadedFactorySource();
      return { code: rewriteBackendWasm(code, id, source), map: null };
    },
  };
}
