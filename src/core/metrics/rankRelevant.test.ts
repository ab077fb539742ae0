import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { atLeastThreshold, createRankScratch, createRowRanker, rankRelevant } from './rankRelevant';

/** Sort-based reference: full order of the pool (score descending, then the larger index), then positions. */
function naiveRanks(scores: number[], blocks: [number, number][], relevant: number[], relevantBlock: number[]) {
  const order = (idx: number[]) => [...idx].sort((i, j) => (scores[j]! === scores[i]! ? j - i : scores[j]! - scores[i]!));
  const pool = order(blocks.flatMap(([s, e]) => Array.from({ length: e - s }, (_, k) => s + k)));
  return relevant.map((c, i) => {
    const [s, e] = blocks[relevantBlock[i]!]!;
    const own = order(Array.from({ length: e - s }, (_, k) => s + k));
    return { pool: pool.indexOf(c) + 1, block: own.indexOf(c) + 1 };
  });
}

function run(scores: number[], blocks: [number, number][], relevant: number[], relevantBlock: number[], rowOffset = 0, skipLow = false) {
  const R = relevant.length;
  const scratch = createRankScratch(R, blocks.length);
  scratch.skipLow = skipLow;
  const out = { poolRank: new Int32Array(R), blockRank: new Int32Array(R) };
  const row = new Float32Array(rowOffset + scores.length).fill(Number.NaN);
  row.set(scores, rowOffset);
  rankRelevant(
    {
      row,
      rowOffset,
      blockStart: Int32Array.from(blocks.map((b) => b[0])),
      blockEnd: Int32Array.from(blocks.map((b) => b[1])),
      relevant: Int32Array.from(relevant),
      relevantBlock: Int32Array.from(relevantBlock),
      R,
    },
    out,
    scratch,
  );
  return relevant.map((_, i) => ({ pool: out.poolRank[i]!, block: out.blockRank[i]! }));
}

/** The same through a RowRanker of the given kind. */
function runRanker(prefer: 'js' | 'wasm', scores: number[], blocks: [number, number][], relevant: number[], relevantBlock: number[], rowOffset = 0) {
  const R = relevant.length;
  const out = { poolRank: new Int32Array(R), blockRank: new Int32Array(R) };
  const ranker = createRowRanker({
    blockStart: Int32Array.from(blocks.map((b) => b[0])),
    blockEnd: Int32Array.from(blocks.map((b) => b[1])),
    maxRelevant: R,
    prefer,
  });
  expect(ranker.kind).toBe(prefer === 'wasm' ? 'wasm-simd' : 'js');
  const block = new Float32Array(rowOffset + scores.length + 3).fill(Number.NaN);
  block.set(scores, rowOffset);
  ranker.load(block);
  ranker.rank(rowOffset, Int32Array.from(relevant), Int32Array.from(relevantBlock), R, out);
  return relevant.map((_, i) => ({ pool: out.poolRank[i]!, block: out.blockRank[i]! }));
}

