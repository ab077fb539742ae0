/**
 * The tokenizer of the built-in default model: trained in the app from the training texts, so no
 * vocabulary is downloaded or shipped. Layout and choices are documented in
 * `trainWordPiece.ts` (normalisation, WordPiece) and `scriptSeeds.ts` (alphabet seeds).
 */
import { ConfigError } from '../../errors';
import { tokenizerFromJson, type HfTokenizer } from '../tokenizer';
import { seedCharacters, SEED_BLOCKS } from './scriptSeeds';
import { builtinTextPipeline, SPECIAL_TOKENS, trainWordPieceTokenizer, type WordPieceTokenizerJson, type WordPieceTrainStats } from './trainWordPiece';

export interface BuiltinTokenizerOptions {
  /**
   * total vocabulary size (default {@link DEFAULT_BUILTIN_VOCAB_SIZE}); when the special tokens and the
   * alphabet of the texts do not fit, it grows to them plus {@link MIN_LEARNED_PIECES} (stats say by how much)
   */
  vocabSize?: number;
  /** least count of a character or merged pair (default 2) */
  minFrequency?: number;
  /** seed the alphabet with the letters of the 7 dataset scripts (default true; see scriptSeeds.ts) */
  seedScripts?: boolean;
  /** per-text positive integer weights (default 1 each); overrides `languages` */
  weights?: readonly number[];
  /**
   * a language (any label) per text: weights then balance the languages by
   * {@link languageBalancedWeights}, so that a language with little text still gets its own pieces
   */
  languages?: readonly string[];
  /** longest word in code points before it becomes [UNK] (default 256) */
  maxInputCharsPerWord?: number;
  /** `model_max_length` written to the config (default 512) */
  modelMaxLength?: number;
}

export const DEFAULT_BUILTIN_VOCAB_SIZE = 16_000;

/**
 * Learned pieces kept beyond the alphabet when `vocabSize` is too small for it. Every distinct character
 * seen twice is an alphabet entry, so the seven MLQA-R languages alone (Han included) need ~6,000 entries
 * and a fixed vocabSize that suits one language selection fails on another. Growing instead of
 * refusing makes every selection train; the margin keeps it from being a bare character vocabulary.
 */
export const MIN_LEARNED_PIECES = 1000;

/**
 * Integer weights that flatten the languages' shares of the training characters, like the smoothed
 * language sampling of XLM / XLM-R (p_l ∝ q_l^α with α = 0.3, Conneau et al. 2020): a text of language l
 * gets round((C_max / C_l)^exponent), at least 1 and at most `maxWeight`, where C_l is the number of
 * UTF-16 code units of all texts of l. exponent = 1 − α, so the default 0.7 is XLM-R's α = 0.3;
 * 0 gives all ones, 1 equal shares.
 * @param texts the training texts
 * @param languages a label per text
 */
export function languageBalancedWeights(texts: readonly string[], languages: readonly string[], exponent = 0.7, maxWeight = 64): number[] {
  if (languages.length !== texts.length) throw new ConfigError(`languages must hold one label per text (${texts.length}), got ${languages.length}`);
  if (!(exponent >= 0 && exponent <= 1)) throw new ConfigError(`exponent must be in [0, 1], got ${exponent}`);
  const chars = new Map<string, number>();
  texts.forEach((t, i) => chars.set(languages[i]!, (chars.get(languages[i]!) ?? 0) + t.length));
  const most = Math.max(0, ...chars.values());
  const weightOf = new Map([...chars].map(([l, c]) => [l, c === 0 ? 1 : Math.min(maxWeight, Math.max(1, Math.round((most / c) ** exponent)))]));
  return languages.map((l) => weightOf.get(l)!);
}

export interface BuiltinTokenizer {
  /** HF `tokenizer.json` object; `JSON.stringify` of it is byte-identical for identical inputs */
  json: WordPieceTokenizerJson;
  /** HF `tokenizer_config.json` object (Python: `PreTrainedTokenizerFast`/`AutoTokenizer` load the pair) */
  config: Record<string, unknown>;
  tokenizer: HfTokenizer;
  stats: WordPieceTrainStats & { seedCharacters: number };
}

/**
 * Trains the built-in WordPiece tokenizer on `texts` (which must not include evaluation texts).
 * @param texts training texts, any languages
 */
export function buildBuiltinTokenizer(texts: readonly string[], options: BuiltinTokenizerOptions = {}): BuiltinTokenizer {
  const seeds = options.seedScripts === false ? [] : seedCharacters(builtinTextPipeline(true).normalize, SEED_BLOCKS);
  const { json, stats } = trainWordPieceTokenizer(texts, {
    vocabSize: options.vocabSize ?? DEFAULT_BUILTIN_VOCAB_SIZE,
    minFrequency: options.minFrequency ?? 2,
    seedCharacters: seeds,
    lowercase: true,
    growToFit: { minLearnedPieces: MIN_LEARNED_PIECES },
    ...(options.weights ? { weights: options.weights } : options.languages ? { weights: languageBalancedWeights(texts, options.languages) } : {}),
    ...(options.maxInputCharsPerWord ? { maxInputCharsPerWord: options.maxInputCharsPerWord } : {}),
  });
  const [pad, unk, cls, sep, mask] = SPECIAL_TOKENS;
  const config: Record<string, unknown> = {
    tokenizer_class: 'PreTrainedTokenizerFast',
    pad_token: pad,
    unk_token: unk,
    cls_token: cls,
    sep_token: sep,
    mask_token: mask,
    model_max_length: options.modelMaxLength ?? 512,
    clean_up_tokenization_spaces: true,
  };
  const tokenizer = tokenizerFromJson(json, 'builtin tokenizer.json', { config, configFileName: 'builtin tokenizer_config.json' });
  return { json, config, tokenizer, stats: { ...stats, seedCharacters: seeds.length } };
}
