/**
 * Batch samplers (notes/paper-method.md §1.2, §3; registry keyed by name, house rule 7):
 *  - `xx-mono` (Roy et al. 2020; α = 1): one language per batch, uniform over the training languages;
 *    every triplet's query and passages are in that language.
 *  - `xy` (α = 0): per triplet an ordered language pair (l_q, l_p), l_q ≠ l_p, uniform over the pairs of
 *    languages holding that question id; query in l_q, positive and hard negative in l_p (the paper does
 *    not say where d⁻'s language comes from; OUR CHOICE: the passage language).
 *  - `hybrid` (the paper's method): per batch, `xx-mono` with probability α, else `xy`; α is constant or
 *    moves linearly from `alpha` (step 0) to `alphaEnd` (last step).
 *  - `xx` (LAReQA's weak baseline): languages mixed inside a batch, each triplet monolingual.
 *
 * Data order: each pool (the questions of one language for `xx-mono`, the multi-language questions for
 * `xy`, all (question, language) pairs for `xx`) is walked in a seeded permutation per epoch; the
 * permutation of epoch e of pool P is `shuffle(deriveSeed(seed, 'permutation', P, e))`, so the state
 * to save is only a cursor `{ epoch, position }` per pool plus the RNG state (exact resume,
 * notes/checkpoints.md §5).
 *
 * False negatives (§6 "Duplicates"; OUR CHOICE: resample, not mask): a drawn item is deferred when it
 * would put into the batch
 *  - a second triplet of the same question id (its translations are relevant to each other), or
 *  - a passage whose text already is a passage of the batch (one sentence answers up to 12 questions), or
 *  - a passage whose text is an answer of a question already in the batch (in any language), or
 *  - a question one of whose answers (in any language) already is a passage of the batch.
 * So every batch has 2B distinct passage texts and no passage is relevant to another triplet's query.
 * Deferred items (kept in the pool's cursor, so they survive a checkpoint) are tried first in the next
 * batches, so every item is still used once per epoch, only a little later.
 * {@link infoNCELoss} additionally masks duplicates of a query's positive, as a second line of defence.
 */
import { z } from 'zod';
import { ConfigError } from '../errors';
import type { Lang } from '../data/languages';
import type { BatchKind } from '../experiment/runLog';
import { deriveSeed, Mulberry32 } from '../metrics/rng';
import type { QuestionGroup, TrainingSet } from './examples';

export const SAMPLER_NAMES = ['xx-mono', 'xy', 'hybrid', 'xx'] as const;
export type SamplerName = (typeof SAMPLER_NAMES)[number];

/** One training triplet; indices point into the training dataset. */
export interface Triplet {
  questionId: string;
  queryLang: Lang;
  passageLang: Lang;
  /** index into `dataset.queries` (in `queryLang`) */
  query: number;
  /** index into `dataset.candidates` (in `passageLang`) */
  positive: number;
  /** index into `dataset.candidates` (in `passageLang`) */
  negative: number;
}

/** What a batch was made of, as logged per step: its kind and the count of each `"lq->lp"` pair. */
export interface BatchRecord {
  kind: BatchKind;
  pairs: Record<string, number>;
}

export interface Batch {
  triplets: Triplet[];
  record: BatchRecord;
}

export const PoolCursorSchema = z
  .object({
    epoch: z.number().int().min(0),
    /** next index into the epoch's permutation */
    position: z.number().int().min(0),
    /** pool items drawn but refused by an earlier batch, retried first */
    deferred: z.array(z.number().int().min(0)),
  })
  .strict();
export type PoolCursor = z.infer<typeof PoolCursorSchema>;

export const SamplerStateSchema = z
  .object({
    name: z.enum(SAMPLER_NAMES),
    /** batches drawn so far */
    batches: z.number().int().min(0),
    rng: z.object({ state: z.number().int().min(0).max(0xffffffff) }).strict(),
    cursors: z.record(z.string(), PoolCursorSchema),
  })
  .strict();
export type SamplerState = z.infer<typeof SamplerStateSchema>;

