import { useEffect, useMemo, useState } from 'react';
import { comparisonMismatch, type StudyArm, type StudyDirection } from '../../core/experiment/studyResults';
import { differenceHeatmapSpec, mapHeatmapSpec } from '../../core/figures/resultFigures';
import { studyRankDistanceTable, studySeedLevelTable, studySequentialTable, studySummaryTable, studyWithoutOwnTable } from '../../core/figures/studyTables';
import { requestStudyComparison, studyComparisonKey } from '../actions/studyCompare';
import { HeatmapFigure } from '../components/HeatmapFigure';
import { ExportBar } from '../components/ExportBar';
import { SvgFigure } from '../components/SvgFigure';
import { svgToPng } from '../export/svgToPng';
import { seedBandSvg } from '../../core/figures/seedBandSvg';
import { studyGradientRatioTable, studyProbeTable } from '../../core/figures/studyBias';
import { Markdown } from '../components/Markdown';
import { ColorRangeControl } from '../components/ColorRangeControl';
import { TableView } from '../components/TableView';
import { slug } from '../export/download';
import { useAppStore } from '../store/store';
import { runningTestsLine, settingPValues, testsSource } from './settingPValues';
import { COMPARISON_SETTINGS } from '../../core/metrics/compareRetrieval';

/**
 * A difference heatmap of two arms' seed means. Its marks come from the tests `xlir study build` stored, shown at
 * once; "recompute" reruns them in the stats worker from the stored per-query APs and says whether they agree
 * (a recomputation saved in the notebook is shown again after a reload). Without stored tests they are
 * computed on first view, with progress.
 */
/** Both arms' seed results when they ran the same seeds (in the same order), for each cell's spread of the per-seed difference. */
function pairedSeeds(a: StudyArm, b: StudyArm): { seeds?: { a: StudyArm['seeds'][number]['result'][]; b: StudyArm['seeds'][number]['result'][] } } {
  const same = a.seeds.length === b.seeds.length && a.seeds.every((s, i) => s.seed === b.seeds[i]!.seed);
  return same ? { seeds: { a: a.seeds.map((s) => s.result), b: b.seeds.map((s) => s.result) } } : {};
}

/** Each arm over training: the mean over its seeds inside the range of the seeds (as in REPORT.md's figure). */
function OverTraining({ direction }: { direction: StudyDirection }) {
  const svg = useMemo(
    () => (direction.curves ? seedBandSvg(direction.curves, { title: `${direction.label}: over training, mean and range over seeds`, armOrder: direction.arms.map((a) => a.arm), idPrefix: `${direction.id}-band` }) : null),
    [direction],
  );
  if (!svg) return null;
  return (
    <figure className="figure">
      <SvgFigure svg={svg} testId="study-over-training" />
      <ExportBar baseName={`${direction.id}-over-training`} svg={() => svg} png={(scale) => svgToPng(svg, scale)} testId="study-over-training-export" />
    </figure>
  );
}

