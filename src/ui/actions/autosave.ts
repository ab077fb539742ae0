/**
 * Autosave of the notebook in the browser (IndexedDB through idb-keyval), debounced, and its restore at
 * start-up. The notebook is stored in pieces so a training step rewrites only what it changed:
 *   `meta`          title, cells, data, model, figures and the run ids, in order
 *   `study`         the notebook's study (absent when it has none; written only when it changes)
 *   `significance`  its cached significance tests (likewise)
 *   `run:<id>`      a run record without its evaluations (logs grow every step)
 *   `evals:<id>`    its evaluations (large: per-query APs), rewritten only when they change; those with
 *                   per-query data as `{ packed: EvaluationMessage }` (`evaluationMessage.ts`), since
 *                   IndexedDB clones what it stores in the calling task: a full XQuAD-R evaluation as
 *                   objects blocked the page for 0.5 s, packed it takes milliseconds (issue 20). Pieces
 *                   written before hold the evaluations as they are, and are read as before.
 * A piece is written when its object is not the one written last time (the store replaces objects, never
 * mutates them). Write failures (quota) are reported in the store, never swallowed.
 */
import { createStore, delMany, getMany, setMany, type UseStore } from 'idb-keyval';
import { validateNotebook, type Evaluation, type Notebook } from '../../core/experiment/notebook';
import { fieldPath, zodDataFormatError } from '../../core/zodMessage';
import { evaluationSteps, EvaluationMessageSchema, type EvaluationMessage } from '../../core/experiment/evaluationMessage';
import { PackedCellError } from '../../core/experiment/packedEvaluations';
import { runSteps, type PerQueryTransfer } from '../../core/experiment/perQueryTransfer';
import { DataFormatError } from '../../core/errors';
import { packedPerQuery, rememberPackedPerQuery } from './packedPerQuery';
import { useAppStore, type AppState } from '../store/store';
import type { AutosaveStatus } from '../store/persistenceSlice';
import { selectNotebook } from '../store/selectors';

/** The storage the autosave needs; IndexedDB in the app, a Map in tests. */
export interface KeyValueStore {
  getMany(keys: string[]): Promise<unknown[]>;
  setMany(entries: [string, unknown][]): Promise<void>;
  delMany(keys: string[]): Promise<void>;
}

export function idbKeyValueStore(name = 'xlir-lab'): KeyValueStore {
  const store: UseStore = createStore(name, 'autosave');
  return {
    getMany: (keys) => getMany(keys, store),
    setMany: (entries) => setMany(entries, store),
    delMany: (keys) => delMany(keys, store),
  };
}

export const AUTOSAVE_SOURCE = 'autosaved notebook (browser storage)';

interface Meta {
  schemaVersion: number;
  title: string;
  cells: Notebook['cells'];
  data: Notebook['data'];
  model: Notebook['model'];
  figures: Notebook['figures'];
  runIds: string[];
}

/** Writes notebooks piecewise and reads them back. */
export class NotebookAutosave {
  /** key → the object last written under it */
  private readonly written = new Map<string, unknown>();

  constructor(private readonly kv: KeyValueStore) {}

