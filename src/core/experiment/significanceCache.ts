/**
 * Significance tests kept in the notebook (its optional `significance` field), keyed by
 * `significanceKey` (a hash of the per-query values and test settings they were computed from), so that a
 * reload shows them without the minute of recomputation, and changed inputs never hit a stale entry.
 */
import { z } from 'zod';
import { RetrievalComparisonSchema } from '../metrics/retrievalComparison';

/** Entries kept; the oldest go first (a study's few difference figures and a handful of run pairs fit). */
export const SIGNIFICANCE_CACHE_LIMIT = 48;

export const SignificanceCacheEntrySchema = z.object({
  /** the figure that asked (a runs pair or a study difference), to tell without hashing whether it has entries */
  figure: z.string().min(1).max(500),
  seed: z.number().int().nonnegative(),
  permutations: z.number().int().positive(),
  resamples: z.number().int().positive(),
  level: z.number().gt(0).lt(1),
  comparison: RetrievalComparisonSchema,
});
export type SignificanceCacheEntry = z.infer<typeof SignificanceCacheEntrySchema>;

/** `significanceKey`'s form. */
export const SignificanceKeySchema = z.string().regex(/^sig\d+-[0-9a-f]{16}$/, 'a significance key like "sig1-0123456789abcdef"');
export const SignificanceCacheSchema = z.record(SignificanceKeySchema, SignificanceCacheEntrySchema);
export type SignificanceCache = z.infer<typeof SignificanceCacheSchema>;

/**
 * @returns a new cache with `entry` under `key` as its newest entry, the oldest dropped past
 *   {@link SIGNIFICANCE_CACHE_LIMIT} (object keys keep insertion order, so the first are the oldest)
 */
export function cacheSignificance(cache: SignificanceCache, key: string, entry: SignificanceCacheEntry): SignificanceCache {
  const { [key]: _replaced, ...rest } = cache;
  const kept = Object.entries(rest).slice(-(SIGNIFICANCE_CACHE_LIMIT - 1));
  return { ...Object.fromEntries(kept), [key]: entry };
}

/** Whether any entry was computed for `figure` (before paying for a key's hash). */
export function hasSignificanceFor(cache: SignificanceCache, figure: string): boolean {
  return Object.values(cache).some((e) => e.figure === figure);
}
