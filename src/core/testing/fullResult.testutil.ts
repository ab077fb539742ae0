import { DATASET_LANGUAGES } from '../data/languages';
import { TIE_BREAK, type RetrievalResult } from '../metrics/resultSchema';
import { createRng } from '../metrics/rng';

export interface FullResultOptions {
  seed: number;
  /** questions per language (XQuAD-R: 1,190) */
  questions?: number;
  languages?: readonly string[];
  /** keep each query of a cross cell with this probability (MLQA-R: not every question has every answer; sampled evaluations) */
  crossKeep?: number;
  /** record the first-retrieved id of every mono and cross query */
  topRetrieved?: boolean;
  /** query ids in sorted order instead of shuffled (default false: the evaluator keeps a dataset's order, which is not sorted) */
  sortedIds?: boolean;
  /** a few first-retrieved ids (1 %) in a language outside the cell, which the packing writes whole (default true) */
  foreignTopIds?: boolean;
}

/**
 * A hand-made evaluation result shaped like the evaluator's on XQuAD-R (by default every language, 1,190
 * questions): query ids in file order (not sorted), mono and cross APs reciprocal ranks, multi APs
 * arbitrary doubles, integer rank distances, and first-retrieved ids in the cell's candidate language
 * (a few of another, which the packing writes whole, unless `foreignTopIds` is false).
 */
export function fullResult({ seed, questions = 1190, languages = DATASET_LANGUAGES['xquad-r'], crossKeep = 1, topRetrieved = true, sortedIds = false, foreignTopIds = true }: FullResultOptions): RetrievalResult {
  const rng = createRng(seed);
  // SQuAD-like hex ids, shuffled unless asked: the evaluator keeps the dataset's order, which is not sorted
  const qids = Array.from({ length: questions }, (_, i) => `56beb4343aeaaa14008c${(0x925b + (sortedIds ? i : (i * 7919) % 65_521)).toString(16)}`);
  const rank = () => Math.max(1, Math.floor(Math.exp(rng.float() * Math.log(questions))));
  const langs = [...languages];
  const cellsOf = (mono: boolean) => langs.flatMap((x) => langs.filter((y) => (x === y) === mono).map((y) => `${x}->${y}`));
  const perCell = <V>(keys: string[], value: (cell: string) => V, keep = 1) => Object.fromEntries(keys.map((k) => [k, Object.fromEntries(qids.filter(() => keep === 1 || rng.float() < keep).map((q) => [`${k.slice(0, 2)}:${q}`, value(k)]))]));
  const mono = perCell(cellsOf(true), () => 1 / rank());
  const cross = perCell(cellsOf(false), () => 1 / rank(), crossKeep);
  const multi = perCell(langs, () => rng.float() / 10);
  const mean = (v: Record<string, number>) => Object.values(v).reduce((a, b) => a + b, 0) / Math.max(1, Object.values(v).length);
  const setting = (pq: Record<string, Record<string, number>>) => ({
    map: mean(Object.fromEntries(Object.entries(pq).map(([k, v]) => [k, mean(v)]))),
    recall_1: 0.1,
    cells: Object.fromEntries(Object.entries(pq).map(([k, v]) => [k, { map: mean(v), recall_1: 0.1, n: Math.max(1, Object.keys(v).length) }])),
  });
  const top = (cell: string) => (foreignTopIds && rng.float() < 0.01 ? `zz:${rng.int(99)}` : `${cell.slice(4)}:${rng.int(60)}:${rng.int(30)}:${rng.int(8)}`);
  const topOf = (pq: Record<string, Record<string, number>>) => Object.fromEntries(Object.entries(pq).map(([cell, v]) => [cell, Object.fromEntries(Object.keys(v).map((q) => [q, top(cell)]))]));
  const candidates = Object.fromEntries(langs.map((l) => [l, questions + 37]));
  return {
    schemaVersion: 1,
    dataset: 'xquad-r',
    languages: langs as RetrievalResult['languages'],
    files: { 'xquad-r/en.json': '7b0954f39297c27a31fef610f0883337dd2907fa8699151dc922afdd0fa12ffe' },
    dim: 768,
    tie_break: TIE_BREAK,
    mono: setting(mono),
    cross: setting(cross),
    multi: {
      map: 0.05,
      recall_10: 0.1,
      rank_distance: 7000,
      per_language: Object.fromEntries(Object.entries(multi).map(([k, v]) => [k, { map: mean(v), recall_10: 0.1, rank_distance: 7000, n: questions }])),
    },
    chance: {
      mono: 0.006,
      cross: langs.length > 1 ? 0.006 : null,
      multi: 0.0009,
      rank_distance: 4000,
      per_language: Object.fromEntries(langs.map((l) => [l, { map: 0.0009, rank_distance: 4000 }])),
      candidates,
    },
    per_query: { mono, cross, multi, rank_distance: perCell(langs, () => rng.int(questions * langs.length)) },
    ...(topRetrieved ? { top_retrieved: { mono: topOf(mono), cross: topOf(cross) } } : {}),
  };
}
