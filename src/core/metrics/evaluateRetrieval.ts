/**
 * The LAReQA-style evaluation of `notes/paper-method.md` §2.2–2.3 from query and candidate embeddings:
 * mono (X→X), cross (X→Y, X ≠ Y) and multi (X → all loaded languages) mAP, R@1 / R@10 and rank distance.
 *
 * Cost: the score matrix is computed once, one block of query rows at a time against the whole pool
 * (`options.queryChunk` rows, default 256), and all three settings are read from the same block: the mono and
 * cross cells of a query are its language blocks of the row, the multi pool is the whole row. Ranks of the
 * relevant candidates come from counting candidates that outrank them (`rankRelevant.ts`, with a
 * WebAssembly SIMD kernel where available), so the work beyond the matrix product is one comparison pass
 * over each row. Memory: the embeddings, one copy of the candidate matrix in id order (handed to the scorer),
 * one score block and its copy in the kernel's memory.
 * Bench: `bench/RESULTS.md`, "Evaluation".
 */
import { CancelledError, ConfigError } from '../errors';
import type { Lang } from '../data/languages';
import type { RetrievalDataset } from '../data/types';
import { averagePrecision } from './averagePrecision';
import { chanceLevels } from './chanceLevel';
import { tieBreakKeys } from './docIdOrder';
import { ranksWithoutOwn } from './multiExcludingOwn';
import { rankDistance } from './rankDistance';
import { createRowRanker, type RankerPreference } from './rankRelevant';
import { recallAtK } from './recallAtK';
import { cellKey, RESULT_SCHEMA_VERSION, TIE_BREAK, type CellMetrics, type MultiLanguageMetrics, type RetrievalResult } from './resultSchema';
import { createTfScorer, type ScorerFactory } from './scorer';

export interface RetrievalEmbeddings {
  /** row-major `[dataset.queries.length, dim]`, rows in `dataset.queries` order */
  queries: Float32Array;
  /** row-major `[dataset.candidates.length, dim]`, rows in `dataset.candidates` order */
  candidates: Float32Array;
  dim: number;
}

export interface EvaluateRetrievalOptions {
  /** how score blocks are computed; default `createTfScorer` (TF.js matMul on the active backend) */
  scorer?: ScorerFactory;
  /** query rows per score block (memory: rows × #candidates × 4 bytes); default 256 */
  queryChunk?: number;
  /** called after each block with queries done and total */
  onProgress?: (done: number, total: number) => void;
  /** polled between blocks; true stops the evaluation with a CancelledError */
  shouldCancel?: () => boolean;
  /** rank counting: 'auto' (default) uses WebAssembly SIMD when available, else JavaScript; same results */
  ranker?: RankerPreference;
  /** also record each query's first-ranked candidate per mono/cross cell (`top_retrieved`); default false */
  keepTopRetrieved?: boolean;
}

/** Contiguous index ranges of each language (canonical order keeps languages contiguous). */
function languageRanges(items: readonly { lang: Lang }[], languages: readonly Lang[], what: string, dataset: string): Map<Lang, [number, number]> {
  const ranges = new Map<Lang, [number, number]>();
  let i = 0;
  while (i < items.length) {
    const lang = items[i]!.lang;
    const start = i;
    while (i < items.length && items[i]!.lang === lang) i++;
    if (ranges.has(lang)) throw new ConfigError(`${dataset}: the ${what} of "${lang}" are not contiguous (dataset not in canonical order)`);
    if (!languages.includes(lang)) throw new ConfigError(`${dataset}: ${what} ${start} has language "${lang}", which is not in dataset.languages`);
    ranges.set(lang, [start, i]);
  }
  return ranges;
}

function checkEmbeddings(dataset: RetrievalDataset, e: RetrievalEmbeddings): void {
  const { dim } = e;
  if (!Number.isInteger(dim) || dim < 1) throw new ConfigError(`embeddings: dim must be a positive integer (got ${dim})`);
  const check = (name: 'queries' | 'candidates', items: readonly { id: string }[]) => {
    const m = e[name];
    if (m.length !== items.length * dim) {
      throw new ConfigError(`embeddings.${name}: expected ${items.length} × ${dim} = ${items.length * dim} floats, got ${m.length}`);
    }
    for (let k = 0; k < m.length; k++) {
      if (!Number.isFinite(m[k]!)) {
        throw new ConfigError(`embeddings.${name}: "${items[Math.floor(k / dim)]!.id}" component ${k % dim} is not a finite number (${m[k]})`);
      }
    }
  };
  check('queries', dataset.queries);
  check('candidates', dataset.candidates);
}

