// biome-ignore-all format: hand-assembled wasm reads one instruction group a line, as written
/**
 * A small WebAssembly SIMD kernel for the rank counting of `rankRelevant.ts`: four candidates per
 * instruction instead of one, which brings the evaluation work beyond the score matrix from about 40 % of
 * the product to a few per cent (`bench/RESULTS.md`, "Evaluation"). It is assembled here from its opcodes
 * (no toolchain, no binary blob); WebAssembly SIMD is in every current browser and in Node ≥ 16, and
 * {@link createCountKernel} returns null where it is missing so callers fall back to JavaScript.
 *
 * Scores are compared as integers: `orderedBits` maps a float32's bits to an int32 that orders like the
 * float (−0 and +0 both to 0), so `s > k ⟺ ord(s) > ord(k)` and `s ≥ k ⟺ ord(s) > ord(k) − 1`.
 *
 * The module, in text form:
 *
 *   (module
 *     (import "env" "memory" (memory 1))
 *     ;; in place: int32 bits → ordered int32, n a multiple of 4
 *     (func (export "ordered") (param $ptr i32) (param $n i32)
 *       (local $j i32) (local $x v128) (local $m v128) (local $c v128)
 *       (local.set $c (i32x4.splat (i32.const 0x7fffffff)))
 *       (block (loop
 *         (br_if 1 (i32.ge_s (local.get $j) (local.get $n)))
 *         (local.set $x (v128.load (i32.add (local.get $ptr) (i32.shl (local.get $j) (i32.const 2)))))
 *         (local.set $m (i32x4.shr_s (local.get $x) (i32.const 31)))
 *         (v128.store (i32.add (local.get $ptr) (i32.shl (local.get $j) (i32.const 2)))
 *           (i32x4.sub (v128.xor (local.get $x) (v128.and (local.get $m) (local.get $c))) (local.get $m)))
 *         (local.set $j (i32.add (local.get $j) (i32.const 4)))
 *         (br 0))))
 *     ;; out[k] += #{j ∈ [from, to) : base[j] > thr[k]} for k = 0..3 (int32 arrays, byte addresses)
 *     (func (export "count4") (param $base i32) (param $from i32) (param $to i32) (param $thr i32) (param $out i32)
 *       ;; scalar head until j is a multiple of 4, 4-wide SIMD body, scalar tail; then add the lanes
 *       ...))
 */

import { I32, name, section, sleb, uleb, V128, vec } from '../wasmBytes';

/** The exports of the kernel module, over its imported memory. */
export interface CountKernel {
  memory: WebAssembly.Memory;
  /** in place over `n` int32 at byte address `ptr` (n a multiple of 4): float32 bits → ordered int32 */
  ordered(ptr: number, n: number): void;
  /**
   * For k = 0..3: adds to the int32 at `out + 4k` how many int32 of `base[from .. to)` exceed the int32 at
   * `thr + 4k` (signed). Addresses in bytes, `from`/`to` in elements.
   */
  count4(base: number, from: number, to: number, thr: number, out: number): void;
}

const EMPTY = 0x40;
// core opcodes
const BLOCK = 0x02, LOOP = 0x03, BR = 0x0c, BR_IF = 0x0d, END = 0x0b;
const GET = 0x20, SET = 0x21;
const I32_LOAD = 0x28, I32_STORE = 0x36, I32_CONST = 0x41;
const I32_EQZ = 0x45, I32_GT_S = 0x4a, I32_GE_S = 0x4e, I32_ADD = 0x6a, I32_AND = 0x71, I32_SHL = 0x74;
// SIMD opcodes follow the 0xfd prefix as LEB128
const simd = (code: number) => [0xfd, ...uleb(code)];
const V128_LOAD = simd(0x00), V128_STORE = simd(0x0b), I32X4_SPLAT = simd(0x11), I32X4_EXTRACT_LANE = simd(0x1b);
const I32X4_GT_S = simd(0x3b), V128_AND = simd(0x4e), V128_XOR = simd(0x51), I32X4_SHR_S = simd(0xac), I32X4_SUB = simd(0xb1);
/** memarg: alignment 2^2 (int32 elements), offset */
const mem = (offset = 0) => [2, ...uleb(offset)];

const get = (i: number) => [GET, ...uleb(i)];
const set = (i: number) => [SET, ...uleb(i)];
const i32 = (v: number) => [I32_CONST, ...sleb(v)];
/** byte address `base + j·4` on the stack */
const addr = (base: number, j: number) => [...get(base), ...get(j), ...i32(2), I32_SHL, I32_ADD];

function orderedBody(): number[] {
  const [ptr, n, j, x, m, c] = [0, 1, 2, 3, 4, 5];
  const locals = [...uleb(2), ...uleb(1), I32, ...uleb(3), V128];
  const code = [
    ...i32(0x7fffffff), ...I32X4_SPLAT, ...set(c),
    BLOCK, EMPTY, LOOP, EMPTY,
    ...get(j), ...get(n), I32_GE_S, BR_IF, 1,
    ...addr(ptr, j), ...V128_LOAD, ...mem(), ...set(x),
    ...get(x), ...i32(31), ...I32X4_SHR_S, ...set(m),
    ...addr(ptr, j),
    ...get(x), ...get(m), ...get(c), ...V128_AND, ...V128_XOR, ...get(m), ...I32X4_SUB,
    ...V128_STORE, ...mem(),
    ...get(j), ...i32(4), I32_ADD, ...set(j),
    BR, 0, END, END, END,
  ];
  return [...locals, ...code];
}

