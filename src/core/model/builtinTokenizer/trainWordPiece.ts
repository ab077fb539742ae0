/**
 * A deterministic WordPiece trainer whose output is a HF `tokenizer.json` (BERT layout: `[PAD] [UNK]
 * [CLS] [SEP] [MASK]`, `##` continuations) that `@huggingface/tokenizers` and the Rust/Python
 * `tokenizers` load. Like HF's WordPieceTrainer it learns the pieces by byte-pair-style merges of
 * characters, then encodes with WordPiece's greedy longest match.
 *
 * The same texts and options always give a byte-identical `JSON.stringify` of the result: every choice
 * is ordered by (count desc, left piece, right piece) in UTF-16 order, alphabets by code point.
 * Texts go through the library's own normalizer and pre-tokenizer, so training sees exactly what
 * encoding will see.
 */
import { Tokenizer as HfLibTokenizer } from '@huggingface/tokenizers';
import { ConfigError } from '../../errors';

export const SPECIAL_TOKENS = ['[PAD]', '[UNK]', '[CLS]', '[SEP]', '[MASK]'] as const;
export const CONTINUATION_PREFIX = '##';

export interface WordPieceTrainOptions {
  /** total vocabulary size, special tokens and alphabet included */
  vocabSize: number;
  /** a character enters the alphabet, and a pair is merged, only when seen at least this often (default 2) */
  minFrequency?: number;
  /** characters always in the alphabet (both as word start and as `##` continuation), already normalised */
  seedCharacters?: readonly string[];
  /** longer words are one [UNK] when encoding (and are left out of training); default 256 (Thai runs reach ~180 characters) */
  maxInputCharsPerWord?: number;
  /** lower-case (default true; accents are kept either way) */
  lowercase?: boolean;
  /** per-text positive integer weights (default 1 each), e.g. to balance languages */
  weights?: readonly number[];
  /**
   * When set, a `vocabSize` too small for the special tokens and the alphabet is grown to
   * alphabet + specials + this many learned pieces instead of being refused: the alphabet depends on
   * the texts (every Han character seen twice is one entry), so no fixed size fits every language
   * selection. A `vocabSize` that fits is used as given, so vocabularies that trained before are
   * unchanged. Unset (the default): refuse, as a plain trainer should.
   */
  growToFit?: { minLearnedPieces: number };
}

export interface WordPieceTrainStats {
  texts: number;
  /** distinct pre-tokenized words used for training */
  distinctWords: number;
  /** weighted word occurrences */
  wordOccurrences: number;
  /** weighted occurrences of words longer than maxInputCharsPerWord (encoded as [UNK]) */
  longWordOccurrences: number;
  /** distinct characters seen at least minFrequency times */
  charactersSeen: number;
  /** distinct characters rare in the texts but present in the alphabet thanks to the seeds */
  charactersSeededOnly: number;
  /** vocabulary entries: specials + alphabet (both forms) + merged pieces */
  vocabSize: number;
  /** the `vocabSize` asked for */
  requestedVocabSize: number;
  /** the size training aimed at: `requestedVocabSize`, or larger when {@link WordPieceTrainOptions.growToFit} grew it */
  targetVocabSize: number;
  /** special tokens plus alphabet entries (both forms): the least vocabulary these texts need */
  alphabetEntries: number;
  merges: number;
  /** why training stopped */
  stop: 'vocabSize' | 'minFrequency';
}

export interface WordPieceTrainResult {
  /** the HF tokenizer.json object */
  json: WordPieceTokenizerJson;
  stats: WordPieceTrainStats;
}

/** The shape written by {@link trainWordPieceTokenizer} (a subset of HF's tokenizer.json schema). */
export interface WordPieceTokenizerJson {
  version: '1.0';
  truncation: null;
  padding: { strategy: 'BatchLongest'; direction: 'Right'; pad_to_multiple_of: null; pad_id: number; pad_type_id: number; pad_token: string };
  added_tokens: { id: number; content: string; single_word: boolean; lstrip: boolean; rstrip: boolean; normalized: boolean; special: boolean }[];
  normalizer: unknown;
  pre_tokenizer: unknown;
  post_processor: unknown;
  decoder: unknown;
  model: {
    type: 'WordPiece';
    unk_token: string;
    continuing_subword_prefix: string;
    max_input_chars_per_word: number;
    vocab: Record<string, number>;
  };
}

