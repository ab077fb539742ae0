/**
 * One AdamW step for one variable as a WebAssembly SIMD function body (4 lanes, float32) for the kernel module
 * of wasmGemm.ts, computing exactly what src/core/train/adamw.ts's composed update computes with tfjs's kernels,
 * operation by operation in float32 (IEEE multiply, add, divide and square root round the same in SIMD), so
 * both paths give the same bits; the composed update took ten passes over every variable, this takes one.
 *
 * adamw(theta, g, m, v, thetaOut, mOut, vOut, n, β1, 1 − β1, β2, 1 − β2, √(1 − β2ᵗ), ε, 1 − lr·wd, lr/(1 − β1ᵗ)):
 *   m' = m·β1 + g·(1 − β1);  v' = v·β2 + g²·(1 − β2)
 *   θ' = θ·(1 − lr·wd) − (m' / (√v' / √(1 − β2ᵗ) + ε))·(lr/(1 − β1ᵗ))
 * Byte offsets; n a positive multiple of 4 (heapTasks.ts does the rest in JS); the decay factor is 1 for
 * variables without decay (θ·1 = θ exactly).
 */
import { F32, I32, vec } from '../wasmBytes';
import { add, div, get, load, loopOver, mul, set, splat, sqrt, store, sub, withLocals } from './wasmSimd';

/** the function's type: 8 i32 offsets and counts, then 8 f32 scalars */
export const ADAMW_TYPE = [0x60, ...vec([...new Array(8).fill([I32]), ...new Array(8).fill([F32])]), 0x00];

export function adamwBody(): number[] {
  const [theta, g, m, v, thetaOut, mOut, vOut, n] = [0, 1, 2, 3, 4, 5, 6, 7];
  const scalars = [8, 9, 10, 11, 12, 13, 14, 15];
  const [I, END] = [16, 17];
  // v128 locals: the scalars splatted, then G, M2, V2
  const [B1, C1, B2, C2, S2, E, D, L] = [18, 19, 20, 21, 22, 23, 24, 25];
  const [G, M2, V2] = [26, 27, 28];
  const body = [
    ...load(g, I),
    ...set(G),
    ...add(mul(load(m, I), get(B1)), mul(get(G), get(C1))),
    ...set(M2),
    ...store(mOut, I, get(M2)),
    ...add(mul(load(v, I), get(B2)), mul(mul(get(G), get(G)), get(C2))),
    ...set(V2),
    ...store(vOut, I, get(V2)),
    ...store(thetaOut, I, sub(mul(load(theta, I), get(D)), mul(div(get(M2), add(div(sqrt(get(V2)), get(S2)), get(E))), get(L)))),
  ];
  const prologue = scalars.flatMap((p, i) => [...splat(p), ...set(B1 + i)]);
  return withLocals(2, 11, [...prologue, ...loopOver(n, I, END, body)]);
}
