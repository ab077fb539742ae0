/**
 * Tokenizers for the encoder: Hugging Face `tokenizer.json` (+ `tokenizer_config.json`) run by
 * `@huggingface/tokenizers` (the zero-dependency library inside transformers.js 4.x; see
 * notes/checkpoints.md §3). It reads no files itself, so this module stays pure: callers pass the bytes
 * through a {@link TokenizerSource}.
 *
 * Encoding follows HF's default call `tokenizer(texts, padding=True, truncation=True, max_length=L)`:
 * special tokens added by the file's post-processor, content truncated so that the special tokens
 * (e.g. the final `</s>` / `[SEP]`) survive, right padding to the longest row of the batch.
 */
import { Tokenizer as HfLibTokenizer } from '@huggingface/tokenizers';
import { CheckpointError, ConfigError, DataFormatError } from '../errors';
import { parseJsonBytes } from '../data/parseJsonText';
import { describeValue, shownValue } from '../shownValue';
import type { CheckpointSource } from './checkpointSource';
import { unsafeRegexReason } from './regexSafety';
import { bucketedLength } from './tokenBatch';
import type { TokenBatch, TokenizeOptions, Tokenizer } from './types';

type HfLibModel = NonNullable<HfLibTokenizer['model']>;

export type { Tokenizer } from './types';

/** A checkpoint folder as the loader sees it: a directory in Node, picked files or OPFS in the browser. */
export type TokenizerSource = Pick<CheckpointSource, 'name' | 'list' | 'read'>;

export const TOKENIZER_FILE = 'tokenizer.json';
export const TOKENIZER_CONFIG_FILE = 'tokenizer_config.json';

/** Components `@huggingface/tokenizers` 0.2.0 implements (its `create_*` switches); other types are refused up front. */
const SUPPORTED = {
  model: ['WordPiece', 'Unigram', 'BPE'],
  normalizer: ['BertNormalizer', 'Precompiled', 'Sequence', 'Replace', 'NFC', 'NFD', 'NFKC', 'NFKD', 'Strip', 'StripAccents', 'Lowercase', 'Prepend'],
  pre_tokenizer: ['BertPreTokenizer', 'Sequence', 'Whitespace', 'WhitespaceSplit', 'Metaspace', 'ByteLevel', 'Split', 'Punctuation', 'Digits', 'Replace', 'FixedLength'],
  post_processor: ['TemplateProcessing', 'ByteLevel', 'BertProcessing', 'RobertaProcessing', 'Sequence'],
  decoder: ['ByteLevel', 'WordPiece', 'Metaspace', 'BPEDecoder', 'CTC', 'Sequence', 'Replace', 'Fuse', 'Strip', 'ByteFallback'],
} as const;
type Component = Exclude<keyof typeof SUPPORTED, 'model'>;
/** the field holding the children of a `Sequence` of each component kind */
const SEQUENCE_FIELD: Record<Component, string> = {
  normalizer: 'normalizers',
  pre_tokenizer: 'pretokenizers',
  post_processor: 'processors',
  decoder: 'decoders',
};

/** Pad token names tried when neither the config nor `padding` names one. */
const CONVENTIONAL_PAD_TOKENS = ['<pad>', '[PAD]'];

/** Files that mean "a slow (sentencepiece / vocab.txt) tokenizer without tokenizer.json". */
const SLOW_TOKENIZER_FILES = ['sentencepiece.bpe.model', 'spiece.model', 'tokenizer.model', 'sentencepiece.model', 'vocab.txt', 'vocab.json'];

export interface TokenizerFromJsonOptions {
  /** parsed `tokenizer_config.json`, when the folder has one */
  config?: unknown;
  /** its file name for error messages (default `tokenizer_config.json`) */
  configFileName?: string;
  /** most texts whose content ids are memoised (training re-tokenizes the same candidates each epoch); 0 disables */
  cacheSize?: number;
}

const isRecord = (x: unknown): x is Record<string, unknown> => typeof x === 'object' && x !== null && !Array.isArray(x);
const isNonNegInt = (x: unknown): x is number => typeof x === 'number' && Number.isInteger(x) && x >= 0;
/** Real files nest `Sequence` components one or two levels; far deeper nesting would overflow the stack. */
const MAX_SEQUENCE_DEPTH = 32;

