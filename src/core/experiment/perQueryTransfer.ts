/**
 * The per-query data of ONE result (APs, rank distances, first-retrieved ids) in a form that crosses a
 * worker boundary cheaply (issue 20): as JS objects, a full XQuAD-R evaluation's ~300k entries took the
 * page 1.3 s to structured-clone and 0.6 s to validate; as a few hundred strings it clones in
 * milliseconds, and its grammar is its validation.
 *
 * The grammar is the notebook file's (`packedEvaluations.ts`: one string per cell, ids listed once), but
 * the id lists are the result's own, in the order its cells hold their ids (the file's are sorted and
 * shared by the notebook). So unpacking rebuilds every object key for key, value for value (the tokens
 * are lossless) and in the same order: the order the paired tests draw in and the significance key
 * hashes. A result whose cells disagree on that order (none the evaluator writes) is refused, not
 * silently reordered.
 *
 * Packing and unpacking run as steps, one cell each, so the page can spread a full XQuAD-R evaluation's 264
 * cells over many short tasks ({@link runStepsInSlices}) and a worker can run them at once ({@link runSteps}).
 */
import { z } from 'zod';
import {
  apToken,
  candidateIndex,
  candidateLangOf,
  PackedCellError,
  PackedEvaluationDataSchema,
  packCell,
  parseAp,
  parseRankDistance,
  parseTopId,
  queryLangOf,
  rankDistanceToken,
  topIdToken,
  unpackCell,
  type PackedEvaluationData,
  type PerQueryParts,
} from './packedEvaluations';
import type { RetrievalResult } from '../metrics/resultSchema';

/**
 * A list of ids, checked in one plain loop: zod's check per element took the page ~15 ms for the ~26k ids
 * of a full XQuAD-R evaluation, in the task that receives it.
 */
const IdListSchema = z.custom<string[]>((v) => Array.isArray(v) && v.every((id) => typeof id === 'string' && id !== ''), 'a list of non-empty ids');
const IdListsSchema = z.record(z.string(), z.record(z.string(), IdListSchema));

/** `ids.queries[dataset][lang]`, `ids.candidates[dataset][lang]` (the result's own, in its order; `IdTables`) and one string per cell. */
export const PerQueryTransferSchema = z.object({ ids: z.object({ queries: IdListsSchema, candidates: IdListsSchema }), cells: PackedEvaluationDataSchema });
export type PerQueryTransfer = z.infer<typeof PerQueryTransferSchema>;

type PerQuery = RetrievalResult['per_query'];
type TopRetrieved = NonNullable<RetrievalResult['top_retrieved']>;
type Cells = Readonly<Record<string, Readonly<Record<string, unknown>>>>;

/** Steps of a pack or unpack: each `yield` ends one cell; the return value is the whole. */
export type CellSteps<T> = Generator<void, T, void>;

interface Group {
  /** field under `cells` (and in errors): `mono`, `top_retrieved.cross` */
  field: string;
  cells: Cells;
  /** the language of a cell's query ids */
  langOf: (cell: string) => string;
  /** first-retrieved ids (their values are candidate ids) */
  top: boolean;
}

const ownLang = (cell: string) => cell;

function groupsOf(pq: PerQuery, top: TopRetrieved | undefined): Group[] {
  const g = (field: string, cells: Cells, langOf: (cell: string) => string, isTop = false): Group => ({ field, cells, langOf, top: isTop });
  return [
    g('mono', pq.mono, queryLangOf),
    g('cross', pq.cross, queryLangOf),
    g('multi', pq.multi, ownLang),
    ...(pq.rank_distance ? [g('rank_distance', pq.rank_distance, ownLang)] : []),
    ...(top ? [g('top_retrieved.mono', top.mono, queryLangOf, true), g('top_retrieved.cross', top.cross, queryLangOf, true)] : []),
  ];
}

function splitId(id: string): [string, string] {
  const i = id.indexOf(':');
  return i < 1 ? ['', id] : [id.slice(0, i), id.slice(i + 1)];
}

/** language → id (without the language) → position, in order of first appearance */
type IdOrder = Map<string, Map<string, number>>;

function add(order: IdOrder, lang: string, rest: string): void {
  let ids = order.get(lang);
  if (!ids) order.set(lang, (ids = new Map()));
  if (!ids.has(rest)) ids.set(rest, ids.size);
}

const lists = (order: IdOrder) => Object.fromEntries([...order].map(([lang, ids]) => [lang, [...ids.keys()]]));

/** The token of a value, refusing the few that would not read back as they are. */
function exactToken(group: Group, cell: string, index: Map<string, Map<string, string>>): (v: unknown) => string {
  const where = `${group.field}.${cell}`;
  if (group.top) {
    const langIndex = index.get(candidateLangOf(cell));
    return (v) => {
      const t = topIdToken(v as string, cell, langIndex);
      if (t.startsWith('@') && (t.length === 1 || /\s/.test(t))) throw new PackedCellError(where, `first-retrieved id "${String(v).slice(0, 40)}" cannot be packed`);
      return t;
    };
  }
  const token = group.field === 'rank_distance' ? rankDistanceToken : apToken;
  return (v) => {
    // "0" reads back as +0
    if (Object.is(v, -0)) throw new PackedCellError(where, 'a value of -0 cannot be packed');
    return token(v as number);
  };
}

