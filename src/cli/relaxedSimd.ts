/**
 * Node 20 ships WebAssembly relaxed SIMD behind a V8 flag (Chromium and Node 22+ have it on). Our wasm product
 * kernel (src/core/model/wasmGemm.ts) uses its fused multiply-add where it validates, so the CLI turns the flag on
 * before any backend starts.
 */
import v8 from 'node:v8';
import { hasRelaxedSimd } from '../core/model/wasmGemm';

/** @returns whether relaxed SIMD validates afterwards */
export function enableRelaxedSimd(): boolean {
  if (hasRelaxedSimd()) return true;
  v8.setFlagsFromString('--experimental-wasm-relaxed-simd');
  return hasRelaxedSimd();
}
