import { useEffect, useMemo, useRef } from 'react';
import type { Evaluation, RunRecord } from '../../core/experiment/notebook';
import type { AppState } from '../store/store';
import { cellTestLine, differenceHeatmapSpec, drilldownRows, mapHeatmapSpec, perLanguageTable, resultsTable, type ComparisonLike } from '../../core/figures/resultFigures';
import { figureFileName } from '../../core/figures/fileName';
import { evaluationNote } from '../../core/train/sampledEvaluation';
import { useAppStore } from '../store/store';
import { comparisonKey, latestEvaluation, resultRows, sameResultRows, selectBaselineRun, selectHeatmapRun, selectVisibleRuns } from '../store/selectors';
import { inspectCell, loadDrilldownTexts, setFigureSettings } from '../actions/figures';
import type { Lang } from '../../core/data/languages';
import { requestComparison } from '../actions/compare';
import { HeatmapFigure } from '../components/HeatmapFigure';
import { TableView } from '../components/TableView';
import { useNextFreeFrame } from '../components/useThrottled';
import { ColorRangeControl } from '../components/ColorRangeControl';
import { DATASET_LABELS } from './DataCell';
import { runningTestsLine, settingPValues, testsSource } from './settingPValues';
import { COMPARISON_SETTINGS } from '../../core/metrics/compareRetrieval';

/** Queries listed per drill-down (the worst first). */
const DRILLDOWN_ROWS = 25;

