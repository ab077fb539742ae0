/**
 * The study's "over training" figure (issue 23, items 1 and 6) as a standalone SVG: one small panel per
 * {@link CurvePanel} that has points, each arm drawn as the mean over its seeds (a line with dots) inside a
 * band from its lowest to its highest seed, and the probe's majority baseline as a dotted line. The report
 * embeds the file and the notebook's study cell shows the same document.
 */
import type { CurvePanel, SeedBandPoint } from '../experiment/studyCurves';
import { niceTicks, tickLabel } from './axisTicks';
import { runColor } from './palette';
import { escapeXml, px } from './svgText';

const FONT = 'Helvetica, Arial, sans-serif';
const PANEL_W = 320;
const PANEL_H = 210;
const MARGIN = { l: 52, r: 12, t: 26, b: 34 };
const COLUMNS = 3;

export interface SeedBandFigureOptions {
  title: string;
  /** arm → colour index, so an arm keeps its colour across panels and figures (default: order of first appearance) */
  armOrder?: readonly string[];
  /** prefix of element ids, unique per page when several SVGs are inlined */
  idPrefix?: string;
}

/** How a point reads in its tooltip: `Hybrid α=0.5, step 200: 12.93 (seeds 12.90–12.95, 3 seeds)`. */
export function bandPointText(label: string, p: SeedBandPoint): string {
  const f = (v: number) => v.toPrecision(4);
  return `${label}, step ${p.step}: ${f(p.mean)} (${p.n === 1 ? '1 seed' : `seeds ${f(p.lo)}–${f(p.hi)}, ${p.n} seeds`})`;
}

/** @returns the figure as an SVG document; panels without points are left out (named in a footnote) */
export function seedBandSvg(panels: readonly CurvePanel[], options: SeedBandFigureOptions): string {
  const drawn = panels.filter((p) => p.arms.length > 0);
  const missing = panels.filter((p) => p.arms.length === 0).map((p) => p.title);
  const order = [...(options.armOrder ?? []), ...drawn.flatMap((p) => p.arms.map((a) => a.arm))].filter((a, i, all) => all.indexOf(a) === i);
  const labels = new Map(drawn.flatMap((p) => p.arms.map((a) => [a.arm, a.label] as const)));
  const id = options.idPrefix ?? 'band';
  const cols = Math.max(1, Math.min(COLUMNS, drawn.length));
  const rows = Math.ceil(drawn.length / cols);
  const top = 30;
  const legendY = top + rows * PANEL_H + 14;
  const footLines = [`line: mean over seeds · band: lowest to highest seed${drawn.some((p) => p.reference !== null) ? ' · dotted: the probe’s majority baseline' : ''}`, ...(missing.length ? [`no values: ${missing.join('; ')}`] : [])];
  const width = Math.max(cols * PANEL_W, 480);
  const height = legendY + 20 + footLines.length * 15 + 6;
  const out: string[] = [];
  out.push(`<svg xmlns="http://www.w3.org/2000/svg" width="${px(width)}" height="${px(height)}" viewBox="0 0 ${px(width)} ${px(height)}" font-family="${FONT}" font-size="10">`);
  out.push(`<text class="title" x="8" y="18" font-size="13" font-weight="bold">${escapeXml(options.title)}</text>`);
  drawn.forEach((panel, k) => {
    const ox = (k % cols) * PANEL_W;
    const oy = top + Math.floor(k / cols) * PANEL_H;
    out.push(panelSvg(panel, ox, oy, order, `${id}-${panel.key}`));
  });
  let lx = 8;
  out.push('<g class="legend">');
  for (const arm of order) {
    if (!labels.has(arm)) continue;
    const color = runColor(order.indexOf(arm));
    const text = labels.get(arm)!;
    out.push(`<rect x="${px(lx)}" y="${px(legendY - 8)}" width="14" height="8" fill="${color}" fill-opacity="0.25" stroke="${color}"/><text x="${px(lx + 18)}" y="${px(legendY)}">${escapeXml(text)}</text>`);
    lx += 18 + text.length * 5.6 + 14;
  }
  out.push('</g>');
  footLines.forEach((line, i) => out.push(`<text class="footnote" x="8" y="${px(legendY + 20 + i * 15)}" fill="#444">${escapeXml(line)}</text>`));
  out.push('</svg>');
  return out.join('');
}