/**
 * A HF tokenizer (WordPiece, Unigram or BPE) behind our {@link Tokenizer} contract.
 * Build with {@link tokenizerFromJson} or {@link loadTokenizer}.
 */
export class HfTokenizer implements Tokenizer {
  readonly padId: number;
  readonly vocabSize: number;
  /** id of the unknown token */
  readonly unkId: number;
  /** ids the post-processor puts before / after the content of a single text (`[CLS]` / `[SEP]`, `<s>` / `</s>`) */
  readonly prefixIds: readonly number[];
  readonly suffixIds: readonly number[];
  /** `model_max_length` of the config when it is a sane number, else null */
  readonly modelMaxLength: number | null;
  /** the library tokenizer (normalizer, pre-tokenizer, model, post-processor, decoder) */
  readonly lib: HfLibTokenizer;
  private readonly json: unknown;
  private readonly cache = new Map<string, Int32Array>();
  private readonly cacheSize: number;

  /** @internal use {@link tokenizerFromJson} */
  constructor(parts: {
    json: unknown;
    lib: HfLibTokenizer;
    padId: number;
    unkId: number;
    prefixIds: number[];
    suffixIds: number[];
    vocabSize: number;
    modelMaxLength: number | null;
    cacheSize: number;
  }) {
    this.json = parts.json;
    this.lib = parts.lib;
    this.padId = parts.padId;
    this.unkId = parts.unkId;
    this.prefixIds = parts.prefixIds;
    this.suffixIds = parts.suffixIds;
    this.vocabSize = parts.vocabSize;
    this.modelMaxLength = parts.modelMaxLength;
    this.cacheSize = parts.cacheSize;
  }

  /** Content ids of one text (no special tokens, no truncation); memoised. */
  contentIds(text: string): Int32Array {
    const hit = this.cache.get(text);
    if (hit) return hit;
    const ids = Int32Array.from(this.lib.encode(text, { add_special_tokens: false }).ids);
    if (this.cacheSize > 0) {
      // Insertion-ordered Map: dropping the first key evicts the oldest entry.
      if (this.cache.size >= this.cacheSize) this.cache.delete(this.cache.keys().next().value as string);
      this.cache.set(text, ids);
    }
    return ids;
  }

  /** Ids of one text as HF's `tokenizer(text)` gives them: special tokens added, no truncation. */
  encodeIds(text: string): number[] {
    return [...this.prefixIds, ...this.contentIds(text), ...this.suffixIds];
  }

  /** Token strings of one text, special tokens included (for display and tests). */
  tokens(text: string): string[] {
    return this.encodeIds(text).map((id) => this.lib.id_to_token(id) ?? `<id ${id}>`);
  }

  /** Text of a list of ids (WordPiece `##` joined, `▁` turned into spaces, special tokens dropped). */
  decode(ids: readonly number[]): string {
    if (ids.length === 0) return '';
    return this.lib.decode([...ids], { skip_special_tokens: true });
  }

  /** @throws ConfigError when `maxLength` cannot hold the special tokens */
  encode(texts: readonly string[], maxLength: number, options: TokenizeOptions = {}): TokenBatch {
    const nSpecial = this.prefixIds.length + this.suffixIds.length;
    if (!Number.isInteger(maxLength) || maxLength < nSpecial + 1) {
      throw new ConfigError(`maxLength must be an integer ≥ ${nSpecial + 1} (room for ${nSpecial} special tokens and one more), got ${maxLength}`);
    }
    const room = maxLength - nSpecial;
    const contents = texts.map((t) => this.contentIds(t));
    let seqLen = 0;
    for (const c of contents) seqLen = Math.max(seqLen, Math.min(c.length, room) + nSpecial);
    seqLen = bucketedLength(seqLen, options.padMultiple ?? 1, maxLength);
    const batchSize = texts.length;
    const inputIds = new Int32Array(batchSize * seqLen).fill(this.padId);
    const attentionMask = new Int32Array(batchSize * seqLen);
    contents.forEach((c, b) => {
      const row = b * seqLen;
      let t = row;
      for (const id of this.prefixIds) inputIds[t++] = id;
      inputIds.set(c.length > room ? c.subarray(0, room) : c, t);
      t += Math.min(c.length, room);
      for (const id of this.suffixIds) inputIds[t++] = id;
      attentionMask.fill(1, row, t);
    });
    return { inputIds, attentionMask, batchSize, seqLen };
  }

