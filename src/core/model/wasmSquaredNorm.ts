/**
 * Σx² over a run of float32s as a WebAssembly SIMD function body for the kernel module of wasmGemm.ts: each
 * element widened to float64, squared and added in float64 (four lanes of two accumulators), one pass. Gradient
 * clipping needs ‖g‖² of every gradient each step; the composed `sum(square(g))` took two passes and a
 * float32 sum.
 *
 * sumsq(x, n) → f64: byte offset; n a positive multiple of 4. Element j goes into lane j mod 4 and the result is
 * (l0 + l2) + (l1 + l3); heapTasks.ts adds runs of these in a fixed order.
 */
import { I32, vec } from '../wasmBytes';
import { type Code, f64Add, f64Mul, get, high, load, loopOver, promoteLow, set, simd, withLocals, zero } from './wasmSimd';

const F64 = 0x7c;
export const SUMSQ_TYPE = [0x60, ...vec([[I32], [I32]]), ...vec([[F64]])];

export function sumSquaresBody(): number[] {
  const [x, n] = [0, 1];
  const [I, END] = [2, 3];
  const [V, W, A, B] = [4, 5, 6, 7];
  const square = (local: number): Code => f64Mul(get(local), get(local));
  const body = [...load(x, I), ...set(V), ...promoteLow(get(V)), ...set(W), ...f64Add(get(A), square(W)), ...set(A), ...promoteLow(high(get(V))), ...set(W), ...f64Add(get(B), square(W)), ...set(B)];
  const total = [...f64Add(get(A), get(B)), ...set(A), ...get(A), ...simd(0x21), 0, ...get(A), ...simd(0x21), 1, 0xa0];
  return withLocals(2, 4, [...zero, ...set(A), ...zero, ...set(B), ...loopOver(n, I, END, body), ...total]);
}
