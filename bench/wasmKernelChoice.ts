/**
 * Which wasm kernels a bench row measures: with no patch named, tfjs's stock kernels (the "before"
 * rows); otherwise ours from src/core/model/wasmKernels.ts, which the app and the CLI install by default.
 */
import { FAST_WASM_KERNELS, STOCK_WASM_KERNELS, type WasmKernelChoice } from '../src/core/model/wasmKernels';

export const WASM_PATCHES = ['transpose-matmul', 'transpose-matmul+share-identity', 'xnnpack-products', 'all'] as const;
export type WasmPatch = (typeof WASM_PATCHES)[number];

/**
 * `all` is FAST_WASM_KERNELS, what the app and the CLI install; `xnnpack-products` is all but our own product
 * kernel; the others are the earlier steps towards it
 */
export function wasmKernelChoice(patch: WasmPatch | undefined): WasmKernelChoice {
  if (patch === undefined) return STOCK_WASM_KERNELS;
  if (patch === 'all') return FAST_WASM_KERNELS;
  if (patch === 'xnnpack-products') return { ...FAST_WASM_KERNELS, ownGemm: false };
  return { matmul: true, sharedIdentity: patch === 'transpose-matmul+share-identity', leadingSum: false, ownGemm: false };
}