  toJSON(): unknown {
    return this.json;
  }
}

/**
 * Builds a tokenizer from a parsed HF `tokenizer.json`.
 * Pad id: `pad_token` of the config, else `padding.pad_id` of the file, else an added token `<pad>` / `[PAD]`.
 * @param json the parsed file
 * @param fileName its name for error messages
 * @throws DataFormatError naming the file and field for anything the library cannot run
 */
export function tokenizerFromJson(json: unknown, fileName: string, options: TokenizerFromJsonOptions = {}): HfTokenizer {
  const configFile = options.configFileName ?? TOKENIZER_CONFIG_FILE;
  const fail = (field: string, reason: string): never => {
    throw new DataFormatError(fileName, field, reason);
  };
  if (!isRecord(json)) return fail('root', `expected an object, got ${describeValue(json)}`);
  const config = options.config ?? {};
  if (!isRecord(config)) throw new DataFormatError(configFile, 'root', `expected an object, got ${describeValue(config)}`);

  const model = checkModel(json.model, fail);
  for (const kind of Object.keys(SEQUENCE_FIELD) as Component[]) checkComponent(json[kind], kind, kind, fail);
  const addedTokens = json.added_tokens ?? [];
  if (!Array.isArray(addedTokens)) return fail('added_tokens', `expected an array, got ${describeValue(addedTokens)}`);
  addedTokens.forEach((t, i) => {
    if (!isRecord(t)) return fail(`added_tokens[${i}]`, `expected an object, got ${describeValue(t)}`);
    if (!isNonNegInt(t.id)) fail(`added_tokens[${i}].id`, `expected a non-negative integer, got ${describeValue(t.id)}`);
    if (typeof t.content !== 'string' || t.content === '') fail(`added_tokens[${i}].content`, `expected a non-empty string, got ${describeValue(t.content)}`);
  });
  checkIdSpace(model, addedTokens as { id: number }[], fail);

  // The library requires every component key to exist (null allowed) and a WordPiece prefix; Rust defaults both.
  const libJson: Record<string, unknown> = {
    normalizer: null,
    pre_tokenizer: null,
    post_processor: null,
    decoder: null,
    ...json,
    added_tokens: addedTokens,
    model: model.type === 'WordPiece' ? { continuing_subword_prefix: '##', ...model } : model,
  };
  let lib: HfLibTokenizer;
  try {
    lib = new HfLibTokenizer(libJson, config);
  } catch (err) {
    return fail('root', `@huggingface/tokenizers cannot build it: ${err instanceof Error ? err.message : String(err)}`);
  }

  if (model.type === 'WordPiece' && lib.model) boundWordPieceSearch(lib.model);

  const idOf = (token: string): number | undefined => lib.token_to_id(token);
  // The library indexes `model.vocab` by id (added tokens included), so its length is highest id + 1.
  const vocabSize = lib.model?.vocab.length ?? 0;

  const unkId = model.type === 'Unigram' ? (model.unk_id as number) : idOf(model.unk_token as string);
  if (unkId === undefined) return fail('model.unk_token', `"${String(model.unk_token)}" is not in model.vocab`);

  const padId = resolvePadId(json, config, idOf, fileName, configFile, lib);

  // Special tokens around a single text, read off the post-processor with a sentinel content token.
  let prefixIds: number[] = [];
  let suffixIds: number[] = [];
  if (lib.post_processor) {
    const sentinel = '\u0000content\u0000';
    let out: unknown;
    try {
      // the library builds processors without checking their fields and fails only when run
      out = lib.post_processor([sentinel], null, true).tokens;
    } catch (err) {
      return fail('post_processor', `@huggingface/tokenizers cannot run it: ${err instanceof Error ? err.message : String(err)}`);
    }
    if (!Array.isArray(out) || !out.every((t) => typeof t === 'string')) return fail('post_processor', 'the single-text template must give a list of token strings');
    const at = out.indexOf(sentinel);
    if (at < 0 || out.lastIndexOf(sentinel) !== at) return fail('post_processor', 'the single-text template must hold the sequence $A exactly once');
    const toId = (t: string, field: string): number => idOf(t) ?? fail(field, `special token "${t}" is not in the vocabulary`);
    prefixIds = out.slice(0, at).map((t) => toId(t, 'post_processor'));
    suffixIds = out.slice(at + 1).map((t) => toId(t, 'post_processor'));
  }

  const mml = config.model_max_length;
  // HF writes 1e30 ("VERY_LARGE_INTEGER") when a tokenizer has no limit.
  const modelMaxLength = isNonNegInt(mml) && mml > 0 && mml < 1e9 ? mml : null;
  const cacheSize = options.cacheSize ?? 50_000;
  return new HfTokenizer({ json, lib, padId, unkId, prefixIds, suffixIds, vocabSize, modelMaxLength, cacheSize });
}

