/**
 * The sum over the rows of a row-major [M, R] matrix as a WebAssembly SIMD function body for the kernel module of
 * wasmGemm.ts: 16 columns per pass, each added in row order into a float64 accumulator (two per v128) and rounded
 * to float32 once, so it gives the bits of heapTasks.ts's JS loop, 5–10 times faster. The bias and LayerNorm
 * gradients and every broadcast add's gradient are such sums (178 a demo step).
 *
 * colsum(x, out, m, rowBytes, cols): byte offsets; cols a positive multiple of 16.
 * colsumProduct(x, y, out, m, rowBytes, cols): the same sum of x·y, each product rounded to float32 first, so it gives
 * the bits of `sum(mul(x, y), 0)` (LayerNorm's dγ = Σ dy·x̂) without writing the products.
 */
import { I32, uleb, vec } from '../wasmBytes';
import { type Code, doWhile, elementAt, f64Add, get, high, i32, promoteLow, set, simd, withLocals, zero } from './wasmSimd';

export const COLSUM_TYPE = [0x60, ...vec(new Array(5).fill([I32])), 0x00];
export const COLSUM_PRODUCT_TYPE = [0x60, ...vec(new Array(6).fill([I32])), 0x00];

const loadAt = (ptr: number, offset: number): Code => [...get(ptr), ...simd(0x00), 0x04, ...uleb(offset)];
const storeAt = (ptr: number, offset: number, value: Code): Code => [...get(ptr), ...value, ...simd(0x0b), 0x04, ...uleb(offset)];
const demote = (v: Code): Code => [...v, ...simd(0x5e)];
/** [a0, a1, b0, b1] from two f32x4 whose lanes 0, 1 hold the values */
const join = (a: Code, b: Code): Code => [...a, ...b, ...simd(0x0d), 0, 1, 2, 3, 4, 5, 6, 7, 16, 17, 18, 19, 20, 21, 22, 23];

/** colsum, or with `product` colsumProduct */
export function columnSumBody(product = false): number[] {
  const shift = product ? 1 : 0;
  const [x, y, out, m, rowBytes, cols] = [0, product ? 1 : -1, 1 + shift, 2 + shift, 3 + shift, 4 + shift];
  const [C0, I, P, Q, PY] = [5 + shift, 6 + shift, 7 + shift, 8 + shift, 9 + shift];
  const ACC = (j: number) => 10 + shift + j; // 8 f64x2 accumulators: columns 2j, 2j + 1 of the block
  const V = 18 + shift;
  // x's four floats at `offset` in the row, times y's where there is a y (f32x4.mul)
  const value = (offset: number): Code => (product ? [...loadAt(P, offset), ...loadAt(PY, offset), ...simd(230)] : loadAt(P, offset));
  const bump = (ptr: number): Code => [...get(ptr), ...get(rowBytes), 0x6a, ...set(ptr)];
  const rowBody = [
    ...[0, 1, 2, 3].flatMap((part) => [...value(16 * part), ...set(V), ...f64Add(get(ACC(2 * part)), promoteLow(get(V))), ...set(ACC(2 * part)), ...f64Add(get(ACC(2 * part + 1)), promoteLow(high(get(V)))), ...set(ACC(2 * part + 1))]),
    ...bump(P),
    ...(product ? bump(PY) : []),
  ];
  const blockBody = [
    ...Array.from({ length: 8 }, (_, j) => [...zero, ...set(ACC(j))]).flat(),
    // p = x + 4·c0, q = out + 4·c0 (and y's)
    ...elementAt(x, C0, P),
    ...elementAt(out, C0, Q),
    ...(product ? elementAt(y, C0, PY) : []),
    ...i32(0),
    ...set(I),
    ...doWhile(I, i32(1), m, rowBody),
    ...[0, 1, 2, 3].flatMap((part) => storeAt(Q, 16 * part, join(demote(get(ACC(2 * part))), demote(get(ACC(2 * part + 1)))))),
  ];
  return withLocals(5, 9, [...i32(0), ...set(C0), ...doWhile(C0, i32(16), cols, blockBody)]);
}
