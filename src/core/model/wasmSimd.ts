/**
 * Building blocks for small WebAssembly SIMD function bodies (wasmGemm.ts, wasmGelu.ts, wasmAdamW.ts,
 * wasmColumnSum.ts): expressions over v128 values as byte arrays, composed like the formulas they compute, and loops.
 */
import { I32, sleb, uleb, V128, vec } from '../wasmBytes';

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
  const code = [
    ...vec([
      [...uleb(i32s), I32],
      [...uleb(v128s), V128],
    ]),
    ...body,
    0x0b,
  ];
  return [...uleb(code.length), ...code];
}
