/**
 * Seeded random initialisation of an encoder, as HF's `_init_weights` does for BERT/RoBERTa: Linear and
 * embedding weights ~ truncated normal (σ = 0.02, redrawn outside ±2σ), biases 0, LayerNorm γ = 1 and
 * β = 0, padding rows of the embeddings zeroed. Stateless: every tensor draws from its own stream,
 * seeded by hashing (seed, tensor name), so a tensor's values do not depend on which others exist or on
 * the order they are built in.
 */
import { createRng, fmix32 } from '../metrics/rng';
import type { EncoderConfig, HostTensor } from './types';
import { expectedWeightShapes } from './weightNames';

/** HF `initializer_range`. */
export const INIT_STD = 0.02;

/**
 * Derives a 32-bit seed from a base seed and a path of labels (FNV-1a over the labels, mixed with the
 * seed). Used for per-tensor init streams and per-call-site dropout seeds.
 * @param seed any finite number; its integer part modulo 2^32 is used
 */
export function deriveSeed(seed: number, ...labels: (string | number)[]): number {
  if (!Number.isFinite(seed)) throw new RangeError(`deriveSeed: seed must be a finite number (got ${seed})`);
  let h = fmix32((Math.trunc(seed) >>> 0) ^ 0x9e3779b9);
  for (const label of labels) {
    const s = `/${String(label)}`;
    for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 0x01000193);
    h = fmix32(h);
  }
  return h >>> 0;
}

/** Uniform uint32s from sfc32 seeded through splitmix32: the significance tests' generator (metrics/rng.ts). */
export function uint32Stream(seed: number): () => number {
  return createRng(seed >>> 0).uint32;
}

/**
 * Fills an array with draws from N(0, std²) truncated to ±2·std (Box–Muller, redrawing outliers).
 * @param seed the stream's 32-bit seed
 */
export function fillTruncatedNormal(out: Float32Array, std: number, seed: number): Float32Array {
  const next = uint32Stream(seed);
  // (0, 1]: never 0, so log() is finite
  const uniform = () => (next() + 1) / 4294967296;
  let i = 0;
  while (i < out.length) {
    const r = Math.sqrt(-2 * Math.log(uniform()));
    const theta = 2 * Math.PI * uniform();
    for (const z of [r * Math.cos(theta), r * Math.sin(theta)]) {
      if (i < out.length && Math.abs(z) <= 2) out[i++] = z * std;
    }
  }
  return out;
}

/**
 * Fresh weights for every tensor of an encoder, keyed by HF name.
 * @param seed the run's model seed
 * @param withPooler also create `pooler.dense.*` (our built-in models do not use the pooler)
 */
export function initEncoderWeights(config: EncoderConfig, seed: number, withPooler = false): Map<string, HostTensor> {
  const out = new Map<string, HostTensor>();
  for (const [name, shape] of expectedWeightShapes(config, withPooler)) {
    const data = new Float32Array(shape.reduce((a, d) => a * d, 1));
    if (name.endsWith('LayerNorm.weight')) data.fill(1);
    else if (!name.endsWith('.bias')) fillTruncatedNormal(data, INIT_STD, deriveSeed(seed, 'init', name));
    out.set(name, { shape, data });
  }
  // HF zeroes the padding_idx row of nn.Embedding; RoBERTa-style positions give pads their own row too.
  const H = config.hiddenSize;
  out.get('embeddings.word_embeddings.weight')!.data.fill(0, config.padTokenId * H, (config.padTokenId + 1) * H);
  if (config.modelType !== 'bert') out.get('embeddings.position_embeddings.weight')!.data.fill(0, config.padTokenId * H, (config.padTokenId + 1) * H);
  return out;
}
