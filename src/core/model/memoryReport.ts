/**
 * The memory a fine-tuning run will need, shown BEFORE it starts (issue 5; figures of
 * shared/notes/checkpoints.md §1.4). Weight, gradient and Adam bytes are exact for float32
 * ({@link memoryEstimate}); activations are an estimate. It also says where the bytes live: frozen
 * word embeddings are held in JS memory and gathered on the CPU (encoder.ts), everything else sits on
 * the accelerator. {@link checkpointMemoryInputs} reads what the report needs from a checkpoint folder
 * without loading its weights (config.json, the safetensors header, the sentence-transformers head).
 */
import { CheckpointError, ConfigError, DataFormatError } from '../errors';
import type { CheckpointSource } from './checkpointSource';
import { checkWeightShapes, CONVERT_HINT, readCheckpointJson, readCheckpointWeightFiles, readWeightFileHeader } from './checkpointWeights';
import { FREEZE_EMBEDDINGS_ABOVE } from './encoder';
import { parseHfConfig } from './hfConfig';
import { memoryEstimate, wordEmbeddingParameters } from './memoryEstimate';
import { maxSequenceLength } from './positionIds';
import { parseDenseConfig, parseModulesJson } from './sentenceHead';
import type { EncoderConfig } from './types';

const BYTES_PER_FLOAT = 4;

export interface MemoryReportOptions {
  /** sequences encoded per training step (a batch of N query–passage pairs encodes 2N) */
  batchSize: number;
  /** tokens per sequence, special tokens included */
  seqLen: number;
  /** default: frozen when the (pruned) matrix has more than FREEZE_EMBEDDINGS_ABOVE parameters, as the loader decides */
  freezeEmbeddings?: boolean;
  /** V', the rows kept by vocabulary pruning (vocabularyPruning.ts); default: the full vocabulary */
  pruneTo?: number;
  /** the checkpoint has `pooler.dense.*` (counted as trainable, which slightly overstates: embed() does not use it) */
  withPooler?: boolean;
  /** parameters of sentence-transformers Dense layers (trained with the encoder) */
  headParameters?: number;
}

/** Bytes (float32) and parameter counts of one configuration, plus the lines to print. */
export interface MemoryReport {
  modelType: EncoderConfig['modelType'];
  layers: number;
  hiddenSize: number;
  /** V of the checkpoint */
  vocabSize: number;
  /** V' after pruning, null when not pruned */
  prunedVocabSize: number | null;
  batchSize: number;
  seqLen: number;
  freezeEmbeddings: boolean;
  parameters: number;
  trainableParameters: number;
  /** rows in use × H */
  wordEmbeddingParameters: number;
  bytes: {
    weights: number;
    /** part of `weights`: the word embeddings in use */
    wordEmbeddings: number;
    gradients: number;
    /** Adam m and v */
    adam: number;
    /** ESTIMATE (memoryEstimate.ts): what TF.js keeps alive through one training step */
    activations: number;
    /** the loaded [V, H] matrix kept in JS memory to restore pruned rows on save; 0 without pruning */
    restoreCopy: number;
    /** on the GPU (or the wasm/cpu heap): weights not held in JS, gradients, Adam, activations */
    accelerator: number;
    /** in JS memory: frozen word embeddings and the restore copy */
    host: number;
    total: number;
  };
  /** human-readable summary, one fact per line */
  lines: string[];
}

/** Decimal units (GB = 10⁹ bytes), as checkpoints.md §1.4 gives its totals. */
export function formatBytes(bytes: number): string {
  const units: [number, string][] = [
    [1e9, 'GB'],
    [1e6, 'MB'],
    [1e3, 'kB'],
  ];
  for (const [size, unit] of units) if (bytes >= size) return `${(bytes / size).toFixed(bytes / size >= 100 ? 0 : 2)} ${unit}`;
  return `${bytes} B`;
}

const count = (n: number) => n.toLocaleString('en-US');

/**
 * @throws ConfigError for a non-positive batch size or sequence length, a sequence longer than the
 *   model's positions allow, or `pruneTo` outside [1, V]
 */