function panelSvg(panel: CurvePanel, ox: number, oy: number, order: readonly string[], id: string): string {
  const box = { x0: ox + MARGIN.l, x1: ox + PANEL_W - MARGIN.r, y0: oy + PANEL_H - MARGIN.b, y1: oy + MARGIN.t };
  const points = panel.arms.flatMap((a) => a.points);
  const xs = points.map((p) => p.step);
  const ys = [...points.flatMap((p) => [p.lo, p.hi]), ...(panel.reference !== null ? [panel.reference] : [])];
  let [xlo, xhi] = [Math.min(...xs), Math.max(...xs)];
  if (xlo === xhi) [xlo, xhi] = [xlo - 0.5, xhi + 0.5];
  let [ylo, yhi] = [Math.min(...ys), Math.max(...ys)];
  // the probe and the ratio read against 0 (a ratio near 0: the adversary barely acts)
  if (panel.key === 'probe' || panel.key === 'grad_ratio') ylo = Math.min(0, ylo);
  const pad = (yhi - ylo) * 0.06 || Math.abs(yhi) * 0.05 || 0.5;
  [ylo, yhi] = [ylo === 0 ? 0 : ylo - pad, yhi + pad];
  const sx = (x: number) => box.x0 + ((x - xlo) / (xhi - xlo)) * (box.x1 - box.x0);
  const sy = (y: number) => box.y0 - ((y - ylo) / (yhi - ylo)) * (box.y0 - box.y1);
  const xt = niceTicks(xlo, xhi, 4, 1);
  const yt = niceTicks(ylo, yhi, 4);
  const xstep = xt.length > 1 ? xt[1]! - xt[0]! : 1;
  const ystep = yt.length > 1 ? yt[1]! - yt[0]! : Math.abs(yt[0] ?? 1);
  const out: string[] = [`<g class="panel" data-panel="${panel.key}">`];
  out.push(`<text x="${px(box.x0)}" y="${px(oy + 16)}" font-size="11" font-weight="bold">${escapeXml(panel.title)}</text>`);
  out.push(`<path d="M${px(box.x0)} ${px(box.y1)}V${px(box.y0)}H${px(box.x1)}" fill="none" stroke="#888888"/>`);
  for (const v of xt) out.push(`<text x="${px(sx(v))}" y="${px(box.y0 + 13)}" text-anchor="middle" fill="#444">${tickLabel(v, xstep, false)}</text>`);
  for (const v of yt) out.push(`<text x="${px(box.x0 - 4)}" y="${px(sy(v) + 3)}" text-anchor="end" fill="#444">${tickLabel(v, ystep, false)}</text><path d="M${px(box.x0)} ${px(sy(v))}H${px(box.x1)}" stroke="#eeeeee"/>`);
  out.push(`<text x="${px((box.x0 + box.x1) / 2)}" y="${px(box.y0 + 27)}" text-anchor="middle" fill="#444">step</text>`);
  if (panel.reference !== null) {
    out.push(
      `<path class="reference" data-value="${panel.reference}" d="M${px(box.x0)} ${px(sy(panel.reference))}H${px(box.x1)}" stroke="#888888" stroke-dasharray="2 3"><title>${escapeXml(`majority baseline: ${panel.reference.toPrecision(3)}`)}</title></path>`,
    );
  }
  for (const arm of panel.arms) {
    const color = runColor(order.indexOf(arm.arm));
    const upper = arm.points.map((p) => `${px(sx(p.step))} ${px(sy(p.hi))}`);
    const lower = arm.points.map((p) => `${px(sx(p.step))} ${px(sy(p.lo))}`).reverse();
    out.push(`<g class="arm" data-arm="${escapeXml(arm.arm)}" id="${escapeXml(`${id}-${arm.arm}`)}">`);
    if (arm.points.length > 1) out.push(`<path class="band" d="M${[...upper, ...lower].join('L')}Z" fill="${color}" fill-opacity="0.18" stroke="none"/>`);
    out.push(`<path class="mean" d="M${arm.points.map((p) => `${px(sx(p.step))} ${px(sy(p.mean))}`).join('L')}" fill="none" stroke="${color}" stroke-width="1.5"/>`);
    for (const p of arm.points) {
      out.push(
        `<circle cx="${px(sx(p.step))}" cy="${px(sy(p.mean))}" r="${arm.points.length > 30 ? 1.2 : 2.5}" fill="${color}" data-step="${p.step}" data-mean="${p.mean}" data-lo="${p.lo}" data-hi="${p.hi}"><title>${escapeXml(bandPointText(arm.label, p))}</title></circle>`,
      );
    }
    out.push('</g>');
  }
  out.push('</g>');
  return out.join('');
}