export interface SamplerOptions {
  /** triplets per batch (B); the loss sees 2B passages */
  batchSize: number;
  /** run seed */
  seed: number;
  /** length of the run in steps (for the hybrid α schedule) */
  totalSteps: number;
  /** `hybrid` only: probability of a monolingual batch at step 0, in [0, 1] */
  alpha?: number;
  /** `hybrid` only: α at the last step (linear in between); default `alpha` (constant) */
  alphaEnd?: number;
}

export interface BatchSampler {
  readonly name: SamplerName;
  /** @param step 0-based index of the update this batch is for */
  next(step: number): Batch;
  getState(): SamplerState;
  /** continues from a saved state (same training set and options) */
  setState(state: SamplerState): void;
}

/**
 * α of the hybrid sampler at a step: constant, or linear from `alpha` at step 0 to `alphaEnd` at step
 * `totalSteps − 1`.
 */
export function hybridAlpha(step: number, totalSteps: number, alpha: number, alphaEnd?: number): number {
  if (alphaEnd === undefined || totalSteps <= 1) return alpha;
  const p = Math.min(1, Math.max(0, step / (totalSteps - 1)));
  return alpha + (alphaEnd - alpha) * p;
}

/** Accumulates one batch, refusing items that would create duplicate or false-negative passages. */
class BatchBuilder {
  readonly triplets: Triplet[] = [];
  private readonly questionIds = new Set<string>();
  private readonly passageTexts = new Set<string>();
  private readonly relevantTexts = new Set<string>();

  constructor(private readonly texts: readonly string[]) {}

  tryAdd(t: Triplet, relevant: readonly string[]): boolean {
    const pos = this.texts[t.positive]!;
    const neg = this.texts[t.negative]!;
    if (this.questionIds.has(t.questionId) || pos === neg) return false;
    for (const text of [pos, neg]) if (this.passageTexts.has(text) || this.relevantTexts.has(text)) return false;
    for (const text of relevant) if (this.passageTexts.has(text)) return false;
    this.triplets.push(t);
    this.questionIds.add(t.questionId);
    this.passageTexts.add(pos);
    this.passageTexts.add(neg);
    for (const text of relevant) this.relevantTexts.add(text);
    return true;
  }
}

function pairKey(queryLang: Lang, passageLang: Lang): string {
  return `${queryLang}->${passageLang}`;
}

function recordOf(kind: BatchKind, triplets: readonly Triplet[]): BatchRecord {
  const counts = new Map<string, number>();
  for (const t of triplets) counts.set(pairKey(t.queryLang, t.passageLang), (counts.get(pairKey(t.queryLang, t.passageLang)) ?? 0) + 1);
  const pairs: Record<string, number> = {};
  for (const key of [...counts.keys()].sort()) pairs[key] = counts.get(key)!;
  return { kind, pairs };
}

/** The shared machinery of all samplers: pools, per-epoch permutations, cursors, the RNG and deduplication. */
class PoolSampler implements BatchSampler {
  private rng: Mulberry32;
  private cursors: Record<string, PoolCursor> = {};
  private batches = 0;
  private readonly pools = new Map<string, number[]>();
  private readonly permutations = new Map<string, { epoch: number; order: number[] }>();
  private readonly relevant: string[][];
  private readonly texts: string[];
  private readonly groups: readonly QuestionGroup[];
  private readonly languages: readonly Lang[];

