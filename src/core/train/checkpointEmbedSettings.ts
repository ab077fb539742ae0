/**
 * How to embed with a checkpoint, read from the checkpoint's own files, so `xlir evaluate`, `xlir embed`,
 * `xlir align`, the app's compute worker and the study all embed a checkpoint the same way.
 *
 * A checkpoint states its length in up to two places, both counting special tokens:
 *  - `manifest.json` `config.model.maxLength` (run checkpoints: the length the run trained and
 *    evaluated with);
 *  - `sentence_bert_config.json` `max_seq_length` (sentence-transformers passes it to the tokenizer as
 *    `max_length`, which counts the special tokens; `saveEncoderCheckpoint` writes the run's maxLength).
 * When both are present they must agree: a disagreement means the files come from different runs or an
 * older writer, and silently picking one is how the CLI and the app came to report different numbers
 * for the same checkpoint (issue 20, item 3). The pooling of `manifest.json` and of the
 * sentence-transformers Pooling module must agree likewise.
 */
import { CheckpointError, ConfigError, DataFormatError } from '../errors';
import type { CheckpointSource } from '../model/checkpointSource';
import type { TransformerEncoder } from '../model/encoder';
import { parseHfConfig } from '../model/hfConfig';
import { loadEncoderCheckpoint, readCheckpointJson, readSentencePooling } from '../model/loadEncoderCheckpoint';
import { maxSequenceLength } from '../model/positionIds';
import { SENTENCE_BERT_CONFIG_FILE } from '../model/saveEncoderCheckpoint';
import type { Pooling, Tokenizer } from '../model/types';
import { MANIFEST_FILE, parseManifest, type CheckpointManifest } from './trainingCheckpoint';

/** Texts per forward pass when embedding a dataset (CLI, workers, training-time evaluation). */
export const EMBED_BATCH_SIZE = 64;

/** The length used when a checkpoint states none (a plain HF folder): its limit, at most this. */
export const DEFAULT_EMBED_MAX_LENGTH = 128;

export interface CheckpointEmbedSettings {
  /** most tokens per text, special tokens included */
  maxLength: number;
  /** where `maxLength` came from, for logs: `<folder>/manifest.json config.model.maxLength`, `--max-length`, … */
  maxLengthFrom: string;
  /** the longest sequence the model's positions allow (special tokens included) */
  limit: number;
  /** the pooling to load with; undefined: the folder's own (sentence-transformers Pooling, else mean) */
  pooling: Pooling | undefined;
  /** texts per forward pass */
  batchSize: number;
  /** the run manifest, for run checkpoints */
  manifest: CheckpointManifest | null;
}

export interface CheckpointEmbedOptions {
  /** an explicit request (`--max-length`): used instead of the checkpoint's own length, within its limit */
  maxLength?: number;
  /** what `maxLength` is called in errors (default "maxLength") */
  maxLengthName?: string;
  /**
   * used only when the checkpoint states no length, capped by the limit; 'limit': the limit itself
   * (default: min(limit, {@link DEFAULT_EMBED_MAX_LENGTH}))
   */
  defaultMaxLength?: number | 'limit';
  /** an explicit pooling (`xlir embed --pooling`) instead of the checkpoint's own */
  pooling?: Pooling;
  /** texts per forward pass (default {@link EMBED_BATCH_SIZE}) */
  batchSize?: number;
}

const at = (source: CheckpointSource, file: string) => `${source.name}/${file}`;

/** `max_seq_length` of sentence_bert_config.json; null (as sentence-transformers allows) or absent: none. */
async function readMaxSeqLength(source: CheckpointSource): Promise<number | null> {
  const file = at(source, SENTENCE_BERT_CONFIG_FILE);
  const raw = await readCheckpointJson(source, SENTENCE_BERT_CONFIG_FILE);
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) throw new DataFormatError(file, '(root)', 'must be a JSON object');
  const value = (raw as Record<string, unknown>).max_seq_length;
  if (value === undefined || value === null) return null;
  if (!(typeof value === 'number' && Number.isInteger(value) && value >= 1)) throw new DataFormatError(file, 'max_seq_length', `must be a positive integer (got ${JSON.stringify(value)})`);
  return value;
}

/**
 * Reads the embedding settings of a checkpoint folder (HF layout, a run's `checkpoints/step-N`, a
 * pretrained built-in's folder).
 * Length: an explicit `options.maxLength`, else the checkpoint's own (manifest, then
 * sentence_bert_config.json), else `options.defaultMaxLength`, else min(limit, 128).
 * @throws CheckpointError naming both files and fields when the checkpoint's files disagree, or when
 *   the stated length is beyond what config.json's positions allow
 * @throws ConfigError when `options.maxLength` is beyond the limit
 */
