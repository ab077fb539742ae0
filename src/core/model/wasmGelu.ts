/**
 * Exact GELU, forward and backward, as WebAssembly SIMD function bodies (4 lanes, float32) for the kernel
 * module of wasmGemm.ts. tfjs's wasm `Erf` and `Exp` are scalar (4–5 ns an element here) and the composed
 * GELU took five passes forward and seven backward; these take one pass each.
 *
 * - exp(x), x ≤ 0: Cephes' `expf` (n = round(x·log₂e), r = x − n·ln2 in two parts, a degree-6 polynomial,
 *   2ⁿ from the exponent bits), x clamped at −87 (exp(−87) ≈ 1.6e−38, still normal).
 * - erf(z), z ≥ 0: Abramowitz & Stegun 7.1.26, 1 − t·P(t)·exp(−z²), t = 1/(1 + 0.3275911·z) (absolute error
 *   below 1.5e−7, the formula tfjs's cpu backend uses), its sign restored from x.
 *
 * gelu(x, y, cdf, n): y = x·Φ(x), cdf = Φ(x) = ½(1 + erf(x/√2)); geluGrad(x, cdf, dy, dx, n):
 * dx = dy·(Φ(x) + x·exp(−x²/2)/√(2π)). Byte offsets; n elements, a positive multiple of 4 (heapTasks.ts does
 * the rest in JS).
 */
import { abs, add, and, bits, type Code, div, f, get, i32, load, loopOver, max, mul, nearest, set, simd, store, sub, withLocals, xor } from './wasmSimd';

/** Horner: c[0]·xⁿ + … + c[n], x a local */
const horner = (x: number, c: readonly number[]): Code => c.slice(1).reduce<Code>((acc, k) => add(mul(acc, get(x)), f(k)), f(c[0]!));

/**
 * exp of the v128 on the stack (lanes ≤ 0), leaving the result on the stack; uses locals X, N, R.
 */
function exp(value: Code, [X, N, R]: readonly [number, number, number]): Code {
  const powerOfTwo = [...get(N), ...simd(248), ...bits(127), ...simd(174), ...i32(23), ...simd(171)]; // (i32(n) + 127) << 23
  return [
    ...max(value, f(-87)),
    ...set(X),
    ...nearest(mul(get(X), f(Math.LOG2E))),
    ...set(N),
    ...sub(sub(get(X), mul(get(N), f(0.693359375))), mul(get(N), f(-2.1219444e-4))),
    ...set(R),
    // (((((p0·r + p1)·r + …)·r + p5)·r² + r + 1)·2ⁿ
    ...mul(add(add(mul(mul(horner(R, [1.98756915e-4, 1.3981999507e-3, 8.3334519073e-3, 4.1665795894e-2, 1.6666665459e-1, 5.0000001201e-1]), get(R)), get(R)), get(R)), f(1)), powerOfTwo),
  ];
}

/** gelu(x, y, cdf, n) */
export function geluBody(): number[] {
  const [x, y, cdf, n] = [0, 1, 2, 3];
  const [I, END] = [4, 5];
  const [V, Z, T, C, X, N, R] = [6, 7, 8, 9, 10, 11, 12];
  const body = [
    ...load(x, I),
    ...set(V),
    ...mul(abs(get(V)), f(Math.SQRT1_2)),
    ...set(Z),
    ...div(f(1), add(f(1), mul(f(0.3275911), get(Z)))),
    ...set(T),
    // erf(|x|/√2) = 1 − t·P(t)·exp(−z²), then the sign of x, then Φ = ½ + ½·erf
    ...sub(f(1), mul(mul(horner(T, [1.061405429, -1.453152027, 1.421413741, -0.284496736, 0.254829592]), get(T)), exp(sub(f(0), mul(get(Z), get(Z))), [X, N, R]))),
    ...set(C),
    ...add(f(0.5), mul(f(0.5), xor(get(C), and(get(V), bits(-0x80000000))))),
    ...set(C),
    ...store(cdf, I, get(C)),
    ...store(y, I, mul(get(V), get(C))),
  ];
  return withLocals(2, 7, loopOver(n, I, END, body));
}

/** geluGrad(x, cdf, dy, dx, n) */
export function geluGradBody(): number[] {
  const [x, cdf, dy, dx, n] = [0, 1, 2, 3, 4];
  const [I, END] = [5, 6];
  const [V, X, N, R] = [7, 8, 9, 10];
  const body = [...load(x, I), ...set(V), ...store(dx, I, mul(load(dy, I), add(load(cdf, I), mul(get(V), mul(f(1 / Math.sqrt(2 * Math.PI)), exp(mul(f(-0.5), mul(get(V), get(V))), [X, N, R]))))))];
  return withLocals(2, 4, loopOver(n, I, END, body));
}
