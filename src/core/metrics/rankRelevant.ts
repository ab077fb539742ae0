// biome-ignore-all format: the unrolled count kernels keep one register group a line, as they were written and measured
/**
 * Ranks of a query's relevant candidates in a pool made of language blocks, found by counting the
 * candidates that outrank each one in one pass over the score row, never by sorting it.
 *
 * Order (trec_eval's): score descending, then candidate id descending. The caller lays the candidates out
 * in ascending id order, so a larger index wins a tie (`evaluateRetrieval` permutes them once; canonical
 * ids start with the language, so every language stays one contiguous block). Then candidate j outranks
 * relevant item i (score k_i, index p_i) iff `s_j > k_i` for j ≤ p_i and `s_j ≥ k_i` for j > p_i. Scores are
 * float32, so `s ≥ k` equals `s > m` with m the midpoint between k and the float32 below it (exact in a
 * double). The row is therefore cut at the relevant indices into segments in which every relevant item
 * has one fixed threshold, and each segment is counted with branch-free comparisons against thresholds
 * held in local variables (`n_i += +(s > t_i)`). Profiling chose this form: the first version, a search
 * with a data-dependent branch per candidate, took 3× longer (branch mispredictions on random scores),
 * and a branch-free binary search feeding a histogram was 2× slower than these store-free counts in V8.
 *
 * One pass yields, per block b and relevant item i, the number of candidates of b that outrank i: the rank
 * of i inside its own block (the mono / cross cell, whose pool is that block) and in the merged pool (the
 * multilingual setting).
 *
 * Two implementations share that sweep: {@link rankRelevant} in JavaScript, and the WebAssembly SIMD kernel
 * of `countKernel.ts` (four candidates per instruction, 4–6× faster), chosen by {@link createRowRanker}.
 */

import { ConfigError } from '../errors';
import { createCountKernel } from './countKernel';

/** Reusable buffers so the per-query call allocates nothing. */
export interface RankScratch {
  maxRelevant: number;
  nBlocks: number;
  /** relevant items by index, ascending */
  byIndex: Int32Array;
  /** the current threshold of each relevant item (padded with +∞ to the unrolled width) */
  thresholds: Float64Array;
  /** beat[b·width + i] = candidates of block b that outrank relevant item i (width = R padded) */
  beat: Int32Array;
  /**
   * Whether to skip candidates below every relevant item with a branch. Set after each row from how many
   * candidates outranked its lowest relevant item (under half the pool → on), so it follows the model being
   * evaluated; the counts are exact either way.
   */
  skipLow: boolean;
}

const WIDTHS = [4, 8, 12, 16];

function paddedWidth(R: number): number {
  for (const w of WIDTHS) if (R <= w) return w;
  return R;
}

/**
 * @param maxRelevant the most relevant items a query can have (the number of languages)
 * @param nBlocks the number of candidate blocks (languages)
 */
export function createRankScratch(maxRelevant: number, nBlocks: number): RankScratch {
  return {
    maxRelevant,
    nBlocks,
    byIndex: new Int32Array(maxRelevant),
    thresholds: new Float64Array(paddedWidth(maxRelevant)),
    beat: new Int32Array(nBlocks * paddedWidth(maxRelevant)),
    skipLow: false,
  };
}

export interface RankRelevantInput {
  /** score row of the query: `row[rowOffset + j]` is the score of candidate j; candidates in ascending id order */
  row: Float32Array;
  rowOffset: number;
  /** candidate blocks `[blockStart[b], blockEnd[b])`, disjoint and ascending; their union is the merged pool */
  blockStart: Int32Array;
  blockEnd: Int32Array;
  /** candidate indices of the relevant items (R ≥ 1, distinct) and the block each lies in */
  relevant: Int32Array;
  relevantBlock: Int32Array;
  /** number of relevant items used from `relevant` */
  R: number;
}

const f32 = new Float32Array(1);
const u32 = new Uint32Array(f32.buffer);

/**
 * The threshold t with `s > t ⟺ s ≥ k` for every float32 s: the midpoint between k and the next float32
 * below it. A tie at ±0 counts as equal, as in a float comparison.
 */
export function atLeastThreshold(k: number): number {
  f32[0] = k;
  if (f32[0] !== k || !Number.isFinite(k)) throw new RangeError(`rankRelevant: score ${k} is not a finite float32`);
  if (k === 0) u32[0] = 0x80000001;
  else if (k > 0) u32[0]! -= 1;
  else u32[0]! += 1;
  return (f32[0]! + k) / 2;
}