function count4Body(): number[] {
  // params 0–4: base from to thr out; i32 locals 5 j, 6–9 c0–c3, 10–13 s0–s3, 14 v; v128 locals 15–18
  // T0–T3 (splatted thresholds), 19–22 a0–a3 (lane counters), 23 x
  const [base, from, to, thr, out, j, v, x] = [0, 1, 2, 3, 4, 5, 14, 23];
  const c = (k: number) => 6 + k;
  const s = (k: number) => 10 + k;
  const T = (k: number) => 15 + k;
  const a = (k: number) => 19 + k;
  const locals = [...uleb(2), ...uleb(10), I32, ...uleb(9), V128];
  const ks = [0, 1, 2, 3];
  const scalarStep = [
    ...addr(base, j), I32_LOAD, ...mem(), ...set(v),
    ...ks.flatMap((k) => [...get(c(k)), ...get(v), ...get(s(k)), I32_GT_S, I32_ADD, ...set(c(k))]),
    ...get(j), ...i32(1), I32_ADD, ...set(j),
  ];
  const code = [
    ...ks.flatMap((k) => [...get(thr), I32_LOAD, ...mem(4 * k), ...set(s(k)), ...get(s(k)), ...I32X4_SPLAT, ...set(T(k))]),
    ...get(from), ...set(j),
    // head: scalar until j is a multiple of 4
    BLOCK, EMPTY, LOOP, EMPTY,
    ...get(j), ...get(to), I32_GE_S, BR_IF, 1,
    ...get(j), ...i32(3), I32_AND, I32_EQZ, BR_IF, 1,
    ...scalarStep,
    BR, 0, END, END,
    // body: 4 candidates per step while j + 4 ≤ to; a lane counter subtracts the all-ones "greater" mask
    BLOCK, EMPTY, LOOP, EMPTY,
    ...get(j), ...i32(4), I32_ADD, ...get(to), I32_GT_S, BR_IF, 1,
    ...addr(base, j), ...V128_LOAD, ...mem(), ...set(x),
    ...ks.flatMap((k) => [...get(a(k)), ...get(x), ...get(T(k)), ...I32X4_GT_S, ...I32X4_SUB, ...set(a(k))]),
    ...get(j), ...i32(4), I32_ADD, ...set(j),
    BR, 0, END, END,
    // tail: scalar
    BLOCK, EMPTY, LOOP, EMPTY,
    ...get(j), ...get(to), I32_GE_S, BR_IF, 1,
    ...scalarStep,
    BR, 0, END, END,
    // out[k] += c_k + the four lanes of a_k
    ...ks.flatMap((k) => [
      ...get(out),
      ...get(out), I32_LOAD, ...mem(4 * k),
      ...get(c(k)), I32_ADD,
      ...[0, 1, 2, 3].flatMap((lane) => [...get(a(k)), ...I32X4_EXTRACT_LANE, lane, I32_ADD]),
      I32_STORE, ...mem(4 * k),
    ]),
    END,
  ];
  return [...locals, ...code];
}


/** The kernel module's bytes. */
export function countKernelBytes(): Uint8Array<ArrayBuffer> {
  const types = section(1, vec([
    [0x60, ...vec([[I32], [I32]]), ...vec([])],
    [0x60, ...vec([[I32], [I32], [I32], [I32], [I32]]), ...vec([])],
  ]));
  const imports = section(2, vec([[...name('env'), ...name('memory'), 0x02, 0x00, ...uleb(1)]]));
  const functions = section(3, vec([[0], [1]]));
  const exports = section(7, vec([[...name('ordered'), 0x00, 0], [...name('count4'), 0x00, 1]]));
  const bodies = [orderedBody(), count4Body()];
  const code = section(10, vec(bodies.map((b) => [...uleb(b.length), ...b])));
  return Uint8Array.from([0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, ...types, ...imports, ...functions, ...exports, ...code]);
}

let compiled: WebAssembly.Module | null | undefined;

/**
 * Instantiates the kernel over a fresh memory of `bytes` bytes (rounded up to 64 KiB pages).
 * @returns null when this runtime has no WebAssembly SIMD (or no WebAssembly)
 */
export function createCountKernel(bytes: number): CountKernel | null {
  if (compiled === undefined) {
    try {
      const code = countKernelBytes();
      compiled = typeof WebAssembly !== 'undefined' && WebAssembly.validate(code) ? new WebAssembly.Module(code) : null;
    } catch {
      compiled = null;
    }
  }
  if (compiled === null) return null;
  const memory = new WebAssembly.Memory({ initial: Math.max(1, Math.ceil(bytes / 65536)) });
  const exports = new WebAssembly.Instance(compiled, { env: { memory } }).exports as unknown as Omit<CountKernel, 'memory'>;
  return { memory, ordered: exports.ordered, count4: exports.count4 };
}
