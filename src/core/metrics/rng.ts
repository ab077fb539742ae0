/**
 * The one random module of core code (house rule 11: core code never calls `Math.random()`). Two seeded
 * generators, each kept bit for bit because results were recorded with it, and one seed derivation:
 *
 *  - {@link createRng}: sfc32 (Chris Doty-Humphrey's "small fast counting" generator, 128-bit state,
 *    period ≥ 2^32 per seed and about 2^127 on average), seeded through splitmix32 so that nearby seeds
 *    give unrelated streams; draws in blocks ({@link Rng.fill}). For the significance tests (the
 *    p-values recorded in examples/study depend on its stream), model initialisation and test data.
 *  - {@link Mulberry32}: mulberry32, a 32-bit generator whose whole state is one uint32, so a checkpoint
 *    stores it as `{ state }` and a resumed run continues the exact same stream (notes/checkpoints.md §5,
 *    "RNG"). The source of every random choice of training (sampling, hard negatives, hold-outs,
 *    discriminator initialisation).
 *  - {@link deriveSeed}: independent streams are not drawn from one shared generator: each consumer
 *    gets its own seed from the run seed and labels naming it, so adding a consumer never shifts the
 *    numbers another one sees.
 *
 * Both generators offer {@link RandomStream}'s `uint32`, `float` and `int`. Not for cryptography.
 */

const TWO_POW_32 = 4294967296;

/** What both generators offer. */
export interface RandomStream {
  /** uniform integer in [0, 2^32) */
  uint32(): number;
  /** uniform float in [0, 1) with 32 random bits */
  float(): number;
  /**
   * uniform integer in [0, n): sfc32 by multiply-shift (1 ≤ n ≤ 2^32, bias below 2^-32·n, negligible
   * here), mulberry32 without bias (draws above the largest multiple of n are redrawn)
   */
  int(n: number): number;
}

/** The sfc32 generator of {@link createRng}. */
export interface Rng extends RandomStream {
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
 * The sfc32 generator.
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
    float: () => uint32() / TWO_POW_32,
    int: (n: number) => Math.floor((uint32() / TWO_POW_32) * n),
    fill: (out: Uint32Array) => sfc32Fill(state, out),
  };
}

/** The serialisable state of a {@link Mulberry32}: one unsigned 32-bit integer. */
export interface RngState {
  state: number;
}

function checkSeed(seed: number, what: string): void {
  if (!Number.isInteger(seed) || seed < 0 || seed >= TWO_POW_32) {
    throw new RangeError(`${what} must be an integer in [0, 2^32) (got ${seed})`);
  }
}

/**
 * A seed for one consumer of randomness, derived from the run seed and labels naming the consumer
 * (e.g. `deriveSeed(seed, 'dropout', step, 'query')`). FNV-1a over the labels' text, then fmix32.
 *
 * @param seed the run seed, an integer in [0, 2^32)
 * @returns an integer in [0, 2^32)
 */
export function deriveSeed(seed: number, ...labels: (string | number)[]): number {
  checkSeed(seed, 'seed');
  let h = 0x811c9dc5;
  const text = [String(seed), ...labels.map(String)].join('\u0000');
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return fmix32(h);
}

/** The mulberry32 generator, with explicit, serialisable state. */
export class Mulberry32 implements RandomStream {
  private s: number;

  /** @param seed an integer in [0, 2^32) */
  constructor(seed: number) {
    checkSeed(seed, 'seed');
    this.s = seed;
  }

  /** Continues a stream saved with {@link Mulberry32.getState}. */
  static fromState(state: RngState): Mulberry32 {
    checkSeed(state.state, 'rng state');
    return new Mulberry32(state.state);
  }

  getState(): RngState {
    return { state: this.s };
  }

  setState(state: RngState): void {
    checkSeed(state.state, 'rng state');
    this.s = state.state;
  }

  /** @returns a uniform integer in [0, 2^32) */
  uint32(): number {
    this.s = (this.s + 0x6d2b79f5) >>> 0;
    let t = this.s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return (t ^ (t >>> 14)) >>> 0;
  }

  /** @returns a uniform float in [0, 1) with 32 random bits */
  float(): number {
    return this.uint32() / TWO_POW_32;
  }

  /**
   * A uniform integer in [0, n) without modulo bias (draws above the largest multiple of n are redrawn).
   * @param n an integer in [1, 2^32]
   */
  int(n: number): number {
    if (!Number.isInteger(n) || n < 1 || n > TWO_POW_32) throw new RangeError(`int(n) needs an integer n in [1, 2^32] (got ${n})`);
    const limit = TWO_POW_32 - (TWO_POW_32 % n);
    let u = this.uint32();
    while (u >= limit) u = this.uint32();
    return u % n;
  }

  /** @returns true with probability `p` (p ∈ [0, 1]; p = 0 is never, p = 1 always) */
  bernoulli(p: number): boolean {
    if (!(p >= 0 && p <= 1)) throw new RangeError(`bernoulli(p) needs p in [0, 1] (got ${p})`);
    return this.float() < p;
  }

  /** @returns a uniformly chosen element; throws on an empty array */
  choice<T>(items: readonly T[]): T {
    if (items.length === 0) throw new RangeError('choice() of an empty array');
    return items[this.int(items.length)]!;
  }

  /** Fisher–Yates shuffle in place; returns the same array. */
  shuffle<T>(items: T[]): T[] {
    for (let i = items.length - 1; i > 0; i--) {
      const j = this.int(i + 1);
      const tmp = items[i]!;
      items[i] = items[j]!;
      items[j] = tmp;
    }
    return items;
  }
}
