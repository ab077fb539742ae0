/**
 * The cache key of a comparison (`compareRetrieval`): a hash of everything its result depends on, so that a
 * notebook can keep computed tests and show them after a reload without recomputing, and a changed input
 * (another evaluation, another seed) can never be answered from the cache.
 *
 * What the result depends on, and so what is hashed, in the order `compareRetrieval` reads it: the dataset
 * name; for each setting (mono, cross, multi, then rank distance when both results hold it) the first
 * result's cells in order, and in each cell its query ids in order with both results' values (the second's
 * looked up by id, as the tests pair them); the second result's cell and query counts (a surplus there is
 * an error, not a different result); and the test settings (seed, permutations, resamples, level). The
 * query order matters: it decides which unit each random draw falls on.
 */
import type { RetrievalResult } from './resultSchema';
import { SETTINGS } from './resultSchema';

/** Bumped when the tests' arithmetic or their draws change, so results cached before are not reused. */
export const SIGNIFICANCE_ALGORITHM = 1;

export interface SignificanceSettings {
  seed: number;
  permutations: number;
  resamples: number;
  /** confidence level of the bootstrap intervals */
  level: number;
}

/** The results' parts that the tests read. */
type Compared = Pick<RetrievalResult, 'dataset' | 'per_query'>;

/**
 * A 64-bit hash in two 32-bit lanes, each a multiply-xorshift stream over 32-bit words (murmur3-style
 * mixing, finalised with its `fmix32`); not cryptographic, but 2⁻⁶⁴ per accidental collision is far below
 * what a notebook's few dozen cached comparisons need.
 */
class Hash64 {
  private h1 = 0x9e3779b9;
  private h2 = 0x85ebca6b;
  private readonly f64 = new Float64Array(1);
  private readonly u32 = new Uint32Array(this.f64.buffer);

  word(w: number): void {
    this.h1 = Math.imul(this.h1 ^ w, 0x9e3779b1);
    this.h1 = (this.h1 << 13) | (this.h1 >>> 19);
    this.h2 = Math.imul(this.h2 ^ w, 0x5bd1e995);
    this.h2 = ((this.h2 << 15) | (this.h2 >>> 17)) ^ this.h1;
  }

  /** the IEEE-754 bits (platform byte order: little-endian in every browser and Node we run) */
  number(x: number): void {
    this.f64[0] = x;
    this.word(this.u32[0]!);
    this.word(this.u32[1]!);
  }

  /** length-prefixed UTF-16 code units, so that ["ab", "c"] and ["a", "bc"] differ */
  string(s: string): void {
    this.word(s.length);
    for (let i = 0; i < s.length; i++) this.word(s.charCodeAt(i));
  }

  hex(): string {
    const fmix = (h: number) => {
      h ^= h >>> 16;
      h = Math.imul(h, 0x85ebca6b);
      h ^= h >>> 13;
      h = Math.imul(h, 0xc2b2ae35);
      return (h ^ (h >>> 16)) >>> 0;
    };
    const a = fmix((this.h1 ^ Math.imul(this.h2, 0x27d4eb2f)) | 0);
    const b = fmix((this.h2 ^ Math.imul(a, 0x165667b1)) | 0);
    return a.toString(16).padStart(8, '0') + b.toString(16).padStart(8, '0');
  }
}

/**
 * @returns `sig<algorithm>-<16 hex digits>`; equal inputs give equal keys on every run and machine
 */
export function significanceKey(a: Compared, b: Compared, settings: SignificanceSettings): string {
  const h = new Hash64();
  h.word(SIGNIFICANCE_ALGORITHM);
  h.string(a.dataset);
  h.string(b.dataset);
  h.number(settings.seed);
  h.number(settings.permutations);
  h.number(settings.resamples);
  h.number(settings.level);
  const both = Boolean(a.per_query?.rank_distance && b.per_query?.rank_distance);
  for (const setting of both ? [...SETTINGS, 'rank_distance' as const] : SETTINGS) {
    const cellsA = a.per_query?.[setting] ?? {};
    const cellsB = b.per_query?.[setting] ?? {};
    h.string(setting);
    h.word(Object.keys(cellsB).length);
    for (const [cell, queries] of Object.entries(cellsA)) {
      h.string(cell);
      const other = cellsB[cell];
      h.word(other ? Object.keys(other).length : -1);
      for (const [id, x] of Object.entries(queries)) {
        h.string(id);
        h.number(x);
        // a query the second result lacks hashes as NaN: the comparison fails, and so would its recomputation
        h.number(other?.[id] ?? Number.NaN);
      }
    }
  }
  return `sig${SIGNIFICANCE_ALGORITHM}-${h.hex()}`;
}
