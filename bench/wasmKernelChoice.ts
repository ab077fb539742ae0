/**
 * Which wasm kernels a bench row measures: with no patch named, tfjs's stock kernels (the "before"
 * rows); otherwise ours from src/core/model/wasmKernels.ts, which the app and the CLI install by default.
 */
import { FAST_WASM_KERNELS, STOCK_WASM_KERNELS, type WasmKernelChoice } from '../src/core/model/wasmKernels';

export const WASM_PATCHES = ['transpose-matmul', 'transpose-matmul+share-identity', 'xnnpack-products', 'own-products', 'all'] as const;
export type WasmPatch = (typeof WASM_PATCHES)[number];

/**
 * `all` is FAST_WASM_KERNELS, what the app and the CLI install; the others are the earlier steps towards it:
 * `own-products` adds our own product kernel to `xnnpack-products` (matmul, Identity and leading-axis Sum), and
 * `all` then the row gather, one-pass GELU, LayerNorm and AdamW, the bias inside the products and float64 gradient
 * norms
 */
export function wasmKernelChoice(patch: WasmPatch | undefined): WasmKernelChoice {
  if (patch === undefined) return STOCK_WASM_KERNELS;
  if (patch === 'all') return FAST_WASM_KERNELS;
  const steps = { ...STOCK_WASM_KERNELS, matmul: true, sharedIdentity: patch !== 'transpose-matmul' };
  if (patch === 'xnnpack-products') return { ...steps, leadingSum: true };
  if (patch === 'own-products') return { ...steps, leadingSum: true, ownGemm: true };
  return steps;
}
