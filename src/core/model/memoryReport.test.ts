import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { ConfigError, DataFormatError } from '../errors';
import { memorySource } from './checkpointSource';
import { checkpointMemoryInputs, formatBytes, memoryReport } from './memoryReport';
import type { EncoderConfig } from './types';

const FIXTURES = new URL('../../../../shared/fixtures/', import.meta.url);
const bytes = async (p: string) => new Uint8Array(await readFile(new URL(p, FIXTURES)));

/** FacebookAI/xlm-roberta-base's config.json, in our words (checkpoints.md §1.3). */
const XLMR_BASE: EncoderConfig = {
  modelType: 'xlm-roberta',
  vocabSize: 250_002,
  hiddenSize: 768,
  numLayers: 12,
  numHeads: 12,
  intermediateSize: 3072,
  maxPositions: 514,
  typeVocabSize: 1,
  layerNormEps: 1e-5,
  padTokenId: 1,
  bosTokenId: 0,
  eosTokenId: 2,
  hiddenAct: 'gelu',
  hiddenDropout: 0.1,
  attentionDropout: 0.1,
};
/** sentence-transformers/LaBSE's BertModel. */
const LABSE: EncoderConfig = { ...XLMR_BASE, modelType: 'bert', vocabSize: 501_153, maxPositions: 512, typeVocabSize: 2, layerNormEps: 1e-12, padTokenId: 0 };

const GB = (n: number) => (n / 1e9).toFixed(2);

describe('memoryReport reproduces checkpoints.md §1.4', () => {
  it('xlm-roberta-base: 278,043,648 parameters, 733 MiB embeddings, 1.11 / 4.45 / 2.14 GB', () => {
    const all = memoryReport(XLMR_BASE, { batchSize: 16, seqLen: 128, withPooler: true, freezeEmbeddings: false });
    expect(all.parameters).toBe(278_043_648);
    expect(all.wordEmbeddingParameters).toBe(192_001_536);
    // 732.4 MiB; the note rounds it up to 733
    expect(all.bytes.wordEmbeddings / 2 ** 20).toBeCloseTo(732.4, 1);
    expect(GB(all.bytes.weights)).toBe('1.11');
    expect(GB(all.bytes.weights + all.bytes.gradients + all.bytes.adam)).toBe('4.45');
    const frozen = memoryReport(XLMR_BASE, { batchSize: 16, seqLen: 128, withPooler: true });
    expect(frozen.freezeEmbeddings).toBe(true);
    expect(frozen.trainableParameters).toBe(278_043_648 - 192_001_536);
    expect(GB(frozen.bytes.gradients + frozen.bytes.adam)).toBe('1.03');
    expect(GB(frozen.bytes.weights + frozen.bytes.gradients + frozen.bytes.adam)).toBe('2.14');
    // "about 1 MB per token ... batch 16 × 128 comes to about 2 GB"
    expect(GB(frozen.bytes.activations)).toBe('2.11');
    // frozen embeddings stay in JS memory, not on the accelerator
    expect(frozen.bytes.host).toBe(frozen.bytes.wordEmbeddings);
    expect(frozen.bytes.accelerator).toBe(frozen.bytes.total - frozen.bytes.host);
    expect(frozen.lines).toEqual([
      'xlm-roberta, 12 layers, H 768, vocabulary 250,002; word embeddings frozen (JS memory)',
      'parameters   278,043,648 (word embeddings 192,001,536 = 69.1 %), trainable 86,042,112',
      'weights      1.11 GB (word embeddings 768 MB)',
      'gradients    344 MB',
      'Adam m, v    688 MB',
      'activations  2.11 GB (ESTIMATE for batch 16 × 128 tokens; check tf.memory() on the real run)',
      'total        4.26 GB (accelerator 3.49 GB, JS memory 768 MB)',
    ]);
  });

  it('LaBSE: 470,926,848 parameters (82 % embeddings), 1.88 / 7.53 / 2.92 GB; the Dense head adds 590,592', () => {
    const all = memoryReport(LABSE, { batchSize: 8, seqLen: 128, withPooler: true, freezeEmbeddings: false });
    expect(all.parameters).toBe(470_926_848);
    expect(all.wordEmbeddingParameters).toBe(384_885_504);
    expect(all.lines[1]).toContain('= 81.7 %');
    expect(GB(all.bytes.weights)).toBe('1.88');
    expect(GB(all.bytes.weights + all.bytes.gradients + all.bytes.adam)).toBe('7.53');
    const frozen = memoryReport(LABSE, { batchSize: 8, seqLen: 128, withPooler: true, freezeEmbeddings: true });
    expect(GB(frozen.bytes.weights + frozen.bytes.gradients + frozen.bytes.adam)).toBe('2.92');
    const head = memoryReport(LABSE, { batchSize: 8, seqLen: 128, withPooler: true, freezeEmbeddings: true, headParameters: 768 * 768 + 768 });
    expect(head.parameters - frozen.parameters).toBe(590_592);
    expect(head.bytes.adam - frozen.bytes.adam).toBe(2 * 4 * 590_592);
  });

  it('pruning to V′ rows shrinks the matrix, makes it trainable when small, and keeps the restore copy in JS memory', () => {
    const pruned = memoryReport(XLMR_BASE, { batchSize: 16, seqLen: 128, pruneTo: 1_500 });
    expect(pruned.prunedVocabSize).toBe(1_500);
    expect(pruned.wordEmbeddingParameters).toBe(1_500 * 768);
    expect(pruned.freezeEmbeddings).toBe(false);
    expect(pruned.parameters).toBe(278_043_648 - 590_592 - (250_002 - 1_500) * 768);
    expect(pruned.trainableParameters).toBe(pruned.parameters);
    expect(pruned.bytes.restoreCopy).toBe(192_001_536 * 4);
    expect(pruned.bytes.host).toBe(192_001_536 * 4);
    expect(pruned.lines[0]).toBe('xlm-roberta, 12 layers, H 768, vocabulary pruned to 1,500 of 250,002 rows (0.6 %); word embeddings trained');
    expect(pruned.lines).toContain('restore copy 768 MB (the full word embeddings, kept to save the whole vocabulary)');
    // 30k rows × 768 = 23 M parameters: above the 8 M threshold, frozen by default as the loader does
    expect(memoryReport(XLMR_BASE, { batchSize: 16, seqLen: 128, pruneTo: 30_000 }).freezeEmbeddings).toBe(true);
  });

  it('refuses impossible settings', () => {
    expect(() => memoryReport(XLMR_BASE, { batchSize: 0, seqLen: 128 })).toThrow(ConfigError);
    expect(() => memoryReport(XLMR_BASE, { batchSize: 4, seqLen: 513 })).toThrow('sequence length 513 is more than the 512 tokens');
    expect(() => memoryReport(XLMR_BASE, { batchSize: 4, seqLen: 128, pruneTo: 250_003 })).toThrow('pruneTo must be an integer in [1, 250002]');
    expect(() => memoryReport(LABSE, { batchSize: 4, seqLen: 512 })).not.toThrow();
  });

  it('formats bytes in decimal units', () => {
    expect([0, 999, 1000, 12_345_678, 733 * 2 ** 20, 4.45e9].map(formatBytes)).toEqual(['0 B', '999 B', '1.00 kB', '12.35 MB', '769 MB', '4.45 GB']);
  });
});

