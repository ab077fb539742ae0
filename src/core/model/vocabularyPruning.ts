/**
 * Vocabulary pruning ("Load What You Need", shared/notes/checkpoints.md §1.4 trick 2): when a run's
 * texts are known, keep only the word-embedding rows of the token ids that occur in them (plus the
 * special tokens), so the matrix shrinks from V to V' rows and can be trained like any other variable.
 *
 * Ids are remapped AFTER tokenization by {@link PrunedTokenizer}, a wrapper around the checkpoint's own
 * tokenizer: new id = rank of the old id among the kept ids. Every text of the data therefore gets
 * exactly the rows it got before, and the pruned encoder's outputs on those texts are bitwise those of
 * the full one. A token outside the kept set (a text that was not in the data) becomes the unknown token.
 *
 * Saving restores the full vocabulary instead of writing a pruned `tokenizer.json`
 * ({@link restoreWordEmbeddings}, used by `saveEncoderCheckpoint`): the trained V' rows are written back
 * into the original [V, H] matrix, next to the original `config.json` and `tokenizer.json`. Why not
 * prune the tokenizer file: removing entries from a vocabulary changes how the tokenizer SEGMENTS, so a
 * pruned file would not reproduce the ids of the data it was pruned for.
 *  - WordPiece is greedy longest-match-first: with `una`, `un`, `##af` in the vocabulary, `unaf` takes
 *    `una`, finds no `##f` and becomes `[UNK]`; `una` then occurs nowhere, and once it is pruned the
 *    same word tokenizes as `un ##af` (`vocabularyPruning.test.ts` shows it with a four-piece WordPiece file).
 *  - BPE applies merges by rank; dropping a merge's product changes later merges.
 *  - Unigram scores unknown characters at (lowest piece score − 10), which moves with the vocabulary.
 * The restored folder is the original model with the trained rows updated: Python `transformers` and
 * our loader read it as they read the base model, and it still embeds languages outside the run.
 */
import { ConfigError } from '../errors';
import type { EncoderConfig, HostTensor, TokenBatch, Tokenizer } from './types';

/** HF name of the [V, H] word-embedding matrix, the only tensor pruning changes. */
export const WORD_EMBEDDINGS = 'embeddings.word_embeddings.weight';

/** Texts tokenized per call while collecting ids (bounds the [batch, longest text] buffer). */
const COLLECT_BATCH = 256;
/** maxLength used while collecting: no truncation, so a run with any maxLength finds its ids kept. */
const NO_TRUNCATION = 2 ** 30;

/** Which rows a pruned encoder keeps; built by {@link planVocabularyPruning}. */
export interface VocabularyPlan {
  /** V, rows of the original matrix */
  originalVocabSize: number;
  /** old id of every kept row, ascending: `keptIds[newId] = oldId`; length V' */
  keptIds: Int32Array;
  /** new id of every old id, −1 where the row was pruned; length V */
  oldToNew: Int32Array;
  /** the original unknown-token id; pruned ids map to its new id */
  unkId: number;
}

/** Everything needed to undo a pruning when saving (see the module comment). */
export interface VocabularyPruning extends VocabularyPlan {
  /** config.json as loaded (vocab_size V) */
  originalConfig: EncoderConfig;
  /** the tokenizer as loaded; {@link PrunedTokenizer} wraps it */
  originalTokenizer: Tokenizer;
  /**
   * The full [V, H] word-embedding matrix as loaded (host memory, V·H·4 bytes): rows that were pruned
   * are written back from it on save.
   */
  fullWordEmbeddings: HostTensor;
}

export interface PlanVocabularyOptions {
  /** id of the unknown token; default the tokenizer's `unkId` (HfTokenizer has one) */
  unkId?: number;
  /** ids to keep whatever the texts hold (e.g. `<mask>`) */
  keepIds?: Iterable<number>;
}

/** A tokenizer that may know its unknown token (HfTokenizer does). */
type TokenizerWithUnk = Tokenizer & { readonly unkId?: number };

function specialIdsOf(tokenizer: Tokenizer): number[] {
  // HF tokenizer.json lists special tokens in added_tokens; other tokenizers contribute none.
  const json = tokenizer.toJSON() as { added_tokens?: unknown } | null;
  const added = Array.isArray(json?.added_tokens) ? (json.added_tokens as unknown[]) : [];
  return added.flatMap((t) => {
    const r = t as { id?: unknown; special?: unknown };
    return r.special === true && typeof r.id === 'number' && Number.isInteger(r.id) ? [r.id] : [];
  });
}

