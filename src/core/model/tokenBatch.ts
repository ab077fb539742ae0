/**
 * Operations on right-padded token batches (`TokenBatch`): the bucketed length GPU backends want, each
 * row's real length, and a sub-batch of chosen rows cut to a shorter length.
 */
import type { TokenBatch } from './types';

/**
 * `length` rounded up to a multiple of `multiple`, never past `cap`.
 * @throws RangeError when `multiple` is not a positive integer
 */
export function bucketedLength(length: number, multiple: number, cap: number): number {
  if (!Number.isInteger(multiple) || multiple < 1) throw new RangeError(`padMultiple must be a positive integer (got ${multiple})`);
  return Math.max(length, Math.min(cap, Math.ceil(length / multiple) * multiple));
}

/** Ids per row that are not padding (the attention mask's row sums). */
export function rowLengths(batch: TokenBatch): Int32Array {
  const out = new Int32Array(batch.batchSize);
  for (let b = 0; b < batch.batchSize; b++) {
    let n = 0;
    for (let t = b * batch.seqLen, end = t + batch.seqLen; t < end; t++) n += batch.attentionMask[t]!;
    out[b] = n;
  }
  return out;
}

/**
 * Rows `rows` of `batch`, each cut to its first `seqLen` positions (which must hold all of its real ids:
 * only padding is dropped).
 * @throws RangeError when a row index is out of range or `seqLen` would cut real ids
 */
export function takeRows(batch: TokenBatch, rows: readonly number[], seqLen: number): TokenBatch {
  if (!Number.isInteger(seqLen) || seqLen < 1 || seqLen > batch.seqLen) throw new RangeError(`seqLen must be an integer in 1..${batch.seqLen} (got ${seqLen})`);
  const inputIds = new Int32Array(rows.length * seqLen);
  const attentionMask = new Int32Array(rows.length * seqLen);
  rows.forEach((row, k) => {
    if (!Number.isInteger(row) || row < 0 || row >= batch.batchSize) throw new RangeError(`row ${row} is outside the batch of ${batch.batchSize}`);
    const from = row * batch.seqLen;
    if (seqLen < batch.seqLen && batch.attentionMask[from + seqLen] === 1) throw new RangeError(`row ${row} has more than ${seqLen} ids`);
    inputIds.set(batch.inputIds.subarray(from, from + seqLen), k * seqLen);
    attentionMask.set(batch.attentionMask.subarray(from, from + seqLen), k * seqLen);
  });
  return { inputIds, attentionMask, batchSize: rows.length, seqLen };
}
