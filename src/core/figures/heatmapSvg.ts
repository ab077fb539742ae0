/**
 * The language-pair heatmap as a standalone SVG string (query language × candidate language), used by
 * the notebook (shown inline, so what you see is what you export) and by the CLI.
 *
 * How to count what is drawn — the structure is part of the contract:
 *  - `<g class="cells">` holds exactly ONE `<rect class="cell">` per matrix cell (rows × cols), each with
 *    `data-row`, `data-col`, `data-value` (full precision, empty for no value) and `data-significant`;
 *  - `<g class="means">` (only when `showMeans`) holds one `<rect class="mean">` per row mean and per
 *    column mean; it is the only other place with `<rect>` elements;
 *  - the colour bar is a `<path>` filled with a gradient (not a rect), each significant cell has ONE
 *    `<g class="mark">` outlining it (two `<path>`s: a thick black frame with a white inner line, so it
 *    reads on every colour of both scales), labels are `<text>`.
 * So with means hidden the SVG has exactly rows × cols `<rect>` elements; with means shown, rows × cols +
 * rows + cols.
 */
import { meanStd } from '../experiment/studyResults';
import { ConfigError } from '../errors';
import { COLOR_SCALE_STOPS, colorAt, textColorOn, type ColorScale } from './colorScale';
import { escapeXml, formatValue, px, type ValueFormat } from './svgText';

export interface HeatmapSpec {
  /** row labels, top to bottom (query languages) */
  rows: readonly string[];
  /** column labels, left to right (candidate languages) */
  cols: readonly string[];
  /** `values[r][c]`, shape [rows.length][cols.length]; `null` = no value (drawn grey, labelled "–") */
  values: readonly (readonly (number | null)[])[];
  colorScale: ColorScale;
  /** text printed in each cell; default: the formatted value. `null` entries print nothing */
  annotations?: readonly (readonly (string | null)[])[];
  /** print values in cells (default true) */
  showValues?: boolean;
  /** cells to mark as significant, same shape as `values` */
  marks?: readonly (readonly boolean[])[];
  /** legend text for the marks, e.g. "paired randomization test, Holm-adjusted p < 0.05" */
  markLegend?: string;
  /** per-cell test results (same shape as `values`, `null` = not tested), shown in the cell tooltips and the CSV */
  pValues?: readonly (readonly (CellPValues | null)[])[];
  /**
   * the spread of each cell's value over the seeds it is the mean of (same shape as `values`, in the units of
   * `values`; `null` = none): printed as "±sd" under the value and given in full in the tooltip
   */
  seedSpread?: readonly (readonly (SeedSpread | null)[])[];
  /** what a value is, in its own units, for tooltips and the CSV header (e.g. "mAP", "Δ mAP"; default "value") */
  valueName?: string;
  /** the colour range's legend line ({@link colorRangeLegend}), printed under the figure */
  rangeLegend?: string;
  /** draw a strip of row means (right) and column means (below), over the non-null cells */
  showMeans?: boolean;
  title?: string;
  /** default "query language" */
  rowAxisLabel?: string;
  /** default "candidate language" */
  colAxisLabel?: string;
  /** label of the colour bar, e.g. "mAP ×100" */
  colorBarLabel?: string;
  /** how values print in cells and on the colour bar; default 3 decimals */
  valueFormat?: ValueFormat;
  /** extra lines under the figure (e.g. the mono/cross/multi summary) */
  footnotes?: readonly string[];
  /** side of a cell in px (default 36) */
  cellSize?: number;
  /** prefix of element ids, unique per page when several SVGs are inlined (default "hm") */
  idPrefix?: string;
}

/** A cell's paired test: the raw p-value and the Holm-adjusted one (over the figure's family of cells). */
export interface CellPValues {
  p: number;
  pHolm: number;
}

/** A cell's seeds: their sample sd (n − 1), lowest and highest value and how many there are. */
export interface SeedSpread {
  sd: number;
  lo: number;
  hi: number;
  n: number;
}

/** Sample sd, range and count of one cell's per-seed values; null for fewer than two values. */
export function seedSpreadOf(values: readonly (number | null)[]): SeedSpread | null {
  const xs = values.filter((v): v is number => v !== null && Number.isFinite(v));
  if (xs.length < 2 || xs.length !== values.length) return null;
  return { sd: meanStd(xs).std, lo: Math.min(...xs), hi: Math.max(...xs), n: xs.length };
}

const FONT = 'Helvetica, Arial, sans-serif';
const NULL_FILL = '#e6e6e6';