// Adds, for each threshold, the candidates of row[from, to) scoring above it. One unrolled loop per width
// keeps thresholds and counters in registers; padded thresholds are +∞ and count nothing.
function count4(row: Float32Array, from: number, to: number, t: Float64Array, out: Int32Array, o: number, floor: number): void {
  const t0 = t[0]!, t1 = t[1]!, t2 = t[2]!, t3 = t[3]!;
  let n0 = 0, n1 = 0, n2 = 0, n3 = 0;
  for (let j = from; j < to; j++) {
    const s = row[j]!;
    if (s <= floor) continue;
    n0 += +(s > t0); n1 += +(s > t1); n2 += +(s > t2); n3 += +(s > t3);
  }
  out[o]! += n0; out[o + 1]! += n1; out[o + 2]! += n2; out[o + 3]! += n3;
}

function count8(row: Float32Array, from: number, to: number, t: Float64Array, out: Int32Array, o: number, floor: number): void {
  const t0 = t[0]!, t1 = t[1]!, t2 = t[2]!, t3 = t[3]!, t4 = t[4]!, t5 = t[5]!, t6 = t[6]!, t7 = t[7]!;
  let n0 = 0, n1 = 0, n2 = 0, n3 = 0, n4 = 0, n5 = 0, n6 = 0, n7 = 0;
  for (let j = from; j < to; j++) {
    const s = row[j]!;
    if (s <= floor) continue;
    n0 += +(s > t0); n1 += +(s > t1); n2 += +(s > t2); n3 += +(s > t3);
    n4 += +(s > t4); n5 += +(s > t5); n6 += +(s > t6); n7 += +(s > t7);
  }
  out[o]! += n0; out[o + 1]! += n1; out[o + 2]! += n2; out[o + 3]! += n3;
  out[o + 4]! += n4; out[o + 5]! += n5; out[o + 6]! += n6; out[o + 7]! += n7;
}

function count12(row: Float32Array, from: number, to: number, t: Float64Array, out: Int32Array, o: number, floor: number): void {
  const t0 = t[0]!, t1 = t[1]!, t2 = t[2]!, t3 = t[3]!, t4 = t[4]!, t5 = t[5]!;
  const t6 = t[6]!, t7 = t[7]!, t8 = t[8]!, t9 = t[9]!, t10 = t[10]!, t11 = t[11]!;
  let n0 = 0, n1 = 0, n2 = 0, n3 = 0, n4 = 0, n5 = 0, n6 = 0, n7 = 0, n8 = 0, n9 = 0, n10 = 0, n11 = 0;
  for (let j = from; j < to; j++) {
    const s = row[j]!;
    if (s <= floor) continue;
    n0 += +(s > t0); n1 += +(s > t1); n2 += +(s > t2); n3 += +(s > t3); n4 += +(s > t4); n5 += +(s > t5);
    n6 += +(s > t6); n7 += +(s > t7); n8 += +(s > t8); n9 += +(s > t9); n10 += +(s > t10); n11 += +(s > t11);
  }
  out[o]! += n0; out[o + 1]! += n1; out[o + 2]! += n2; out[o + 3]! += n3; out[o + 4]! += n4; out[o + 5]! += n5;
  out[o + 6]! += n6; out[o + 7]! += n7; out[o + 8]! += n8; out[o + 9]! += n9; out[o + 10]! += n10; out[o + 11]! += n11;
}

function count16(row: Float32Array, from: number, to: number, t: Float64Array, out: Int32Array, o: number, floor: number): void {
  // Two passes of eight keep the live values within the x64 register files.
  count8(row, from, to, t, out, o, floor);
  count8(row, from, to, t.subarray(8), out, o + 8, floor);
}

function countAny(row: Float32Array, from: number, to: number, t: Float64Array, out: Int32Array, o: number, width: number): void {
  for (let i = 0; i < width; i++) {
    const ti = t[i]!;
    let n = 0;
    for (let j = from; j < to; j++) n += +(row[j]! > ti);
    out[o + i]! += n;
  }
}

/**
 * @param floor scores ≤ floor beat no threshold and are skipped: −∞ (no skipping) or the lowest threshold.
 *   Skipping costs a branch per candidate that only pays when most candidates fall below every relevant
 *   item, as they do for a trained model; for random scores it loses ~10 % (see {@link RankScratch.skipLow}).
 */
function countSegment(row: Float32Array, from: number, to: number, t: Float64Array, out: Int32Array, o: number, width: number, floor: number): void {
  if (to <= from) return;
  if (width === 4) count4(row, from, to, t, out, o, floor);
  else if (width === 8) count8(row, from, to, t, out, o, floor);
  else if (width === 12) count12(row, from, to, t, out, o, floor);
  else if (width === 16) count16(row, from, to, t, out, o, floor);
  else countAny(row, from, to, t, out, o, width);
}

