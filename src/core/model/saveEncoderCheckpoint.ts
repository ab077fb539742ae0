/**
 * Writes an encoder as a checkpoint folder that both our loader and Python read: HF `config.json` +
 * `model.safetensors` (HF names, F32) for `transformers.AutoModel`, and a sentence-transformers layout
 * (`modules.json`, `1_Pooling/config.json`, Dense folders, Normalize) so the pooling and head travel
 * with the weights and `SentenceTransformer(DIR)` reproduces `embed()`.
 */
import { ConfigError } from '../errors';
import type { TransformerEncoder } from './encoder';
import { toHfConfig } from './hfConfig';
import { maxSequenceLength } from './positionIds';
import { writeSafetensors, type WritableTensor } from './safetensors';
import { toDenseConfigJson } from './sentenceHead';
import { restoreWordEmbeddings, WORD_EMBEDDINGS } from './vocabularyPruning';

const ST = 'sentence_transformers.models.';
const json = (value: unknown) => new TextEncoder().encode(`${JSON.stringify(value, null, 2)}\n`);

export const SENTENCE_BERT_CONFIG_FILE = 'sentence_bert_config.json';

export interface SaveEncoderOptions {
  /**
   * `max_seq_length` of sentence_bert_config.json: the most tokens per text the model embeds with,
   * special tokens included (sentence-transformers passes it to the tokenizer as `max_length`, which
   * counts them, as our `maxLength` does). A run passes its `model.maxLength`, the same number its
   * manifest records; default: the longest sequence the positions allow.
   */
  maxSeqLength?: number;
}

/**
 * @param tokenizerFiles files to store beside the weights, file name → JSON value, string or bytes
 *   (`tokenizer.json`, `tokenizer_config.json`, …); default: `tokenizer.json` from the encoder's
 *   tokenizer (`toJSON()`) when it has one
 * @returns file path (relative, `/`-separated) → bytes
 */
export async function saveEncoderCheckpoint(encoder: TransformerEncoder, tokenizerFiles?: Readonly<Record<string, unknown>>, options: SaveEncoderOptions = {}): Promise<Map<string, Uint8Array>> {
  const limit = maxSequenceLength(encoder.config);
  const maxSeqLength = options.maxSeqLength ?? limit;
  if (!(Number.isInteger(maxSeqLength) && maxSeqLength >= 1 && maxSeqLength <= limit)) {
    throw new ConfigError(`maxSeqLength must be an integer in 1..${limit} (the positions' limit), got ${maxSeqLength}`);
  }
  const files = new Map<string, Uint8Array>();
  const values = await encoder.weightValues();
  // A pruned vocabulary is saved whole: trained rows written back into the loaded [V, H] matrix, with
  // the original config and tokenizer (why: vocabularyPruning.ts)
  const pruning = encoder.vocabularyPruning;
  if (pruning) values.set(WORD_EMBEDDINGS, restoreWordEmbeddings(values.get(WORD_EMBEDDINGS)!, pruning));
  const model: Record<string, WritableTensor> = {};
  const heads = new Map<string, Record<string, WritableTensor>>();
  for (const [key, t] of values) {
    const slash = key.indexOf('/');
    if (slash < 0) {
      model[key] = { dtype: 'F32', shape: t.shape, data: t.data };
    } else {
      const dir = key.slice(0, slash);
      heads.set(dir, { ...heads.get(dir), [key.slice(slash + 1)]: { dtype: 'F32', shape: t.shape, data: t.data } });
    }
  }
  files.set('config.json', json(toHfConfig(pruning?.originalConfig ?? encoder.config)));
  files.set('model.safetensors', writeSafetensors(model, { format: 'pt' }));

  const H = encoder.config.hiddenSize;
  const modules: { idx: number; name: string; path: string; type: string }[] = [
    { idx: 0, name: '0', path: '', type: `${ST}Transformer` },
    { idx: 1, name: '1', path: '1_Pooling', type: `${ST}Pooling` },
  ];
  files.set(SENTENCE_BERT_CONFIG_FILE, json({ max_seq_length: maxSeqLength, do_lower_case: false }));
  files.set(
    '1_Pooling/config.json',
    json({
      word_embedding_dimension: H,
      pooling_mode_cls_token: encoder.pooling === 'cls',
      pooling_mode_mean_tokens: encoder.pooling === 'mean',
      pooling_mode_max_tokens: false,
      pooling_mode_mean_sqrt_len_tokens: false,
    }),
  );
  let idx = 2;
  for (const layer of encoder.headLayers()) {
    const path = `${idx}_Dense`;
    modules.push({ idx, name: String(idx), path, type: `${ST}Dense` });
    files.set(`${path}/config.json`, json(toDenseConfigJson(layer)));
    files.set(`${path}/model.safetensors`, writeSafetensors(heads.get(layer.path) ?? {}, { format: 'pt' }));
    idx++;
  }
  modules.push({ idx, name: String(idx), path: `${idx}_Normalize`, type: `${ST}Normalize` });
  files.set('modules.json', json(modules));

  const extra = tokenizerFiles ?? (encoder.tokenizer ? { 'tokenizer.json': encoder.tokenizer.toJSON() } : {});
  for (const [name, value] of Object.entries(extra)) {
    files.set(name, value instanceof Uint8Array ? value : typeof value === 'string' ? new TextEncoder().encode(value) : json(value));
  }
  return files;
}
