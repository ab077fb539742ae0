import { describe, expect, it } from 'vitest';
import { bucketedLength, rowLengths, takeRows } from './tokenBatch';
import type { TokenBatch } from './types';

// three rows of lengths 2, 5, 3, padded with id 1 to 5
const BATCH: TokenBatch = {
  inputIds: Int32Array.from([0, 2, 1, 1, 1, 0, 7, 8, 9, 2, 0, 5, 2, 1, 1]),
  attentionMask: Int32Array.from([1, 1, 0, 0, 0, 1, 1, 1, 1, 1, 1, 1, 1, 0, 0]),
  batchSize: 3,
  seqLen: 5,
};

describe('token batches', () => {
  it('rounds lengths up to the bucket and never past the cap or below the length', () => {
    expect([1, 8, 9, 17, 30, 32].map((n) => bucketedLength(n, 8, 32))).toEqual([8, 8, 16, 24, 32, 32]);
    expect(bucketedLength(7, 1, 32)).toBe(7);
    expect(bucketedLength(31, 16, 20)).toBe(31);
    expect(() => bucketedLength(4, 0, 8)).toThrow(/padMultiple/);
  });

  it('measures each row from its attention mask', () => {
    expect(Array.from(rowLengths(BATCH))).toEqual([2, 5, 3]);
  });

  it('takes rows in the order asked, cut to a length that only drops padding', () => {
    const sub = takeRows(BATCH, [2, 0], 3);
    expect(sub).toEqual({ inputIds: Int32Array.from([0, 5, 2, 0, 2, 1]), attentionMask: Int32Array.from([1, 1, 1, 1, 1, 0]), batchSize: 2, seqLen: 3 });
    expect(() => takeRows(BATCH, [1], 4)).toThrow(/row 1 has more than 4 ids/);
    expect(() => takeRows(BATCH, [3], 5)).toThrow(/outside/);
    expect(() => takeRows(BATCH, [0], 6)).toThrow(/seqLen/);
  });
});