const mean = (xs: ArrayLike<number>): number => {
  let s = 0;
  for (let i = 0; i < xs.length; i++) s += xs[i]!;
  return s / xs.length;
};

/**
 * @param dataset the loaded dataset; its languages define the cells and the multilingual pool
 * @param embeddings query and candidate vectors; the score is their dot product (normalise for cosine)
 * @returns the result of `resultSchema.ts`: macro means, per-cell / per-language figures and per-query APs
 * @throws ConfigError on shape mismatches or non-finite embeddings; CancelledError when cancelled
 */
export async function evaluateRetrieval(dataset: RetrievalDataset, embeddings: RetrievalEmbeddings, options: EvaluateRetrievalOptions = {}): Promise<RetrievalResult> {
  checkEmbeddings(dataset, embeddings);
  const { dim } = embeddings;
  const chunk = options.queryChunk ?? 256;
  if (!Number.isInteger(chunk) || chunk < 1) throw new ConfigError(`queryChunk must be a positive integer (got ${chunk})`);
  const langs = dataset.languages;
  const L = langs.length;
  const queryRanges = languageRanges(dataset.queries, langs, 'queries', dataset.name);
  const candRanges = languageRanges(dataset.candidates, langs, 'candidates', dataset.name);
  // Lay the candidates out in ascending id order (trec_eval's tie order, see rankRelevant.ts): `position[c]`
  // is candidate c's column in the score rows. Canonical ids begin with the language, so each language
  // stays one contiguous block.
  const position = tieBreakKeys(dataset.candidates.map((c) => c.id));
  const nC = dataset.candidates.length;
  const blockStart = new Int32Array(L);
  const blockEnd = new Int32Array(L);
  langs.forEach((lang, b) => {
    const r = candRanges.get(lang);
    if (!r) throw new ConfigError(`${dataset.name}: language "${lang}" has no candidates`);
    let lo = Infinity;
    let hi = -Infinity;
    for (let c = r[0]; c < r[1]; c++) {
      lo = Math.min(lo, position[c]!);
      hi = Math.max(hi, position[c]!);
    }
    if (hi - lo + 1 !== r[1] - r[0]) {
      throw new ConfigError(`${dataset.name}: the candidate ids of "${lang}" do not sort together (ids must start with "${lang}:")`);
    }
    if (b > 0 && lo < blockEnd[b - 1]!) throw new ConfigError(`${dataset.name}: languages are not in id order (${langs.join(', ')})`);
    blockStart[b] = lo;
    blockEnd[b] = hi + 1;
  });
  const permuted = new Float32Array(nC * dim);
  for (let c = 0; c < nC; c++) permuted.set(embeddings.candidates.subarray(c * dim, (c + 1) * dim), position[c]! * dim);
  const candidateAt = new Int32Array(nC);
  for (let c = 0; c < nC; c++) candidateAt[position[c]!] = c;

  const scorer = (options.scorer ?? createTfScorer)(permuted, nC, dim);
  const ranker = createRowRanker({ blockStart, blockEnd, maxRelevant: L, prefer: options.ranker ?? 'auto' });
  const relevant = new Int32Array(L);
  const relevantBlock = new Int32Array(L);
  const poolRank = new Int32Array(L);
  const blockRank = new Int32Array(L);
  // Per cell X→Y (index x·L + y): APs and R@1 hits in query order; per language X: multi figures.
  const cellQueries: string[][] = Array.from({ length: L * L }, () => []);
  const cellAP: number[][] = Array.from({ length: L * L }, () => []);
  const cellHits = new Float64Array(L * L);
  const cellTop: string[][] | null = options.keepTopRetrieved ? Array.from({ length: L * L }, () => []) : null;
  const multiAP: number[][] = Array.from({ length: L }, () => []);
  const multiRecall10 = new Float64Array(L);
  const multiRD = new Float64Array(L);
  const queryRD: number[][] = Array.from({ length: L }, () => []);
  // Per language X, for the queries with an answer in another language: the multi AP and rank distance
  // with the query-language answer taken out of the ranking (`multiExcludingOwn.ts`), with their query ids.
  const othersQueries: string[][] = Array.from({ length: L }, () => []);
  const othersAP: number[][] = Array.from({ length: L }, () => []);
  const othersRD: number[][] = Array.from({ length: L }, () => []);
  const ranks: number[] = [];
  const ownPoolRanks: number[] = [];
  let done = 0;

  try {
    for (let x = 0; x < L; x++) {
      const range = queryRanges.get(langs[x]!);
      if (!range) continue;
      const [qStart, qEnd] = range;
      for (let c0 = qStart; c0 < qEnd; c0 += chunk) {
        if (options.shouldCancel?.()) throw new CancelledError('evaluation cancelled');
        const rows = Math.min(chunk, qEnd - c0);
        const block = await scorer.score(embeddings.queries.subarray(c0 * dim, (c0 + rows) * dim), rows);
        /** First-ranked column of block y in row r, in trec_eval order: columns ascend by id, so ties go to the later one. */
        const topColumn = (r: number, y: number): number => {
          let best = blockStart[y]!;
          for (let j = best + 1, base = r * nC; j < blockEnd[y]!; j++) if (block[base + j]! >= block[base + best]!) best = j;
          return best;
        };
        ranker.load(block);
        for (let r = 0; r < rows; r++) {
          const query = dataset.queries[c0 + r]!;
          const answers = dataset.answersByQuestion.get(query.questionId);
          let R = 0;
          for (let y = 0; y < L; y++) {
            const a = answers?.get(langs[y]!);
            if (a === undefined) continue;
            const p = position[a];
            if (p === undefined || p < blockStart[y]! || p >= blockEnd[y]!) {
              throw new ConfigError(`${dataset.name}: answer ${a} of question "${query.questionId}" in "${langs[y]}" lies outside that language's candidates`);
            }
            relevant[R] = p;
            relevantBlock[R] = y;
            R++;
          }
          if (!answers?.has(query.lang)) {
            throw new ConfigError(`${dataset.name}: query "${query.id}" has no answer in its own language`);
          }
          try {
            ranker.rank(r * nC, relevant, relevantBlock, R, { poolRank, blockRank });
          } catch (err) {
            throw new ConfigError(`query "${query.id}": ${err instanceof Error ? err.message : String(err)} (embeddings too large for float32 products?)`);
          }
          ranks.length = 0;
          let ownRank = 0;
          for (let i = 0; i < R; i++) {
            ranks.push(poolRank[i]!);
            if (relevantBlock[i] === x) ownRank = poolRank[i]!;
            const cell = x * L + relevantBlock[i]!;
            cellQueries[cell]!.push(query.id);
            cellAP[cell]!.push(1 / blockRank[i]!);
            if (blockRank[i] === 1) cellHits[cell]!++;
            if (cellTop) {
              const top = blockRank[i] === 1 ? relevant[i]! : topColumn(r, relevantBlock[i]!);
              cellTop[cell]!.push(dataset.candidates[candidateAt[top]!]!.id);
            }
          }
          multiAP[x]!.push(averagePrecision(ranks, R));
          multiRecall10[x]! += recallAtK(ranks, R, 10);
          const rd = rankDistance(ranks);
          multiRD[x]! += rd;
          queryRD[x]!.push(rd);
          if (R > 1) {
            ownPoolRanks.length = 0;
            for (let i = 0; i < R; i++) if (relevantBlock[i] !== x) ownPoolRanks.push(poolRank[i]!);
            const others = ranksWithoutOwn(ownPoolRanks, ownRank);
            othersQueries[x]!.push(query.id);
            othersAP[x]!.push(averagePrecision(others, others.length));
            othersRD[x]!.push(rankDistance(others));
          }
        }
        done += rows;
        options.onProgress?.(done, dataset.queries.length);
      }
    }
  } finally {
    scorer.dispose();
  }

  const setting = (same: boolean) => {
    const cells: Record<string, CellMetrics> = {};
    const perQuery: Record<string, Record<string, number>> = {};
    const topRetrieved: Record<string, Record<string, string>> = {};
    for (let x = 0; x < L; x++) {
      for (let y = 0; y < L; y++) {
        if ((x === y) !== same) continue;
        const i = x * L + y;
        const n = cellAP[i]!.length;
        if (n === 0) continue;
        const key = cellKey(langs[x]!, langs[y]!);
        cells[key] = { map: mean(cellAP[i]!), recall_1: cellHits[i]! / n, n };
        const pq: Record<string, number> = {};
        cellQueries[i]!.forEach((id, k) => (pq[id] = cellAP[i]![k]!));
        perQuery[key] = pq;
        if (cellTop) {
          const top: Record<string, string> = {};
          cellQueries[i]!.forEach((id, k) => (top[id] = cellTop[i]![k]!));
          topRetrieved[key] = top;
        }
      }
    }
    const values = Object.values(cells);
    const macro = (pick: (c: CellMetrics) => number) => (values.length === 0 ? null : mean(values.map(pick)));
    return { summary: { map: macro((c) => c.map), recall_1: macro((c) => c.recall_1), cells }, perQuery, topRetrieved };
  };
  const mono = setting(true);
  const cross = setting(false);

  const perLanguage: Record<string, MultiLanguageMetrics> = {};
  const multiPerQuery: Record<string, Record<string, number>> = {};
  const rdPerQuery: Record<string, Record<string, number>> = {};
  for (let x = 0; x < L; x++) {
    const n = multiAP[x]!.length;
    if (n === 0) continue;
    const lang = langs[x]!;
    perLanguage[lang] = { map: mean(multiAP[x]!), recall_10: multiRecall10[x]! / n, rank_distance: multiRD[x]! / n, n };
    const pq: Record<string, number> = {};
    const range = queryRanges.get(lang)!;
    multiAP[x]!.forEach((ap, k) => (pq[dataset.queries[range[0] + k]!.id] = ap));
    multiPerQuery[lang] = pq;
    const rd: Record<string, number> = {};
    queryRD[x]!.forEach((v, k) => (rd[dataset.queries[range[0] + k]!.id] = v));
    rdPerQuery[lang] = rd;
  }
  const multiValues = Object.values(perLanguage);
  const othersPerQuery: Record<string, Record<string, number>> = {};
  const othersRdPerQuery: Record<string, Record<string, number>> = {};
  for (let x = 0; x < L; x++) {
    const n = othersAP[x]!.length;
    const lang = langs[x]!;
    if (n === 0 || !perLanguage[lang]) continue;
    perLanguage[lang] = { ...perLanguage[lang], map_excluding_own: mean(othersAP[x]!), rank_distance_others: mean(othersRD[x]!), n_others: n };
    othersPerQuery[lang] = Object.fromEntries(othersQueries[x]!.map((id, k) => [id, othersAP[x]![k]!]));
    othersRdPerQuery[lang] = Object.fromEntries(othersQueries[x]!.map((id, k) => [id, othersRD[x]![k]!]));
  }
  const othersValues = Object.values(perLanguage).flatMap((v) => (v.n_others === undefined ? [] : [v]));
  if (multiValues.length === 0) throw new ConfigError(`${dataset.name}: no queries to evaluate (languages: ${langs.join(', ')})`);

  return {
    schemaVersion: RESULT_SCHEMA_VERSION,
    dataset: dataset.name,
    languages: [...langs],
    files: Object.fromEntries(dataset.files.map((f) => [f.name, f.sha256])),
    dim,
    tie_break: TIE_BREAK,
    mono: mono.summary,
    cross: cross.summary,
    multi: {
      map: mean(multiValues.map((v) => v.map)),
      recall_10: mean(multiValues.map((v) => v.recall_10)),
      rank_distance: mean(multiValues.map((v) => v.rank_distance)),
      ...(othersValues.length === 0 ? {} : { map_excluding_own: mean(othersValues.map((v) => v.map_excluding_own!)), rank_distance_others: mean(othersValues.map((v) => v.rank_distance_others!)) }),
      per_language: perLanguage,
    },
    chance: chanceLevels(dataset),
    per_query: {
      mono: mono.perQuery,
      cross: cross.perQuery,
      multi: multiPerQuery,
      rank_distance: rdPerQuery,
      ...(othersValues.length === 0 ? {} : { multi_excluding_own: othersPerQuery, rank_distance_others: othersRdPerQuery }),
    },
    ...(cellTop ? { top_retrieved: { mono: mono.topRetrieved, cross: cross.topRetrieved } } : {}),
  };
}