/**
 * The library's WordPiece tries every end position from the end of the word down for each start,
 * O(n³) in the word length: Thai runs of 180 characters took 3.3 s for 852 sentences. Here the search
 * starts at the longest vocabulary entry instead. The pieces are identical (no longer substring can
 * be in the vocabulary); `tokenizer.test.ts` checks that against the library's own loop.
 */
function boundWordPieceSearch(model: HfLibModel): void {
  const vocab = model.tokens_to_ids;
  const config = model.config as { continuing_subword_prefix?: string; max_input_chars_per_word?: number };
  const prefix = config.continuing_subword_prefix ?? '##';
  const maxChars = config.max_input_chars_per_word ?? 100;
  const unk = model.unk_token;
  if (unk === undefined) return;
  // Longest entry (in code points) by its first two code points, separately for word-initial and
  // continuation lookups; a continuation lookup may match any key that starts with the prefix.
  const longestInitial = new Map<string, number>();
  const longestContinuation = new Map<string, number>();
  const note = (map: Map<string, number>, cps: string[]) => {
    if (cps.length < 2) return;
    const head = cps[0]! + cps[1]!;
    map.set(head, Math.max(map.get(head) ?? 0, cps.length));
  };
  for (const key of vocab.keys()) {
    note(longestInitial, [...key]);
    if (key.startsWith(prefix)) note(longestContinuation, [...key.slice(prefix.length)]);
  }
  model.encode = (tokens: string[]): string[] => {
    const out: string[] = [];
    for (const token of tokens) {
      // UTF-16 offset of each code point boundary, so substrings are slices rather than joins.
      const offsets: number[] = [0];
      for (const c of token) offsets.push(offsets[offsets.length - 1]! + c.length);
      const n = offsets.length - 1;
      if (n > maxChars) {
        out.push(unk);
        continue;
      }
      const pieces: string[] = [];
      let start = 0;
      while (start < n) {
        const longest = start + 2 <= n ? ((start > 0 ? longestContinuation : longestInitial).get(token.slice(offsets[start], offsets[start + 2])) ?? 1) : 1;
        let found: string | null = null;
        let end = Math.min(n, start + longest);
        for (; end > start; end--) {
          const sub = start > 0 ? prefix + token.slice(offsets[start], offsets[end]) : token.slice(0, offsets[end]);
          if (vocab.has(sub)) {
            found = sub;
            break;
          }
        }
        if (found === null) break;
        pieces.push(found);
        start = end;
      }
      if (start < n) out.push(unk);
      else out.push(...pieces);
    }
    return out;
  };
}

