/** Removes exact duplicate pairs, keeping the first occurrence (so source order decides which source counts it). */

export interface CorpusPair {
  /** English side, normalised */
  en: string;
  /** translation, normalised */
  x: string;
  /** the source kind the pair came from (e.g. `libreoffice-ui`) */
  source: string;
}

/**
 * @param pairs pairs of one language, in source priority order
 * @returns the first occurrence of each distinct (en, x), in input order, and how many were removed
 */
export function dedupePairs<P extends CorpusPair>(pairs: readonly P[]): { pairs: P[]; removed: number } {
  const seen = new Set<string>();
  const out: P[] = [];
  for (const p of pairs) {
    const key = `${p.en}\u0000${p.x}`;
    if (seen.has(key)) continue;
    seen.add(key);
    out.push(p);
  }
  return { pairs: out, removed: pairs.length - out.length };
}