/**
 * Packs a result's per-query data (and its first-retrieved ids, when it has them): one step per cell to
 * gather the ids, then one per cell to write it.
 * @returns null when the result has no per-query data
 * @throws PackedCellError naming the cell (relative to `cells`) that cannot be packed exactly: an id of
 *   another language than its cell's, an empty id, ids in another order than an earlier cell's, a -0
 */
export function* packPerQuerySteps(parts: PerQueryParts): CellSteps<PerQueryTransfer | null> {
  const pq = parts.per_query;
  if (!pq) return null;
  const groups = groupsOf(pq, parts.top_retrieved);
  const queries: IdOrder = new Map();
  const candidates: IdOrder = new Map();
  for (const group of groups) {
    for (const [cell, values] of Object.entries(group.cells)) {
      const lang = group.langOf(cell);
      const candidateLang = candidateLangOf(cell);
      for (const [id, v] of Object.entries(values)) {
        const [idLang, rest] = splitId(id);
        if (idLang !== lang || rest === '') throw new PackedCellError(`${group.field}.${cell}`, `query id "${id.slice(0, 40)}" is not "${lang}:{question id}"`);
        add(queries, lang, rest);
        if (group.top) {
          const [cLang, cRest] = splitId(v as string);
          if (cLang === candidateLang && cRest !== '') add(candidates, cLang, cRest);
        }
      }
      yield;
    }
  }
  const index = candidateIndex(lists(candidates));
  const queryLists = lists(queries);
  const packed: Record<string, Record<string, string>> = {};
  for (const group of groups) {
    const out: Record<string, string> = {};
    for (const [cell, values] of Object.entries(group.cells)) {
      const lang = group.langOf(cell);
      const order = queries.get(lang)!;
      let last = -1;
      for (const id of Object.keys(values)) {
        const at = order.get(splitId(id)[1])!;
        if (at <= last) throw new PackedCellError(`${group.field}.${cell}`, `query "${id.slice(0, 40)}" comes before ids that an earlier cell lists first`);
        last = at;
      }
      out[cell] = packCell(values, lang, queryLists[lang] ?? [], exactToken(group, cell, index));
      yield;
    }
    packed[group.field] = out;
  }
  const cells: PackedEvaluationData = {
    mono: packed.mono!,
    cross: packed.cross!,
    multi: packed.multi!,
    ...(packed.rank_distance ? { rank_distance: packed.rank_distance } : {}),
    ...(packed['top_retrieved.mono'] ? { top_retrieved: { mono: packed['top_retrieved.mono'], cross: packed['top_retrieved.cross']! } } : {}),
  };
  return { ids: { queries: { [parts.dataset]: queryLists }, candidates: { [parts.dataset]: lists(candidates) } }, cells };
}

/**
 * Unpacks {@link packPerQuerySteps}' output, one step per cell.
 * @throws PackedCellError naming the cell (relative to `cells`) whose tokens do not fit its id list or grammar
 */
export function* unpackPerQuerySteps(transfer: PerQueryTransfer, dataset: string): CellSteps<{ per_query: PerQuery; top_retrieved?: TopRetrieved }> {
  const queries = transfer.ids.queries[dataset] ?? {};
  const candidates = transfer.ids.candidates[dataset] ?? {};
  function* group<V>(field: string, cells: Record<string, string>, langOf: (cell: string) => string, value: (t: string, cell: string) => V | null): CellSteps<Record<string, Record<string, V>>> {
    const out: Record<string, Record<string, V>> = {};
    for (const [cell, text] of Object.entries(cells)) {
      const lang = langOf(cell);
      out[cell] = unpackCell(text, lang, queries[lang] ?? [], `${field}.${cell}`, (t) => value(t, cell));
      yield;
    }
    return out;
  }
  const { cells } = transfer;
  const topId = (t: string, cell: string) => parseTopId(t, cell, candidates[candidateLangOf(cell)]);
  const perQuery: PerQuery = {
    mono: yield* group('mono', cells.mono, queryLangOf, parseAp),
    cross: yield* group('cross', cells.cross, queryLangOf, parseAp),
    multi: yield* group('multi', cells.multi, ownLang, parseAp),
  };
  if (cells.rank_distance) perQuery.rank_distance = yield* group('rank_distance', cells.rank_distance, ownLang, parseRankDistance);
  if (!cells.top_retrieved) return { per_query: perQuery };
  const mono = yield* group('top_retrieved.mono', cells.top_retrieved.mono, queryLangOf, topId);
  const cross = yield* group('top_retrieved.cross', cells.top_retrieved.cross, queryLangOf, topId);
  return { per_query: perQuery, top_retrieved: { mono, cross } };
}

/** Runs steps to the end in one go (in a worker, where nothing waits on the thread). */
export function runSteps<T>(steps: CellSteps<T>): T {
  for (;;) {
    const next = steps.next();
    if (next.done) return next.value;
  }
}

export interface Slicing {
  /** cells per slice: the most work done between two pauses */
  cellsPerSlice: number;
  /** awaited between slices (on the page: a yield to the event loop, so each slice is a task of its own); `done` = cells so far */
  pause: (done: number) => Promise<void>;
}

/** Runs steps `cellsPerSlice` cells at a time, awaiting `pause` between slices. */
export async function runStepsInSlices<T>(steps: CellSteps<T>, { cellsPerSlice, pause }: Slicing): Promise<T> {
  let done = 0;
  for (;;) {
    const next = steps.next();
    if (next.done) return next.value;
    done++;
    if (done % cellsPerSlice === 0) await pause(done);
  }
}
