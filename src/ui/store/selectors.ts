/**
 * Derived values of the store. They are computed here (or by core functions called from here), never
 * stored, so they cannot go stale.
 */
import { NOTEBOOK_SCHEMA_VERSION, type Evaluation, type Notebook, type RunRecord } from '../../core/experiment/notebook';
import type { AppState } from './store';
import type { NamedResult } from '../../core/figures/resultFigures';
import { runLabels } from '../../core/figures/runLabels';

/** The saved part of the state, as the `.xlir.json` notebook. */
export function selectNotebook(s: Pick<AppState, 'title' | 'cells' | 'data' | 'model' | 'runs' | 'figures' | 'study' | 'significance'>): Notebook {
  return {
    schemaVersion: NOTEBOOK_SCHEMA_VERSION,
    title: s.title,
    cells: s.cells,
    data: s.data,
    model: s.model,
    runs: s.runs,
    figures: s.figures,
    ...(s.study ? { study: s.study } : {}),
    ...(Object.keys(s.significance).length ? { significance: s.significance } : {}),
  };
}

/** The runs shown in overlays (not hidden), in creation order. */
export function selectVisibleRuns(s: Pick<AppState, 'runs' | 'figures'>): RunRecord[] {
  const hidden = new Set(s.figures.hiddenRunIds);
  return s.runs.filter((r) => !hidden.has(r.id));
}

/** The run whose heatmap is shown: the chosen one, else the newest run with an evaluation. */
export function selectHeatmapRun(s: Pick<AppState, 'runs' | 'figures'>): RunRecord | null {
  const chosen = s.runs.find((r) => r.id === s.figures.heatmapRunId);
  if (chosen) return chosen;
  for (let i = s.runs.length - 1; i >= 0; i--) if (s.runs[i]!.evaluations.length) return s.runs[i]!;
  return null;
}

/** The baseline of the difference heatmap: the chosen one, else the first adversarial run, else the first other run. */
export function selectBaselineRun(s: Pick<AppState, 'runs' | 'figures'>, against: RunRecord | null): RunRecord | null {
  const others = s.runs.filter((r) => r.id !== against?.id && r.evaluations.length);
  return others.find((r) => r.id === s.figures.baselineRunId) ?? others.find((r) => r.config.strategy.kind === 'adversarial') ?? others[0] ?? null;
}

/** The evaluation a run's figures show: its latest full evaluation, else its latest sampled one. */
export function latestEvaluation(run: RunRecord): Evaluation | null {
  let full: Evaluation | null = null;
  let any: Evaluation | null = null;
  for (const e of run.evaluations) {
    if (!any || e.step >= any.step) any = e;
    if (e.kind === 'full' && (!full || e.step >= full.step)) full = e;
  }
  return full ?? any;
}

/**
 * The results tables' rows: each visible run with an evaluation, its labels and the evaluation its
 * figures show. Compare with {@link sameResultRows}: the rows are rebuilt on every store update, but
 * equal while only the runs' logs grow.
 */
export function resultRows(runs: readonly RunRecord[]): NamedResult[] {
  return runs.flatMap((r) => {
    const e = latestEvaluation(r);
    return e ? [{ name: r.name, ...runLabels(r, e.step), result: e.result }] : [];
  });
}

/** Whether two {@link resultRows} show the same: same labels, and the very same result objects. */
export function sameResultRows(a: readonly NamedResult[], b: readonly NamedResult[]): boolean {
  return (
    a.length === b.length &&
    a.every((x, i) => {
      const y = b[i]!;
      return x.name === y.name && x.model === y.model && x.strategy === y.strategy && x.step === y.step && x.result === y.result;
    })
  );
}

/** Identifies a comparison of two runs' evaluations (which evaluation: its step and kind). */
export function comparisonKey(a: Pick<RunRecord, 'id'>, ea: Evaluation, b: Pick<RunRecord, 'id'>, eb: Evaluation): string {
  return `${a.id}@${ea.kind}${ea.step}|${b.id}@${eb.kind}${eb.step}`;
}

/** Classes of an adversarial run's language discriminator (its training languages), else null: chance accuracy is 1/K. */
export function discriminatorClasses(run: RunRecord): number | null {
  const chance = run.logs.find((l) => l.disc_chance !== null)?.disc_chance;
  if (chance) return Math.round(1 / chance);
  return run.config.strategy.kind === 'adversarial' ? run.config.data.train.languages.length : null;
}