function mean(xs: readonly (number | null)[]): number | null {
  let sum = 0;
  let n = 0;
  for (const x of xs) {
    if (x === null || !Number.isFinite(x)) continue;
    sum += x;
    n++;
  }
  return n === 0 ? null : sum / n;
}

/** Row means and column means over the non-null cells, as drawn in the means strips. */
export function heatmapMeans(values: readonly (readonly (number | null)[])[]): { rows: (number | null)[]; cols: (number | null)[] } {
  const nCols = values[0]?.length ?? 0;
  return {
    rows: values.map((row) => mean(row)),
    cols: Array.from({ length: nCols }, (_, c) => mean(values.map((row) => row[c] ?? null))),
  };
}

function checkShape(spec: HeatmapSpec): void {
  const { rows, cols, values } = spec;
  if (values.length !== rows.length) throw new ConfigError(`heatmap: values has ${values.length} rows, expected ${rows.length}`);
  values.forEach((row, r) => {
    if (row.length !== cols.length) throw new ConfigError(`heatmap: values[${r}] has ${row.length} columns, expected ${cols.length}`);
  });
  for (const [name, grid] of [
    ['annotations', spec.annotations],
    ['marks', spec.marks],
    ['pValues', spec.pValues],
    ['seedSpread', spec.seedSpread],
  ] as const) {
    if (!grid) continue;
    if (grid.length !== rows.length || grid.some((row) => row.length !== cols.length)) {
      throw new ConfigError(`heatmap: ${name} must have shape [${rows.length}][${cols.length}]`);
    }
  }
}

/** A p-value as printed: 3 decimals from 0.01, 2 significant digits below, `< 0.0001` below that (10,000 permutations resolve no finer). */
export function formatP(p: number): string {
  if (!Number.isFinite(p)) return '–';
  if (p < 1e-4) return '< 0.0001';
  return p >= 0.01 ? p.toFixed(3) : p.toPrecision(2);
}

/**
 * The tooltip of cell (i, j), in the printed units of the cells:
 * `de → en: Δ mAP ×100 = +2.5; p = 0.003, Holm-adjusted p = 0.012 (significant)`.
 */
export function heatmapCellTooltip(spec: HeatmapSpec, i: number, j: number): string {
  const fmt = spec.valueFormat ?? { scale: 1, digits: 3 };
  const v = spec.values[i]?.[j] ?? null;
  const unit = spec.colorBarLabel ?? spec.valueName;
  const head = `${spec.rows[i]} → ${spec.cols[j]}: ${unit ? `${unit} = ` : ''}${formatValue(v, fmt)}`;
  const pv = spec.pValues?.[i]?.[j] ?? null;
  const sig = spec.marks?.[i]?.[j] ?? false;
  const test = pv ? `; p = ${formatP(pv.p)}, Holm-adjusted p = ${formatP(pv.pHolm)}` : '';
  const sp = spec.seedSpread?.[i]?.[j] ?? null;
  const seeds = sp ? `; over ${sp.n} seeds: sd ${formatValue(sp.sd, { ...fmt, signed: false })}, range ${formatValue(sp.lo, fmt)} to ${formatValue(sp.hi, fmt)}` : '';
  return `${head}${seeds}${test}${sig ? ' (significant)' : pv ? ' (not significant)' : ''}`;
}

/** The frame of a significant cell: a 3 px black outline inside the cell with a 1 px white line inside it. */
function markFrame(x: number, y: number, c: number, cls = 'mark'): string {
  const outer = `M${px(x + 1.5)} ${px(y + 1.5)}h${px(c - 3)}v${px(c - 3)}h${px(-(c - 3))}z`;
  const inner = `M${px(x + 3.5)} ${px(y + 3.5)}h${px(c - 7)}v${px(c - 7)}h${px(-(c - 7))}z`;
  return `<g class="${cls}" pointer-events="none"><path d="${outer}" fill="none" stroke="#000000" stroke-width="3"/><path d="${inner}" fill="none" stroke="#ffffff" stroke-width="1"/></g>`;
}

/**
 * Builds the heatmap.
 * @returns a standalone SVG document (UTF-8 text, `xmlns` set, sizes in px)
 * @throws ConfigError when `values`, `annotations` or `marks` do not have shape [rows][cols]
 */
