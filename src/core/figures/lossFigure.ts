/**
 * The loss-curve figure as plain Plotly data (no Plotly import, so it is pure and testable): six panels
 * — total loss, retrieval loss, adversarial loss, discriminator accuracy (with the 1/K chance line), λ
 * and learning rate — with each run's raw values drawn faint under its EMA-smoothed line ({@link emaSmooth}).
 */
import { emaSmooth } from './ema';

export interface LossRunInput {
  id: string;
  name: string;
  color: string;
  logs: readonly {
    step: number;
    loss: number | null;
    retrieval_loss: number | null;
    adv_loss: number | null;
    disc_acc: number | null;
    lambda: number | null;
    lr: number | null;
  }[];
  /** number of languages the discriminator tells apart (adversarial runs); chance accuracy is 1/K */
  discriminatorClasses?: number | null;
}

export const LOSS_PANELS = [
  { key: 'loss', title: 'total loss', smooth: true },
  { key: 'retrieval_loss', title: 'retrieval loss (InfoNCE)', smooth: true },
  { key: 'adv_loss', title: 'adversarial loss', smooth: true },
  { key: 'disc_acc', title: 'discriminator accuracy', smooth: true },
  { key: 'lambda', title: 'λ (gradient reversal)', smooth: false },
  { key: 'lr', title: 'learning rate', smooth: false },
] as const;
export type LossPanelKey = (typeof LOSS_PANELS)[number]['key'];

/** A Plotly scatter trace, restricted to what this figure uses. */
export interface LossTrace {
  type: 'scatter';
  mode: 'lines';
  name: string;
  x: number[];
  y: (number | null)[];
  xaxis: string;
  yaxis: string;
  line: { color: string; width: number; dash?: 'dash' | 'solid' };
  opacity: number;
  legendgroup: string;
  showlegend: boolean;
  hoverinfo?: 'skip';
  hovertemplate?: string;
  connectgaps: boolean;
}

export interface LossFigure {
  data: LossTrace[];
  layout: Record<string, unknown>;
}

export interface LossFigureOptions {
  /** EMA weight, [0, 1) */
  smoothing: number;
  /** px; default 760 × 620 */
  width?: number;
  height?: number;
}

export interface LossPanelOptions {
  smoothing: number;
  /** px; default 360 × 210 */
  width?: number;
  height?: number;
  /** show the legend (default false; the notebook shows one legend for all panels) */
  legend?: boolean;
}

/**
 * One panel of {@link lossFigure} as its own small figure (the notebook shows the six as small multiples,
 * so each redraw during training is a short task). Same traces and styles as the combined figure.
 * `full`: the combined figure of the same runs and smoothing, when the caller already built it (six panels, one build).
 */
export function lossPanelFigure(runs: readonly LossRunInput[], panel: LossPanelKey, options: LossPanelOptions, full: LossFigure = lossFigure(runs, { smoothing: options.smoothing })): LossFigure {
  const index = LOSS_PANELS.findIndex((p) => p.key === panel);
  const axes = new Set([axisName('x', index)]);
  const data = full.data.filter((t) => axes.has(t.xaxis)).map((t) => ({ ...t, xaxis: 'x', yaxis: 'y', showlegend: Boolean(options.legend) && t.showlegend }));
  const spec = LOSS_PANELS[index]!;
  const layout: Record<string, unknown> = {
    width: options.width ?? 360,
    height: options.height ?? 210,
    font: full.layout.font,
    paper_bgcolor: '#ffffff',
    plot_bgcolor: '#ffffff',
    margin: { l: 52, r: 10, t: 26, b: 34 },
    title: { text: `<b>${spec.title}</b>`, font: { size: 11 }, x: 0.02, xanchor: 'left', y: 0.97 },
    showlegend: Boolean(options.legend),
    hovermode: 'closest',
    xaxis: { ...(full.layout[index === 0 ? 'xaxis' : `xaxis${index + 1}`] as object), title: { text: 'step', standoff: 2 } },
    yaxis: full.layout[index === 0 ? 'yaxis' : `yaxis${index + 1}`],
  };
  return { data, layout };
}

/**
 * Whether a figure draws any data point (issue 20, item 13): an empty panel — no step yet, or no visible
 * run logs that quantity (adversarial loss of a Hybrid run) — gets a message instead of dummy axes.
 * Reference lines (the 1/K chance line) do not count as data.
 */
export function hasPlottedPoints(figure: LossFigure): boolean {
  return figure.data.some((t) => t.legendgroup !== 'chance' && t.y.some((y) => y !== null && Number.isFinite(y)));
}