/** What a segment sweep does: count a segment of one block, and move an item past its index. */
interface SegmentCounter {
  /** counts candidates `[from, to)` (row-relative) of block b against the current thresholds */
  count(from: number, to: number, b: number): void;
  /** relevant item i is now behind: from here on an equal score beats it */
  pass(i: number): void;
}

/**
 * Walks the blocks in order, cutting each at the relevant indices that fall in it (`byIndex` is filled with
 * the relevant items sorted by index).
 */
function sweep(blockStart: Int32Array, blockEnd: Int32Array, relevant: Int32Array, R: number, byIndex: Int32Array, counter: SegmentCounter): void {
  for (let i = 0; i < R; i++) {
    let p = i;
    while (p > 0 && relevant[byIndex[p - 1]!]! > relevant[i]!) {
      byIndex[p] = byIndex[p - 1]!;
      p--;
    }
    byIndex[p] = i;
  }
  let next = 0;
  for (let b = 0; b < blockStart.length; b++) {
    const end = blockEnd[b]!;
    let from = blockStart[b]!;
    while (next < R && relevant[byIndex[next]!]! < end) {
      const i = byIndex[next]!;
      const p = relevant[i]!;
      // Up to and including p, beating item i needs a higher score; after p an equal score suffices.
      counter.count(from, p + 1, b);
      counter.pass(i);
      from = p + 1;
      next++;
    }
    counter.count(from, end, b);
  }
}

/**
 * Ranks from the per-block counts.
 * @returns the number of candidates that outrank the lowest-ranked relevant item
 */
function ranksFromCounts(
  beat: Int32Array,
  width: number,
  nBlocks: number,
  R: number,
  relevantBlock: Int32Array,
  out: { poolRank: Int32Array; blockRank: Int32Array },
): number {
  let deepest = 0;
  for (let i = 0; i < R; i++) {
    let total = 0;
    for (let b = 0; b < nBlocks; b++) total += beat[b * width + i]!;
    out.poolRank[i] = 1 + total;
    out.blockRank[i] = 1 + beat[relevantBlock[i]! * width + i]!;
    deepest = Math.max(deepest, total);
  }
  return deepest;
}

/**
 * The JavaScript implementation (branch-free float comparisons; see the module comment).
 * @param out.poolRank written: `poolRank[i]` = 1-based rank of `relevant[i]` in the merged pool
 * @param out.blockRank written: `blockRank[i]` = 1-based rank of `relevant[i]` among its own block
 * @throws RangeError when a relevant item's score is not a finite float32
 */
export function rankRelevant(
  input: RankRelevantInput,
  out: { poolRank: Int32Array; blockRank: Int32Array },
  scratch: RankScratch,
): void {
  const { row, rowOffset, blockStart, blockEnd, relevant, relevantBlock, R } = input;
  const { byIndex, thresholds, beat, maxRelevant } = scratch;
  const nBlocks = blockStart.length;
  if (R < 1 || R > maxRelevant || nBlocks > scratch.nBlocks) {
    throw new RangeError(`rankRelevant: R = ${R} and ${nBlocks} blocks exceed the scratch (${maxRelevant}, ${scratch.nBlocks})`);
  }
  const width = paddedWidth(R);
  for (let i = 0; i < R; i++) thresholds[i] = row[rowOffset + relevant[i]!]!;
  thresholds.fill(Infinity, R, width);
  beat.fill(0, 0, nBlocks * width);
  const skip = scratch.skipLow;
  sweep(blockStart, blockEnd, relevant, R, byIndex, {
    count(from, to, b) {
      let floor = -Infinity;
      if (skip) {
        floor = Infinity;
        for (let i = 0; i < R; i++) floor = Math.min(floor, thresholds[i]!);
      }
      countSegment(row, rowOffset + from, rowOffset + to, thresholds, beat, b * width, width, floor);
    },
    pass(i) {
      thresholds[i] = atLeastThreshold(thresholds[i]!);
    },
  });
  let poolSize = 0;
  for (let b = 0; b < nBlocks; b++) poolSize += blockEnd[b]! - blockStart[b]!;
  scratch.skipLow = ranksFromCounts(beat, width, nBlocks, R, relevantBlock, out) < poolSize / 2;
}

export const RANKERS = ['auto', 'js', 'wasm'] as const;
export type RankerPreference = (typeof RANKERS)[number];

/** Ranks the relevant items of the rows of one score block after another. */
export interface RowRanker {
  /** which implementation runs */
  readonly kind: 'js' | 'wasm-simd';
  /** takes the row-major score block `[rows, nCandidates]` that the next `rank` calls read */
  load(block: Float32Array): void;
  /**
   * @param rowOffset index of the row's first score in the block (row · nCandidates)
   * @param relevant candidate indices of the R relevant items; `relevantBlock` their blocks
   * @param out written like {@link rankRelevant}'s
   */
  rank(rowOffset: number, relevant: Int32Array, relevantBlock: Int32Array, R: number, out: { poolRank: Int32Array; blockRank: Int32Array }): void;
}