export function heatmapSvg(spec: HeatmapSpec): string {
  checkShape(spec);
  const c = spec.cellSize ?? 36;
  const fmt = spec.valueFormat ?? { scale: 1, digits: 3 };
  const showValues = spec.showValues ?? true;
  const id = spec.idPrefix ?? 'hm';
  const nRows = spec.rows.length;
  const nCols = spec.cols.length;
  const maxRowLabel = Math.max(2, ...spec.rows.map((r) => r.length));
  const gap = 8;

  const titleH = spec.title ? 26 : 6;
  const gy = titleH + 18 + 16; // col axis title, col labels
  const gx = 20 + maxRowLabel * 7 + 8; // row axis title, row labels
  const W = nCols * c;
  const H = nRows * c;
  const meansW = spec.showMeans ? gap + c : 0;
  const meansH = spec.showMeans ? gap + c : 0;
  const cbX = gx + W + meansW + 22;
  const cbW = 12;
  const legendLines = (spec.marks && spec.markLegend ? 1 : 0) + (spec.rangeLegend ? 1 : 0) + (spec.footnotes?.length ?? 0);
  const longest = Math.max(spec.markLegend && spec.marks ? spec.markLegend.length + 14 : 0, spec.rangeLegend?.length ?? 0, ...(spec.footnotes ?? []).map((f) => f.length));
  // No background rect: cells and means stay the only rects. 5.6 px per character at 10 px.
  const titleWidth = spec.title ? gx + spec.title.length * 7.4 + 8 : 0;
  const width = Math.max(cbX + cbW + 6 + 44 + 18, gx + longest * 5.6 + 8, titleWidth);
  const height = gy + H + meansH + 10 + legendLines * 16 + 6;

  const out: string[] = [];
  out.push(`<svg xmlns="http://www.w3.org/2000/svg" width="${px(width)}" height="${px(height)}" viewBox="0 0 ${px(width)} ${px(height)}" font-family="${FONT}" font-size="11">`);
  const stops = COLOR_SCALE_STOPS[spec.colorScale.name];
  out.push(`<defs><linearGradient id="${escapeXml(id)}-colorbar" x1="0" y1="1" x2="0" y2="0">`);
  for (const s of stops) out.push(`<stop offset="${px(s.offset)}" stop-color="${s.color}"/>`);
  out.push('</linearGradient></defs>');
  if (spec.title) out.push(`<text class="title" x="${px(gx)}" y="18" font-size="13" font-weight="bold">${escapeXml(spec.title)}</text>`);

  // Axis titles and labels.
  out.push(`<text class="axis-title" x="${px(gx + W / 2)}" y="${px(titleH + 12)}" text-anchor="middle" fill="#444">${escapeXml(spec.colAxisLabel ?? 'candidate language')}</text>`);
  out.push(`<text class="axis-title" transform="translate(12 ${px(gy + H / 2)}) rotate(-90)" text-anchor="middle" fill="#444">${escapeXml(spec.rowAxisLabel ?? 'query language')}</text>`);
  spec.cols.forEach((label, j) => {
    out.push(`<text class="col-label" x="${px(gx + j * c + c / 2)}" y="${px(gy - 5)}" text-anchor="middle">${escapeXml(label)}</text>`);
  });
  spec.rows.forEach((label, i) => {
    out.push(`<text class="row-label" x="${px(gx - 6)}" y="${px(gy + i * c + c / 2 + 4)}" text-anchor="end">${escapeXml(label)}</text>`);
  });

  const cellText = (x: number, y: number, text: string, fill: string, cls: string) =>
    `<text class="${cls}" x="${px(x)}" y="${px(y)}" text-anchor="middle" font-size="${c >= 34 ? 10 : 9}" fill="${fill}" pointer-events="none">${escapeXml(text)}</text>`;

  // Cells: exactly one rect each.
  out.push('<g class="cells">');
  const labels: string[] = [];
  for (let i = 0; i < nRows; i++) {
    for (let j = 0; j < nCols; j++) {
      const v = spec.values[i]![j]!;
      const has = v !== null && Number.isFinite(v);
      const fill = has ? colorAt(spec.colorScale, v) : NULL_FILL;
      const sig = spec.marks?.[i]?.[j] ?? false;
      const x = gx + j * c;
      const y = gy + i * c;
      const tip = heatmapCellTooltip(spec, i, j);
      out.push(
        `<rect class="cell" x="${px(x)}" y="${px(y)}" width="${px(c)}" height="${px(c)}" fill="${fill}" stroke="#ffffff" stroke-width="1" data-row="${escapeXml(spec.rows[i]!)}" data-col="${escapeXml(spec.cols[j]!)}" data-value="${has ? String(v) : ''}" data-significant="${sig}"><title>${escapeXml(tip)}</title></rect>`,
      );
      const ink = has ? textColorOn(fill) : '#555555';
      const text = spec.annotations ? spec.annotations[i]![j]! : showValues ? formatValue(v, fmt) : null;
      const spread = spec.seedSpread?.[i]?.[j] ?? null;
      // with a seed spread the value moves up and its ±sd goes under it, smaller
      if (text !== null && (showValues || spec.annotations)) labels.push(cellText(x + c / 2, y + c / 2 + (spread ? -1 : 3.5), text, ink, 'value'));
      if (spread && showValues && !spec.annotations)
        labels.push(`<text class="spread" x="${px(x + c / 2)}" y="${px(y + c / 2 + 9)}" text-anchor="middle" font-size="7.5" fill="${ink}" pointer-events="none">±${escapeXml(formatValue(spread.sd, { ...fmt, signed: false }))}</text>`);
      if (sig) labels.push(markFrame(x, y, c));
    }
  }
  out.push('</g>');
  out.push(`<g class="labels">${labels.join('')}</g>`);

  if (spec.showMeans) {
    const means = heatmapMeans(spec.values);
    const mx = gx + W + gap;
    const my = gy + H + gap;
    const meanLabels: string[] = [];
    out.push('<g class="means">');
    // one square per row mean (a column right of the grid) and per column mean (a row below it)
    const meanSquare = (axis: 'row' | 'col', label: string, v: number | null, x: number, y: number) => {
      const fill = v === null ? NULL_FILL : colorAt(spec.colorScale, v);
      out.push(
        `<rect class="mean" x="${px(x)}" y="${px(y)}" width="${px(c)}" height="${px(c)}" fill="${fill}" stroke="#ffffff" data-${axis}="${escapeXml(label)}" data-value="${v === null ? '' : String(v)}"><title>${escapeXml(`mean of ${axis === 'row' ? 'row' : 'column'} ${label}: ${formatValue(v, fmt)}`)}</title></rect>`,
      );
      if (showValues) meanLabels.push(cellText(x + c / 2, y + c / 2 + 3.5, formatValue(v, fmt), v === null ? '#555555' : textColorOn(fill), 'mean-value'));
    };
    means.rows.forEach((v, i) => meanSquare('row', spec.rows[i]!, v, mx, gy + i * c));
    means.cols.forEach((v, j) => meanSquare('col', spec.cols[j]!, v, gx + j * c, my));
    out.push('</g>');
    out.push(`<g class="mean-labels">${meanLabels.join('')}`);
    out.push(`<text x="${px(mx + c / 2)}" y="${px(gy - 5)}" text-anchor="middle" font-style="italic">mean</text>`);
    out.push(`<text x="${px(gx - 6)}" y="${px(my + c / 2 + 4)}" text-anchor="end" font-style="italic">mean</text></g>`);
  }

  // Colour bar: one gradient-filled path (deliberately not a rect) with five ticks.
  const [lo, hi] = spec.colorScale.domain;
  out.push('<g class="colorbar">');
  out.push(`<path d="M${px(cbX)} ${px(gy)}h${cbW}v${px(H)}h-${cbW}z" fill="url(#${escapeXml(id)}-colorbar)" stroke="#888888" stroke-width="0.5"/>`);
  for (let k = 0; k <= 4; k++) {
    const v = lo + ((hi - lo) * k) / 4;
    const y = gy + H - (H * k) / 4;
    out.push(`<path d="M${px(cbX + cbW)} ${px(y)}h3" stroke="#444444"/>`);
    out.push(`<text x="${px(cbX + cbW + 5)}" y="${px(y + 3.5)}" font-size="9">${escapeXml(formatValue(v, fmt))}</text>`);
  }
  if (spec.colorBarLabel) {
    out.push(`<text transform="translate(${px(cbX + cbW + 52)} ${px(gy + H / 2)}) rotate(90)" text-anchor="middle" fill="#444">${escapeXml(spec.colorBarLabel)}</text>`);
  }
  out.push('</g>');

  let ly = gy + H + meansH + 20;
  if (spec.marks && spec.markLegend) {
    out.push(`<g class="legend">${markFrame(gx, ly - 11, 14, 'mark-key')}<text x="${px(gx + 20)}" y="${px(ly)}" font-size="10">outlined: ${escapeXml(spec.markLegend)}</text></g>`);
    ly += 16;
  }
  if (spec.rangeLegend) {
    out.push(`<text class="range" x="${px(gx)}" y="${px(ly)}" font-size="10" fill="#333">${escapeXml(spec.rangeLegend)}</text>`);
    ly += 16;
  }
  for (const line of spec.footnotes ?? []) {
    out.push(`<text class="footnote" x="${px(gx)}" y="${px(ly)}" font-size="10" fill="#333">${escapeXml(line)}</text>`);
    ly += 16;
  }
  out.push('</svg>');
  return out.join('');
}
