import { useMemo } from 'react';
import { useShallow } from 'zustand/react/shallow';
import { hasPlottedPoints, LOSS_PANELS, lossFigure, lossPanelFigure, type LossRunInput } from '../../core/figures/lossFigure';
import { runColor } from '../../core/figures/palette';
import { useAppStore } from '../store/store';
import { discriminatorClasses, selectVisibleRuns } from '../store/selectors';
import { setFigureSettings } from '../actions/figures';
import { figureToPng, figureToSvg, PlotlyFigure } from './PlotlyFigure';
import { ExportBar } from './ExportBar';
import { figureFileName } from '../../core/figures/fileName';

/**
 * Loss curves of the visible runs, overlaid: raw values faint, EMA-smoothed on top. Shown as six small
 * Plotly figures (each redraw is a short main-thread task while runs train); exported as the combined
 * six-panel figure.
 */
export function LossCurves() {
  const runs = useAppStore(useShallow(selectVisibleRuns));
  const allRuns = useAppStore((s) => s.runs);
  const smoothing = useAppStore((s) => s.figures.smoothing);
  const training = useAppStore((s) => s.runs.some((r) => r.status === 'running' || r.status === 'queued'));
  const inputs: LossRunInput[] = useMemo(
    () => runs.filter((r) => r.logs.length > 0).map((r) => ({ id: r.id, name: r.name, color: runColor(allRuns.indexOf(r)), logs: r.logs, discriminatorClasses: discriminatorClasses(r) })),
    [runs, allRuns],
  );
  // All six panels exist from the start (empty until the first step): creating a Plotly plot costs far
  // more than updating one, and it should not happen while runs train. Until there is data they are
  // hidden behind an empty-state message (empty Plotly panels draw dummy 0–1 axes that look like data).
  const panels = useMemo(
    () => LOSS_PANELS.map((p) => {
      const figure = lossPanelFigure(inputs, p.key, { smoothing });
      return { key: p.key, title: p.title, figure, empty: !hasPlottedPoints(figure) };
    }),
    [inputs, smoothing],
  );
  const combined = () => lossFigure(inputs, { smoothing });
  return (
    <figure className="figure" data-testid="loss-curves">
      <div className="form-row">
        <label>
          smoothing (EMA){' '}
          <input type="range" min={0} max={0.99} step={0.01} value={smoothing} aria-label="smoothing" onChange={(e) => setFigureSettings({ smoothing: Number(e.target.value) })} />{' '}
          {smoothing.toFixed(2)}
        </label>
        <span className="legend">
          {inputs.map((r) => (
            <span key={r.id} className="legend-item"><span className="swatch" style={{ background: r.color }} /> {r.name}</span>
          ))}
          <span className="legend-item muted">faint: raw · solid: smoothed · dashed: chance 1/K</span>
        </span>
      </div>
      {inputs.length === 0 && (
        <p className="empty-figure" data-testid="loss-empty">No loss curves yet: they appear with the first training step of a visible run.</p>
      )}
      <div className={`small-multiples${inputs.length === 0 ? ' awaiting-data' : ''}`} data-testid="loss-plot" aria-hidden={inputs.length === 0 || undefined}>
        {panels.map((p) => (
          <div key={p.key} className={`loss-panel${p.empty ? ' empty' : ''}`}>
            <PlotlyFigure data={p.figure.data} layout={p.figure.layout} minIntervalMs={training ? 3000 : 200} staticPlot={training} testId={`loss-panel-${p.key}`} />
            {p.empty && <p className="empty-panel" data-testid={`loss-panel-${p.key}-empty`}>{p.title}: no visible run logs this yet</p>}
          </div>
        ))}
      </div>
      {inputs.length > 0 && <ExportBar baseName={figureFileName(['loss curves', ...inputs.map((r) => r.name)])} svg={() => figureToSvg(combined())} png={(scale) => figureToPng(combined(), scale)} testId="loss-export" />}
    </figure>
  );
}
