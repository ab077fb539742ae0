/**
 * Building blocks for small WebAssembly SIMD function bodies (wasmGemm.ts, wasmGelu.ts, wasmAdamW.ts,
 * wasmColumnSum.ts): expressions over v128 values as byte arrays, composed like the formulas they compute, and loops.
 */
import { F32, I32, sleb, uleb, V128, vec } from '../wasmBytes';

export type Code = number[];

export const simd = (opcode: number): Code => [0xfd, ...uleb(opcode)];
export const get = (i: number): Code => [0x20, ...uleb(i)];
export const set = (i: number): Code => [0x21, ...uleb(i)];
export const i32 = (n: number): Code => [0x41, ...sleb(n)];
/** v128.const with one float32 in every lane */
export const f = (x: number): Code => [...simd(0x0c), ...new Uint8Array(Float32Array.of(x, x, x, x).buffer)];
/** v128.const with one int32 in every lane */
export const bits = (x: number): Code => [...simd(0x0c), ...new Uint8Array(Int32Array.of(x, x, x, x).buffer)];
export const binary =
  (opcode: number) =>
  (a: Code, b: Code): Code => [...a, ...b, ...simd(opcode)];
export const add = binary(228);
export const sub = binary(229);
export const mul = binary(230);
export const div = binary(231);
export const max = binary(233);
export const and = binary(0x4e);
export const xor = binary(0x51);
export const abs = (a: Code): Code => [...a, ...simd(224)];
export const nearest = (a: Code): Code => [...a, ...simd(0x6a)];
export const load = (base: number, at: number): Code => [...get(base), ...get(at), 0x6a, ...simd(0x00), 0x04, 0x00];
export const store = (base: number, at: number, value: Code): Code => [...get(base), ...get(at), 0x6a, ...value, ...simd(0x0b), 0x04, 0x00];
export const sqrt = (a: Code): Code => [...a, ...simd(227)];
/** v128.const 0 */
export const zero: Code = [...simd(0x0c), ...new Array<number>(16).fill(0)];
/** lanes 0, 1 of a f32x4 widened to a f64x2 */
export const promoteLow = (v: Code): Code => [...v, ...simd(0x5f)];
/** lanes 2, 3 of a f32x4 moved to lanes 0, 1 */
export const high = (v: Code): Code => [...v, ...v, ...simd(0x0d), 8, 9, 10, 11, 12, 13, 14, 15, 8, 9, 10, 11, 12, 13, 14, 15];
export const f64Add = binary(240);
export const f64Mul = binary(242);
/** base + 4·index (two i32 locals) into the i32 local `to`: element `index` of a float array */
export const elementAt = (base: number, index: number, to: number): Code => [...get(base), ...get(index), ...i32(4), 0x6c, 0x6a, ...set(to)];
/** f32x4.splat of an f32 local */
export const splat = (local: number): Code => [...get(local), ...simd(0x13)];

/**
 * `loop { body; counter += step; } while (counter != limit)`: every loop of our kernels (the body runs at least
 * once, so the caller guarantees a first pass is due). `step` is code leaving an i32 on the stack.
 */
export function doWhile(counter: number, step: Code, limit: number, body: Code): Code {
  return [0x03, 0x40, ...body, ...get(counter), ...step, 0x6a, ...set(counter), ...get(counter), ...get(limit), 0x47, 0x0d, 0x00, 0x0b];
}

/** loop i = 0, 16, … < 4n over `body` (bytes): n a local, I and END i32 locals */
export function loopOver(n: number, I: number, END: number, body: Code): Code {
  return [...get(n), ...i32(4), 0x6c, ...set(END), ...i32(0), ...set(I), ...doWhile(I, i32(16), END, body)];
}

/** A function's code entry: its locals (i32s, then v128s, after the parameters) and body. */
export function withLocals(i32s: number, v128s: number, body: Code): number[] {
  return withTypedLocals(i32s, 0, v128s, body);
}

/** The same with f32 locals between them: i32s, then f32s (no entry when there are none), then v128s. */
export function withTypedLocals(i32s: number, f32s: number, v128s: number, body: Code): number[] {
  const groups = [[...uleb(i32s), I32], ...(f32s > 0 ? [[...uleb(f32s), F32]] : []), [...uleb(v128s), V128]];
  const code = [...vec(groups), ...body, 0x0b];
  return [...uleb(code.length), ...code];
}
