/**
 * The per-query data of a notebook's evaluations (APs, rank distances, first-retrieved ids) as the file
 * keeps it (issue 20, item 10). Written as JSON objects, one number per line, a full XQuAD-R evaluation
 * took 17 MB and a notebook of two runs with their sampled evaluations 69 MB; packed, ten runs of the
 * shipped model's evaluations take 12.3 MB instead of 174 MB (1.2 MB a run, 0.7 MB of ids once).
 *
 * Packed form (file version 2, `notebook.ts`):
 *  - `ids.queries[dataset][lang]` lists the question ids (without the `"{lang}:"` prefix) once per
 *    notebook, the sorted union over every evaluation of that dataset; `ids.candidates[dataset][lang]`
 *    likewise the ids of the candidates that some query retrieved first;
 *  - each evaluation's `per_query_packed` holds one string per cell: one token per id of the cell's query
 *    language, separated by single spaces, aligned with that list.
 *
 * Tokens of an AP cell: an integer k ≥ 1 is the AP 1/k (mono and cross cells have one relevant candidate,
 * so their APs are reciprocal ranks: "37" where the double takes 20 characters); a decimal in [0, 1] is an
 * AP written as JavaScript's shortest round-trip form (multi cells); `-` is a query without a value, `-N`
 * a run of N of them (sampled evaluations cover a tenth of the queries). Rank-distance tokens are decimals
 * ≥ 0 (integers for one run). Every value reads back as the same double: the packing is lossless, so the
 * paired tests (and the significance cache's keys, hashes of these values) are the same after a reopen.
 * First-retrieved tokens are indices, in base 36, into the cell's candidate language's list (`a7` for the
 * 368th id; two characters for up to 1,296 candidates, where the id itself takes six to ten); `@` + the
 * whole id for one of another language (which the evaluator never writes).
 *
 * Packing is idempotent on unpacked values, so a file the app wrote re-serializes to the same bytes.
 */
import { z } from 'zod';
import type { DatasetName } from '../data/languages';
import type { RetrievalResult } from '../metrics/resultSchema';

const IdListsSchema = z.record(z.string(), z.record(z.string(), z.array(z.string().min(1))));
/** `queries[dataset][lang]`: question ids; `candidates[dataset][lang]`: candidate ids; without the language, sorted. */
export const IdTablesSchema = z.object({ queries: IdListsSchema, candidates: IdListsSchema });
export type IdTables = z.infer<typeof IdTablesSchema>;
/** Ids seen so far, by table, dataset and language, for {@link idTables}. */
export type IdCollector = { queries: Map<string, Map<string, Set<string>>>; candidates: Map<string, Map<string, Set<string>>> };

const CellsSchema = z.record(z.string(), z.string());
export const PackedEvaluationDataSchema = z.object({
  mono: CellsSchema,
  cross: CellsSchema,
  multi: CellsSchema,
  rank_distance: CellsSchema.optional(),
  top_retrieved: z.object({ mono: CellsSchema, cross: CellsSchema }).optional(),
});
export type PackedEvaluationData = z.infer<typeof PackedEvaluationDataSchema>;

type PerQuery = RetrievalResult['per_query'];
type TopRetrieved = NonNullable<RetrievalResult['top_retrieved']>;
/** The per-query parts of a result, as the notebook holds them in memory. */
export interface PerQueryParts {
  dataset: DatasetName;
  per_query?: PerQuery;
  top_retrieved?: TopRetrieved;
}

/** A packed cell that does not fit its query list or grammar; `field` is relative to `per_query_packed`. */
export class PackedCellError extends Error {
  constructor(
    readonly field: string,
    message: string,
  ) {
    super(message);
  }
}

/** `en` of cell `en->de`; a multi cell's key is its language. */
export const queryLangOf = (cell: string) => cell.slice(0, cell.indexOf('->') < 0 ? cell.length : cell.indexOf('->'));
/** `de` of cell `en->de`. */
export const candidateLangOf = (cell: string) => cell.slice(cell.indexOf('->') + 2);

function splitId(id: string): [string, string] {
  const i = id.indexOf(':');
  return i < 1 ? ['', id] : [id.slice(0, i), id.slice(i + 1)];
}

/** The token of an AP: `k` when it is exactly 1/k, else the shortest decimal that reads back as the same double. */
export function apToken(ap: number): string {
  const k = reciprocalRank(ap);
  return k !== null ? String(k) : String(ap);
}

function reciprocalRank(x: number): number | null {
  if (!(x > 0) || x > 1) return null;
  const k = Math.round(1 / x);
  return 1 / k === x ? k : null;
}

/** The token of a rank distance (≥ 0): its shortest round-trip decimal. */
export const rankDistanceToken = (x: number) => String(x);
/** The language of a multi or rank-distance cell: its key. */
const identity = (l: string) => l;

