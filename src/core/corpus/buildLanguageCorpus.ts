/**
 * The per-language pipeline of the pretraining corpus: normalise → drop → dedupe → remove evaluation
 * overlap → order deterministically → cap. Pure: the same raw pairs and index give the same lines.
 */
import type { PairSource } from './corpusManifest';
import { PAIR_SOURCES } from './corpusManifest';
import { dedupePairs, type CorpusPair } from './dedupePairs';
import { EVAL_OVERLAP_REASONS, removeEvalOverlap, type EvalIndex } from './evalOverlap';
import { normalizePair, PAIR_DROP_REASONS } from './normalizePair';

/** Every reason a raw pair does not reach the output, in pipeline order. */
export const REMOVAL_REASONS = [...PAIR_DROP_REASONS, 'duplicate', ...EVAL_OVERLAP_REASONS, 'overMax'] as const;
export type RemovalReason = (typeof REMOVAL_REASONS)[number];

export interface RawPair {
  en: string;
  x: string;
  source: PairSource;
}

export interface LanguageCorpus {
  /** `english<TAB>translation` lines, in output order (no trailing newline) */
  lines: string[];
  /** raw pairs read, per source */
  extracted: Record<PairSource, number>;
  /** pairs written, per source (a pair found in two sources counts for the first in {@link PAIR_SOURCES}) */
  kept: Record<PairSource, number>;
  removed: Record<RemovalReason, number>;
  /** a few pairs removed for evaluation overlap, for the report */
  overlapExamples: Record<(typeof EVAL_OVERLAP_REASONS)[number], CorpusPair[]>;
}

function zeros<K extends string>(keys: readonly K[]): Record<K, number> {
  return Object.fromEntries(keys.map((k) => [k, 0])) as Record<K, number>;
}

/** cyrb53 (a public-domain 53-bit string hash): a stable, well-mixed sort key. */
export function hash53(text: string, seed = 0): number {
  let h1 = 0xdeadbeef ^ seed;
  let h2 = 0x41c6ce57 ^ seed;
  for (let i = 0; i < text.length; i++) {
    const ch = text.charCodeAt(i);
    h1 = Math.imul(h1 ^ ch, 2654435761);
    h2 = Math.imul(h2 ^ ch, 1597334677);
  }
  h1 = Math.imul(h1 ^ (h1 >>> 16), 2246822507) ^ Math.imul(h2 ^ (h2 >>> 13), 3266489909);
  h2 = Math.imul(h2 ^ (h2 >>> 16), 2246822507) ^ Math.imul(h1 ^ (h1 >>> 13), 3266489909);
  return 4294967296 * (2097151 & h2) + (h1 >>> 0);
}

/** One TSV field: tabs and line breaks become spaces. */
export function tsvField(text: string): string {
  return text.replace(/[\t\r\n\u2028\u2029]/g, ' ');
}

/**
 * @param raw the pairs of one language, any source order
 * @param index evaluation texts to keep out
 * @param maxPairs keep at most this many lines (the first in hash order, a deterministic sample)
 */
export function buildLanguageCorpus(raw: readonly RawPair[], index: EvalIndex, maxPairs = Infinity): LanguageCorpus {
  const extracted = zeros(PAIR_SOURCES);
  const kept = zeros(PAIR_SOURCES);
  const removed = zeros(REMOVAL_REASONS);
  const priority = (s: PairSource) => PAIR_SOURCES.indexOf(s);
  const ordered = [...raw].sort((a, b) => priority(a.source) - priority(b.source));
  const clean: RawPair[] = [];
  for (const pair of ordered) {
    extracted[pair.source]++;
    const n = normalizePair(pair.en, pair.x);
    if (n.ok) clean.push({ en: n.en, x: n.x, source: pair.source });
    else removed[n.reason]++;
  }
  const deduped = dedupePairs(clean);
  removed.duplicate = deduped.removed;
  const overlap = removeEvalOverlap(deduped.pairs, index);
  removed.evalExact = overlap.removed.evalExact;
  removed.evalNear = overlap.removed.evalNear;
  const rows = overlap.pairs.map((p) => {
    const line = `${tsvField(p.en)}\t${tsvField(p.x)}`;
    return { line, source: p.source, hash: hash53(line) };
  });
  rows.sort((a, b) => a.hash - b.hash || (a.line < b.line ? -1 : a.line > b.line ? 1 : 0));
  const capped = rows.length > maxPairs ? rows.slice(0, maxPairs) : rows;
  removed.overMax = rows.length - capped.length;
  for (const r of capped) kept[r.source]++;
  return { lines: capped.map((r) => r.line), extracted, kept, removed, overlapExamples: overlap.examples };
}
