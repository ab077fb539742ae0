/**
 * LayerNorm over rows of H floats, forward and backward, as WebAssembly SIMD function bodies (4 lanes, float32)
 * for the kernel module of wasmGemm.ts. The composed LayerNorm (encoderOps.ts) takes nine kernel calls over [N, H]
 * forward and eleven backward, each a tfjs kernel call; these keep a row (3 KB at H = 768) in cache while they
 * read it two or three times, and write each output once.
 *
 * layerNorm(x, gamma, beta, y, xhat, rstd, rows, H, eps), per row:
 *   μ = Σx / H;  r = 1/√(Σ(x − μ)² / H + ε);  x̂ = (x − μ)·r;  y = x̂·γ + β   (x̂ and r saved for the backward pass)
 * layerNormGrad(dy, xhat, rstd, gamma, dx, rows, H), per row, with g = dy·γ:
 *   dx = r·((g − Σg / H) − x̂·(Σg·x̂ / H))
 * Byte offsets; rows ≥ 1; H a positive multiple of 4. Sums run in 4 lanes (element j into lane j mod 4), the lanes
 * then added as (l0 + l1) + (l2 + l3): every row by the same instructions, whichever thread runs it.
 */
import { F32, I32, vec } from '../wasmBytes';
import { add, type Code, doWhile, get, i32, load, mul, set, simd, store, sub, withTypedLocals, zero } from './wasmSimd';

export const LAYER_NORM_TYPE = [0x60, ...vec([...new Array(8).fill([I32]), [F32]]), 0x00];
export const LAYER_NORM_GRAD_TYPE = [0x60, ...vec(new Array(7).fill([I32])), 0x00];

const lane = (v: Code, l: number): Code => [...v, ...simd(0x1f), l];
const f32Add = 0x92;
const f32Div = 0x95;
/** (l0 + l1) + (l2 + l3) of a v128 local, an f32 on the stack */
const lanesSum = (local: number): Code => [...lane(get(local), 0), ...lane(get(local), 1), f32Add, ...lane(get(local), 2), ...lane(get(local), 3), f32Add, f32Add];
/** the f32 on the stack divided by H (an i32 local) */
const overH = (h: number): Code => [...get(h), 0xb2, f32Div];
/** base + row·HB, into `to` */
const rowPointer = (base: number, row: number, hb: number, to: number): Code => [...get(base), ...get(row), ...get(hb), 0x6c, 0x6a, ...set(to)];
/** `acc` += value */
const accumulate = (acc: number, value: Code): Code => [...add(get(acc), value), ...set(acc)];

/** layerNorm(x, gamma, beta, y, xhat, rstd, rows, H, eps) */
export function layerNormBody(): number[] {
  const [x, gamma, beta, y, xhat, rstd, rows, h, eps] = [0, 1, 2, 3, 4, 5, 6, 7, 8];
  const [ROW, J, HB, XP, YP, HP] = [9, 10, 11, 12, 13, 14];
  const [MEAN, R] = [15, 16];
  const [S, C, M, RV] = [17, 18, 19, 20];
  const overRow = (body: Code): Code => [...i32(0), ...set(J), ...doWhile(J, i32(16), HB, body)];
  const centred = sub(load(XP, J), get(M));
  const rowBody = [
    ...rowPointer(x, ROW, HB, XP),
    ...rowPointer(y, ROW, HB, YP),
    ...rowPointer(xhat, ROW, HB, HP),
    ...zero,
    ...set(S),
    ...overRow(accumulate(S, load(XP, J))),
    ...lanesSum(S),
    ...overH(h),
    ...set(MEAN),
    ...get(MEAN),
    ...simd(0x13),
    ...set(M),
    ...zero,
    ...set(S),
    ...overRow([...centred, ...set(C), ...accumulate(S, mul(get(C), get(C)))]),
    // r = 1 / √(var + ε), stored at rstd + 4·row
    0x43,
    ...new Uint8Array(Float32Array.of(1).buffer),
    ...lanesSum(S),
    ...overH(h),
    ...get(eps),
    f32Add,
    0x91, // f32.sqrt
    f32Div,
    ...set(R),
    ...get(rstd),
    ...get(ROW),
    ...i32(4),
    0x6c,
    0x6a,
    ...get(R),
    0x38,
    0x02,
    0x00, // f32.store
    ...get(R),
    ...simd(0x13),
    ...set(RV),
    ...overRow([...mul(centred, get(RV)), ...set(C), ...store(HP, J, get(C)), ...store(YP, J, add(mul(get(C), load(gamma, J)), load(beta, J)))]),
  ];
  const body = [...get(h), ...i32(4), 0x6c, ...set(HB), ...i32(0), ...set(ROW), ...doWhile(ROW, i32(1), rows, rowBody)];
  return withTypedLocals(6, 2, 4, body);
}

/** layerNormGrad(dy, xhat, rstd, gamma, dx, rows, H) */
export function layerNormGradBody(): number[] {
  const [dy, xhat, rstd, gamma, dx, rows, h] = [0, 1, 2, 3, 4, 5, 6];
  const [ROW, J, HB, DP, HP, XP] = [7, 8, 9, 10, 11, 12];
  const [S1, S2, G, M1, M2, RV] = [13, 14, 15, 16, 17, 18];
  const overRow = (body: Code): Code => [...i32(0), ...set(J), ...doWhile(J, i32(16), HB, body)];
  const g = mul(load(DP, J), load(gamma, J));
  const meanOf = (sum: number, to: number): Code => [...lanesSum(sum), ...overH(h), ...simd(0x13), ...set(to)];
  const rowBody = [
    ...rowPointer(dy, ROW, HB, DP),
    ...rowPointer(xhat, ROW, HB, HP),
    ...rowPointer(dx, ROW, HB, XP),
    ...zero,
    ...set(S1),
    ...zero,
    ...set(S2),
    ...overRow([...g, ...set(G), ...accumulate(S1, get(G)), ...accumulate(S2, mul(get(G), load(HP, J)))]),
    ...meanOf(S1, M1),
    ...meanOf(S2, M2),
    // r of this row, splatted
    ...get(rstd),
    ...get(ROW),
    ...i32(4),
    0x6c,
    0x6a,
    ...simd(0x09), // v128.load32_splat
    0x02,
    0x00,
    ...set(RV),
    ...overRow(store(XP, J, mul(get(RV), sub(sub(g, get(M1)), mul(load(HP, J), get(M2)))))),
  ];
  const body = [...get(h), ...i32(4), 0x6c, ...set(HB), ...i32(0), ...set(ROW), ...doWhile(ROW, i32(1), rows, rowBody)];
  return withTypedLocals(6, 0, 6, body);
}