  /** Writes the pieces of `nb` that changed since the last write or read; removes pieces of deleted runs. */
  async write(nb: Notebook): Promise<{ written: string[]; deleted: string[] }> {
    const entries: [string, unknown][] = [];
    const live = new Set<string>(['meta']);
    const metaParts = [nb.title, nb.cells, nb.data, nb.model, nb.figures, nb.runs.map((r) => r.id).join('\n')];
    const lastMeta = this.written.get('meta') as unknown[] | undefined;
    if (!lastMeta || metaParts.some((p, i) => p !== lastMeta[i])) {
      const meta: Meta = { schemaVersion: nb.schemaVersion, title: nb.title, cells: nb.cells, data: nb.data, model: nb.model, figures: nb.figures, runIds: nb.runs.map((r) => r.id) };
      entries.push(['meta', meta]);
    }
    for (const run of nb.runs) {
      const runKey = `run:${run.id}`;
      const evalKey = `evals:${run.id}`;
      live.add(runKey).add(evalKey);
      if (this.written.get(runKey) !== run) {
        const { evaluations: _evaluations, ...rest } = run;
        entries.push([runKey, rest]);
      }
      if (this.written.get(evalKey) !== run.evaluations) entries.push([evalKey, await evaluationsPiece(run.evaluations)]);
    }
    if (nb.study) {
      live.add('study');
      if (this.written.get('study') !== nb.study) entries.push(['study', nb.study]);
    }
    if (nb.significance) {
      live.add('significance');
      if (this.written.get('significance') !== nb.significance) entries.push(['significance', nb.significance]);
    }
    const deleted = [...this.written.keys()].filter((k) => !live.has(k));
    if (entries.length) await this.kv.setMany(entries);
    if (deleted.length) await this.kv.delMany(deleted);
    // Record only after the writes succeeded, so a failed write is retried next time.
    for (const [key] of entries) {
      if (key === 'meta') this.written.set('meta', metaParts);
      else if (key === 'study') this.written.set('study', nb.study);
      else if (key === 'significance') this.written.set('significance', nb.significance);
      else if (key.startsWith('run:'))
        this.written.set(
          key,
          nb.runs.find((r) => `run:${r.id}` === key),
        );
      else if (key.startsWith('evals:')) this.written.set(key, nb.runs.find((r) => `evals:${r.id}` === key)!.evaluations);
    }
    for (const k of deleted) this.written.delete(k);
    return { written: entries.map(([k]) => k), deleted };
  }

  /**
   * @returns the autosaved notebook, validated, or null when nothing was saved
   * @throws DataFormatError naming {@link AUTOSAVE_SOURCE} and the field when the saved pieces are invalid
   */
  async read(): Promise<Notebook | null> {
    const [meta] = (await this.kv.getMany(['meta'])) as [Meta | undefined];
    if (!meta) return null;
    const runIds = Array.isArray(meta.runIds) ? meta.runIds : [];
    const pieces = await this.kv.getMany([...runIds.flatMap((id) => [`run:${id}`, `evals:${id}`]), 'study', 'significance']);
    const packedForms = new Map<string, PerQueryTransfer>();
    const runs = runIds.map((_, i) => ({ ...(pieces[2 * i] as object), evaluations: readEvaluationsPiece(pieces[2 * i + 1], i, packedForms) }));
    const study = pieces[2 * runIds.length];
    const significance = pieces[2 * runIds.length + 1];
    const { runIds: _ids, ...rest } = meta;
    const notebook = validateNotebook(AUTOSAVE_SOURCE, { ...rest, runs, ...(study !== undefined ? { study } : {}), ...(significance !== undefined ? { significance } : {}) });
    // What was just read is what storage holds: remember it so the first write after restore is small.
    this.written.set('meta', [notebook.title, notebook.cells, notebook.data, notebook.model, notebook.figures, notebook.runs.map((r) => r.id).join('\n')]);
    if (notebook.study) this.written.set('study', notebook.study);
    if (notebook.significance) this.written.set('significance', notebook.significance);
    notebook.runs.forEach((run, i) => {
      this.written.set(`run:${run.id}`, run);
      this.written.set(`evals:${run.id}`, run.evaluations);
      // the packed forms just read are those of the validated results (same values, same order)
      run.evaluations.forEach((e, j) => {
        const transfer = packedForms.get(`${i}.${j}`);
        if (transfer) rememberPackedPerQuery(e.result, transfer);
      });
    });
    return notebook;
  }
}

/** A run's evaluations as the `evals:<id>` piece holds them: those with per-query data packed. */
type StoredEvaluationEntry = Evaluation | { packed: EvaluationMessage };

async function evaluationsPiece(evaluations: readonly Evaluation[]): Promise<StoredEvaluationEntry[]> {
  const out: StoredEvaluationEntry[] = [];
  for (const e of evaluations) {
    let perQuery: PerQueryTransfer | null = null;
    try {
      perQuery = await packedPerQuery(e.result);
    } catch (err) {
      // (per-query data that cannot be packed exactly is stored as it is)
      if (!(err instanceof PackedCellError)) throw err;
    }
    if (!perQuery) {
      out.push(e);
      continue;
    }
    const { per_query: _pq, top_retrieved: _top, ...summary } = e.result;
    out.push({ packed: { step: e.step, kind: e.kind, result: summary, perQuery } });
  }
  return out;
}

