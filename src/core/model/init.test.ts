import { describe, expect, it } from 'vitest';
import { BUILTIN_CONFIGS, BUILTIN_MODELS, builtinEncoderConfig } from './builtinConfigs';
import { deriveSeed, fillTruncatedNormal, initEncoderWeights, INIT_STD } from './init';
import { countParameters, memoryEstimate } from './memoryEstimate';
import { parseHfConfig, toHfConfig } from './hfConfig';
import { expectedWeightShapes } from './weightNames';

describe('seeded initialisation', () => {
  it('derives distinct, stable seeds per label path', () => {
    expect(deriveSeed(1, 'init', 'a')).toBe(deriveSeed(1, 'init', 'a'));
    const seeds = new Set([deriveSeed(1, 'init', 'a'), deriveSeed(2, 'init', 'a'), deriveSeed(1, 'init', 'b'), deriveSeed(1, 'init', 'a', 0), deriveSeed(1, 'inita')]);
    expect(seeds.size).toBe(5);
    expect(() => deriveSeed(NaN)).toThrow(RangeError);
  });

  it('draws a truncated normal: within ±2σ, mean 0, std 0.8796σ', () => {
    const x = fillTruncatedNormal(new Float32Array(200_000), 1, 42);
    const mean = x.reduce((a, v) => a + v, 0) / x.length;
    const std = Math.sqrt(x.reduce((a, v) => a + (v - mean) ** 2, 0) / x.length);
    expect(x.reduce((a, v) => Math.max(a, Math.abs(v)), 0)).toBeLessThanOrEqual(2);
    expect(Math.abs(mean)).toBeLessThan(0.01);
    // σ·sqrt(1 − 2·2·φ(2)/(2Φ(2) − 1)) = 0.87962σ
    expect(std).toBeCloseTo(0.8796, 2);
  });

  it('follows HF init and is reproducible per tensor, whatever else exists', () => {
    const config = builtinEncoderConfig('tiny', { vocabSize: 100, padTokenId: 1 });
    const a = initEncoderWeights(config, 7);
    const b = initEncoderWeights({ ...config, numLayers: 3 }, 7, true);
    const name = 'encoder.layer.1.attention.self.query.weight';
    expect(b.get(name)!.data).toEqual(a.get(name)!.data);
    expect(initEncoderWeights(config, 8).get(name)!.data).not.toEqual(a.get(name)!.data);
    expect([...a.keys()]).toEqual([...expectedWeightShapes(config, false).keys()]);
    expect(a.get('encoder.layer.0.output.LayerNorm.weight')!.data.every((v) => v === 1)).toBe(true);
    expect(a.get('encoder.layer.0.output.LayerNorm.bias')!.data.every((v) => v === 0)).toBe(true);
    expect(a.get('encoder.layer.0.intermediate.dense.bias')!.data.every((v) => v === 0)).toBe(true);
    const w = a.get(name)!.data;
    expect(Math.max(...w.map(Math.abs))).toBeLessThanOrEqual(2 * INIT_STD);
    const word = a.get('embeddings.word_embeddings.weight')!.data;
    expect(word.subarray(32, 64).every((v) => v === 0)).toBe(true);
    expect(word.subarray(0, 32).some((v) => v !== 0)).toBe(true);
    expect(
      a
        .get('embeddings.position_embeddings.weight')!
        .data.subarray(32, 64)
        .every((v) => v === 0),
    ).toBe(true);
  });
});

describe('built-in configs', () => {
  it('have the documented parameter counts (non-embedding + V·H)', () => {
    const counts = Object.fromEntries(BUILTIN_MODELS.map((m) => [m, countParameters(builtinEncoderConfig(m, { vocabSize: 1000, padTokenId: 1 }))]));
    expect(counts).toEqual({ tiny: 19_296 + 32 * 1000, small: 810_112 + 128 * 1000 });
    expect(countParameters(builtinEncoderConfig('small', { vocabSize: 250_002, padTokenId: 1 }))).toBe(32_810_368);
  });

  it('are valid HF configs with 64 and 128 usable positions', () => {
    for (const m of BUILTIN_MODELS) {
      const c = builtinEncoderConfig(m, { vocabSize: 500, padTokenId: 1 });
      expect(parseHfConfig(toHfConfig(c))).toEqual(c);
      expect(c.hiddenSize % c.numHeads).toBe(0);
    }
    expect(BUILTIN_CONFIGS.tiny.maxPositions - 2).toBe(64);
    expect(BUILTIN_CONFIGS.small.maxPositions - 2).toBe(128);
    expect(() => builtinEncoderConfig('tiny', { vocabSize: 1, padTokenId: 1 })).toThrow(RangeError);
  });
});

describe('memoryEstimate', () => {
  const xlmr = parseHfConfig({ model_type: 'xlm-roberta', vocab_size: 250002, hidden_size: 768, num_hidden_layers: 12, num_attention_heads: 12, intermediate_size: 3072, max_position_embeddings: 514, type_vocab_size: 1, pad_token_id: 1 });

  it('reproduces the xlm-roberta-base figures of checkpoints.md §1.4', () => {
    const all = memoryEstimate(xlmr, { batchSize: 16, seqLen: 128, trainable: 'all', withPooler: true });
    expect(all.parameters).toBe(278_043_648);
    expect(all.weightBytes + all.gradientBytes + all.adamBytes).toBe(278_043_648 * 16);
    const frozen = memoryEstimate(xlmr, { batchSize: 16, seqLen: 128, trainable: 'frozen-embeddings', withPooler: true });
    expect(frozen.trainableParameters).toBe(278_043_648 - 192_001_536);
    // ≈ 1 MB per token at L = 128 for a base model: 16 × 128 tokens ≈ 2 GB
    expect(frozen.activationBytes / (16 * 128)).toBeGreaterThan(0.8e6);
    expect(frozen.activationBytes / (16 * 128)).toBeLessThan(1.2e6);
    const inference = memoryEstimate(xlmr, { batchSize: 16, seqLen: 128, trainable: 'none' });
    expect(inference.gradientBytes + inference.adamBytes).toBe(0);
    expect(inference.activationBytes * 12).toBe(frozen.activationBytes);
  });
});