/**
 * NFKC first (fullwidth forms, ligatures, Arabic presentation forms, Vietnamese in composed form), then
 * BERT cleaning + CJK isolation + lower-casing without accent stripping: stripping would delete Thai,
 * Devanagari and Arabic vowel marks (\p{Mn}) and Vietnamese tones. `İ` → `i` first because JS and Rust
 * lower-case it to `i` + U+0307.
 */
function normalizerJson(lowercase: boolean): unknown {
  return {
    type: 'Sequence',
    normalizers: [{ type: 'NFKC' }, ...(lowercase ? [{ type: 'Replace', pattern: { String: 'İ' }, content: 'i' }] : []), { type: 'BertNormalizer', clean_text: true, handle_chinese_chars: true, strip_accents: false, lowercase }],
  };
}

function skeletonJson(vocab: Record<string, number>, lowercase: boolean, maxInputCharsPerWord: number): WordPieceTokenizerJson {
  const special = (t: string) => ({ SpecialToken: { id: t, type_id: 0 } });
  const specialIds = Object.fromEntries(['[CLS]', '[SEP]'].map((t) => [t, { id: t, ids: [vocab[t]!], tokens: [t] }]));
  return {
    version: '1.0',
    truncation: null,
    padding: { strategy: 'BatchLongest', direction: 'Right', pad_to_multiple_of: null, pad_id: vocab['[PAD]']!, pad_type_id: 0, pad_token: '[PAD]' },
    added_tokens: SPECIAL_TOKENS.map((content) => ({ id: vocab[content]!, content, single_word: false, lstrip: false, rstrip: false, normalized: false, special: true })),
    normalizer: normalizerJson(lowercase),
    pre_tokenizer: { type: 'BertPreTokenizer' },
    post_processor: {
      type: 'TemplateProcessing',
      single: [special('[CLS]'), { Sequence: { id: 'A', type_id: 0 } }, special('[SEP]')],
      pair: [special('[CLS]'), { Sequence: { id: 'A', type_id: 0 } }, special('[SEP]'), { Sequence: { id: 'B', type_id: 1 } }, { SpecialToken: { id: '[SEP]', type_id: 1 } }],
      special_tokens: specialIds,
    },
    decoder: { type: 'WordPiece', prefix: CONTINUATION_PREFIX, cleanup: true },
    model: { type: 'WordPiece', unk_token: '[UNK]', continuing_subword_prefix: CONTINUATION_PREFIX, max_input_chars_per_word: maxInputCharsPerWord, vocab },
  };
}

/** The normalizer and pre-tokenizer of the built-in layout, run by the library itself. */
export function builtinTextPipeline(lowercase = true): { normalize: (text: string) => string; preTokenize: (text: string) => string[] } {
  const vocab = Object.fromEntries(SPECIAL_TOKENS.map((t, i) => [t, i]));
  const lib = new HfLibTokenizer(skeletonJson(vocab, lowercase, 1), {});
  const normalizer = lib.normalizer!;
  const preTokenizer = lib.pre_tokenizer!;
  return { normalize: (t) => normalizer(t), preTokenize: (t) => preTokenizer(t) };
}

const byCodePoint = (a: string, b: string) => a.codePointAt(0)! - b.codePointAt(0)!;
const cmp = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);
/** pair key: two symbol ids < 2^21 packed into one safe integer */
const KEY_BASE = 0x200000;

/**
 * Trains a WordPiece vocabulary on `texts`.
 * Vocabulary order: specials (ids 0–4), word-initial characters, `##` characters (each by code point),
 * then merged pieces in the order they were learned.
 * @throws ConfigError for bad options, or when the alphabet alone does not fit in `vocabSize` (and `growToFit` is unset)
 */