/**
 * Marks every id the tokenizer produces for the texts, special tokens around each text included,
 * without truncation.
 * @param vocabSize V; ids at or above it are refused
 * @returns seen[id] = 1 for every id that occurs, length V
 * @throws ConfigError when the tokenizer yields an id ≥ V
 */
export function collectTokenIds(tokenizer: Tokenizer, texts: Iterable<string>, vocabSize: number): Uint8Array {
  const seen = new Uint8Array(vocabSize);
  const mark = (batch: TokenBatch) => {
    for (let i = 0; i < batch.inputIds.length; i++) {
      if (batch.attentionMask[i] === 0) continue;
      const id = batch.inputIds[i]!;
      if (!(id >= 0 && id < vocabSize)) throw new ConfigError(`the tokenizer gave id ${id}, outside the vocabulary of ${vocabSize}`);
      seen[id] = 1;
    }
  };
  let chunk: string[] = [];
  for (const text of texts) {
    chunk.push(text);
    if (chunk.length === COLLECT_BATCH) {
      mark(tokenizer.encode(chunk, NO_TRUNCATION));
      chunk = [];
    }
  }
  if (chunk.length > 0) mark(tokenizer.encode(chunk, NO_TRUNCATION));
  return seen;
}

/**
 * Chooses the rows to keep: the ids of the texts, the tokenizer's special tokens (pad, unk, added
 * special tokens, bos/eos of the config), `keepIds`, and every id ≤ pad. The last rule keeps the pad
 * id unchanged (its rank is itself), because XLM-R position ids are offset by it
 * (`cumsum(ids ≠ pad) + pad`, positionIds.ts); for XLM-R (pad 1) and BERT (pad 0) it adds nothing.
 * @throws ConfigError when the unknown token's id is not known or an id is outside [0, V)
 */
export function planVocabularyPruning(config: EncoderConfig, tokenizer: Tokenizer, texts: Iterable<string>, options: PlanVocabularyOptions = {}): VocabularyPlan {
  const V = config.vocabSize;
  const unkId = options.unkId ?? (tokenizer as TokenizerWithUnk).unkId;
  if (unkId === undefined) throw new ConfigError('vocabulary pruning needs the id of the unknown token (PlanVocabularyOptions.unkId)');
  const keep = collectTokenIds(tokenizer, texts, V);
  const extra = [unkId, tokenizer.padId, config.bosTokenId, config.eosTokenId, ...specialIdsOf(tokenizer), ...(options.keepIds ?? [])];
  for (const id of extra) {
    if (id === undefined) continue;
    if (!(Number.isInteger(id) && id >= 0 && id < V)) throw new ConfigError(`cannot keep token id ${id}: the vocabulary has ${V} ids`);
    keep[id] = 1;
  }
  keep.fill(1, 0, config.padTokenId + 1);
  const oldToNew = new Int32Array(V).fill(-1);
  const kept: number[] = [];
  for (let id = 0; id < V; id++) {
    if (keep[id]) {
      oldToNew[id] = kept.length;
      kept.push(id);
    }
  }
  return { originalVocabSize: V, keptIds: Int32Array.from(kept), oldToNew, unkId };
}

/**
 * The original tokenizer with ids remapped to a pruned vocabulary. Ids outside it become the unknown
 * token and are counted in {@link unseenTokens}.
 */
export class PrunedTokenizer implements Tokenizer {
  readonly padId: number;
  readonly vocabSize: number;
  /** new id of the unknown token */
  readonly unkId: number;
  private unseen = 0;

  constructor(
    readonly inner: Tokenizer,
    private readonly plan: VocabularyPlan,
  ) {
    this.padId = plan.oldToNew[inner.padId]!;
    this.unkId = plan.oldToNew[plan.unkId]!;
    if (this.padId < 0 || this.unkId < 0) throw new ConfigError('the pruning plan drops the pad or unknown token');
    this.vocabSize = plan.keptIds.length;
  }

  /** Tokens (of texts not in the pruning data) that were mapped to the unknown token so far. */
  get unseenTokens(): number {
    return this.unseen;
  }

  encode(texts: readonly string[], maxLength: number): TokenBatch {
    const batch = this.inner.encode(texts, maxLength);
    const ids = new Int32Array(batch.inputIds.length);
    const { oldToNew } = this.plan;
    for (let i = 0; i < ids.length; i++) {
      const n = oldToNew[batch.inputIds[i]!] ?? -1;
      if (n < 0) this.unseen++;
      ids[i] = n < 0 ? this.unkId : n;
    }
    return { ...batch, inputIds: ids };
  }