  constructor(
    readonly name: SamplerName,
    set: TrainingSet,
    private readonly options: SamplerOptions,
  ) {
    const { batchSize } = options;
    if (!Number.isInteger(batchSize) || batchSize < 1) throw new ConfigError(`batchSize must be a positive integer (got ${batchSize})`);
    this.rng = new Mulberry32(deriveSeed(options.seed, 'sampler', name));
    this.groups = set.groups;
    this.languages = set.languages;
    this.texts = set.dataset.candidates.map((c) => c.text);
    this.relevant = set.groups.map((g) => [...(set.dataset.answersByQuestion.get(g.questionId)?.values() ?? [])].map((c) => this.texts[c]!));
    const needMono = name === 'xx-mono' || name === 'hybrid';
    const needCross = name === 'xy' || name === 'hybrid';
    if (needMono) {
      for (const lang of set.languages) {
        const items: number[] = [];
        set.groups.forEach((g, gi) => {
          if (g.examples.some((e) => e.lang === lang)) items.push(gi);
        });
        this.addPool(`mono:${lang}`, items, `the ${lang} questions`);
      }
    }
    if (needCross) {
      const items: number[] = [];
      set.groups.forEach((g, gi) => {
        if (g.examples.length >= 2) items.push(gi);
      });
      if (set.languages.length < 2) throw new ConfigError(`sampler "${name}" needs at least two training languages (got ${set.languages.join(', ')})`);
      this.addPool('xy', items, 'the questions held in two or more training languages');
    }
    if (name === 'xx') {
      const items: number[] = [];
      // (group, example) packed in one number; a group has at most 16 languages
      set.groups.forEach((g, gi) => g.examples.forEach((_, ei) => items.push(gi * 16 + ei)));
      this.addPool('xx', items, 'the questions of all training languages');
    }
    if (name === 'hybrid') {
      const { alpha, alphaEnd } = options;
      for (const [field, a] of [
        ['alpha', alpha],
        ['alphaEnd', alphaEnd],
      ] as const) {
        if (a !== undefined && !(a >= 0 && a <= 1)) throw new ConfigError(`hybrid ${field} must be in [0, 1] (got ${a})`);
      }
      if (alpha === undefined) throw new ConfigError('hybrid sampler needs alpha');
    }
  }

  private addPool(key: string, items: number[], what: string): void {
    // Distinct question ids per batch, so a pool with fewer questions than B can never fill one.
    const distinct = key === 'xx' ? new Set(items.map((i) => Math.floor(i / 16))).size : items.length;
    if (distinct < this.options.batchSize) {
      throw new ConfigError(`batchSize ${this.options.batchSize} is larger than the ${distinct} distinct questions in ${what}`);
    }
    this.pools.set(key, items);
  }

  private cursor(key: string): PoolCursor {
    const cursor = this.cursors[key] ?? { epoch: 0, position: 0, deferred: [] };
    this.cursors[key] = cursor;
    return cursor;
  }

  private draw(key: string): number {
    const items = this.pools.get(key)!;
    const cursor = this.cursor(key);
    if (cursor.position >= items.length) {
      cursor.epoch += 1;
      cursor.position = 0;
    }
    let perm = this.permutations.get(key);
    if (!perm || perm.epoch !== cursor.epoch) {
      const order = Array.from({ length: items.length }, (_, i) => i);
      new Mulberry32(deriveSeed(this.options.seed, 'permutation', this.name, key, cursor.epoch)).shuffle(order);
      perm = { epoch: cursor.epoch, order };
      this.permutations.set(key, perm);
    }
    const item = items[perm.order[cursor.position]!]!;
    cursor.position += 1;
    return item;
  }

  private fill(key: string, make: (item: number) => { triplet: Triplet; group: number }): Triplet[] {
    const builder = new BatchBuilder(this.texts);
    const poolSize = this.pools.get(key)!.length;
    const cursor = this.cursor(key);
    const stillDeferred: number[] = [];
    // The language pair of an xy item is drawn again on each try, so a retry is a fresh draw for it.
    for (const item of cursor.deferred) {
      if (builder.triplets.length >= this.options.batchSize) {
        stillDeferred.push(item);
        continue;
      }
      const { triplet, group } = make(item);
      if (!builder.tryAdd(triplet, this.relevant[group]!)) stillDeferred.push(item);
    }
    // Two full passes over the pool without filling the batch means it cannot be filled.
    for (let draws = 0; builder.triplets.length < this.options.batchSize; draws++) {
      if (draws >= 2 * poolSize + this.options.batchSize) {
        throw new ConfigError(`cannot fill a batch of ${this.options.batchSize} triplets with distinct passages from pool "${key}" (${poolSize} items; only ${builder.triplets.length} fit): lower batchSize`);
      }
      const item = this.draw(key);
      const { triplet, group } = make(item);
      if (!builder.tryAdd(triplet, this.relevant[group]!)) stillDeferred.push(item);
    }
    cursor.deferred = stillDeferred;
    return builder.triplets;
  }