describe('rankRelevant', () => {
  it('ranks by score, breaking ties by the larger index (hand-worked)', () => {
    // block 0 = candidates 0..3, block 1 = 4..6; relevant 1 (block 0) and 5 (block 1)
    const scores = [0.9, 0.5, 0.5, 0.1, 0.5, 0.7, 0.2];
    // pool order: 0 (.9), 5 (.7), 4 (.5), 2 (.5), 1 (.5), 6, 3
    expect(
      run(
        scores,
        [
          [0, 4],
          [4, 7],
        ],
        [1, 5],
        [0, 1],
      ),
    ).toEqual([
      { pool: 5, block: 3 },
      { pool: 2, block: 1 },
    ]);
    // the same row further into a score block
    expect(
      run(
        scores,
        [
          [0, 4],
          [4, 7],
        ],
        [5, 1],
        [1, 0],
        13,
      ),
    ).toEqual([
      { pool: 2, block: 1 },
      { pool: 5, block: 3 },
    ]);
  });

  it('agrees with a sort-based reference on random rows with many ties', () => {
    const arb = fc
      .record({
        // up to 17 blocks, so R reaches every unrolled width (4, 8, 12, 16) and the generic loop
        sizes: fc.array(fc.integer({ min: 1, max: 12 }), { minLength: 1, maxLength: 17 }),
        levels: fc.integer({ min: 1, max: 4 }),
      })
      .chain(({ sizes, levels }) => {
        const n = sizes.reduce((a, b) => a + b, 0);
        return fc.record({
          sizes: fc.constant(sizes),
          // few levels (many ties), both signs, −0 next to +0, float32 denormals and huge values
          scores: fc.array(
            fc.oneof(
              fc.integer({ min: -levels, max: levels }).map((x) => x / 4),
              fc.constantFrom(-0, 0, 1e-45, -1e-45, 1e-40, 3e38, -3e38),
            ),
            { minLength: n, maxLength: n },
          ),
          picks: fc.array(fc.nat(), { minLength: sizes.length, maxLength: sizes.length }),
          use: fc.array(fc.boolean(), { minLength: sizes.length, maxLength: sizes.length }),
          shuffle: fc.boolean(),
        });
      });
    fc.assert(
      fc.property(arb, ({ sizes, scores, picks, use, shuffle }) => {
        const blocks: [number, number][] = [];
        let at = 0;
        for (const s of sizes) {
          blocks.push([at, at + s]);
          at += s;
        }
        const relevant: number[] = [];
        const relevantBlock: number[] = [];
        blocks.forEach(([s, e], b) => {
          if (use[b] || (b === 0 && !use.some(Boolean))) {
            relevant.push(s + (picks[b]! % (e - s)));
            relevantBlock.push(b);
          }
        });
        if (shuffle) {
          relevant.reverse();
          relevantBlock.reverse();
        }
        const f32 = scores.map((x) => Math.fround(x));
        const want = naiveRanks(f32, blocks, relevant, relevantBlock);
        // both with and without skipping the candidates below every relevant item
        expect(run(f32, blocks, relevant, relevantBlock, 0, false)).toEqual(want);
        expect(run(f32, blocks, relevant, relevantBlock, 5, true)).toEqual(want);
        // the WebAssembly SIMD kernel, at row offsets that put the rows at every alignment
        expect(runRanker('wasm', f32, blocks, relevant, relevantBlock, 0)).toEqual(want);
        expect(runRanker('wasm', f32, blocks, relevant, relevantBlock, 7)).toEqual(want);
        expect(runRanker('js', f32, blocks, relevant, relevantBlock, 2)).toEqual(want);
      }),
      { numRuns: 800 },
    );
  });

  it('turns skipping on after a row whose relevant items all rank in the top half, and off otherwise', () => {
    const scratch = createRankScratch(1, 1);
    const out = { poolRank: new Int32Array(1), blockRank: new Int32Array(1) };
    const input = (relevant: number) => ({
      row: Float32Array.of(0.1, 0.9, 0.5, 0.3),
      rowOffset: 0,
      blockStart: Int32Array.of(0),
      blockEnd: Int32Array.of(4),
      relevant: Int32Array.of(relevant),
      relevantBlock: Int32Array.of(0),
      R: 1,
    });
    rankRelevant(input(1), out, scratch);
    expect([out.poolRank[0], scratch.skipLow]).toEqual([1, true]);
    rankRelevant(input(0), out, scratch);
    expect([out.poolRank[0], scratch.skipLow]).toEqual([4, false]);
  });

  it('grows the kernel memory for a large block and keeps counting right', () => {
    const n = 300_000;
    const scores = Array.from({ length: n }, (_, j) => ((j * 7919) % 1000) / 1000);
    const blocks: [number, number][] = [
      [0, 100_000],
      [100_000, n],
    ];
    const want = naiveRanks(
      scores.map((x) => Math.fround(x)),
      blocks,
      [5, 150_001],
      [0, 1],
    );
    expect(runRanker('wasm', scores, blocks, [5, 150_001], [0, 1], 3)).toEqual(want);
  });

  it('refuses more relevant items than the scratch holds, and non-finite relevant scores', () => {
    const out = { poolRank: new Int32Array(2), blockRank: new Int32Array(2) };
    const input = {
      row: Float32Array.of(0.5, Number.POSITIVE_INFINITY),
      rowOffset: 0,
      blockStart: new Int32Array([0]),
      blockEnd: new Int32Array([2]),
      relevant: new Int32Array([0, 1]),
      relevantBlock: new Int32Array([0, 0]),
      R: 2,
    };
    expect(() => rankRelevant(input, out, createRankScratch(1, 1))).toThrow(/exceed the scratch/);
    expect(() => rankRelevant(input, out, createRankScratch(2, 1))).toThrow(/score Infinity is not a finite float32/);
  });
});

describe('atLeastThreshold', () => {
  it('lies strictly between a float32 and the float32 below it, so s > t ⟺ s ≥ k', () => {
    const below = (k: number) => {
      // the float32 just below k, by stepping the bits
      const f = Float32Array.of(k);
      const u = new Uint32Array(f.buffer);
      if (k === 0) u[0] = 0x80000001;
      else if (k > 0) u[0]! -= 1;
      else u[0]! += 1;
      return f[0]!;
    };
    for (const k of [0.5, -0.5, 1, -1, 3e38, -3e38, 1e-45, -1e-45, 0.1, -1 / 3].map(Math.fround)) {
      const t = atLeastThreshold(k);
      expect(t).toBeLessThan(k);
      expect(t).toBeGreaterThan(below(k));
      expect(k > t).toBe(true);
      expect(below(k) > t).toBe(false);
    }
    // ±0 are equal scores: both are ≥ either zero
    for (const z of [0, -0]) {
      const t = atLeastThreshold(z);
      expect(0 > t && -0 > t).toBe(true);
      expect(-1e-45 > t).toBe(false);
    }
    expect(() => atLeastThreshold(0.1)).toThrow(/not a finite float32/);
  });
});
