/**
 * Which translation pairs pretraining step s trains on. Every batch holds pairs of ONE language with
 * English (LaBSE batches by language pair; mixing languages in a batch would let the model separate
 * negatives by script alone). The choice is a pure function of (seed, step), so a resumed run sees
 * exactly the batches an uninterrupted one would, with no sampler state to save:
 *  - languages take turns: each cycle of L steps visits every language once, in a seeded order per cycle,
 *    so every language gets the same number of steps whatever its size (small languages repeat more);
 *  - language l's k-th batch (k = the cycle) takes positions [kB, (k+1)B) of l's stream, an endless
 *    sequence of seeded permutations of its pairs (one permutation per epoch);
 *  - each text gets the "Query: " or the "Passage: " prefix at random (seeded), since fine-tuning and
 *    evaluation prefix every text with one of them and either side of a pair may be either.
 */
import { deriveSeed, Mulberry32 } from '../metrics/rng';

export interface PretrainBatch {
  /** the language paired with English in this batch */
  lang: string;
  /** indices into that language's pairs, B of them */
  pairs: number[];
  /** per pair: true when the English side gets the query prefix (the other side then the passage prefix) */
  englishIsQuery: boolean[];
}

export interface PretrainBatchOptions {
  seed: number;
  batchSize: number;
  /** language → number of pairs, in the config's order */
  sizes: ReadonlyArray<{ lang: string; pairs: number }>;
}

/** Memoised permutations (the latest epoch per language): a permutation of 50k pairs costs ~1 ms. */
export class PretrainBatches {
  private readonly cache = new Map<string, { epoch: number; order: Uint32Array }>();

  constructor(private readonly o: PretrainBatchOptions) {
    if (o.sizes.length === 0) throw new RangeError('pretraining needs at least one language');
    for (const s of o.sizes) {
      if (s.pairs < o.batchSize) throw new RangeError(`${s.lang} has ${s.pairs} pairs, fewer than the batch size ${o.batchSize}`);
    }
  }

  /** @param step 0-based update index */
  batch(step: number): PretrainBatch {
    if (!Number.isInteger(step) || step < 0) throw new RangeError(`step must be an integer ≥ 0 (got ${step})`);
    const { sizes, batchSize: B, seed } = this.o;
    const L = sizes.length;
    const cycle = Math.floor(step / L);
    const order = new Mulberry32(deriveSeed(seed, 'pretrain-language-order', cycle)).shuffle(sizes.map((_, i) => i));
    const { lang, pairs: n } = sizes[order[step % L]!]!;
    const pairs: number[] = [];
    for (let pos = cycle * B; pos < (cycle + 1) * B; pos++) pairs.push(this.permutation(lang, n, Math.floor(pos / n))[pos % n]!);
    const coin = new Mulberry32(deriveSeed(seed, 'pretrain-prefix', step));
    return { lang, pairs, englishIsQuery: pairs.map(() => coin.uint32() % 2 === 0) };
  }

  private permutation(lang: string, n: number, epoch: number): Uint32Array {
    const hit = this.cache.get(lang);
    if (hit && hit.epoch === epoch) return hit.order;
    const order = Uint32Array.from({ length: n }, (_, i) => i);
    const rng = new Mulberry32(deriveSeed(this.o.seed, 'pretrain-pairs', lang, epoch));
    for (let i = n - 1; i > 0; i--) {
      const j = rng.int(i + 1);
      const t = order[i]!;
      order[i] = order[j]!;
      order[j] = t;
    }
    // a batch straddling two epochs asks for the older one once more; keep the newest
    if (!hit || epoch > hit.epoch) this.cache.set(lang, { epoch, order });
    return order;
  }
}
