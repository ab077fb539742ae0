import { useMemo, useState } from 'react';
import type { RunRecord } from '../../core/experiment/notebook';
import { batchStripSvg, describePairs } from '../../core/figures/batchStripSvg';
import { cumulativePairCounts } from '../../core/figures/pairMatrix';
import { heatmapSvg } from '../../core/figures/heatmapSvg';
import { domainFor } from '../../core/figures/colorScale';
import { svgToPng } from '../export/svgToPng';
import { slug } from '../export/download';
import { useAppStore } from '../store/store';
import { inspectStep } from '../actions/figures';
import { SvgFigure } from './SvgFigure';
import { ExportBar } from './ExportBar';
import { BatchTexts } from './BatchTexts';
import { useNextFreeFrame, useThrottled } from './useThrottled';

/** While a run trains, its strip and pair matrix are redrawn at most this often (ms). */
const LIVE_REDRAW_MS = 2000;

/** Batch composition of one run: the per-step strip (hover: pair counts; click: texts) and the cumulative pair matrix. */
export function BatchPanel({ run }: { run: RunRecord }) {
  const [hover, setHover] = useState<number | null>(null);
  const inspected = useAppStore((s) => (s.inspectedStep?.runId === run.id ? s.inspectedStep.step : null));
  const live = run.status === 'running' || run.status === 'queued';
  // the strip and the matrix redraw in frames of their own (the throttle queues each: see useThrottled)
  const logs = useThrottled(run.logs, live ? LIVE_REDRAW_MS : 0);
  const matrixLogs = useThrottled(run.logs, live ? LIVE_REDRAW_MS : 0);
  const strip = useMemo(
    () => batchStripSvg({ steps: logs.map((l) => ({ step: l.step, kind: l.batch.kind, pairs: l.batch.pairs })), selectedStep: inspected, stepWidth: Math.max(2, Math.min(24, Math.floor(720 / Math.max(1, run.config.steps)))) }),
    [logs, run.config.steps, inspected],
  );
  const pairs = useMemo(
    () =>
      cumulativePairCounts(
        matrixLogs.map((l) => l.batch),
        run.config.data.train.languages,
      ),
    [matrixLogs, run.config.data.train.languages],
  );
  const matrixSvg = useMemo(
    () =>
      pairs.rows.length
        ? heatmapSvg({
            rows: pairs.rows,
            cols: pairs.cols,
            values: pairs.values,
            colorScale: { name: 'viridis', domain: domainFor('viridis', pairs.values.flat(), [0, Math.max(1, ...pairs.values.flat())]) },
            title: `${run.name}: query→passage pairs seen`,
            rowAxisLabel: 'query language',
            colAxisLabel: 'passage language',
            colorBarLabel: 'pairs',
            valueFormat: { scale: 1, digits: 0 },
            cellSize: 30,
            footnotes: [`${pairs.total.toLocaleString('en')} pairs, ${pairs.total ? ((100 * pairs.cross) / pairs.total).toFixed(1) : '0'}% cross-lingual`],
            idPrefix: `pairs-${run.id}`,
          })
        : null,
    [pairs, run.name, run.id],
  );
  const hovered = hover === null ? null : run.logs.find((l) => l.step === hover);
  // appears in a frame of its own: the runs' first steps come together, with the loss curves' first drawing
  const started = useNextFreeFrame(run.logs.length > 0);
  if (!started || run.logs.length === 0) return null;
  return (
    <div className="batch-panel" data-testid="batch-panel" data-run-id={run.id}>
      <h4>Batch composition — {run.name}</h4>
      <div className="strip-scroll">
        <SvgFigure svg={strip} testId="batch-strip" onStep={(step) => inspectStep(run.id, step)} onHoverStep={setHover} />
      </div>
      <div className="hover-line" aria-live="polite">
        {hovered ? `step ${hovered.step} · ${hovered.batch.kind} · ${describePairs(hovered.batch.pairs)}` : 'hover a step for its language pairs; click it for its texts'}
      </div>
      <ExportBar baseName={`${slug(run.name)}-batch-strip`} svg={() => strip} png={(scale) => svgToPng(strip, scale)} />
      {inspected !== null && <BatchTexts run={run} step={inspected} />}
      {matrixSvg && (
        <figure className="figure">
          <SvgFigure svg={matrixSvg} testId="pair-matrix" />
          <ExportBar baseName={`${slug(run.name)}-pair-matrix`} svg={() => matrixSvg} png={(scale) => svgToPng(matrixSvg, scale)} />
        </figure>
      )}
    </div>
  );
}