/** JavaScript's shortest round-trip form of a non-negative double (`0.25`, `1e-7`, `4000.5`) */
const NON_NEGATIVE = /^(?:0|[1-9]\d*)(?:\.\d+)?(?:e[-+]?\d+)?$/;
const RANK = /^[1-9]\d*$/;

/** The AP of a token ({@link apToken}), or null when it is not one. */
export const parseAp = (t: string): number | null => {
  if (RANK.test(t)) return 1 / Number(t);
  const x = NON_NEGATIVE.test(t) ? Number(t) : Number.NaN;
  return x <= 1 ? x : null;
};
/** The rank distance of a token ({@link rankDistanceToken}), or null when it is not one. */
export const parseRankDistance = (t: string): number | null => (NON_NEGATIVE.test(t) && Number.isFinite(Number(t)) ? Number(t) : null);

/** Joins tokens, writing each run of missing values as `-` (one) or `-N`. */
function joinTokens(tokens: readonly (string | null)[]): string {
  const out: string[] = [];
  let gap = 0;
  const flush = () => {
    if (gap) out.push(gap === 1 ? '-' : `-${gap}`);
    gap = 0;
  };
  for (const t of tokens) {
    if (t === null) gap++;
    else {
      flush();
      out.push(t);
    }
  }
  flush();
  return out.join(' ');
}

/** Splits a cell string into one token per query (null for missing), or throws naming the bad token. */
function splitTokens(text: string, expected: number, field: string): (string | null)[] {
  const out: (string | null)[] = [];
  if (text !== '') {
    for (const t of text.split(' ')) {
      const gap = /^-(\d*)$/.exec(t);
      if (!gap) {
        out.push(t);
        continue;
      }
      const n = gap[1] === '' ? 1 : Number(gap[1]);
      if (!Number.isSafeInteger(n) || n < 1 || out.length + n > expected) throw new PackedCellError(field, `"${t}" runs past the ${expected} queries of its language`);
      for (let i = 0; i < n; i++) out.push(null);
    }
  }
  if (out.length !== expected) throw new PackedCellError(field, `${out.length} values for ${expected} queries`);
  return out;
}

export function idCollector(): IdCollector {
  return { queries: new Map(), candidates: new Map() };
}

/** Adds the question ids of a result's per-query values and its first-retrieved candidate ids. */
export function collectIds(parts: PerQueryParts, ids: IdCollector): void {
  const tableOf = (table: Map<string, Map<string, Set<string>>>) => {
    const byLang = table.get(parts.dataset) ?? new Map<string, Set<string>>();
    table.set(parts.dataset, byLang);
    return (id: string) => {
      const [lang, rest] = splitId(id);
      if (!byLang.has(lang)) byLang.set(lang, new Set());
      byLang.get(lang)!.add(rest);
    };
  };
  const addQuery = tableOf(ids.queries);
  const addCandidate = tableOf(ids.candidates);
  const pq = parts.per_query;
  if (!pq) return;
  for (const s of ['mono', 'cross', 'multi', 'rank_distance'] as const) for (const values of Object.values(pq[s] ?? {})) for (const id of Object.keys(values)) addQuery(id);
  const top = parts.top_retrieved;
  if (top) {
    for (const s of ['mono', 'cross'] as const) {
      for (const values of Object.values(top[s])) {
        for (const [q, c] of Object.entries(values)) {
          addQuery(q);
          addCandidate(c);
        }
      }
    }
  }
}

/** The sorted id lists of a collector. */
export function idTables(ids: IdCollector): IdTables {
  const sorted = <T>(entries: Iterable<[string, T]>) => [...entries].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  const lists = (table: Map<string, Map<string, Set<string>>>) =>
    Object.fromEntries(
      sorted(table)
        .filter(([, byLang]) => byLang.size > 0)
        .map(([dataset, byLang]) => [dataset, Object.fromEntries(sorted(byLang).map(([lang, set]) => [lang, [...set].sort()]))]),
    );
  return { queries: lists(ids.queries), candidates: lists(ids.candidates) };
}

/**
 * One cell's string: a token per id of `ids` (the list of the cell's query language `lang`), a gap for
 * an id the cell lacks. Ids of `values` outside `lang:{ids}` are not written.
 */
export function packCell<V>(values: Readonly<Record<string, V>>, lang: string, ids: readonly string[], token: (v: V) => string): string {
  return joinTokens(ids.map((qid) => (Object.hasOwn(values, `${lang}:${qid}`) ? token(values[`${lang}:${qid}`]!) : null)));
}

/**
 * A cell's values, keyed `lang:{id}` in the order of `ids`.
 * @param where the cell's field, for errors
 * @throws PackedCellError when the tokens do not fit `ids` or `value` refuses one (returns null)
 */
export function unpackCell<V>(text: string, lang: string, ids: readonly string[], where: string, value: (t: string) => V | null): Record<string, V> {
  const tokens = splitTokens(text, ids.length, where);
  const out: Record<string, V> = {};
  tokens.forEach((t, i) => {
    if (t === null) return;
    const v = value(t);
    if (v === null) throw new PackedCellError(where, `value ${i} ("${t.slice(0, 20)}") is not valid here`);
    out[`${lang}:${ids[i]}`] = v;
  });
  return out;
}

