/**
 * Loads an HF encoder checkpoint folder (`config.json` + `model.safetensors`, optionally sharded, plus
 * sentence-transformers head files) into a {@link TransformerEncoder}. Pickle files (`pytorch_model.bin`)
 * are never opened: unpickling can run code, so they must be converted to safetensors offline.
 */
import { CheckpointError, DataFormatError } from '../errors';
import type { CheckpointSource } from './checkpointSource';
import { TransformerEncoder } from './encoder';
import { parseHfConfig } from './hfConfig';
import { checkWeightShapes, CONVERT_HINT, readCheckpointJson, readCheckpointWeightFiles, type TensorLocation } from './checkpointWeights';
import { decodeSafetensorsData, parseSafetensorsHeader, readSafetensors, safetensorsHeaderLength, toFloat32, type SafetensorsTensor } from './safetensors';
import { parseDenseConfig, parseModulesJson, parsePoolingConfig, type DenseLayer, type SentenceHead } from './sentenceHead';
import type { HostTensor, Pooling, Tokenizer } from './types';
import { pruneVocabulary, type PlanVocabularyOptions } from './vocabularyPruning';

/** Kept here for the callers that read a checkpoint's JSON alongside loading it. */
export { MAX_JSON_BYTES, readCheckpointJson } from './checkpointWeights';

export interface LoadEncoderOptions {
  /** default: frozen when V·H > 8M (see `FREEZE_EMBEDDINGS_ABOVE`) */
  freezeEmbeddings?: boolean;
  /** default: the sentence-transformers pooling when present, else mean */
  pooling?: Pooling;
  /** builds the tokenizer from the same files (the tokenizer module's `loadTokenizer`) */
  loadTokenizer?: (source: CheckpointSource) => Promise<Tokenizer>;
  /** tf.Variable name prefix */
  name?: string;
  /**
   * Keep only the word-embedding rows of the token ids of these texts (the run's data) plus the
   * special tokens; needs `loadTokenizer`. Outputs on these texts are unchanged; see vocabularyPruning.ts.
   */
  pruneVocabulary?: { texts: Iterable<string> } & PlanVocabularyOptions;
  /** hidden and attention dropout for training, instead of config.json's (a run's `dropout`) */
  dropout?: number;
}

const where = (source: CheckpointSource, path: string) => `${source.name}/${path}`;

/**
 * Reads one safetensors file, tensor by tensor when the source offers ranges (peak JS memory: one
 * tensor plus what is kept), else whole.
 */
export async function readSafetensorsFromSource(source: CheckpointSource, path: string): Promise<Map<string, SafetensorsTensor>> {
  const file = where(source, path);
  if (!source.size || !source.readRange) return readSafetensors(await source.read(path), file).tensors;
  const size = await source.size(path);
  const n = safetensorsHeaderLength(await source.readRange(path, 0, Math.min(8, size)), size, file);
  const header = parseSafetensorsHeader(await source.readRange(path, 8, 8 + n), size, file);
  const tensors = new Map<string, SafetensorsTensor>();
  for (const e of header.entries) {
    const bytes = await source.readRange(path, header.dataStart + e.begin, header.dataStart + e.end);
    tensors.set(e.name, { dtype: e.dtype, shape: e.shape, data: decodeSafetensorsData(e.dtype, bytes) });
  }
  return tensors;
}

/**
 * float32 copies of the tensors. A NaN or ±Infinity weight is refused here, naming the tensor: it would only
 * surface later as NaN embeddings (and an F16 file overflows to Infinity past 65504).
 */
function toHost(tensors: ReadonlyMap<string, SafetensorsTensor>, file: string): Map<string, HostTensor> {
  return new Map(
    [...tensors].map(([name, t]) => {
      const data = toFloat32(t, file, name);
      for (let i = 0; i < data.length; i++) {
        if (!Number.isFinite(data[i]!)) throw new DataFormatError(file, `tensor "${name}"`, `holds a non-finite value (${data[i]}) at flat index ${i}`);
      }
      return [name, { shape: t.shape, data }];
    }),
  );
}

/**
 * Reads the tensors the shape check located, file by file: by range when the source offers it (peak JS
 * memory: one tensor plus what is kept), else from the whole file already read for its header.
 */
async function readCheckedWeights(source: CheckpointSource, located: ReadonlyMap<string, TensorLocation>): Promise<Map<string, HostTensor>> {
  const out = new Map<string, HostTensor>();
  for (const [name, { weightFile, entry }] of located) {
    const { header, bytes, path, file } = weightFile;
    const start = header.dataStart + entry.begin;
    const end = header.dataStart + entry.end;
    const raw = bytes ? bytes.subarray(start, end) : await source.readRange!(path, start, end);
    const data = toFloat32({ dtype: entry.dtype, shape: entry.shape, data: decodeSafetensorsData(entry.dtype, raw) }, file, entry.name);
    for (let i = 0; i < data.length; i++) {
      if (!Number.isFinite(data[i]!)) throw new DataFormatError(file, `tensor "${entry.name}"`, `holds a non-finite value (${data[i]}) at flat index ${i}`);
    }
    out.set(name, { shape: entry.shape, data });
  }
  return out;
}

const join = (dir: string, f: string) => (dir ? `${dir}/${f}` : f);

/**
 * The sentence-transformers pooling of a folder (modules.json → the Pooling module's config.json).
 * @param files the folder's listing
 * @returns null when the folder has no modules.json
 */
