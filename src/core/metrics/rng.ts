/**
 * A small seeded pseudo-random generator for the significance tests (core code never calls
 * `Math.random()`, house rule 11). The generator is sfc32 (Chris Doty-Humphrey's "small fast counting"
 * generator, 128-bit state, period ≥ 2^32 per seed and about 2^127 on average), seeded through splitmix32
 * so that nearby seeds give unrelated streams. Not for cryptography.
 */

export interface Rng {
  /** uniform integer in [0, 2^32) */
  uint32(): number;
  /** uniform float in [0, 1) with 32 random bits */
  float(): number;
  /** uniform integer in [0, n) for 1 ≤ n ≤ 2^32 (multiply-shift; bias below 2^-32·n, negligible here) */
  int(n: number): number;
  /**
   * Writes the next `out.length` outputs of `uint32()` into `out`, in order: the same stream, a call per
   * block instead of per number (the significance tests draw ~10⁹ of them; in one loop with the state in
   * locals they stay unboxed).
   */
  fill(out: Uint32Array): void;
}

/** murmur3's 32-bit finaliser: a bijection that spreads every input bit over the output. */
export function fmix32(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/** splitmix32 step: expands one 32-bit seed into well-mixed state words. */
function splitmix32(state: { s: number }): number {
  state.s = (state.s + 0x9e3779b9) | 0;
  return fmix32(state.s);
}

/**
 * sfc32 over a block: writes the next `out.length` outputs into `out` and advances `state` ([a, b, c, d]).
 * A module-level function over a typed-array state rather than a closure over `let`s: V8 optimises it once
 * for every generator, and the block loop runs about three times faster.
 */
function sfc32Fill(state: Int32Array, out: Uint32Array): void {
  let a = state[0]!;
  let b = state[1]!;
  let c = state[2]!;
  let d = state[3]!;
  for (let i = 0; i < out.length; i++) {
    const t = (((a + b) | 0) + d) | 0;
    d = (d + 1) | 0;
    a = b ^ (b >>> 9);
    b = (c + (c << 3)) | 0;
    c = (c << 21) | (c >>> 11);
    c = (c + t) | 0;
    out[i] = t;
  }
  state[0] = a;
  state[1] = b;
  state[2] = c;
  state[3] = d;
}

/** One sfc32 step: the same arithmetic as {@link sfc32Fill} for a single output. */
function sfc32Next(state: Int32Array): number {
  const a = state[0]!;
  const b = state[1]!;
  const c = state[2]!;
  const d = state[3]!;
  const t = (((a + b) | 0) + d) | 0;
  state[3] = (d + 1) | 0;
  state[0] = b ^ (b >>> 9);
  state[1] = (c + (c << 3)) | 0;
  state[2] = (((c << 21) | (c >>> 11)) + t) | 0;
  return t >>> 0;
}

/**
 * @param seed any finite number; its integer part modulo 2^32 picks the stream (configs store it as JSON)
 * @returns a deterministic generator: the same seed always yields the same sequence
 */
export function createRng(seed: number): Rng {
  if (!Number.isFinite(seed)) throw new RangeError(`createRng: seed must be a finite number (got ${seed})`);
  const mix = { s: Math.trunc(seed) | 0 };
  const state = new Int32Array(4);
  for (let i = 0; i < 4; i++) state[i] = splitmix32(mix) | 0;
  const uint32 = (): number => sfc32Next(state);
  // Discard the first outputs: sfc32's state needs a few rounds to decorrelate from the seed words.
  for (let i = 0; i < 12; i++) uint32();
  return {
    uint32,
    float: () => uint32() / 4294967296,
    int: (n: number) => Math.floor((uint32() / 4294967296) * n),
    fill: (out: Uint32Array) => sfc32Fill(state, out),
  };
}