describe('checkpointMemoryInputs', () => {
  it('reads config, pooler and the Dense head from headers only', async () => {
    const files = new Map<string, Uint8Array>();
    for (const p of ['config.json', 'model.safetensors', 'modules.json', '1_Pooling/config.json', '2_Dense/config.json', '2_Dense/model.safetensors']) files.set(p, await bytes(`tiny-labse/${p}`));
    const reads: [string, number, number][] = [];
    const inner = memorySource('labse', files);
    const spy = { ...inner, readRange: async (p: string, s: number, e: number) => (reads.push([p, s, e]), inner.readRange!(p, s, e)) };
    const got = await checkpointMemoryInputs(spy);
    expect(got).toMatchObject({ withPooler: true, headParameters: 32 * 32 + 32 });
    expect(got.config).toMatchObject({ modelType: 'bert', vocabSize: 1000, hiddenSize: 32 });
    // the headers (checked against the configs, issue 21), not the 200 kB of tensor data
    expect(reads.every(([p, , e]) => (p === 'model.safetensors' || p === '2_Dense/model.safetensors') && e < 4096)).toBe(true);
    const mlm = await checkpointMemoryInputs(
      memorySource(
        'mlm',
        new Map([
          ['config.json', await bytes('tiny-xlmr/config.json')],
          ['model.safetensors', await bytes('tiny-xlmr/variants/mlm_layout.safetensors')],
        ]),
        false,
      ),
    );
    expect(mlm).toMatchObject({ withPooler: false, headParameters: 0 });
    expect(memoryReport(mlm.config, { batchSize: 2, seqLen: 64 }).parameters).toBe(50_272 - 32 * 32 - 32);
  });

  it('names the file for a broken config or header', async () => {
    const bad = memorySource(
      'x',
      new Map([
        ['config.json', new TextEncoder().encode('{"model_type": "bert"}')],
        ['model.safetensors', new Uint8Array(4)],
      ]),
    );
    await expect(checkpointMemoryInputs(bad)).rejects.toThrow(DataFormatError);
    await expect(checkpointMemoryInputs(bad)).rejects.toThrow('x/config.json: vocab_size');
    const trunc = memorySource(
      'y',
      new Map([
        ['config.json', await bytes('tiny-xlmr/config.json')],
        ['model.safetensors', new Uint8Array(4)],
      ]),
    );
    await expect(checkpointMemoryInputs(trunc)).rejects.toThrow('y/model.safetensors: header length: file is truncated');
  });
});
