/**
 * OpenBLAS for the wasm backend's products in `xlir` (`--products`): the addon built from native/openblasProducts.c
 * multiplies in place on tfjs-backend-wasm's heap, so training and encoding in Node use the CPU's full vector width
 * (wasm SIMD has 4 float lanes). The page keeps our wasm kernel. OpenBLAS splits C among its threads and sums
 * each element over K in the same order whatever their number, so 1 and N threads give the same bits
 * (nativeProducts.test.ts); its results differ from the wasm kernel's by float32 rounding.
 */
import { statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import type { NativeProduct, NativeProducts } from '../core/model/nativeProducts';

export const OPENBLAS_ADDON = fileURLToPath(new URL('../../build/native/openblasProducts.node', import.meta.url));
export const OPENBLAS_SOURCE = fileURLToPath(new URL('./native/openblasProducts.c', import.meta.url));

export const PRODUCT_CHOICES = ['auto', 'native', 'wasm'] as const;
export type ProductChoice = (typeof PRODUCT_CHOICES)[number];
export const PRODUCTS_OPTION_HELP = "where the wasm backend's matrix products run: native = OpenBLAS (built by npm install, or npm run build:native), wasm = our wasm kernel, auto = native where it loads";

/** The addon's functions (openblasProducts.c). */
interface OpenBlasAddon {
  gemm(heap: Float32Array, m: number, n: number, k: number, transposeA: boolean, transposeB: boolean, batches: number, bShared: boolean, a: number, b: number, c: number, bias: number): void;
  setThreads(threads: number): void;
  describe(): { threads: number; corename: string; config: string };
}

export type NativeProductsLoad = { ok: true; products: NativeProducts } | { ok: false; reason: string };

/**
 * Loads the addon and sets OpenBLAS to `threads` threads.
 * @returns the products, or why they are unavailable (not built, built from an older source, OpenBLAS missing)
 */
export function loadOpenBlasProducts(threads: number, addonFile = OPENBLAS_ADDON, sourceFile = OPENBLAS_SOURCE): NativeProductsLoad {
  let built: number;
  try {
    built = statSync(addonFile).mtimeMs;
  } catch {
    return { ok: false, reason: `${addonFile} is not built (npm run build:native needs a C compiler and Node's headers)` };
  }
  if (statSync(sourceFile).mtimeMs > built) return { ok: false, reason: `${addonFile} is older than ${sourceFile}: run npm run build:native` };
  let addon: OpenBlasAddon;
  try {
    addon = createRequire(import.meta.url)(addonFile) as OpenBlasAddon;
  } catch (error) {
    return { ok: false, reason: `${addonFile} did not load: ${(error as Error).message}` };
  }
  addon.setThreads(threads);
  const { corename, config, threads: actual } = addon.describe();
  const version = /OpenBLAS (\S+)/.exec(config)?.[1];
  const label = `OpenBLAS${version ? ` ${version}` : ''}${corename ? ` (${corename})` : ''}, ${actual} thread${actual === 1 ? '' : 's'}`;
  return {
    ok: true,
    products: {
      label,
      gemm: (heap: Float32Array, p: NativeProduct) => addon.gemm(heap, p.m, p.n, p.k, p.transposeA, p.transposeB, p.batches, p.bShared, p.a, p.b, p.c, p.bias ?? -1),
    },
  };
}