  /** The ORIGINAL tokenizer.json: a saved pruned model has its full vocabulary restored. */
  toJSON(): unknown {
    return this.inner.toJSON();
  }
}

/**
 * Rows `keptIds` of a [V, H] matrix.
 * @returns [V', H]
 */
export function pruneWordEmbeddings(table: HostTensor, plan: VocabularyPlan): HostTensor {
  const [V, H] = table.shape as [number, number];
  if (table.shape.length !== 2 || V !== plan.originalVocabSize) throw new ConfigError(`word embeddings of shape [${table.shape.join(', ')}] do not have the ${plan.originalVocabSize} rows the plan was made for`);
  const out = new Float32Array(plan.keptIds.length * H);
  plan.keptIds.forEach((old, i) => out.set(table.data.subarray(old * H, (old + 1) * H), i * H));
  return { shape: [plan.keptIds.length, H], data: out };
}

/**
 * The full [V, H] matrix with the pruned model's rows written back: row `keptIds[i]` ← `pruned[i]`,
 * every other row as loaded.
 * @param pruned [V', H]
 */
export function restoreWordEmbeddings(pruned: HostTensor, pruning: VocabularyPruning): HostTensor {
  const [V, H] = pruning.fullWordEmbeddings.shape as [number, number];
  if (pruned.shape.length !== 2 || pruned.shape[0] !== pruning.keptIds.length || pruned.shape[1] !== H) {
    throw new ConfigError(`pruned word embeddings of shape [${pruned.shape.join(', ')}] do not match the plan's [${pruning.keptIds.length}, ${H}]`);
  }
  const out = Float32Array.from(pruning.fullWordEmbeddings.data);
  pruning.keptIds.forEach((old, i) => out.set(pruned.data.subarray(i * H, (i + 1) * H), old * H));
  return { shape: [V, H], data: out };
}

/** The parts a {@link TransformerEncoder} is built from. */
export interface EncoderParts {
  config: EncoderConfig;
  /** every tensor keyed by HF name, the [V, H] word embeddings included */
  weights: ReadonlyMap<string, HostTensor>;
  tokenizer: Tokenizer;
}

/**
 * Prunes an encoder's vocabulary to the ids of `texts`.
 * @returns the config (vocab_size V', pad id unchanged, bos/eos remapped), weights with [V', H] word
 *   embeddings, the remapping tokenizer, and what `saveEncoderCheckpoint` needs to restore the full
 *   vocabulary (pass it as `TransformerEncoderOptions.vocabularyPruning`)
 */
export function pruneVocabulary(parts: EncoderParts, texts: Iterable<string>, options: PlanVocabularyOptions = {}): EncoderParts & { tokenizer: PrunedTokenizer; pruning: VocabularyPruning } {
  const full = parts.weights.get(WORD_EMBEDDINGS);
  if (!full) throw new ConfigError(`vocabulary pruning: the weights have no "${WORD_EMBEDDINGS}"`);
  const plan = planVocabularyPruning(parts.config, parts.tokenizer, texts, options);
  // pad, bos and eos are always kept (planVocabularyPruning), so each has a new id
  const config: EncoderConfig = { ...parts.config, vocabSize: plan.keptIds.length, padTokenId: plan.oldToNew[parts.config.padTokenId]! };
  if (parts.config.bosTokenId !== undefined) config.bosTokenId = plan.oldToNew[parts.config.bosTokenId]!;
  if (parts.config.eosTokenId !== undefined) config.eosTokenId = plan.oldToNew[parts.config.eosTokenId]!;
  const weights = new Map(parts.weights);
  weights.set(WORD_EMBEDDINGS, pruneWordEmbeddings(full, plan));
  return {
    config,
    weights,
    tokenizer: new PrunedTokenizer(parts.tokenizer, plan),
    pruning: { ...plan, originalConfig: parts.config, originalTokenizer: parts.tokenizer, fullWordEmbeddings: full },
  };
}

/** Rows kept, rows before, and kept / before. */
export function pruningRatio(plan: VocabularyPlan): { kept: number; original: number; ratio: number } {
  return { kept: plan.keptIds.length, original: plan.originalVocabSize, ratio: plan.keptIds.length / plan.originalVocabSize };
}