function checkModel(model: unknown, fail: (field: string, reason: string) => never): Record<string, unknown> & { type: string } {
  if (!isRecord(model)) return fail('model', model === undefined ? 'missing' : `expected an object, got ${describeValue(model)}`);
  let type = model.type;
  if (type === undefined) {
    // Files written before `type` was serialised: infer as the Rust deserialiser does.
    if (Array.isArray(model.vocab)) type = 'Unigram';
    else if (isRecord(model.vocab) && 'merges' in model) type = 'BPE';
    else if (isRecord(model.vocab) && 'continuing_subword_prefix' in model) type = 'WordPiece';
    else return fail('model.type', `missing, and the model cannot be inferred; supported: ${SUPPORTED.model.join(', ')}`);
  }
  if (typeof type !== 'string' || !(SUPPORTED.model as readonly string[]).includes(type)) {
    return fail('model.type', `unsupported ${shownValue(type)}; supported: ${SUPPORTED.model.join(', ')}`);
  }
  const vocab = model.vocab;
  if (type === 'Unigram') {
    if (!Array.isArray(vocab) || vocab.length === 0) return fail('model.vocab', `expected a non-empty array of [piece, score], got ${describeValue(vocab)}`);
    vocab.forEach((e, i) => {
      if (!Array.isArray(e) || typeof e[0] !== 'string' || typeof e[1] !== 'number') fail(`model.vocab[${i}]`, `expected [piece, score], got ${shownValue(e)}`);
    });
    if (!isNonNegInt(model.unk_id) || model.unk_id >= vocab.length) {
      return fail('model.unk_id', `expected an index into model.vocab (0..${vocab.length - 1}), got ${describeValue(model.unk_id)}`);
    }
  } else {
    if (!isRecord(vocab) || Object.keys(vocab).length === 0) return fail('model.vocab', `expected a non-empty object token → id, got ${describeValue(vocab)}`);
    for (const [token, id] of Object.entries(vocab)) {
      if (!isNonNegInt(id)) return fail(`model.vocab["${token}"]`, `expected a non-negative integer id, got ${describeValue(id)}`);
    }
    if (typeof model.unk_token !== 'string') return fail('model.unk_token', `expected the unknown token as a string, got ${describeValue(model.unk_token)}`);
    if (type === 'BPE' && !Array.isArray(model.merges)) return fail('model.merges', `expected an array, got ${describeValue(model.merges)}`);
    if (type === 'WordPiece' && model.continuing_subword_prefix !== undefined && typeof model.continuing_subword_prefix !== 'string') {
      return fail('model.continuing_subword_prefix', `expected a string, got ${describeValue(model.continuing_subword_prefix)}`);
    }
  }
  return { ...model, type };
}

function checkComponent(value: unknown, kind: Component, field: string, fail: (field: string, reason: string) => never, depth = 0): void {
  if (value === undefined || value === null) return;
  if (depth > MAX_SEQUENCE_DEPTH) return fail(field, `Sequence components nested more than ${MAX_SEQUENCE_DEPTH} deep`);
  if (!isRecord(value)) return fail(field, `expected an object or null, got ${describeValue(value)}`);
  const supported: readonly string[] = SUPPORTED[kind];
  if (typeof value.type !== 'string' || !supported.includes(value.type)) {
    return fail(`${field}.type`, `unsupported ${kind} ${shownValue(value.type)}; supported: ${supported.join(', ')}`);
  }
  if (value.type === 'Split' || value.type === 'Replace') checkPattern(value.pattern, `${field}.pattern`, fail);
  if (value.type === 'Sequence') {
    const key = SEQUENCE_FIELD[kind];
    const children = value[key];
    if (!Array.isArray(children)) return fail(`${field}.${key}`, `expected an array, got ${describeValue(children)}`);
    children.forEach((c, i) => checkComponent(c, kind, `${field}.${key}[${i}]`, fail, depth + 1));
  }
}

/**
 * A Split / Replace `pattern`: `{"String": literal}` or `{"Regex": pattern}`. The library compiles a
 * Regex into a backtracking JS RegExp that nothing can interrupt, so an untrusted file's pattern is
 * screened first (regexSafety.ts) and refused, naming its JSON path, when it can backtrack exponentially.
 */
function checkPattern(pattern: unknown, field: string, fail: (field: string, reason: string) => never): void {
  if (!isRecord(pattern)) return fail(field, `expected {"String": …} or {"Regex": …}, got ${describeValue(pattern)}`);
  const keys = Object.keys(pattern);
  if (keys.length !== 1 || (keys[0] !== 'String' && keys[0] !== 'Regex')) return fail(field, `expected exactly one of "String" or "Regex", got keys ${shownValue(keys)}`);
  const value = pattern[keys[0]];
  if (typeof value !== 'string') return fail(`${field}.${keys[0]}`, `expected a string, got ${describeValue(value)}`);
  if (keys[0] === 'String') return;
  const unsafe = unsafeRegexReason(value);
  if (unsafe !== null) return fail(`${field}.Regex`, `unsafe regular expression ${shownValue(value)}: ${unsafe}`);
}

/**
 * Ids must be unique in `model.vocab` and fill most of their range: the vocabulary size is the highest
 * id + 1 (the library indexes an array by id, and the embedding matrix gets that many rows), so one stray
 * id of 10^9 would mean a 10^9-row matrix. A few unused ids are fine; a range more than half empty is
 * refused. Checked before the library builds anything.
 */