function Drilldown({ run, evalA, baseline, evalB, comparison, level }: { run: RunName; evalA: Evaluation; baseline: RunName | null; evalB: Evaluation | null; comparison: ComparisonLike | null; level: number }) {
  const cell = useAppStore((s) => s.inspectedCell);
  const rows = useMemo(() => {
    if (!cell) return null;
    try {
      return { ok: drilldownRows(evalA.result, evalB?.result ?? null, cell.row, cell.col) } as const;
    } catch (err) {
      return { error: err instanceof Error ? err.message : String(err) } as const;
    }
  }, [cell, evalA, evalB]);
  const shown = useMemo(() => (rows?.ok ? rows.ok.slice(0, DRILLDOWN_ROWS) : []), [rows]);
  // the listed queries depend on the baseline too (they are sorted by the AP difference)
  const textsKey = cell ? `${run.id}@${evalA.step}~${baseline?.id ?? ''}@${evalB?.step ?? ''}:${cell.row}->${cell.col}` : null;
  const texts = useAppStore((s) => (textsKey && s.drilldownTexts?.key === textsKey ? s.drilldownTexts : null));
  useEffect(() => {
    if (!cell || !textsKey || shown.length === 0) return;
    void loadDrilldownTexts(
      textsKey,
      evalA.result.dataset,
      cell.col as Lang,
      shown.map((r) => r.queryId),
      shown.map((r) => r.retrievedA),
    );
  }, [textsKey, shown, cell, evalA]);
  if (!cell || !rows) return <p className="hint">Click a heatmap cell to list its queries sorted by AP difference.</p>;
  const text = (queryId: string) => (texts?.state === 'done' ? texts.rows[queryId] : undefined);
  return (
    <div className="drilldown" data-testid="drilldown">
      <h3>
        {cell.row} → {cell.col}: queries of {run.name}
        {baseline ? ` vs ${baseline.name}` : ''}, largest loss first
        <button type="button" onClick={() => inspectCell(null)} aria-label="close drill-down">
          ×
        </button>
      </h3>
      {baseline && (
        <p className="hint" data-testid="drilldown-test">
          {comparison ? (cellTestLine(comparison, cell.row, cell.col, level) ?? 'this cell was not tested') : 'p-values appear once the paired tests of the two full evaluations are done.'}
        </p>
      )}
      {'error' in rows ? (
        <p className="error">{rows.error}</p>
      ) : (
        <div className="results-scroll">
          <table className="results">
            <thead>
              <tr>
                <th>query</th>
                <th>AP</th>
                {evalB && <th>AP baseline</th>}
                {evalB && <th>Δ AP</th>}
                <th>gold rank</th>
                {evalB && <th>gold rank baseline</th>}
                <th>gold sentence ({cell.col})</th>
                <th>ranked first by {run.name}</th>
              </tr>
            </thead>
            <tbody>
              {shown.map((r) => (
                <tr key={r.queryId} data-testid="drilldown-row">
                  <td>
                    <code>{r.queryId}</code>
                    {text(r.queryId) && <div className="sentence">{text(r.queryId)!.question}</div>}
                  </td>
                  <td className="num">{r.apA.toFixed(3)}</td>
                  {evalB && <td className="num">{r.apB?.toFixed(3) ?? '–'}</td>}
                  {evalB && (
                    <td className="num">
                      {r.diff >= 0 ? '+' : ''}
                      {r.diff.toFixed(3)}
                    </td>
                  )}
                  <td className="num">{r.rankA}</td>
                  {evalB && <td className="num">{r.rankB ?? '–'}</td>}
                  <td className="sentence" data-testid="drilldown-gold">
                    {text(r.queryId)?.gold?.text ?? ''}
                  </td>
                  <td className="sentence" data-testid="drilldown-retrieved">
                    {r.retrievedA === null ? <span className="muted">not recorded by this evaluation</span> : (text(r.queryId)?.retrieved?.text ?? '')}
                    {r.rankA === 1 && <span className="muted"> (the gold)</span>}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      {texts?.state === 'failed' && <p className="error">sentences: {texts.message}</p>}
    </div>
  );
}

/** What the Results cell shows of a run: not the record, which a flush of step logs replaces. */
type RunName = Pick<RunRecord, 'id' | 'name'>;

/**
 * A store selection that keeps the previous value while `same` finds the new one equal, so a flush of
 * step logs (a new run record, the same evaluations) re-renders nothing here (issue 20, item 9).
 */
function useAppStoreStable<T>(select: (s: AppState) => T, same: (a: T, b: T) => boolean): T {
  const kept = useRef<{ value: T } | null>(null);
  return useAppStore((s) => {
    const value = select(s);
    if (kept.current && (kept.current.value === value || same(kept.current.value, value))) return kept.current.value;
    kept.current = { value };
    return value;
  });
}

const sameName = (a: RunName | null, b: RunName | null) => a === b || (!!a && !!b && a.id === b.id && a.name === b.name);
const sameNames = (a: readonly RunName[], b: readonly RunName[]) => a.length === b.length && a.every((x, i) => sameName(x, b[i]!));
const nameOf = (r: RunRecord | null): RunName | null => (r ? { id: r.id, name: r.name } : null);

/**
 * Results: the mAP heatmap, the difference heatmap with significance, tables and the drill-down. Its
 * figures are memos of the evaluations they show and the runs' names, never of the run records: those
 * are replaced on every flush of step logs (twice a second while training).
 */
export function ResultsCell() {
  const figures = useAppStore((s) => s.figures);
  const run = useAppStoreStable((s) => nameOf(selectHeatmapRun(s)), sameName);
  const baseline = useAppStoreStable((s) => nameOf(selectBaselineRun(s, selectHeatmapRun(s))), sameName);
  // evaluations keep their objects while a run's logs grow
  const evalA = useAppStore((s) => {
    const r = selectHeatmapRun(s);
    return r ? latestEvaluation(r) : null;
  });
  const evalB = useAppStore((s) => {
    const r = selectBaselineRun(s, selectHeatmapRun(s));
    return r ? latestEvaluation(r) : null;
  });
  const evaluated = useAppStoreStable((s) => s.runs.filter((r) => r.evaluations.length).map((r) => ({ id: r.id, name: r.name })), sameNames);
  const runName = run?.name ?? null;
  const baselineName = baseline?.name ?? null;
  const key = run && evalA && baseline && evalB ? comparisonKey(run, evalA, baseline, evalB) : null;
  const comparison = useAppStore((s) => (key ? s.comparisons[key] : undefined));

  useEffect(() => {
    if (key && evalA?.kind === 'full' && evalB?.kind === 'full') requestComparison(key, evalA, evalB);
  }, [key, evalA, evalB]);

  const mapSpec = useMemo(
    () =>
      runName !== null && evalA
        ? mapHeatmapSpec(evalA.result, { title: `${runName} — ${DATASET_LABELS[evalA.result.dataset]} mAP`, showMeans: figures.showMeans, showValues: figures.showValues, idPrefix: 'map', note: evaluationNote(evalA), colorRange: figures.colorRange })
        : null,
    [runName, evalA, figures.showMeans, figures.showValues, figures.colorRange],
  );
  // The difference map's data arrives a frame after the mAP heatmap's ({@link useNextFreeFrame}): an
  // evaluation that changes both (a run's last, which also ends the run and redraws its figures) made one
  // long layout (issue 20, item 9). Only the data waits, with its labels; a changed setting shows at once.
  // The tests' status line goes with it, so a line that says the tests are done comes with their marks.
  const shownDiff = useNextFreeFrame(useMemo(() => ({ runName, evalA, baselineName, evalB, comparison }), [runName, evalA, baselineName, evalB, comparison]));
  const shownComparison = shownDiff.comparison;
  const cmp = shownComparison?.state === 'done' ? shownComparison.comparison : null;
  const diff = useMemo(() => {
    const { runName: a, evalA: ea, baselineName: b, evalB: eb } = shownDiff;
    if (a === null || !ea || b === null || !eb) return null;
    try {
      return {
        error: null,
        spec: differenceHeatmapSpec(ea.result, eb.result, cmp, {
          title: `${a} − ${b}`,
          showMeans: figures.showMeans,
          showValues: figures.showValues,
          level: figures.significanceLevel,
          idPrefix: 'diff',
          colorRange: figures.colorRange,
        }),
      };
    } catch (err) {
      return { spec: null, error: err instanceof Error ? err.message : String(err) };
    }
  }, [shownDiff, cmp, figures.showMeans, figures.showValues, figures.significanceLevel, figures.colorRange]);
  const named = useAppStoreStable((s) => resultRows(selectVisibleRuns(s)), sameResultRows);
  const table = useMemo(() => resultsTable(named, 'Mean mAP (macro over cells), R@1 / R@10 and rank distance per run'), [named]);
  const langTable = useMemo(() => perLanguageTable(named, 'Multilingual mAP and rank distance per query language (multilingual pool; rank distance: lower = less language bias)'), [named]);
  // file names say what the table or figure shows: the runs and the evaluation dataset
  const dataset = evalA?.result.dataset ?? named[0]?.result.dataset ?? null;
  const runNames = named.map((r) => r.name);
  // When the first evaluation arrives the whole cell appears: its heatmap, drill-down and tables mounted,
  // styled and laid out in one task made one of the page's long tasks while runs trained (issue 20, item 9).
  // The drill-down and the tables come a frame after the heatmap.
  const belowShown = useNextFreeFrame(evaluated.length > 0);

  return (
    <section className="cell" aria-labelledby="results-title" data-testid="results-cell">
      <h2 id="results-title">Results</h2>
      {evaluated.length === 0 ? (
        <p className="hint">No evaluation yet: runs evaluate a sample of queries during training and all of them at checkpoints and at the end.</p>
      ) : (
        <>
          <div className="form-row">
            <RunSelect caption="run" label="heatmap run" runs={evaluated} value={run?.id} onChange={(id) => setFigureSettings({ heatmapRunId: id })} />
            <RunSelect caption="against" label="baseline run" runs={evaluated.filter((r) => r.id !== run?.id)} value={baseline?.id} onChange={(id) => setFigureSettings({ baselineRunId: id })} />
            <label>
              <input type="checkbox" checked={figures.showMeans} onChange={(e) => setFigureSettings({ showMeans: e.target.checked })} /> row/column means
            </label>
            <label>
              <input type="checkbox" checked={figures.showValues} onChange={(e) => setFigureSettings({ showValues: e.target.checked })} /> values
            </label>
            <ColorRangeControl />
          </div>
          <div className="figure-grid">
            {mapSpec && run && <HeatmapFigure spec={mapSpec} baseName={figureFileName([run.name, dataset, 'map heatmap'])} testId="map-heatmap" onCell={(row, col) => inspectCell({ row, col })} />}
            {diff?.spec && run && baseline && (
              <div>
                <HeatmapFigure spec={diff.spec} baseName={figureFileName([run.name, 'minus', baseline.name, dataset, 'delta map heatmap'])} testId="diff-heatmap" onCell={(row, col) => inspectCell({ row, col })} />
                <p className="hint" data-testid="significance-status">
                  {shownDiff.evalA?.kind !== 'full' || shownDiff.evalB?.kind !== 'full'
                    ? 'Significance marks appear once both runs have a full evaluation.'
                    : shownComparison?.state === 'running'
                      ? runningTestsLine(shownComparison, COMPARISON_SETTINGS.permutations)
                      : shownComparison?.state === 'failed'
                        ? `Significance: ${shownComparison.message}`
                        : shownComparison?.state === 'done'
                          ? `outlined cells = significant after Holm correction (α = ${figures.significanceLevel}); setting p-values: ${settingPValues(shownComparison.comparison)}${testsSource(shownComparison)}`
                          : ''}
                </p>
              </div>
            )}
            {diff?.error && <p className="error">{diff.error}</p>}
          </div>
          {belowShown && run && evalA && <Drilldown run={run} evalA={evalA} baseline={baseline} evalB={evalB} comparison={comparison?.state === 'done' ? comparison.comparison : null} level={figures.significanceLevel} />}
          {belowShown && (
            <>
              <h3>Summary per run</h3>
              <TableView spec={table} baseName={figureFileName([dataset, 'summary', ...runNames])} testId="results-table" />
              <h3>Multilingual mAP and rank distance per query language</h3>
              <TableView spec={langTable} baseName={figureFileName([dataset, 'per language multi map rank distance', ...runNames])} testId="rank-distance-table" />
            </>
          )}
        </>
      )}
    </section>
  );
}

/** A labelled run picker over evaluated runs (by id; the empty value picks none). */
function RunSelect({ caption, label, runs, value, onChange }: { caption: string; label: string; runs: readonly { id: string; name: string }[]; value: string | undefined; onChange: (id: string | null) => void }) {
  return (
    <label>
      {caption}{' '}
      <select aria-label={label} value={value ?? ''} onChange={(e) => onChange(e.target.value || null)}>
        {runs.map((r) => (
          <option key={r.id} value={r.id}>
            {r.name}
          </option>
        ))}
      </select>
    </label>
  );
}
