/**
 * The cumulative query→passage language-pair counts of a run's batches (issue 4's log line
 * `batch.pairs = {"en->de": n}`), as a matrix ready for {@link heatmapSvg}.
 */
import { LANGUAGES } from '../data/languages';

export interface PairCounts {
  /** query languages, canonical order */
  rows: string[];
  /** passage languages, canonical order */
  cols: string[];
  /** `values[r][c]` = number of (query in rows[r], passage in cols[c]) pairs, summed over the batches */
  values: number[][];
  /** total pairs, and how many were cross-lingual */
  total: number;
  cross: number;
}

function canonicalOrder(a: string, b: string): number {
  const ia = (LANGUAGES as readonly string[]).indexOf(a);
  const ib = (LANGUAGES as readonly string[]).indexOf(b);
  return (ia < 0 ? 99 : ia) - (ib < 0 ? 99 : ib) || a.localeCompare(b);
}

/**
 * Sums the pair counts of `batches`.
 * @param languages the axes (e.g. the training languages); default: the languages that occur, canonical order
 */
export function cumulativePairCounts(batches: Iterable<{ pairs: Readonly<Record<string, number>> }>, languages?: readonly string[]): PairCounts {
  const sums = new Map<string, number>();
  const seen = new Set<string>(languages ?? []);
  for (const b of batches) {
    for (const [key, n] of Object.entries(b.pairs)) {
      const [q, p] = key.split('->');
      if (!q || !p) continue;
      seen.add(q);
      seen.add(p);
      sums.set(key, (sums.get(key) ?? 0) + n);
    }
  }
  const axis = languages ? [...languages] : [...seen].sort(canonicalOrder);
  let total = 0;
  let cross = 0;
  const values = axis.map((q) =>
    axis.map((p) => {
      const n = sums.get(`${q}->${p}`) ?? 0;
      total += n;
      if (q !== p) cross += n;
      return n;
    }),
  );
  return { rows: axis, cols: [...axis], values, total, cross };
}