/**
 * The token of a first-retrieved id in `cell`: its index in base 36 into the list of the cell's candidate
 * language (`index`: id without the language → index token), or `@` + the whole id for one of another language.
 */
export function topIdToken(id: string, cell: string, index: ReadonlyMap<string, string> | undefined): string {
  const [lang, rest] = splitId(id);
  const i = lang === candidateLangOf(cell) ? index?.get(rest) : undefined;
  return i ?? `@${id}`;
}

/** The first-retrieved id of a token of `cell`, `candidates` being the list of its candidate language; null when invalid. */
export function parseTopId(t: string, cell: string, candidates: readonly string[] | undefined): string | null {
  const lang = candidateLangOf(cell);
  if (t.startsWith('@')) return t.length > 1 ? t.slice(1) : null;
  const id = /^[0-9a-z]{1,8}$/.test(t) ? candidates?.[parseInt(t, 36)] : undefined;
  return id === undefined ? null : `${lang}:${id}`;
}

/** Index tokens of candidate lists (`topIdToken`): language → id → base-36 index. */
export function candidateIndex(lists: Readonly<Record<string, readonly string[]>>): Map<string, Map<string, string>> {
  return new Map(Object.entries(lists).map(([lang, list]) => [lang, new Map(list.map((id, i) => [id, i.toString(36)]))]));
}

/**
 * Packs a result's per-query data against the notebook's id lists (which hold every id it uses).
 * @returns null when the result has no per-query data
 */
export function packEvaluationData(parts: PerQueryParts, ids: IdTables): PackedEvaluationData | null {
  const pq = parts.per_query;
  // first-retrieved ids without APs (no writer makes them) stay unpacked, so the result reads back as it was
  if (!pq) return null;
  const lists = ids.queries[parts.dataset] ?? {};
  const index = candidateIndex(ids.candidates[parts.dataset] ?? {});
  const pack = <V>(cells: Record<string, Record<string, V>>, langOf: (cell: string) => string, token: (v: V, cell: string) => string) =>
    Object.fromEntries(
      Object.entries(cells).map(([cell, values]) => {
        const lang = langOf(cell);
        return [cell, packCell(values, lang, lists[lang] ?? [], (v) => token(v, cell))];
      }),
    );
  // (the evaluator's mono and cross pools hold the cell's candidate language only)
  const topToken = (id: string, cell: string) => topIdToken(id, cell, index.get(candidateLangOf(cell)));
  return {
    mono: pack(pq.mono, queryLangOf, apToken),
    cross: pack(pq.cross, queryLangOf, apToken),
    multi: pack(pq.multi, identity, apToken),
    ...(pq.rank_distance ? { rank_distance: pack(pq.rank_distance, identity, rankDistanceToken) } : {}),
    ...(parts.top_retrieved ? { top_retrieved: { mono: pack(parts.top_retrieved.mono, queryLangOf, topToken), cross: pack(parts.top_retrieved.cross, queryLangOf, topToken) } } : {}),
  };
}

/**
 * Unpacks an evaluation's per-query data.
 * @throws PackedCellError naming the cell (relative to `per_query_packed`) whose tokens do not fit
 */
export function unpackEvaluationData(packed: PackedEvaluationData, dataset: string, ids: IdTables): { per_query: PerQuery; top_retrieved?: TopRetrieved } {
  const lists = ids.queries[dataset] ?? {};
  const candidates = ids.candidates[dataset] ?? {};
  const unpack = <V>(cells: Record<string, string>, field: string, langOf: (cell: string) => string, value: (t: string, cell: string) => V | null) =>
    Object.fromEntries(
      Object.entries(cells).map(([cell, text]) => {
        const lang = langOf(cell);
        return [cell, unpackCell(text, lang, lists[lang] ?? [], `${field}.${cell}`, (t) => value(t, cell))];
      }),
    );
  const topId = (t: string, cell: string) => parseTopId(t, cell, candidates[candidateLangOf(cell)]);
  const perQuery: PerQuery = {
    mono: unpack(packed.mono, 'mono', queryLangOf, parseAp),
    cross: unpack(packed.cross, 'cross', queryLangOf, parseAp),
    multi: unpack(packed.multi, 'multi', identity, parseAp),
    ...(packed.rank_distance ? { rank_distance: unpack(packed.rank_distance, 'rank_distance', identity, parseRankDistance) } : {}),
  };
  const top = packed.top_retrieved ? { top_retrieved: { mono: unpack(packed.top_retrieved.mono, 'top_retrieved.mono', queryLangOf, topId), cross: unpack(packed.top_retrieved.cross, 'top_retrieved.cross', queryLangOf, topId) } } : {};
  return { per_query: perQuery, ...top };
}