export interface RowRankerOptions {
  /** the candidate blocks (languages) in ascending order; candidates in ascending id order */
  blockStart: Int32Array;
  blockEnd: Int32Array;
  /** most relevant items per row (the number of languages) */
  maxRelevant: number;
  /** 'auto' (default): WebAssembly SIMD when available, else JavaScript */
  prefer?: RankerPreference;
}

function jsRanker(o: RowRankerOptions): RowRanker {
  const scratch = createRankScratch(o.maxRelevant, o.blockStart.length);
  let block: Float32Array = new Float32Array(0);
  return {
    kind: 'js',
    load(b) {
      block = b;
    },
    rank(rowOffset, relevant, relevantBlock, R, out) {
      rankRelevant({ row: block, rowOffset, blockStart: o.blockStart, blockEnd: o.blockEnd, relevant, relevantBlock, R }, out, scratch);
    },
  };
}

/**
 * The WebAssembly SIMD ranker (`countKernel.ts`): the block is copied into the kernel's memory and turned
 * into ordered integers once; each segment is then counted four candidates at a time. Thresholds are the
 * ordered integers of the relevant scores, minus one once a candidate index passes the item (`≥`).
 */
function wasmRanker(o: RowRankerOptions): RowRanker | null {
  const nBlocks = o.blockStart.length;
  const width = Math.ceil(o.maxRelevant / 4) * 4;
  const thrPtr = 0;
  const countsPtr = width * 4;
  const blockPtr = Math.ceil((countsPtr + nBlocks * width * 4) / 16) * 16;
  const kernel = createCountKernel(blockPtr + 16);
  if (!kernel) return null;
  let scores: Float32Array = new Float32Array(0);
  let ordered = new Int32Array(0);
  let thr = new Int32Array(0);
  let counts = new Int32Array(0);
  const views = () => {
    const buf = kernel.memory.buffer;
    thr = new Int32Array(buf, thrPtr, width);
    counts = new Int32Array(buf, countsPtr, nBlocks * width);
  };
  views();
  const byIndex = new Int32Array(o.maxRelevant);
  return {
    kind: 'wasm-simd',
    load(block) {
      const padded = Math.ceil(block.length / 4) * 4;
      const need = blockPtr + padded * 4;
      if (need > kernel.memory.buffer.byteLength) {
        kernel.memory.grow(Math.ceil((need - kernel.memory.buffer.byteLength) / 65536));
        views();
      }
      new Float32Array(kernel.memory.buffer, blockPtr, block.length).set(block);
      kernel.ordered(blockPtr, padded);
      scores = block;
      ordered = new Int32Array(kernel.memory.buffer, blockPtr, block.length);
    },
    rank(rowOffset, relevant, relevantBlock, R, out) {
      if (R < 1 || R > o.maxRelevant) throw new RangeError(`rankRelevant: R = ${R} is outside 1..${o.maxRelevant}`);
      const groups = Math.ceil(R / 4);
      for (let i = 0; i < R; i++) {
        const k = scores[rowOffset + relevant[i]!]!;
        if (!Number.isFinite(k)) throw new RangeError(`rankRelevant: score ${k} is not a finite float32`);
        thr[i] = ordered[rowOffset + relevant[i]!]!;
      }
      thr.fill(0x7fffffff, R, groups * 4);
      counts.fill(0);
      sweep(o.blockStart, o.blockEnd, relevant, R, byIndex, {
        count(from, to, b) {
          if (to <= from) return;
          for (let g = 0; g < groups; g++) kernel.count4(blockPtr, rowOffset + from, rowOffset + to, thrPtr + 16 * g, countsPtr + (b * width + 4 * g) * 4);
        },
        pass(i) {
          thr[i]! -= 1;
        },
      });
      ranksFromCounts(counts, width, nBlocks, R, relevantBlock, out);
    },
  };
}

/**
 * @throws ConfigError when `prefer` is 'wasm' and this runtime lacks WebAssembly SIMD
 */
export function createRowRanker(options: RowRankerOptions): RowRanker {
  const prefer = options.prefer ?? 'auto';
  if (prefer !== 'js') {
    const wasm = wasmRanker(options);
    if (wasm) return wasm;
    if (prefer === 'wasm') throw new ConfigError('the wasm ranker needs WebAssembly SIMD, which this runtime lacks');
  }
  return jsRanker(options);
}