function axisName(kind: 'x' | 'y', panel: number): string {
  return panel === 0 ? kind : `${kind}${panel + 1}`;
}

/** Builds the figure; runs whose values of a panel are all null leave that panel empty for them. */
export function lossFigure(runs: readonly LossRunInput[], options: LossFigureOptions): LossFigure {
  const data: LossTrace[] = [];
  LOSS_PANELS.forEach((panel, p) => {
    const xaxis = axisName('x', p);
    const yaxis = axisName('y', p);
    for (const run of runs) {
      const x = run.logs.map((l) => l.step);
      const y = run.logs.map((l) => l[panel.key]);
      if (y.every((v) => v === null)) continue;
      const common = { type: 'scatter' as const, mode: 'lines' as const, x, xaxis, yaxis, legendgroup: run.id, connectgaps: false };
      if (panel.smooth && options.smoothing > 0) {
        data.push({ ...common, name: `${run.name} (raw)`, y, line: { color: run.color, width: 1 }, opacity: 0.25, showlegend: false, hoverinfo: 'skip' });
        data.push({
          ...common,
          name: run.name,
          y: emaSmooth(y, options.smoothing),
          line: { color: run.color, width: 2 },
          opacity: 1,
          showlegend: p === 0,
          hovertemplate: `${run.name}<br>step %{x}<br>${panel.title} %{y:.4g} (smoothed)<extra></extra>`,
        });
      } else {
        data.push({
          ...common,
          name: run.name,
          y,
          line: { color: run.color, width: panel.smooth ? 1.5 : 2 },
          opacity: 1,
          showlegend: p === 0,
          hovertemplate: `${run.name}<br>step %{x}<br>${panel.title} %{y:.4g}<extra></extra>`,
        });
      }
    }
  });
  // Chance accuracy of the language discriminator, once per distinct K.
  const ks = [...new Set(runs.map((r) => r.discriminatorClasses).filter((k): k is number => typeof k === 'number' && k > 1))];
  const steps = runs.flatMap((r) => r.logs.map((l) => l.step));
  const x0 = steps.length ? Math.min(...steps) : 0;
  const x1 = steps.length ? Math.max(...steps) : 1;
  const discPanel = LOSS_PANELS.findIndex((p) => p.key === 'disc_acc');
  for (const k of ks) {
    data.push({
      type: 'scatter',
      mode: 'lines',
      name: `chance 1/${k}`,
      x: [x0, x1],
      y: [1 / k, 1 / k],
      xaxis: axisName('x', discPanel),
      yaxis: axisName('y', discPanel),
      line: { color: '#666666', width: 1, dash: 'dash' },
      opacity: 1,
      legendgroup: 'chance',
      showlegend: true,
      hovertemplate: `chance 1/${k} = %{y:.3f}<extra></extra>`,
      connectgaps: true,
    });
  }
  const layout: Record<string, unknown> = {
    width: options.width ?? 760,
    height: options.height ?? 620,
    font: { family: 'Helvetica, Arial, sans-serif', size: 11, color: '#222' },
    paper_bgcolor: '#ffffff',
    plot_bgcolor: '#ffffff',
    margin: { l: 56, r: 16, t: 36, b: 44 },
    grid: { rows: 3, columns: 2, pattern: 'independent', xgap: 0.12, ygap: 0.3 },
    legend: { orientation: 'h', x: 0, y: -0.09, font: { size: 11 } },
    hovermode: 'closest',
    annotations: LOSS_PANELS.map((panel, p) => ({
      text: `<b>${panel.title}</b>`,
      showarrow: false,
      xref: `${axisName('x', p)} domain`,
      yref: `${axisName('y', p)} domain`,
      x: 0,
      y: 1.16,
      xanchor: 'left',
      font: { size: 11 },
    })),
  };
  LOSS_PANELS.forEach((panel, p) => {
    const axisStyle = { showgrid: true, gridcolor: '#eeeeee', zeroline: false, linecolor: '#999', ticks: 'outside', tickcolor: '#999' };
    layout[p === 0 ? 'xaxis' : `xaxis${p + 1}`] = { ...axisStyle, title: p >= 4 ? { text: 'step', standoff: 4 } : undefined };
    layout[p === 0 ? 'yaxis' : `yaxis${p + 1}`] = { ...axisStyle, exponentformat: panel.key === 'lr' ? 'e' : 'none', range: panel.key === 'disc_acc' ? [0, 1] : undefined };
  });
  return { data, layout };
}