function Difference({ direction, a, b }: { direction: StudyDirection; a: StudyArm; b: StudyArm }) {
  const figures = useAppStore((s) => s.figures);
  const key = studyComparisonKey(direction.id, a.arm, b.arm);
  const computed = useAppStore((s) => s.comparisons[key]);
  const stored = direction.tests?.find((t) => t.a === a.arm && t.b === b.arm) ?? null;
  useEffect(() => {
    // with stored tests, only a recomputation saved in the notebook is shown at once; without, compute them
    requestStudyComparison(direction.id, a, b, { cacheOnly: Boolean(stored) });
  }, [stored, direction.id, a, b]);
  const shown = stored?.comparison ?? (computed?.state === 'done' ? computed.comparison : null);
  const spec = useMemo(() => {
    try {
      return differenceHeatmapSpec(a.mean, b.mean, shown, {
        title: `${a.label} − ${b.label} (seed means)`,
        showMeans: figures.showMeans,
        showValues: figures.showValues,
        level: figures.significanceLevel,
        idPrefix: `diff-${slug(a.arm)}-${slug(b.arm)}`,
        colorRange: figures.colorRange,
        ...pairedSeeds(a, b),
      });
    } catch (err) {
      return err instanceof Error ? err.message : String(err);
    }
  }, [a, b, shown, figures.showMeans, figures.showValues, figures.significanceLevel, figures.colorRange]);
  if (typeof spec === 'string') return <p className="error">{spec}</p>;
  const testId = `study-diff-${slug(a.arm)}-minus-${slug(b.arm)}`;
  const mismatch = stored && computed?.state === 'done' ? comparisonMismatch(stored.comparison, computed.comparison) : null;
  return (
    <div>
      <HeatmapFigure spec={spec} baseName={`${direction.id}-${slug(a.arm)}-minus-${slug(b.arm)}`} testId={testId} />
      <p className="hint" data-testid={`${testId}-significance`}>
        {shown
          ? `outlined cells = significant after Holm correction (α = ${figures.significanceLevel}); paired randomization of the seed-mean APs, per query in a cell and per question (with its translations) in a setting (${shown.permutations.toLocaleString('en')} permutations${stored ? `, seed ${stored.seed}, computed by xlir study build` : ''}). Setting p-values: ${settingPValues(shown)}`
          : computed?.state === 'failed'
            ? `Significance: ${computed.message}`
            : runningTestsLine(computed?.state === 'running' ? computed : {}, COMPARISON_SETTINGS.permutations)}
      </p>
      {stored && (
        <p className="hint" data-testid={`${testId}-recompute-status`} data-state={computed?.state === 'done' ? (mismatch ? 'differs' : 'agrees') : (computed?.state ?? 'idle')}>
          {!computed ? (
            <button type="button" data-testid={`${testId}-recompute`} onClick={() => requestStudyComparison(direction.id, a, b)} title="rerun the tests in this browser from the stored per-query APs (several seconds)">
              Recompute the tests here
            </button>
          ) : computed.state === 'running' ? (
            runningTestsLine(computed, COMPARISON_SETTINGS.permutations, 'Recomputing')
          ) : computed.state === 'failed' ? (
            `Recomputing failed: ${computed.message}`
          ) : mismatch ? (
            `Recomputed here${testsSource(computed)}: ${settingPValues(computed.comparison)}; differs from the stored tests at ${mismatch}.`
          ) : (
            `Recomputed here${testsSource(computed)}: every cell's difference, interval and p-value equals the stored tests.`
          )}
        </p>
      )}
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
  // the study's further statistics, as REPORT.md prints them (seed-level and sequential tests as xlir study build stored them)
  const extra = useMemo(() => {
    if (!direction) return null;
    const withoutOwn = studyWithoutOwnTable(direction, `${direction.label}: multilingual without the query-language answer, mean ± sd over seeds`);
    return {
      withoutOwn: withoutOwn.rows.some((r) => r.others !== null) ? withoutOwn : null,
      sequential: studySequentialTable(direction),
      seedLevel: studySeedLevelTable(direction),
      probe: studyProbeTable(direction),
      ratio: studyGradientRatioTable(direction),
      // the arm the tests set against every other (the report's Hybrid α=0.5), named in the headings
      tested: direction.arms.find((a) => a.arm === (direction.seedLevel?.[0] ?? direction.sequential?.[0])?.a)?.label ?? null,
    };
  }, [direction]);
  const heatmaps = useMemo(
    () =>
      direction?.arms.map((arm) => ({
        arm,
        spec: mapHeatmapSpec(arm.mean, {
          title: `${arm.label} — mean of ${arm.seeds.length} seeds`,
          showMeans: figures.showMeans,
          showValues: figures.showValues,
          idPrefix: `map-${slug(arm.arm)}`,
          note: `tuned: ${arm.setting}`,
          colorRange: figures.colorRange,
          seeds: arm.seeds.map((s) => s.result),
        }),
      })) ?? [],
    [direction, figures.showMeans, figures.showValues, figures.colorRange],
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
            {study.directions.map((d) => (
              <option key={d.id} value={d.id}>
                {d.label}
              </option>
            ))}
          </select>
        </label>
        <ColorRangeControl />
      </div>
      <h3>Summary over seeds (Table 1 style)</h3>
      <TableView spec={table1} baseName={`${direction.id}-summary`} testId="study-summary-table" />
      <h3>Rank distance (Table 2 style)</h3>
      <TableView spec={table2} baseName={`${direction.id}-rank-distance`} testId="study-rank-distance-table" />
      {extra?.withoutOwn && (
        <>
          <h3>Multilingual without the easy answer</h3>
          <TableView spec={extra.withoutOwn} baseName={`${direction.id}-without-own`} testId="study-without-own-table" />
        </>
      )}
      <h3>Differences with significance</h3>
      <div className="figure-grid">
        {direction.differences.map(([x, y]) => {
          const a = armOf(x);
          const b = armOf(y);
          return a && b ? (
            <Difference key={`${x}|${y}`} direction={direction} a={a} b={b} />
          ) : (
            <p key={`${x}|${y}`} className="error">
              the study has no arm "{a ? y : x}"
            </p>
          );
        })}
      </div>
      {extra?.sequential && (
        <>
          <h3>Significant cells, stable under another seed{extra.tested ? `: ${extra.tested} against each arm` : ''}</h3>
          <TableView spec={extra.sequential} baseName={`${direction.id}-stable-cells`} testId="study-sequential-table" />
        </>
      )}
      {extra?.seedLevel && (
        <>
          <h3>Seed-level inference{extra.tested ? `: ${extra.tested} against each arm` : ''}</h3>
          <TableView spec={extra.seedLevel} baseName={`${direction.id}-seed-level`} testId="study-seed-level-table" />
        </>
      )}
      {(extra?.probe || extra?.ratio || direction.curves) && <h3>Does the adversary act? Bias over training</h3>}
      {extra?.probe && <TableView spec={extra.probe} baseName={`${direction.id}-probe`} testId="study-probe-table" />}
      {extra?.ratio && <TableView spec={extra.ratio} baseName={`${direction.id}-gradient-ratio`} testId="study-gradient-ratio-table" />}
      <OverTraining direction={direction} />
      <h3>mAP per language pair, mean over seeds</h3>
      <div className="figure-grid" data-testid="study-heatmaps">
        {heatmaps.map(({ arm, spec }) => (
          <HeatmapFigure key={arm.arm} spec={spec} baseName={`${direction.id}-${slug(arm.arm)}-map`} testId={`study-map-${slug(arm.arm)}`} />
        ))}
      </div>
    </section>
  );
}
