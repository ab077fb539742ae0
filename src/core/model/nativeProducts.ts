/**
 * Products computed outside wasm, on the wasm backend's own heap: the hook through which `xlir` (src/cli/
 * nativeProducts.ts) hands the wasm backend's float32 products to OpenBLAS. Core code only sees this interface;
 * pages never have one.
 */

/** One product, in floats from the start of the heap: for each batch i, C_i = [bias +] op(A_i)·op(B_i). */
export interface NativeProduct {
  m: number;
  n: number;
  k: number;
  transposeA: boolean;
  transposeB: boolean;
  /** slices of A and C, each stored contiguously */
  batches: number;
  /** one B for every slice of A */
  bShared: boolean;
  a: number;
  b: number;
  c: number;
  /** n floats added to every row of C */
  bias?: number;
}

export interface NativeProducts {
  /** for reports, e.g. "OpenBLAS 0.3.21 (SkylakeX), 2 threads" */
  readonly label: string;
  /** C written in place on `heap` (the backend's whole memory); throws on offsets outside it */
  gemm(heap: Float32Array, product: NativeProduct): void;
}