  private monoBatch(): Batch {
    const lang = this.rng.choice(this.languages);
    const triplets = this.fill(`mono:${lang}`, (gi) => {
      const g = this.groups[gi]!;
      const e = g.examples.find((x) => x.lang === lang)!;
      return { group: gi, triplet: { questionId: g.questionId, queryLang: lang, passageLang: lang, query: e.query, positive: e.positive, negative: e.negative } };
    });
    return { triplets, record: recordOf('mono', triplets) };
  }

  private crossBatch(): Batch {
    const triplets = this.fill('xy', (gi) => {
      const g = this.groups[gi]!;
      const n = g.examples.length;
      const a = this.rng.int(n);
      let b = this.rng.int(n - 1);
      if (b >= a) b += 1;
      const q = g.examples[a]!;
      const p = g.examples[b]!;
      return { group: gi, triplet: { questionId: g.questionId, queryLang: q.lang, passageLang: p.lang, query: q.query, positive: p.positive, negative: p.negative } };
    });
    return { triplets, record: recordOf('cross', triplets) };
  }

  private mixedBatch(): Batch {
    const triplets = this.fill('xx', (packed) => {
      const gi = Math.floor(packed / 16);
      const g = this.groups[gi]!;
      const e = g.examples[packed % 16]!;
      return { group: gi, triplet: { questionId: g.questionId, queryLang: e.lang, passageLang: e.lang, query: e.query, positive: e.positive, negative: e.negative } };
    });
    return { triplets, record: recordOf('mixed', triplets) };
  }

  next(step: number): Batch {
    let batch: Batch;
    switch (this.name) {
      case 'xx-mono':
        batch = this.monoBatch();
        break;
      case 'xy':
        batch = this.crossBatch();
        break;
      case 'xx':
        batch = this.mixedBatch();
        break;
      case 'hybrid': {
        const alpha = hybridAlpha(step, this.options.totalSteps, this.options.alpha!, this.options.alphaEnd);
        batch = this.rng.bernoulli(alpha) ? this.monoBatch() : this.crossBatch();
        break;
      }
    }
    this.batches += 1;
    return batch;
  }

  getState(): SamplerState {
    const cursors: Record<string, PoolCursor> = {};
    for (const key of Object.keys(this.cursors).sort()) {
      const c = this.cursors[key]!;
      cursors[key] = { epoch: c.epoch, position: c.position, deferred: [...c.deferred] };
    }
    return { name: this.name, batches: this.batches, rng: this.rng.getState(), cursors };
  }

  setState(state: SamplerState): void {
    if (state.name !== this.name) throw new ConfigError(`sampler state is for "${state.name}", not "${this.name}"`);
    for (const [key, cursor] of Object.entries(state.cursors)) {
      const pool = this.pools.get(key);
      if (!pool) throw new ConfigError(`sampler state has a cursor for pool "${key}", which sampler "${this.name}" does not have`);
      if (cursor.position > pool.length) throw new ConfigError(`sampler state cursor ${key} is at ${cursor.position}, past the pool's ${pool.length} items`);
      if (cursor.deferred.some((item) => !pool.includes(item))) throw new ConfigError(`sampler state cursor ${key} defers an item that is not in the pool`);
    }
    this.rng = Mulberry32.fromState(state.rng);
    this.batches = state.batches;
    this.cursors = {};
    for (const [key, c] of Object.entries(state.cursors)) this.cursors[key] = { epoch: c.epoch, position: c.position, deferred: [...c.deferred] };
  }
}

/** The sampler registry: name → constructor over a training set. */
export const SAMPLERS: Record<SamplerName, (set: TrainingSet, options: SamplerOptions) => BatchSampler> = {
  'xx-mono': (set, options) => new PoolSampler('xx-mono', set, options),
  xy: (set, options) => new PoolSampler('xy', set, options),
  hybrid: (set, options) => new PoolSampler('hybrid', set, options),
  xx: (set, options) => new PoolSampler('xx', set, options),
};

export function createSampler(name: SamplerName, set: TrainingSet, options: SamplerOptions): BatchSampler {
  return SAMPLERS[name](set, options);
}