/**
 * The evaluations of run `i`'s `evals:<id>` piece, unpacked (validated with the notebook afterwards).
 * @param packedForms receives the packed form of evaluation j under `i.j`
 * @throws DataFormatError naming {@link AUTOSAVE_SOURCE} and the packed field that does not fit
 */
function readEvaluationsPiece(piece: unknown, i: number, packedForms: Map<string, PerQueryTransfer>): unknown {
  if (!Array.isArray(piece)) return piece;
  return piece.map((entry: unknown, j) => {
    if (typeof entry !== 'object' || entry === null || !('packed' in entry)) return entry;
    const path = ['runs', i, 'evaluations', j];
    const parsed = EvaluationMessageSchema.safeParse(entry.packed);
    if (!parsed.success) throw zodDataFormatError(AUTOSAVE_SOURCE, parsed.error, [...path, 'packed']);
    try {
      const evaluation = runSteps(evaluationSteps(parsed.data));
      if (parsed.data.perQuery) packedForms.set(`${i}.${j}`, parsed.data.perQuery);
      return evaluation;
    } catch (err) {
      if (err instanceof PackedCellError) throw new DataFormatError(AUTOSAVE_SOURCE, `${fieldPath(path)}.packed.perQuery.cells.${err.field}`, err.message);
      throw err;
    }
  });
}

/** The toolbar's words for the autosave status. */
export function autosaveLabel(a: AutosaveStatus): string {
  switch (a.state) {
    case 'off':
      return 'autosave off';
    case 'on':
      return 'autosave on';
    case 'pending':
      return 'saving…';
    case 'saved':
      return `saved in this browser ${new Date(a.at).toLocaleTimeString()}`;
    case 'failed':
      return a.message;
  }
}

function savedPartChanged(a: AppState, b: AppState): boolean {
  return a.title !== b.title || a.cells !== b.cells || a.data !== b.data || a.model !== b.model || a.runs !== b.runs || a.figures !== b.figures || a.study !== b.study || a.significance !== b.significance;
}

/**
 * Saves the notebook `delayMs` after the last change, and at least every `maxWaitMs` while changes keep
 * coming (a training run updates the store twice a second, which a plain debounce would postpone until
 * the run ends, leaving a reload or a crash nothing recent to resume from). At most one write at a time.
 * @returns a function that stops autosaving
 */
export function startAutosave(autosave: NotebookAutosave, delayMs = 800, maxWaitMs = 5000): () => void {
  let timer: ReturnType<typeof setTimeout> | null = null;
  /** when the oldest change not yet written was made */
  let pendingSince: number | null = null;
  let writing = false;
  let again = false;
  const flush = async () => {
    timer = null;
    if (writing) {
      again = true;
      return;
    }
    pendingSince = null;
    writing = true;
    try {
      await autosave.write(selectNotebook(useAppStore.getState()));
      useAppStore.setState({ autosave: { state: 'saved', at: new Date().toISOString() } });
    } catch (err) {
      useAppStore.setState({ autosave: { state: 'failed', message: `autosave failed: ${err instanceof Error ? `${err.name}: ${err.message}` : String(err)}` } });
    } finally {
      writing = false;
      if (again) {
        again = false;
        schedule();
      }
    }
  };
  const schedule = () => {
    const now = Date.now();
    pendingSince ??= now;
    if (timer) clearTimeout(timer);
    timer = setTimeout(() => void flush(), Math.max(0, Math.min(delayMs, pendingSince + maxWaitMs - now)));
    if (useAppStore.getState().autosave.state !== 'pending') useAppStore.setState({ autosave: { state: 'pending' } });
  };
  const unsubscribe = useAppStore.subscribe((s, prev) => {
    if (savedPartChanged(s, prev)) schedule();
  });
  // The status said "off" until the first change, though saving was on from here (the cause of a
  // toolbar reading "autosave off" on a page that autosaves).
  if (useAppStore.getState().autosave.state === 'off') useAppStore.setState({ autosave: { state: 'on' } });
  return () => {
    unsubscribe();
    if (timer) clearTimeout(timer);
    useAppStore.setState({ autosave: { state: 'off' } });
  };
}
