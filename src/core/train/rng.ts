/**
 * The one source of randomness of training (house rule 11: never `Math.random()`): mulberry32, a 32-bit
 * generator whose whole state is one uint32, so a checkpoint stores it as `{ state }` and a resumed run
 * continues the exact same stream (notes/checkpoints.md §5, "RNG").
 *
 * Independent streams (hard negatives, permutations, dropout, initialisation) are not drawn from one
 * shared generator: each gets its own seed from {@link deriveSeed}(runSeed, ...labels), so adding a
 * consumer never shifts the numbers another one sees.
 */

import { fmix32 } from '../metrics/rng';

/** The serialisable state of an {@link Rng}: one unsigned 32-bit integer. */
export interface RngState {
  state: number;
}

const TWO_POW_32 = 4294967296;

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

/** A seeded mulberry32 generator with explicit, serialisable state. */
export class Rng {
  private s: number;

  /** @param seed an integer in [0, 2^32) */
  constructor(seed: number) {
    checkSeed(seed, 'seed');
    this.s = seed;
  }

  /** Continues a stream saved with {@link Rng.getState}. */
  static fromState(state: RngState): Rng {
    checkSeed(state.state, 'rng state');
    return new Rng(state.state);
  }

  getState(): RngState {
    return { state: this.s };
  }

  setState(state: RngState): void {
    checkSeed(state.state, 'rng state');
    this.s = state.state;
  }

  /** @returns a uniform integer in [0, 2^32) */
  nextUint32(): number {
    this.s = (this.s + 0x6d2b79f5) >>> 0;
    let t = this.s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return (t ^ (t >>> 14)) >>> 0;
  }

  /** @returns a uniform float in [0, 1) with 32 random bits */
  nextFloat(): number {
    return this.nextUint32() / TWO_POW_32;
  }

  /**
   * A uniform integer in [0, n) without modulo bias (draws above the largest multiple of n are redrawn).
   * @param n an integer in [1, 2^32]
   */
  int(n: number): number {
    if (!Number.isInteger(n) || n < 1 || n > TWO_POW_32) throw new RangeError(`int(n) needs an integer n in [1, 2^32] (got ${n})`);
    const limit = TWO_POW_32 - (TWO_POW_32 % n);
    let u = this.nextUint32();
    while (u >= limit) u = this.nextUint32();
    return u % n;
  }

  /** @returns true with probability `p` (p ∈ [0, 1]; p = 0 is never, p = 1 always) */
  bernoulli(p: number): boolean {
    if (!(p >= 0 && p <= 1)) throw new RangeError(`bernoulli(p) needs p in [0, 1] (got ${p})`);
    return this.nextFloat() < p;
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
