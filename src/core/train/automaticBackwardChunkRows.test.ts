import { describe, expect, it } from 'vitest';
import { trainingActivationBytes } from '../model/memoryEstimate';
import { automaticBackwardChunkRows, MAX_AUTOMATIC_CHUNK_ROWS, WHOLE_BATCH_ACTIVATION_BUDGET } from './automaticBackwardChunkRows';

/** bench/RESULTS.md's `bert-base-2l` shape, the calibration point */
const BERT_2L = { hiddenSize: 768, intermediateSize: 3072, numHeads: 12, numLayers: 2 };
const XLMR_BASE = { ...BERT_2L, numLayers: 12 };
const SMALL = { hiddenSize: 128, intermediateSize: 512, numHeads: 4, numLayers: 4 };

describe('automaticBackwardChunkRows (issue 25)', () => {
  it('leaves the batches that fit in wasm whole, as measured: BERT-base-2l at batch 8, the small built-in at the presets batch of 32', () => {
    expect(automaticBackwardChunkRows(BERT_2L, { batchSize: 8, maxLength: 64 })).toBeNull();
    expect(automaticBackwardChunkRows(SMALL, { batchSize: 32, maxLength: 64 })).toBeNull();
  });

  it('chunks the batch that aborted at the 4 GiB limit (BERT-base-2l, batch 32) in 16s, and says why', () => {
    const auto = automaticBackwardChunkRows(BERT_2L, { batchSize: 32, maxLength: 64 });
    expect(auto?.rows).toBe(MAX_AUTOMATIC_CHUNK_ROWS);
    expect(auto?.reason).toMatch(/^H 768, 2 layers, batch 32: the whole batch's 96 sequences of 64 tokens need about 944 MB of activations \(estimate\), more than the 512 MB/);
  });

  it("gives a deeper, longer model smaller chunks: one chunk's estimate stays within the budget", () => {
    const auto = automaticBackwardChunkRows(XLMR_BASE, { batchSize: 32, maxLength: 128 })!;
    expect(auto.rows).toBeLessThan(MAX_AUTOMATIC_CHUNK_ROWS);
    expect(auto.rows).toBeGreaterThanOrEqual(1);
    expect(trainingActivationBytes(XLMR_BASE, auto.rows, 128)).toBeLessThanOrEqual(WHOLE_BATCH_ACTIVATION_BUDGET);
    expect(trainingActivationBytes(XLMR_BASE, auto.rows + 1, 128)).toBeGreaterThan(WHOLE_BATCH_ACTIVATION_BUDGET);
  });

  it('chooses nothing when a chunk would hold a whole tower (2B passages) anyway', () => {
    // batch 8 of the 2-layer shape at 128 tokens: 24 sequences are over the budget, but a chunk of 16 holds the 16 passages
    expect(trainingActivationBytes(BERT_2L, 24, 128)).toBeGreaterThan(WHOLE_BATCH_ACTIVATION_BUDGET);
    expect(automaticBackwardChunkRows(BERT_2L, { batchSize: 8, maxLength: 128 })).toBeNull();
    expect(automaticBackwardChunkRows(BERT_2L, { batchSize: 9, maxLength: 128 })?.rows).toBe(16);
  });
});
