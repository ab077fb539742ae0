/**
 * Query-blind expectations: what a ranking that ignores the query scores on average, the floor against
 * which a retrieval figure must be read. Under a uniformly random order of N candidates, R of them relevant:
 *  - one relevant (R = 1): AP = 1/rank and E[AP] = (1/N) Σ_{r=1..N} 1/r = H_N / N;
 *  - R relevant: AP = (1/R) Σ_d P@rank(d). Each d contributes E[1/r_d] = H_N / N for itself and, for each of
 *    the R − 1 others, E[1[r_d' < r_d] / r_d] = Σ_r (1/N)(1/r)(r − 1)/(N − 1) = (N − H_N) / (N (N − 1)), so
 *    E[AP] = H_N / N + (R − 1)(N − H_N) / (N (N − 1));
 *  - rank distance (largest minus smallest rank of the R relevant): the expected range of R positions drawn
 *    without replacement from 1..N, (N + 1)(R − 1) / (R + 1).
 * The multi figures without the query-language answer (`multiExcludingOwn.ts`) are the same expectations
 * over the N − 1 other candidates and the R − 1 other answers, for the queries that have R ≥ 2.
 * `chanceLevels` averages these exactly as `evaluateRetrieval` averages the real figures (per cell or query
 * language, then macro over them), so a result and its chance level are read the same way.
 */
import type { Lang } from '../data/languages';
import type { RetrievalDataset } from '../data/types';

function harmonic(n: number): number {
  let h = 0;
  for (let r = 1; r <= n; r++) h += 1 / r;
  return h;
}

function checkCounts(relevant: number, n: number): void {
  if (!Number.isInteger(n) || n < 1) throw new RangeError(`n must be a positive integer (got ${n})`);
  if (!Number.isInteger(relevant) || relevant < 1 || relevant > n) throw new RangeError(`relevant must be an integer in 1..${n} (got ${relevant})`);
}

/** H_N / N: the expected AP (= reciprocal rank) of one relevant item among N in a random order. */
export function expectedRandomAp(n: number, relevant = 1): number {
  checkCounts(relevant, n);
  const h = harmonic(n);
  return n === 1 ? 1 : h / n + ((relevant - 1) * (n - h)) / (n * (n - 1));
}

/** The expected rank distance (largest − smallest rank) of `relevant` items among N in a random order. */
export function expectedRandomRankDistance(n: number, relevant: number): number {
  checkCounts(relevant, n);
  return ((n + 1) * (relevant - 1)) / (relevant + 1);
}

/** The query-blind level of every figure of a result, averaged like the result's own (`resultSchema.ts`). */
export interface ChanceLevels {
  /** macro mean over the mono cells X→X (each over X's candidates) */
  mono: number;
  /** macro mean over the cross cells X→Y that hold a query (each over Y's candidates); null with one language */
  cross: number | null;
  /** macro mean over query languages of the mean over their queries, in the pool of every loaded language */
  multi: number;
  /** the same average of the expected rank distance */
  rank_distance: number;
  /** the same average of `multi.map_excluding_own`'s level; absent when no query has an other-language answer */
  multi_excluding_own?: number;
  /** and of `multi.rank_distance_others`'s */
  rank_distance_others?: number;
  /** by query language (the keys of `multi.per_language` in a result) */
  per_language: Record<string, { map: number; rank_distance: number; map_excluding_own?: number; rank_distance_others?: number }>;
  /** candidates per language: a cell X→Y's own level is `expectedRandomAp(candidates[Y])` */
  candidates: Record<string, number>;
}

/**
 * @param dataset the dataset as evaluated: its loaded languages are the cells and the multilingual pool
 * @returns the levels of the cells and query languages `evaluateRetrieval` reports (those with a query)
 */
export function chanceLevels(dataset: RetrievalDataset): ChanceLevels {
  const candidates: Record<string, number> = {};
  for (const c of dataset.candidates) candidates[c.lang] = (candidates[c.lang] ?? 0) + 1;
  const pool = dataset.candidates.length;
  const loaded = new Set(dataset.languages);
  const cross = new Map<string, number>();
  const mono = new Map<Lang, number>();
  const multi = new Map<Lang, { ap: number; rd: number; n: number; apOthers: number; rdOthers: number; nOthers: number }>();
  for (const q of dataset.queries) {
    const answers = dataset.answersByQuestion.get(q.questionId);
    let relevant = 0;
    for (const [lang] of answers ?? []) {
      if (!loaded.has(lang)) continue;
      relevant++;
      const n = candidates[lang];
      if (n === undefined) continue;
      if (lang === q.lang) mono.set(lang, expectedRandomAp(n));
      else cross.set(`${q.lang}->${lang}`, expectedRandomAp(n));
    }
    if (relevant === 0) continue;
    const m = multi.get(q.lang) ?? { ap: 0, rd: 0, n: 0, apOthers: 0, rdOthers: 0, nOthers: 0 };
    m.ap += expectedRandomAp(pool, relevant);
    m.rd += expectedRandomRankDistance(pool, relevant);
    m.n += 1;
    // a query always has its own-language answer (evaluateRetrieval requires it), so R − 1 others remain
    if (relevant > 1) {
      m.apOthers += expectedRandomAp(pool - 1, relevant - 1);
      m.rdOthers += expectedRandomRankDistance(pool - 1, relevant - 1);
      m.nOthers += 1;
    }
    multi.set(q.lang, m);
  }
  const macro = (xs: number[]) => xs.reduce((s, x) => s + x, 0) / xs.length;
  const perLanguage: ChanceLevels['per_language'] = {};
  for (const [lang, m] of multi) {
    perLanguage[lang] = {
      map: m.ap / m.n,
      rank_distance: m.rd / m.n,
      ...(m.nOthers === 0 ? {} : { map_excluding_own: m.apOthers / m.nOthers, rank_distance_others: m.rdOthers / m.nOthers }),
    };
  }
  const langs = Object.values(perLanguage);
  const others = langs.flatMap((l) => (l.map_excluding_own === undefined ? [] : [l]));
  if (mono.size === 0 || langs.length === 0) throw new RangeError(`${dataset.name}: no queries, so no chance level`);
  return {
    mono: macro([...mono.values()]),
    cross: cross.size === 0 ? null : macro([...cross.values()]),
    multi: macro(langs.map((l) => l.map)),
    rank_distance: macro(langs.map((l) => l.rank_distance)),
    ...(others.length === 0 ? {} : { multi_excluding_own: macro(others.map((l) => l.map_excluding_own!)), rank_distance_others: macro(others.map((l) => l.rank_distance_others!)) }),
    per_language: perLanguage,
    candidates,
  };
}
