/**
 * HF weight names of an XLM-R/RoBERTa/BERT encoder (shared/notes/checkpoints.md §1.3) and the mapping
 * from a checkpoint's keys to them: `roberta.`/`bert.` prefixes stripped, MLM/pretraining heads and
 * buffers ignored, old `LayerNorm.gamma/beta` renamed. Every expected tensor must be present with the
 * shape the config implies; the pooler is optional (MLM checkpoints such as xlm-roberta-base lack it).
 */
import { DataFormatError } from '../errors';
import type { EncoderConfig } from './types';

/** The pooler's tensors: tanh(dense(h[:, 0])). */
export const POOLER_WEIGHTS = ['pooler.dense.weight', 'pooler.dense.bias'] as const;

/**
 * Shapes of every tensor of the encoder, keyed by HF name, in HF order. Linear weights are `[out, in]`.
 * @param withPooler include `pooler.dense.*`
 */
export function expectedWeightShapes(config: EncoderConfig, withPooler: boolean): Map<string, number[]> {
  const H = config.hiddenSize;
  const I = config.intermediateSize;
  const m = new Map<string, number[]>([
    ['embeddings.word_embeddings.weight', [config.vocabSize, H]],
    ['embeddings.position_embeddings.weight', [config.maxPositions, H]],
    ['embeddings.token_type_embeddings.weight', [config.typeVocabSize, H]],
    ['embeddings.LayerNorm.weight', [H]],
    ['embeddings.LayerNorm.bias', [H]],
  ]);
  for (let l = 0; l < config.numLayers; l++) {
    const p = `encoder.layer.${l}.`;
    for (const x of ['query', 'key', 'value']) {
      m.set(`${p}attention.self.${x}.weight`, [H, H]);
      m.set(`${p}attention.self.${x}.bias`, [H]);
    }
    m.set(`${p}attention.output.dense.weight`, [H, H]);
    m.set(`${p}attention.output.dense.bias`, [H]);
    m.set(`${p}attention.output.LayerNorm.weight`, [H]);
    m.set(`${p}attention.output.LayerNorm.bias`, [H]);
    m.set(`${p}intermediate.dense.weight`, [I, H]);
    m.set(`${p}intermediate.dense.bias`, [I]);
    m.set(`${p}output.dense.weight`, [H, I]);
    m.set(`${p}output.dense.bias`, [H]);
    m.set(`${p}output.LayerNorm.weight`, [H]);
    m.set(`${p}output.LayerNorm.bias`, [H]);
  }
  if (withPooler) {
    m.set(POOLER_WEIGHTS[0], [H, H]);
    m.set(POOLER_WEIGHTS[1], [H]);
  }
  return m;
}

const MODEL_PREFIXES = ['roberta.', 'bert.'];
const IGNORED_PREFIXES = ['lm_head.', 'cls.'];
const IGNORED_SUFFIXES = ['.position_ids', '.token_type_ids'];

/**
 * @param key a tensor name as stored in a checkpoint
 * @returns the HF encoder name, or null for tensors a loader ignores (MLM/NSP heads, index buffers)
 */
export function normalizeWeightName(key: string): string | null {
  let name = key;
  const prefix = MODEL_PREFIXES.find((p) => name.startsWith(p));
  if (prefix) name = name.slice(prefix.length);
  if (IGNORED_PREFIXES.some((p) => name.startsWith(p)) || IGNORED_SUFFIXES.some((s) => name.endsWith(s))) return null;
  return name.replace(/\.LayerNorm\.gamma$/, '.LayerNorm.weight').replace(/\.LayerNorm\.beta$/, '.LayerNorm.bias');
}

export interface MappedWeights<T> {
  /** tensors keyed by HF encoder name */
  weights: Map<string, T>;
  /** checkpoint keys that were ignored */
  ignored: string[];
  hasPooler: boolean;
}

const fmt = (shape: readonly number[]) => `[${shape.join(', ')}]`;

/**
 * Maps a checkpoint's tensors to HF encoder names and checks them against the config.
 * @throws DataFormatError naming the file and the tensor: missing, unexpected, duplicated after
 *   renaming, or a shape that differs from the one `config.json` implies
 */
export function mapCheckpointWeights<T extends { shape: number[] }>(tensors: ReadonlyMap<string, T>, config: EncoderConfig, fileName: string): MappedWeights<T> {
  const weights = new Map<string, T>();
  const sourceKey = new Map<string, string>();
  const ignored: string[] = [];
  for (const [key, t] of tensors) {
    const name = normalizeWeightName(key);
    if (name === null) {
      ignored.push(key);
      continue;
    }
    const earlier = sourceKey.get(name);
    if (earlier !== undefined) throw new DataFormatError(fileName, `tensor "${key}"`, `maps to "${name}", as "${earlier}" does`);
    weights.set(name, t);
    sourceKey.set(name, key);
  }
  const hasPooler = POOLER_WEIGHTS.some((n) => weights.has(n));
  const expected = expectedWeightShapes(config, hasPooler);
  for (const [name, shape] of expected) {
    const t = weights.get(name);
    const label = sourceKey.get(name) ?? name;
    if (!t) throw new DataFormatError(fileName, `tensor "${name}"`, `is missing (expected shape ${fmt(shape)} for a ${config.modelType} encoder with ${config.numLayers} layers)`);
    if (t.shape.length !== shape.length || t.shape.some((d, i) => d !== shape[i])) {
      throw new DataFormatError(fileName, `tensor "${label}"`, `has shape ${fmt(t.shape)} but config.json implies ${fmt(shape)}`);
    }
  }
  for (const name of weights.keys()) {
    if (!expected.has(name)) {
      throw new DataFormatError(fileName, `tensor "${sourceKey.get(name)}"`, `is not part of a ${config.modelType} encoder with ${config.numLayers} layers (config.json)`);
    }
  }
  return { weights, ignored, hasPooler };
}