function checkIdSpace(model: Record<string, unknown>, addedTokens: readonly { id: number }[], fail: (field: string, reason: string) => never): void {
  const ids = new Set<number>();
  let highest = -1;
  let highestField = 'model.vocab';
  if (Array.isArray(model.vocab)) {
    for (let i = 0; i < model.vocab.length; i++) ids.add(i);
    highest = model.vocab.length - 1;
  } else {
    const owner = new Map<number, string>();
    for (const [token, id] of Object.entries(model.vocab as Record<string, number>)) {
      const other = owner.get(id);
      if (other !== undefined) return fail(`model.vocab["${token}"]`, `id ${id} is also the id of "${other}"`);
      owner.set(id, token);
      ids.add(id);
      if (id > highest) [highest, highestField] = [id, `model.vocab["${token}"]`];
    }
  }
  addedTokens.forEach((t, i) => {
    ids.add(t.id);
    if (t.id > highest) [highest, highestField] = [t.id, `added_tokens[${i}].id`];
  });
  if (highest + 1 > 2 * ids.size) return fail(highestField, `id ${highest} is far beyond the ${ids.size} ids in use: most of the range 0..${highest} would be empty rows`);
}

function resolvePadId(json: Record<string, unknown>, config: Record<string, unknown>, idOf: (token: string) => number | undefined, fileName: string, configFile: string, lib: HfLibTokenizer): number {
  const configured = config.pad_token;
  if (configured !== undefined && configured !== null) {
    // Older configs write special tokens as AddedToken dicts ({"content": "<pad>", ...}).
    const token = typeof configured === 'string' ? configured : isRecord(configured) ? configured.content : undefined;
    if (typeof token !== 'string') throw new DataFormatError(configFile, 'pad_token', `expected a string or {"content": string}, got ${describeValue(configured)}`);
    const id = idOf(token);
    if (id === undefined) throw new DataFormatError(configFile, 'pad_token', `"${token}" is not in the vocabulary of ${fileName}`);
    return id;
  }
  const padding = json.padding;
  if (isRecord(padding) && padding.pad_id !== undefined) {
    if (!isNonNegInt(padding.pad_id) || lib.id_to_token(padding.pad_id) === undefined) {
      throw new DataFormatError(fileName, 'padding.pad_id', `expected an id of the vocabulary, got ${describeValue(padding.pad_id)}`);
    }
    return padding.pad_id;
  }
  for (const token of CONVENTIONAL_PAD_TOKENS) {
    const id = idOf(token);
    if (id !== undefined) return id;
  }
  throw new DataFormatError(configFile, 'pad_token', `missing, and ${fileName} has no padding.pad_id and no <pad> or [PAD] token; set pad_token`);
}

/**
 * Loads the tokenizer of a HF checkpoint folder: `tokenizer.json`, plus `tokenizer_config.json` when present.
 * @throws CheckpointError naming the folder when it has no `tokenizer.json` (with the one-line conversion
 *   for sentencepiece / vocab.txt-only folders); DataFormatError naming the file and field for bad content
 */
export async function loadTokenizer(source: TokenizerSource, options: Omit<TokenizerFromJsonOptions, 'config' | 'configFileName'> = {}): Promise<HfTokenizer> {
  const files = await source.list();
  if (!files.includes(TOKENIZER_FILE)) {
    const slow = files.filter((f) => SLOW_TOKENIZER_FILES.includes(f));
    const found = slow.length > 0 ? ` (it has ${slow.join(', ')}: a slow tokenizer)` : '';
    throw new CheckpointError(
      `${source.name}: no ${TOKENIZER_FILE} in this folder${found}. Only the HF "fast" tokenizer file is read; ` +
        `convert a sentencepiece-only or vocab.txt-only folder once with Python: ` +
        `python -c "from transformers import AutoTokenizer; AutoTokenizer.from_pretrained('${source.name}').save_pretrained('OUT_DIR')" ` +
        `and load OUT_DIR`,
    );
  }
  const tokenizerFile = `${source.name}/${TOKENIZER_FILE}`;
  const json = parseJsonBytes(await source.read(TOKENIZER_FILE), tokenizerFile);
  const configFileName = `${source.name}/${TOKENIZER_CONFIG_FILE}`;
  const config = files.includes(TOKENIZER_CONFIG_FILE) ? parseJsonBytes(await source.read(TOKENIZER_CONFIG_FILE), configFileName) : undefined;
  return tokenizerFromJson(json, tokenizerFile, { ...options, config, configFileName });
}