export async function checkpointEmbedSettings(source: CheckpointSource, options: CheckpointEmbedOptions = {}): Promise<CheckpointEmbedSettings> {
  const files = new Set(await source.list());
  if (!files.has('config.json')) throw new CheckpointError(`${source.name} has no config.json (is it a Hugging Face model folder?)`);
  const config = parseHfConfig(await readCheckpointJson(source, 'config.json'), at(source, 'config.json'));
  const limit = maxSequenceLength(config);
  const manifest = files.has(MANIFEST_FILE) ? parseManifest(await source.read(MANIFEST_FILE), source.name) : null;
  const maxSeqLength = files.has(SENTENCE_BERT_CONFIG_FILE) ? await readMaxSeqLength(source) : null;

  const fromManifest = `${at(source, MANIFEST_FILE)} config.model.maxLength`;
  const fromSbert = `${at(source, SENTENCE_BERT_CONFIG_FILE)} max_seq_length`;
  // Run checkpoints saved before the writer recorded the run's length carry the positions' limit there;
  // their manifest is the record of what the run used, so they stay loadable (browser storage holds many).
  const olderWriter = manifest !== null && maxSeqLength === limit;
  if (manifest && maxSeqLength !== null && !olderWriter && manifest.config.model.maxLength !== maxSeqLength) {
    throw new CheckpointError(
      `${fromManifest} is ${manifest.config.model.maxLength} but ${fromSbert} is ${maxSeqLength}; both count the special tokens, so they must agree ` +
        '(the files come from different runs, or from a writer that put the positions’ limit in max_seq_length): set max_seq_length to the length the run trained with',
    );
  }
  const stated = manifest ? { value: manifest.config.model.maxLength, from: fromManifest } : maxSeqLength !== null ? { value: maxSeqLength, from: fromSbert } : null;
  if (stated && stated.value > limit) {
    throw new CheckpointError(`${stated.from} is ${stated.value}, more than the ${limit} tokens ${at(source, 'config.json')} max_position_embeddings ${config.maxPositions} allows`);
  }

  let maxLength: number;
  let maxLengthFrom: string;
  if (options.maxLength !== undefined) {
    const name = options.maxLengthName ?? 'maxLength';
    if (!(Number.isInteger(options.maxLength) && options.maxLength >= 1)) throw new ConfigError(`${name} must be a positive integer (got ${options.maxLength})`);
    if (options.maxLength > limit) throw new ConfigError(`${name} ${options.maxLength} is more than the ${limit} tokens this model's positions allow`);
    maxLength = options.maxLength;
    maxLengthFrom = name;
  } else if (stated) {
    maxLength = stated.value;
    maxLengthFrom = stated.from;
  } else {
    const fallback = options.defaultMaxLength ?? DEFAULT_EMBED_MAX_LENGTH;
    maxLength = fallback === 'limit' ? limit : Math.min(limit, fallback);
    maxLengthFrom = fallback === 'limit' ? 'the model limit (the checkpoint states no length)' : `the default min(${limit}, ${fallback}) (the checkpoint states no length)`;
  }

  let pooling = options.pooling;
  if (manifest) {
    const own = await readSentencePooling(source, files);
    if (own && own.pooling !== manifest.config.model.pooling) {
      throw new CheckpointError(`${at(source, MANIFEST_FILE)} config.model.pooling is "${manifest.config.model.pooling}" but ${own.file} pools by "${own.pooling}"; they must agree`);
    }
    pooling ??= manifest.config.model.pooling;
  }
  return { maxLength, maxLengthFrom, limit, pooling, batchSize: options.batchSize ?? EMBED_BATCH_SIZE, manifest };
}

/**
 * Loads a checkpoint for embedding together with its {@link checkpointEmbedSettings}: the one entry
 * point of every path that embeds with a saved checkpoint. The caller disposes the encoder.
 */
export async function loadCheckpointForEmbedding(
  source: CheckpointSource,
  options: CheckpointEmbedOptions & { loadTokenizer: (source: CheckpointSource) => Promise<Tokenizer> },
): Promise<{ encoder: TransformerEncoder; settings: CheckpointEmbedSettings }> {
  const { loadTokenizer, ...rest } = options;
  const settings = await checkpointEmbedSettings(source, rest);
  const encoder = await loadEncoderCheckpoint(source, { loadTokenizer, ...(settings.pooling ? { pooling: settings.pooling } : {}) });
  return { encoder, settings };
}
