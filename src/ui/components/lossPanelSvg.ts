/**
 * A loss panel ({@link lossPanelFigure}'s traces and layout) laid out for a plain SVG drawing, for the
 * notebook's view (issue 20, item 9). One `Plotly.react` of a single small panel took 70–160 ms of main
 * thread on this 2-core machine (its defaults pass and the tick labels' bounding boxes), so six panels
 * redrawn every few seconds made most of the page's long tasks. The page renders this model as React SVG
 * elements (`LossPanel`), so a new step changes a few attributes instead of rebuilding the drawing.
 * Plotly stays for the interactive view and for export.
 */
import type { PanelFrameModel } from './PanelFrame';
import type { LossFigure, LossTrace } from '../../core/figures/lossFigure';
import { escapeXml, px } from '../../core/figures/svgText';
import { niceTicks, tickLabel } from '../../core/figures/axisTicks';

export { niceTicks, tickLabel };

const MARGIN = { l: 52, r: 10, t: 26, b: 34 };

function extent(values: Iterable<number | null>): [number, number] | null {
  let lo = Infinity;
  let hi = -Infinity;
  for (const v of values) {
    if (v === null || !Number.isFinite(v)) continue;
    if (v < lo) lo = v;
    if (v > hi) hi = v;
  }
  return lo <= hi ? [lo, hi] : null;
}

/** The path of a trace: a new subpath after each gap (null or non-finite value), like Plotly's `connectgaps: false`. */
function tracePath(t: LossTrace, sx: (x: number) => number, sy: (y: number) => number): string {
  let d = '';
  let pen = false;
  for (let i = 0; i < t.x.length; i++) {
    const y = t.y[i];
    if (y === null || y === undefined || !Number.isFinite(y)) {
      if (!t.connectgaps) pen = false;
      continue;
    }
    d += `${pen ? 'L' : 'M'}${px(sx(t.x[i]!))} ${px(sy(y))}`;
    pen = true;
  }
  return d;
}

/** A panel ready to draw: pixel positions of its ticks and its traces' paths. */
export interface LossPanelModel extends PanelFrameModel {
  traces: { name: string; d: string; color: string; width: number; opacity: number; dashed: boolean }[];
  /** keeps the clip path's id unique among the page's panels */
  clipId: string;
}

/**
 * Lays out a panel: x over the data's steps (whole-step ticks); y over the data, padded 5 %, or the
 * layout's fixed `yaxis.range` (the discriminator's accuracy, [0, 1]); one path per trace that draws
 * (styles as in the Plotly figure).
 */
export function lossPanelModel(figure: LossFigure, title: string, idPrefix: string): LossPanelModel {
  const width = Number(figure.layout.width ?? 360);
  const height = Number(figure.layout.height ?? 210);
  const yaxis = (figure.layout.yaxis ?? {}) as { range?: [number, number]; exponentformat?: string };
  const box = { x0: MARGIN.l, x1: width - MARGIN.r, y0: height - MARGIN.b, y1: MARGIN.t };
  const xs = extent(figure.data.flatMap((t) => t.x)) ?? [0, 1];
  let ys = yaxis.range ?? extent(figure.data.flatMap((t) => t.y)) ?? [0, 1];
  if (!yaxis.range) {
    const pad = (ys[1] - ys[0]) * 0.05 || Math.abs(ys[0]) * 0.05 || 0.5;
    ys = [ys[0] - pad, ys[1] + pad];
  }
  const [xlo, xhi] = xs[0] === xs[1] ? [xs[0] - 0.5, xs[1] + 0.5] : xs;
  const sx = (x: number) => box.x0 + ((x - xlo) / (xhi - xlo)) * (box.x1 - box.x0);
  const sy = (y: number) => box.y0 - ((y - ys[0]) / (ys[1] - ys[0])) * (box.y0 - box.y1);
  const xt = niceTicks(xlo, xhi, 5, 1);
  const yt = niceTicks(ys[0], ys[1], 4);
  const xstep = xt.length > 1 ? xt[1]! - xt[0]! : 1;
  const ystep = yt.length > 1 ? yt[1]! - yt[0]! : Math.abs(yt[0] ?? 1);
  const exp = yaxis.exponentformat === 'e';
  return {
    width,
    height,
    title,
    box,
    xTicks: xt.map((v) => ({ at: Math.round(sx(v) * 100) / 100, label: tickLabel(v, xstep, false) })),
    yTicks: yt.map((v) => ({ at: Math.round(sy(v) * 100) / 100, label: tickLabel(v, ystep, exp) })),
    traces: figure.data.flatMap((t) => {
      const d = tracePath(t, sx, sy);
      return d ? [{ name: t.name, d, color: t.line.color, width: t.line.width, opacity: t.opacity, dashed: t.line.dash === 'dash' }] : [];
    }),
    clipId: `${idPrefix}-clip`,
  };
}

/** The panel as a standalone SVG document (the same drawing as the page's `LossPanel`). */
export function lossPanelSvg(m: LossPanelModel): string {
  const { x0, x1, y0, y1 } = m.box;
  const parts: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${m.width}" height="${m.height}" viewBox="0 0 ${m.width} ${m.height}" font-family="Helvetica, Arial, sans-serif" font-size="10">`,
    `<rect width="${m.width}" height="${m.height}" fill="#ffffff"/>`,
    `<text x="8" y="14" font-size="11" font-weight="bold" fill="#222">${escapeXml(m.title)}</text>`,
  ];
  for (const t of m.xTicks) parts.push(`<line x1="${t.at}" x2="${t.at}" y1="${y1}" y2="${y0 + 4}" stroke="#eeeeee"/><text x="${t.at}" y="${y0 + 14}" text-anchor="middle" fill="#444">${escapeXml(t.label)}</text>`);
  for (const t of m.yTicks) parts.push(`<line x1="${x0 - 4}" x2="${x1}" y1="${t.at}" y2="${t.at}" stroke="#eeeeee"/><text x="${x0 - 6}" y="${px(t.at + 3)}" text-anchor="end" fill="#444">${escapeXml(t.label)}</text>`);
  parts.push(`<rect x="${x0}" y="${y1}" width="${x1 - x0}" height="${y0 - y1}" fill="none" stroke="#999"/>`);
  parts.push(`<text x="${px((x0 + x1) / 2)}" y="${m.height - 4}" text-anchor="middle" fill="#444">step</text>`);
  parts.push(`<clipPath id="${escapeXml(m.clipId)}"><rect x="${x0}" y="${y1}" width="${x1 - x0}" height="${y0 - y1}"/></clipPath><g clip-path="url(#${escapeXml(m.clipId)})">`);
  for (const t of m.traces) {
    parts.push(
      `<path class="trace" data-name="${escapeXml(t.name)}" d="${t.d}" fill="none" stroke="${escapeXml(t.color)}" stroke-width="${t.width}" stroke-opacity="${t.opacity}"${t.dashed ? ' stroke-dasharray="6 4"' : ''} stroke-linejoin="round"/>`,
    );
  }
  parts.push('</g></svg>');
  return parts.join('');
}