export function memoryReport(config: EncoderConfig, options: MemoryReportOptions): MemoryReport {
  const { batchSize, seqLen } = options;
  if (!(Number.isInteger(batchSize) && batchSize > 0)) throw new ConfigError(`batch size must be a positive integer (got ${batchSize})`);
  if (!(Number.isInteger(seqLen) && seqLen > 0)) throw new ConfigError(`sequence length must be a positive integer (got ${seqLen})`);
  const most = maxSequenceLength(config);
  if (seqLen > most) throw new ConfigError(`sequence length ${seqLen} is more than the ${most} tokens this model's positions allow`);
  const pruneTo = options.pruneTo;
  if (pruneTo !== undefined && !(Number.isInteger(pruneTo) && pruneTo >= 1 && pruneTo <= config.vocabSize)) {
    throw new ConfigError(`pruneTo must be an integer in [1, ${config.vocabSize}] (got ${pruneTo})`);
  }
  const head = options.headParameters ?? 0;
  if (!(Number.isInteger(head) && head >= 0)) throw new ConfigError(`headParameters must be a non-negative integer (got ${head})`);

  const used: EncoderConfig = pruneTo === undefined ? config : { ...config, vocabSize: pruneTo };
  const wordParams = wordEmbeddingParameters(used);
  const freeze = options.freezeEmbeddings ?? wordParams > FREEZE_EMBEDDINGS_ABOVE;
  const e = memoryEstimate(used, { batchSize, seqLen, trainable: freeze ? 'frozen-embeddings' : 'all', withPooler: options.withPooler ?? false });

  const parameters = e.parameters + head;
  const trainableParameters = e.trainableParameters + head;
  const weights = e.weightBytes + head * BYTES_PER_FLOAT;
  const gradients = e.gradientBytes + head * BYTES_PER_FLOAT;
  const adam = e.adamBytes + 2 * head * BYTES_PER_FLOAT;
  const wordEmbeddings = wordParams * BYTES_PER_FLOAT;
  const restoreCopy = pruneTo === undefined ? 0 : wordEmbeddingParameters(config) * BYTES_PER_FLOAT;
  const host = (freeze ? wordEmbeddings : 0) + restoreCopy;
  const accelerator = weights - (freeze ? wordEmbeddings : 0) + gradients + adam + e.activationBytes;
  const total = host + accelerator;

  const pct = (a: number, b: number) => `${((100 * a) / b).toFixed(1)} %`;
  const vocabLine = pruneTo === undefined ? `vocabulary ${count(config.vocabSize)}` : `vocabulary pruned to ${count(pruneTo)} of ${count(config.vocabSize)} rows (${pct(pruneTo, config.vocabSize)})`;
  const lines = [
    `${config.modelType}, ${config.numLayers} layers, H ${config.hiddenSize}, ${vocabLine}; word embeddings ${freeze ? 'frozen (JS memory)' : 'trained'}`,
    `parameters   ${count(parameters)} (word embeddings ${count(wordParams)} = ${pct(wordParams, parameters)}), trainable ${count(trainableParameters)}`,
    `weights      ${formatBytes(weights)} (word embeddings ${formatBytes(wordEmbeddings)})`,
    `gradients    ${formatBytes(gradients)}`,
    `Adam m, v    ${formatBytes(adam)}`,
    `activations  ${formatBytes(e.activationBytes)} (ESTIMATE for batch ${batchSize} × ${seqLen} tokens; check tf.memory() on the real run)`,
    ...(restoreCopy > 0 ? [`restore copy ${formatBytes(restoreCopy)} (the full word embeddings, kept to save the whole vocabulary)`] : []),
    `total        ${formatBytes(total)} (accelerator ${formatBytes(accelerator)}, JS memory ${formatBytes(host)})`,
  ];
  return {
    modelType: config.modelType,
    layers: config.numLayers,
    hiddenSize: config.hiddenSize,
    vocabSize: config.vocabSize,
    prunedVocabSize: pruneTo ?? null,
    batchSize,
    seqLen,
    freezeEmbeddings: freeze,
    parameters,
    trainableParameters,
    wordEmbeddingParameters: wordParams,
    bytes: { weights, wordEmbeddings, gradients, adam, activations: e.activationBytes, restoreCopy, accelerator, host, total },
    lines,
  };
}

/** What {@link memoryReport} needs from a checkpoint folder. */
export interface CheckpointMemoryInputs {
  config: EncoderConfig;
  withPooler: boolean;
  headParameters: number;
}

/**
 * Reads config.json, the weight headers (safetensors header or shard headers only, no tensor data;
 * their shapes must match config.json) and the
 * Dense layers of a sentence-transformers head.
 * @throws CheckpointError / DataFormatError naming the file
 */
export async function checkpointMemoryInputs(source: CheckpointSource): Promise<CheckpointMemoryInputs> {
  const files = new Set(await source.list());
  if (!files.has('config.json')) throw new CheckpointError(`${source.name} has no config.json (is it a Hugging Face model folder?)`);
  const config = parseHfConfig(await readCheckpointJson(source, 'config.json'), `${source.name}/config.json`);
  // the same header-vs-config check the loader makes, so a 100 kB folder whose config.json claims
  // hidden_size 1e9 is refused naming the tensor instead of reported as 128,000 GB
  const withPooler = checkWeightShapes(await readCheckpointWeightFiles(source, files), config).hasPooler;
  let headParameters = 0;
  if (files.has('modules.json')) {
    for (const m of parseModulesJson(await readCheckpointJson(source, 'modules.json'), `${source.name}/modules.json`)) {
      if (m.type !== 'Dense') continue;
      const path = m.path ? `${m.path}/config.json` : 'config.json';
      const d = parseDenseConfig(await readCheckpointJson(source, path), `${source.name}/${path}`);
      // the Dense weights' header must hold what the config claims, as the loader checks, before it is counted
      const weightsPath = m.path ? `${m.path}/model.safetensors` : 'model.safetensors';
      if (!files.has(weightsPath)) throw new CheckpointError(`${source.name}: ${weightsPath} is missing${files.has(weightsPath.replace('model.safetensors', 'pytorch_model.bin')) ? ` (only a PyTorch pickle file is there; ${CONVERT_HINT})` : ''}`);
      const { header, file } = await readWeightFileHeader(source, weightsPath);
      const weight = header.entries.find((e) => e.name === 'linear.weight');
      if (!weight) throw new DataFormatError(file, 'tensor "linear.weight"', 'is missing');
      if (weight.shape.join() !== `${d.outFeatures},${d.inFeatures}`) {
        throw new DataFormatError(file, 'tensor "linear.weight"', `has shape [${weight.shape.join(', ')}] but ${path} implies [${d.outFeatures}, ${d.inFeatures}]`);
      }
      headParameters += d.outFeatures * d.inFeatures + (d.bias ? d.outFeatures : 0);
    }
  }
  return { config, withPooler, headParameters };
}
