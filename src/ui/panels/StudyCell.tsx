import { useEffect, useMemo, useState } from 'react';
import type { StudyArm, StudyDirection } from '../../core/experiment/studyResults';
import { differenceHeatmapSpec, mapHeatmapSpec } from '../../core/figures/resultFigures';
import { studyRankDistanceTable, studySummaryTable } from '../../core/figures/studyTables';
import { requestStudyComparison, studyComparisonKey } from '../actions/studyCompare';
import { HeatmapFigure } from '../components/HeatmapFigure';
import { Markdown } from '../components/Markdown';
import { TableView } from '../components/TableView';
import { slug } from '../export/download';
import { useAppStore } from '../store/store';

function Difference({ direction, a, b }: { direction: StudyDirection; a: StudyArm; b: StudyArm }) {
  const figures = useAppStore((s) => s.figures);
  const key = studyComparisonKey(direction.id, a.arm, b.arm);
  const comparison = useAppStore((s) => s.comparisons[key]);
  useEffect(() => requestStudyComparison(direction.id, a, b), [direction.id, a, b]);
  const spec = useMemo(() => {
    try {
      const cmp = comparison?.state === 'done' ? comparison.comparison : null;
      return differenceHeatmapSpec(a.mean, b.mean, cmp, { title: `${a.label} − ${b.label} (seed means)`, showMeans: figures.showMeans, showValues: figures.showValues, level: figures.significanceLevel, idPrefix: `diff-${slug(a.arm)}-${slug(b.arm)}` });
    } catch (err) {
      return err instanceof Error ? err.message : String(err);
    }
  }, [a, b, comparison, figures.showMeans, figures.showValues, figures.significanceLevel]);
  if (typeof spec === 'string') return <p className="error">{spec}</p>;
  const testId = `study-diff-${slug(a.arm)}-minus-${slug(b.arm)}`;
  return (
    <div>
      <HeatmapFigure spec={spec} baseName={`${direction.id}-${slug(a.arm)}-minus-${slug(b.arm)}`} testId={testId} />
      <p className="hint" data-testid={`${testId}-significance`}>
        {comparison?.state === 'done'
          ? `● = significant after Holm correction (α = ${figures.significanceLevel}); paired randomization over queries of the seed-mean APs. Setting p-values: mono ${comparison.comparison.mono.p.toFixed(4)}, cross ${comparison.comparison.cross.p.toFixed(4)}, multi ${comparison.comparison.multi.p.toFixed(4)}`
          : comparison?.state === 'failed'
            ? `Significance: ${comparison.message}`
            : 'Running paired randomization tests (10,000 permutations per cell) in the compute worker…'}
      </p>
    </div>
  );
}

/** A multi-seed study (the example study): tables over seeds, seed-mean heatmaps and the difference heatmaps with tests. */
export function StudyCell() {
  const study = useAppStore((s) => s.study);
  const figures = useAppStore((s) => s.figures);
  const [directionId, setDirectionId] = useState<string | null>(null);
  const direction = study?.directions.find((d) => d.id === directionId) ?? study?.directions[0] ?? null;
  const table1 = useMemo(() => (direction ? studySummaryTable(direction, `${direction.label}: mAP × 100, mean ± sd over seeds`) : null), [direction]);
  const table2 = useMemo(() => (direction ? studyRankDistanceTable(direction, `${direction.label}: rank distance (lower = less language bias)`) : null), [direction]);
  const heatmaps = useMemo(
    () =>
      direction?.arms.map((arm) => ({
        arm,
        spec: mapHeatmapSpec(arm.mean, { title: `${arm.label} — mean of ${arm.seeds.length} seeds`, showMeans: figures.showMeans, showValues: figures.showValues, idPrefix: `map-${slug(arm.arm)}`, note: `tuned: ${arm.setting}` }),
      })) ?? [],
    [direction, figures.showMeans, figures.showValues],
  );
  if (!study || !direction || !table1 || !table2) return null;
  const armOf = (id: string) => direction.arms.find((a) => a.arm === id);
  return (
    <section className="cell" aria-labelledby="study-title" data-testid="study-cell">
      <h2 id="study-title">Study</h2>
      <Markdown source={study.summary} />
      <div className="form-row">
        <label>
          direction{' '}
          <select aria-label="study direction" value={direction.id} onChange={(e) => setDirectionId(e.target.value)}>
            {study.directions.map((d) => <option key={d.id} value={d.id}>{d.label}</option>)}
          </select>
        </label>
      </div>
      <h3>Summary over seeds (Table 1 style)</h3>
      <TableView spec={table1} baseName={`${direction.id}-summary`} testId="study-summary-table" />
      <h3>Rank distance (Table 2 style)</h3>
      <TableView spec={table2} baseName={`${direction.id}-rank-distance`} testId="study-rank-distance-table" />
      <h3>Differences with significance</h3>
      <div className="figure-grid">
        {direction.differences.map(([x, y]) => {
          const a = armOf(x);
          const b = armOf(y);
          return a && b ? <Difference key={`${x}|${y}`} direction={direction} a={a} b={b} /> : <p key={`${x}|${y}`} className="error">the study has no arm "{a ? y : x}"</p>;
        })}
      </div>
      <h3>mAP per language pair, mean over seeds</h3>
      <div className="figure-grid" data-testid="study-heatmaps">
        {heatmaps.map(({ arm, spec }) => (
          <HeatmapFigure key={arm.arm} spec={spec} baseName={`${direction.id}-${slug(arm.arm)}-map`} testId={`study-map-${slug(arm.arm)}`} />
        ))}
      </div>
    </section>
  );
}