export function trainWordPieceTokenizer(texts: readonly string[], options: WordPieceTrainOptions): WordPieceTrainResult {
  const minFrequency = options.minFrequency ?? 2;
  const maxChars = options.maxInputCharsPerWord ?? 256;
  const lowercase = options.lowercase ?? true;
  const { vocabSize: requestedVocabSize, weights, growToFit } = options;
  if (!Number.isInteger(requestedVocabSize) || requestedVocabSize < SPECIAL_TOKENS.length + 1 || requestedVocabSize >= KEY_BASE / 2) {
    throw new ConfigError(`vocabSize must be an integer in ${SPECIAL_TOKENS.length + 1}..${KEY_BASE / 2 - 1}, got ${requestedVocabSize}`);
  }
  if (growToFit && !(Number.isInteger(growToFit.minLearnedPieces) && growToFit.minLearnedPieces >= 0)) {
    throw new ConfigError(`growToFit.minLearnedPieces must be a non-negative integer, got ${growToFit.minLearnedPieces}`);
  }
  if (!Number.isInteger(minFrequency) || minFrequency < 1) throw new ConfigError(`minFrequency must be a positive integer, got ${minFrequency}`);
  if (!Number.isInteger(maxChars) || maxChars < 1) throw new ConfigError(`maxInputCharsPerWord must be a positive integer, got ${maxChars}`);
  if (weights && (weights.length !== texts.length || weights.some((w) => !Number.isInteger(w) || w < 1))) {
    throw new ConfigError(`weights must hold one positive integer per text (${texts.length}), got ${weights.length} entries`);
  }

  const { normalize, preTokenize } = builtinTextPipeline(lowercase);

  // 1. Weighted word counts.
  const wordCounts = new Map<string, number>();
  let wordOccurrences = 0;
  let longWordOccurrences = 0;
  texts.forEach((text, i) => {
    const w = weights ? weights[i]! : 1;
    for (const word of preTokenize(normalize(text))) {
      wordOccurrences += w;
      // Code points, as WordPiece counts them.
      let n = 0;
      for (const _ of word) if (++n > maxChars) break;
      if (n > maxChars) {
        longWordOccurrences += w;
        continue;
      }
      wordCounts.set(word, (wordCounts.get(word) ?? 0) + w);
    }
  });

  // 2. Alphabet: characters seen often enough, plus the seeds; both forms wherever a character can sit inside a word.
  const charCounts = new Map<string, number>();
  for (const [word, count] of wordCounts) for (const c of word) charCounts.set(c, (charCounts.get(c) ?? 0) + count);
  const seen = [...charCounts].filter(([, n]) => n >= minFrequency).map(([c]) => c);
  const alphabet = new Set(seen);
  let seededOnly = 0;
  for (const c of options.seedCharacters ?? []) {
    if ([...c].length !== 1) throw new ConfigError(`seedCharacters must be single code points, got "${c}"`);
    if (!alphabet.has(c)) {
      alphabet.add(c);
      seededOnly++;
    }
  }
  const chars = [...alphabet].sort(byCodePoint);
  // A character can continue a word unless the pre-tokenizer isolates it (punctuation, CJK, space).
  const joinable = (c: string) => {
    const words = preTokenize(normalize('q' + c));
    return words.length === 1 && words[0] === 'q' + c;
  };
  const symbols: string[] = [...SPECIAL_TOKENS, ...chars, ...chars.filter(joinable).map((c) => CONTINUATION_PREFIX + c)];
  const symbolId = new Map(symbols.map((s, i) => [s, i]));
  const alphabetEntries = symbols.length;
  const fits = symbols.length <= requestedVocabSize;
  const vocabSize = fits || !growToFit ? requestedVocabSize : symbols.length + growToFit.minLearnedPieces;
  if (vocabSize >= KEY_BASE / 2) throw new ConfigError(`the ${symbols.length} special tokens and alphabet entries leave no room below the largest vocabulary (${KEY_BASE / 2 - 1})`);
  if (symbols.length > vocabSize) {
    throw new ConfigError(`vocabSize ${vocabSize} is smaller than the ${symbols.length} special tokens and alphabet entries (${chars.length} characters); raise vocabSize or minFrequency`);
  }

  // 3. Words as symbol ids; -1 marks a character outside the alphabet (a barrier no merge crosses).
  const words: Int32Array[] = [];
  const counts: number[] = [];
  for (const [word, count] of wordCounts) {
    const cps = [...word];
    words.push(Int32Array.from(cps, (c, i) => symbolId.get(i === 0 ? c : CONTINUATION_PREFIX + c) ?? -1));
    counts.push(count);
  }

  const pairCount = new Map<number, number>();
  const pairWords = new Map<number, number[]>();
  words.forEach((sym, w) => {
    for (let i = 0; i + 1 < sym.length; i++) {
      const a = sym[i]!;
      const b = sym[i + 1]!;
      if (a < 0 || b < 0) continue;
      const key = a * KEY_BASE + b;
      pairCount.set(key, (pairCount.get(key) ?? 0) + counts[w]!);
      const list = pairWords.get(key);
      if (list) {
        if (list[list.length - 1] !== w) list.push(w);
      } else pairWords.set(key, [w]);
    }
  });

  const heap = new PairHeap((x, y) => {
    if (x.count !== y.count) return x.count > y.count;
    const xa = Math.floor(x.key / KEY_BASE);
    const ya = Math.floor(y.key / KEY_BASE);
    const c = xa === ya ? 0 : cmp(symbols[xa]!, symbols[ya]!);
    if (c !== 0) return c < 0;
    return cmp(symbols[x.key % KEY_BASE]!, symbols[y.key % KEY_BASE]!) < 0;
  });
  for (const [key, count] of pairCount) if (count >= minFrequency) heap.push({ key, count });

  // 4. Merge the best pair until the vocabulary is full.
  let vocabCount = symbols.length;
  let merges = 0;
  let stop: WordPieceTrainStats['stop'] = 'minFrequency';
  const visited = new Int32Array(words.length).fill(-1);
  while (vocabCount < vocabSize) {
    const top = heap.pop();
    if (!top) break;
    if (pairCount.get(top.key) !== top.count) continue; // stale entry
    if (top.count < minFrequency) break;
    const a = Math.floor(top.key / KEY_BASE);
    const b = top.key % KEY_BASE;
    const merged = symbols[a]! + symbols[b]!.slice(CONTINUATION_PREFIX.length);
    let m = symbolId.get(merged);
    if (m === undefined) {
      m = symbols.length;
      symbols.push(merged);
      symbolId.set(merged, m);
      vocabCount++;
    }
    merges++;
    const delta = new Map<number, number>();
    const add = (key: number, n: number) => delta.set(key, (delta.get(key) ?? 0) + n);
    for (const w of pairWords.get(top.key) ?? []) {
      if (visited[w] === merges) continue;
      visited[w] = merges;
      const old = words[w]!;
      const next: number[] = [];
      for (let i = 0; i < old.length; i++) {
        if (i + 1 < old.length && old[i] === a && old[i + 1] === b) {
          next.push(m);
          i++;
        } else next.push(old[i]!);
      }
      if (next.length === old.length) continue;
      const c = counts[w]!;
      for (let i = 0; i + 1 < old.length; i++) if (old[i]! >= 0 && old[i + 1]! >= 0) add(old[i]! * KEY_BASE + old[i + 1]!, -c);
      for (let i = 0; i + 1 < next.length; i++) {
        const x = next[i]!;
        const y = next[i + 1]!;
        if (x < 0 || y < 0) continue;
        const key = x * KEY_BASE + y;
        add(key, c);
        // Pairs without the new symbol were in the word already, so the word is listed for them.
        if (x === m || y === m) {
          const list = pairWords.get(key);
          if (!list) pairWords.set(key, [w]);
          else if (list[list.length - 1] !== w) list.push(w);
        }
      }
      words[w] = Int32Array.from(next);
    }
    pairWords.delete(top.key);
    for (const [key, d] of delta) {
      if (d === 0) continue;
      const n = (pairCount.get(key) ?? 0) + d;
      if (n <= 0) pairCount.delete(key);
      else {
        pairCount.set(key, n);
        if (n >= minFrequency) heap.push({ key, count: n });
      }
    }
    pairCount.delete(top.key);
  }
  if (vocabCount >= vocabSize) stop = 'vocabSize';

  const vocab = Object.fromEntries(symbols.map((s, i) => [s, i]));
  return {
    json: skeletonJson(vocab, lowercase, maxChars),
    stats: {
      texts: texts.length,
      distinctWords: wordCounts.size,
      wordOccurrences,
      longWordOccurrences,
      charactersSeen: seen.length,
      charactersSeededOnly: seededOnly,
      vocabSize: symbols.length,
      requestedVocabSize,
      targetVocabSize: vocabSize,
      alphabetEntries,
      merges,
      stop,
    },
  };
}

interface HeapEntry {
  key: number;
  count: number;
}

/** Binary max-heap under `better(x, y)` (x pops before y). */
class PairHeap {
  private readonly items: HeapEntry[] = [];
  constructor(private readonly better: (x: HeapEntry, y: HeapEntry) => boolean) {}

  push(e: HeapEntry): void {
    const items = this.items;
    items.push(e);
    let i = items.length - 1;
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (!this.better(items[i]!, items[p]!)) break;
      [items[i], items[p]] = [items[p]!, items[i]!];
      i = p;
    }
  }

  pop(): HeapEntry | undefined {
    const items = this.items;
    const top = items[0];
    const last = items.pop();
    if (items.length > 0 && last) {
      items[0] = last;
      let i = 0;
      for (;;) {
        const l = 2 * i + 1;
        const r = l + 1;
        let best = i;
        if (l < items.length && this.better(items[l]!, items[best]!)) best = l;
        if (r < items.length && this.better(items[r]!, items[best]!)) best = r;
        if (best === i) break;
        [items[i], items[best]] = [items[best]!, items[i]!];
        i = best;
      }
    }
    return top;
  }
}