export async function readSentencePooling(source: CheckpointSource, files: ReadonlySet<string>): Promise<{ pooling: Pooling; file: string } | null> {
  if (!files.has('modules.json')) return null;
  const modules = parseModulesJson(await readCheckpointJson(source, 'modules.json'), where(source, 'modules.json'));
  const poolingPath = join(modules[1]!.path, 'config.json');
  if (!files.has(poolingPath)) throw new CheckpointError(`${source.name}: modules.json names a Pooling module but ${poolingPath} is missing`);
  return { pooling: parsePoolingConfig(await readCheckpointJson(source, poolingPath), where(source, poolingPath)), file: where(source, poolingPath) };
}

async function readHead(source: CheckpointSource, files: ReadonlySet<string>, hiddenSize: number): Promise<SentenceHead | null> {
  const found = await readSentencePooling(source, files);
  if (!found) return null;
  const { pooling } = found;
  const modules = parseModulesJson(await readCheckpointJson(source, 'modules.json'), where(source, 'modules.json'));
  const dense: DenseLayer[] = [];
  let width = hiddenSize;
  for (const m of modules.filter((x) => x.type === 'Dense')) {
    const cfgPath = join(m.path, 'config.json');
    const cfg = parseDenseConfig(await readCheckpointJson(source, cfgPath), where(source, cfgPath));
    if (cfg.inFeatures !== width) throw new DataFormatError(where(source, cfgPath), 'in_features', `is ${cfg.inFeatures} but the previous layer gives ${width}`);
    const weightsPath = join(m.path, 'model.safetensors');
    if (!files.has(weightsPath)) {
      const pickle = join(m.path, 'pytorch_model.bin');
      if (files.has(pickle)) throw new CheckpointError(`${where(source, pickle)} is a PyTorch pickle file, which is never opened here; ${CONVERT_HINT}`);
      throw new CheckpointError(`${source.name}: ${weightsPath} is missing`);
    }
    const file = where(source, weightsPath);
    const t = toHost(await readSafetensorsFromSource(source, weightsPath), file);
    const weight = t.get('linear.weight');
    if (!weight) throw new DataFormatError(file, 'tensor "linear.weight"', 'is missing');
    if (weight.shape.join() !== `${cfg.outFeatures},${cfg.inFeatures}`) {
      throw new DataFormatError(file, 'tensor "linear.weight"', `has shape [${weight.shape.join(', ')}] but config.json implies [${cfg.outFeatures}, ${cfg.inFeatures}]`);
    }
    const bias = t.get('linear.bias') ?? null;
    if (cfg.bias && (!bias || bias.shape.join() !== String(cfg.outFeatures))) {
      throw new DataFormatError(file, 'tensor "linear.bias"', bias ? `has shape [${bias.shape.join(', ')}] but config.json implies [${cfg.outFeatures}]` : 'is missing');
    }
    dense.push({ path: m.path, activation: cfg.activation, weight, bias: cfg.bias ? bias : null });
    width = cfg.outFeatures;
  }
  return { pooling, dense };
}

/**
 * @throws CheckpointError when a required file is missing or only a pickle file is present
 * @throws DataFormatError naming the file and the field or tensor for malformed content
 */
export async function loadEncoderCheckpoint(source: CheckpointSource, options: LoadEncoderOptions = {}): Promise<TransformerEncoder> {
  const files = new Set(await source.list());
  if (!files.has('config.json')) throw new CheckpointError(`${source.name} has no config.json (is it a Hugging Face model folder?)`);
  const parsed = parseHfConfig(await readCheckpointJson(source, 'config.json'), where(source, 'config.json'));
  const config = options.dropout === undefined ? parsed : { ...parsed, hiddenDropout: options.dropout, attentionDropout: options.dropout };
  // headers and shapes first: a config.json with absurd sizes fails here, before any tensor is allocated
  const located = checkWeightShapes(await readCheckpointWeightFiles(source, files), config);
  const mapped = { ...located, weights: await readCheckedWeights(source, located.weights) };
  const head = await readHead(source, files, config.hiddenSize);
  const tokenizer = options.loadTokenizer ? await options.loadTokenizer(source) : null;
  if (tokenizer && tokenizer.vocabSize > config.vocabSize) {
    // Ids past the embedding table would index nothing: name both files, not the encoder's internals.
    throw new CheckpointError(`${source.name}: the tokenizer (tokenizer.json or vocab files) has ${tokenizer.vocabSize} ids but ${source.name}/config.json vocab_size is ${config.vocabSize}; they come from different models`);
  }
  if (tokenizer && tokenizer.padId !== config.padTokenId) {
    throw new CheckpointError(`${source.name}: the tokenizer pads with id ${tokenizer.padId} but config.json has pad_token_id ${config.padTokenId}`);
  }
  if (options.pruneVocabulary) {
    if (!tokenizer) throw new CheckpointError(`${source.name}: pruneVocabulary needs the tokenizer (the loadTokenizer option)`);
    const { texts, ...planOptions } = options.pruneVocabulary;
    const pruned = pruneVocabulary({ config, weights: mapped.weights, tokenizer }, texts, planOptions);
    return new TransformerEncoder({
      config: pruned.config,
      weights: pruned.weights,
      tokenizer: pruned.tokenizer,
      vocabularyPruning: pruned.pruning,
      head,
      pooling: options.pooling,
      freezeEmbeddings: options.freezeEmbeddings,
      name: options.name,
    });
  }
  return new TransformerEncoder({
    config,
    weights: mapped.weights,
    tokenizer,
    head,
    pooling: options.pooling,
    freezeEmbeddings: options.freezeEmbeddings,
    name: options.name,
  });
}
