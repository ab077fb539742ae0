/**
 * The weight files of a checkpoint folder, header first: every safetensors header (one file or the
 * shards of an index) is read and checked against config.json's shapes BEFORE any tensor data is read
 * or allocated. A hostile config.json (hidden_size 1e9) therefore fails on its first tensor, naming it,
 * whether the caller then loads the weights (loadEncoderCheckpoint) or only sizes them (`xlir memory`).
 * Pickle files are never opened: unpickling can run code, so they must be converted offline.
 */
import { CheckpointError, DataFormatError } from '../errors';
import type { CheckpointSource } from './checkpointSource';
import { parseSafetensorsHeader, safetensorsHeaderLength, type SafetensorsDtype, type SafetensorsHeader } from './safetensors';
import { parseJsonBytes } from '../data/parseJsonText';
import type { EncoderConfig } from './types';
import { mapCheckpointWeights, normalizeWeightName, type MappedWeights } from './weightNames';

const FLOAT_DTYPES: ReadonlySet<SafetensorsDtype> = new Set(['F64', 'F32', 'F16', 'BF16']);

/** JSON files (configs) larger than this are refused before parsing. */
export const MAX_JSON_BYTES = 64 * 1024 * 1024;

export const PICKLE_FILES = ['pytorch_model.bin', 'pytorch_model.bin.index.json', 'model.pt', 'model.pth'];

export const CONVERT_HINT = 'convert it once with Python: python -c "from transformers import AutoModel; ' + "AutoModel.from_pretrained('DIR').save_pretrained('OUT', safe_serialization=True)\" " + '(copy the tokenizer files into OUT as well)';

const where = (source: CheckpointSource, path: string) => `${source.name}/${path}`;

/**
 * A JSON file of the checkpoint, size-checked, decoded as strict UTF-8 and parsed.
 * @throws DataFormatError naming the file when it is too large, not UTF-8, empty or not JSON
 */
export async function readCheckpointJson(source: CheckpointSource, path: string): Promise<unknown> {
  const file = where(source, path);
  if (source.size && (await source.size(path)) > MAX_JSON_BYTES) throw new DataFormatError(file, 'size', `is larger than ${MAX_JSON_BYTES} bytes`);
  const bytes = await source.read(path);
  if (bytes.byteLength > MAX_JSON_BYTES) throw new DataFormatError(file, 'size', `is larger than ${MAX_JSON_BYTES} bytes`);
  return parseJsonBytes(bytes, file);
}

/** One safetensors file: its parsed header, and its bytes when the source has no ranged reads. */
export interface WeightFile {
  /** path inside the folder */
  path: string;
  /** `folder/path`, for errors */
  file: string;
  header: SafetensorsHeader;
  /** the whole file when it had to be read whole; null when tensors are read by range */
  bytes: Uint8Array | null;
}

/** Reads one safetensors header without touching tensor data when the source offers ranges. */
export async function readWeightFileHeader(source: CheckpointSource, path: string): Promise<WeightFile> {
  const file = where(source, path);
  if (!source.size || !source.readRange) {
    const bytes = await source.read(path);
    const n = safetensorsHeaderLength(bytes.subarray(0, 8), bytes.byteLength, file);
    return { path, file, header: parseSafetensorsHeader(bytes.subarray(8, 8 + n), bytes.byteLength, file), bytes };
  }
  const size = await source.size(path);
  const n = safetensorsHeaderLength(await source.readRange(path, 0, Math.min(8, size)), size, file);
  return { path, file, header: parseSafetensorsHeader(await source.readRange(path, 8, 8 + n), size, file), bytes: null };
}

/** The weight files of a folder, headers parsed, no tensor data read. */
export interface CheckpointWeightFiles {
  files: WeightFile[];
  /** the file named in shape errors: model.safetensors or the index */
  label: string;
}

/**
 * Finds and parses the weight headers: model.safetensors, else every shard of model.safetensors.index.json.
 * @param files the folder's listing
 * @throws CheckpointError for a missing file, or only a pickle file (with the conversion command)
 */
export async function readCheckpointWeightFiles(source: CheckpointSource, files: ReadonlySet<string>): Promise<CheckpointWeightFiles> {
  if (files.has('model.safetensors')) return { files: [await readWeightFileHeader(source, 'model.safetensors')], label: where(source, 'model.safetensors') };
  const indexPath = 'model.safetensors.index.json';
  if (files.has(indexPath)) {
    const index = await readCheckpointJson(source, indexPath);
    const map = (index as { weight_map?: unknown } | null)?.weight_map;
    if (typeof map !== 'object' || map === null || Array.isArray(map) || Object.values(map).some((f) => typeof f !== 'string')) {
      throw new DataFormatError(where(source, indexPath), 'weight_map', 'must be an object of tensor name → file name');
    }
    const shards: WeightFile[] = [];
    for (const shard of new Set(Object.values(map as Record<string, string>))) {
      if (!files.has(shard)) throw new CheckpointError(`${where(source, indexPath)} names shard "${shard}", which is not in ${source.name}`);
      shards.push(await readWeightFileHeader(source, shard));
    }
    return { files: shards, label: where(source, indexPath) };
  }
  const pickle = PICKLE_FILES.find((f) => files.has(f));
  if (pickle) {
    throw new CheckpointError(`${where(source, pickle)} is a PyTorch pickle file, which is never opened here (unpickling can run arbitrary code); ${CONVERT_HINT}`);
  }
  throw new CheckpointError(`${source.name} has no model.safetensors (files: ${[...files].sort().join(', ') || 'none'})`);
}

/** Where a tensor's bytes are: its file and its header entry. */
export interface TensorLocation {
  shape: number[];
  weightFile: WeightFile;
  entry: SafetensorsHeader['entries'][number];
}

/**
 * Checks the headers' tensor names and shapes against the config, before any data is read.
 * @throws DataFormatError naming the file and the tensor: in two shards, not floating-point, missing,
 *   unexpected, or with a shape other than the one config.json implies
 */
export function checkWeightShapes(weights: CheckpointWeightFiles, config: EncoderConfig): MappedWeights<TensorLocation> {
  const all = new Map<string, TensorLocation>();
  for (const weightFile of weights.files) {
    for (const entry of weightFile.header.entries) {
      if (all.has(entry.name)) throw new DataFormatError(weightFile.file, `tensor "${entry.name}"`, 'is also in another shard');
      if (normalizeWeightName(entry.name) !== null && !FLOAT_DTYPES.has(entry.dtype)) {
        throw new DataFormatError(weightFile.file, `tensor "${entry.name}" dtype`, `${entry.dtype} is not a floating-point type; weights must be F32, F16, BF16 or F64`);
      }
      all.set(entry.name, { shape: entry.shape, weightFile, entry });
    }
  }
  return mapCheckpointWeights(all, config, weights.label);
}
