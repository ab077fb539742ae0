import { PanelFrame } from './PanelFrame';
import { memo, useMemo, useState } from 'react';
import { useShallow } from 'zustand/react/shallow';
import { hasPlottedPoints, LOSS_PANELS, lossFigure, lossPanelFigure, type LossRunInput } from '../../core/figures/lossFigure';
import { runColor } from '../../core/figures/palette';
import { useAppStore } from '../store/store';
import { discriminatorClasses, selectVisibleRuns } from '../store/selectors';
import { setFigureSettings } from '../actions/figures';
import { figureToPng, figureToSvg, PlotlyFigure } from './PlotlyFigure';
import { lossPanelModel, type LossPanelModel } from './lossPanelSvg';
import { useNextFreeFrame, useThrottled } from './useThrottled';

/** While runs train, the panels are redrawn at most this often (ms). */
const LIVE_REDRAW_MS = 1500;
import { ExportBar } from './ExportBar';
import { figureFileName } from '../../core/figures/fileName';

/**
 * One panel as SVG elements: React updates the paths' `d` and the tick labels in place when a step
 * arrives, instead of the browser parsing, styling and laying out a new drawing.
 */
const LossPanel = memo(function LossPanel({ model: m }: { model: LossPanelModel }) {
  const { x0, x1, y0, y1 } = m.box;
  return (
    <PanelFrame model={m}>
      <clipPath id={m.clipId}>
        <rect x={x0} y={y1} width={x1 - x0} height={y0 - y1} />
      </clipPath>
      <g clipPath={`url(#${m.clipId})`}>
        {m.traces.map((t, i) => (
          <path key={i} className="trace" data-name={t.name} d={t.d} fill="none" stroke={t.color} strokeWidth={t.width} strokeOpacity={t.opacity} strokeDasharray={t.dashed ? '6 4' : undefined} strokeLinejoin="round" />
        ))}
      </g>
    </PanelFrame>
  );
});

/**
 * A panel redrawn in a frame of its own ({@link useNextFreeFrame}): the six panels' new paths and tick
 * labels laid out in one frame made one long task.
 */
function QueuedLossPanel({ model }: { model: LossPanelModel }) {
  return <LossPanel model={useNextFreeFrame(model)} />;
}

/**
 * Loss curves of the visible runs, overlaid: raw values faint, EMA-smoothed on top. Shown as six small
 * figures drawn as plain SVG ({@link lossPanelModel}): a Plotly redraw of one panel was a 70–160 ms
 * main-thread task, and six of them every few seconds were most of the page's long tasks while runs
 * trained (issue 20, item 9). "interactive" shows the panels in Plotly (hover, zoom) while nothing
 * trains; the export is the combined six-panel Plotly figure.
 */
export function LossCurves() {
  const runs = useAppStore(useShallow(selectVisibleRuns));
  const allRuns = useAppStore((s) => s.runs);
  const smoothing = useAppStore((s) => s.figures.smoothing);
  const training = useAppStore((s) => s.runs.some((r) => r.status === 'running' || r.status === 'queued'));
  const inputs: LossRunInput[] = useMemo(() => runs.filter((r) => r.logs.length > 0).map((r) => ({ id: r.id, name: r.name, color: runColor(allRuns.indexOf(r)), logs: r.logs, discriminatorClasses: discriminatorClasses(r) })), [runs, allRuns]);
  // All six panels exist from the start (empty until the first step), so the page does not jump when the
  // first step arrives; until there is data they are hidden behind an empty-state message (empty panels
  // would show dummy axes that look like data).
  // while runs train the panels are redrawn in a task of their own, every 1.5 s, not in each flush's
  const drawn = useThrottled(inputs, training ? LIVE_REDRAW_MS : 0);
  const panels = useMemo(() => {
    const full = lossFigure(drawn, { smoothing });
    return LOSS_PANELS.map((p) => {
      const figure = lossPanelFigure(drawn, p.key, { smoothing }, full);
      return { key: p.key, title: p.title, figure, empty: !hasPlottedPoints(figure) };
    });
  }, [drawn, smoothing]);
  const [interactive, setInteractive] = useState(false);
  // while runs train the panels stay SVG even when interactive is ticked: that is when Plotly's redraws block the page
  const plotly = interactive && !training;
  const models = useMemo(() => (plotly ? null : panels.map((p) => lossPanelModel(p.figure, p.title, `loss-${p.key}`))), [plotly, panels]);
  const combined = () => lossFigure(inputs, { smoothing });
  return (
    <figure className="figure" data-testid="loss-curves">
      <div className="form-row">
        <label>
          smoothing (EMA) <input type="range" min={0} max={0.99} step={0.01} value={smoothing} aria-label="smoothing" onChange={(e) => setFigureSettings({ smoothing: Number(e.target.value) })} /> {smoothing.toFixed(2)}
        </label>
        <label title="hover values and zoom (Plotly); the panels are plain SVG while runs train">
          <input type="checkbox" checked={interactive} aria-label="interactive loss curves" data-testid="loss-interactive" onChange={(e) => setInteractive(e.target.checked)} /> interactive
        </label>
        <span className="legend">
          {inputs.map((r) => (
            <span key={r.id} className="legend-item">
              <span className="swatch" style={{ background: r.color }} /> {r.name}
            </span>
          ))}
          <span className="legend-item muted">faint: raw · solid: smoothed · dashed: chance 1/K</span>
        </span>
      </div>
      {inputs.length === 0 && (
        <p className="empty-figure" data-testid="loss-empty">
          No loss curves yet: they appear with the first training step of a visible run.
        </p>
      )}
      <div className={`small-multiples${inputs.length === 0 ? ' awaiting-data' : ''}`} data-testid="loss-plot" aria-hidden={inputs.length === 0 || undefined}>
        {panels.map((p, i) => (
          <div key={p.key} className={`loss-panel${p.empty ? ' empty' : ''}`}>
            {models ? (
              <div className="plotly-figure" data-testid={`loss-panel-${p.key}`} data-mode="svg" data-drawn={models[i]!.traces.length || undefined}>
                <QueuedLossPanel model={models[i]!} />
              </div>
            ) : (
              <PlotlyFigure data={p.figure.data} layout={p.figure.layout} minIntervalMs={200} testId={`loss-panel-${p.key}`} />
            )}
            {p.empty && (
              <p className="empty-panel" data-testid={`loss-panel-${p.key}-empty`}>
                {p.title}: no visible run logs this yet
              </p>
            )}
          </div>
        ))}
      </div>
      {inputs.length > 0 && <ExportBar baseName={figureFileName(['loss curves', ...inputs.map((r) => r.name)])} svg={() => figureToSvg(combined())} png={(scale) => figureToPng(combined(), scale)} testId="loss-export" />}
    </figure>
  );
}
