/**
 * A results table as plain data, and its three export forms: CSV (RFC 4180, full precision), LaTeX
 * (booktabs, rounded, best value per column in bold) and JSON. The same table model feeds the notebook's
 * HTML table and the CLI.
 */
import { ConfigError } from '../errors';
import { formatValue } from './svgText';
import { escapeLatex, LATEX_REQUIREMENTS } from './latexText';

export type TableCell = string | number | null;

export interface TableColumn {
  key: string;
  /** header text (plain; LaTeX-escaped on export) */
  label: string;
  /** decimals when printed (LaTeX, HTML); CSV and JSON keep full precision */
  digits?: number;
  /** bold the best value of this column in LaTeX/HTML: the largest (`max`) or smallest (`min`) */
  best?: 'max' | 'min';
}

export interface TableSpec {
  columns: readonly TableColumn[];
  rows: readonly Readonly<Record<string, TableCell>>[];
  /** LaTeX caption and label (optional) */
  caption?: string;
  label?: string;
}

function check(spec: TableSpec): void {
  const keys = new Set<string>();
  for (const c of spec.columns) {
    if (keys.has(c.key)) throw new ConfigError(`table: column key "${c.key}" appears twice`);
    keys.add(c.key);
  }
}

/** Prints one cell as the HTML and LaTeX tables show it. */
export function formatCell(value: TableCell | undefined, column: TableColumn): string {
  if (value === null || value === undefined) return '–';
  if (typeof value === 'number') return column.digits === undefined ? String(value) : formatValue(value, { scale: 1, digits: column.digits });
  return value;
}

/**
 * @returns for each column with `best`, the row indices holding its best finite value (ties all bold)
 */
export function bestRows(spec: TableSpec): Map<string, Set<number>> {
  const out = new Map<string, Set<number>>();
  for (const col of spec.columns) {
    if (!col.best) continue;
    let best: number | null = null;
    spec.rows.forEach((row) => {
      const v = row[col.key];
      if (typeof v !== 'number' || !Number.isFinite(v)) return;
      const rounded = col.digits === undefined ? v : Number(v.toFixed(col.digits));
      if (best === null || (col.best === 'max' ? rounded > best : rounded < best)) best = rounded;
    });
    const set = new Set<number>();
    spec.rows.forEach((row, i) => {
      const v = row[col.key];
      if (typeof v !== 'number' || best === null) return;
      const rounded = col.digits === undefined ? v : Number(v.toFixed(col.digits));
      if (rounded === best) set.add(i);
    });
    out.set(col.key, set);
  }
  return out;
}

function csvField(text: string): string {
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

/** @returns the table as CSV: a header of column labels, full-precision numbers, empty for null, CRLF line ends */
export function tableCsv(spec: TableSpec): string {
  check(spec);
  const lines = [spec.columns.map((c) => csvField(c.label)).join(',')];
  for (const row of spec.rows) {
    lines.push(
      spec.columns
        .map((c) => {
          const v = row[c.key];
          return v === null || v === undefined ? '' : csvField(typeof v === 'number' ? String(v) : v);
        })
        .join(','),
    );
  }
  return lines.join('\r\n') + '\r\n';
}

/** Escapes plain text for LaTeX (pure ASCII out); kept here for the table's callers. */
export { escapeLatex } from './latexText';

/**
 * @returns a booktabs `tabular` (inside a `table` when a caption is given): text columns left-aligned,
 *   numeric columns right-aligned, the best value per `best` column in `\textbf{}`. The first line is a
 *   comment naming what it needs (`\usepackage{booktabs}`); the rest is pure ASCII, so plain pdflatex compiles it.
 */
export function tableLatex(spec: TableSpec): string {
  check(spec);
  const numeric = spec.columns.map((c) => spec.rows.some((r) => typeof r[c.key] === 'number'));
  const best = bestRows(spec);
  const body: string[] = [];
  body.push(`\\begin{tabular}{${numeric.map((n) => (n ? 'r' : 'l')).join('')}}`);
  body.push('\\toprule');
  body.push(spec.columns.map((c) => escapeLatex(c.label)).join(' & ') + ' \\\\');
  body.push('\\midrule');
  spec.rows.forEach((row, i) => {
    const cells = spec.columns.map((c) => {
      const text = escapeLatex(formatCell(row[c.key], c));
      return best.get(c.key)?.has(i) ? `\\textbf{${text}}` : text;
    });
    body.push(cells.join(' & ') + ' \\\\');
  });
  body.push('\\bottomrule');
  body.push('\\end{tabular}');
  if (spec.caption === undefined && spec.label === undefined) return [LATEX_REQUIREMENTS, ...body].join('\n') + '\n';
  const lines = [LATEX_REQUIREMENTS, '\\begin{table}[t]', '\\centering'];
  if (spec.caption !== undefined) lines.push(`\\caption{${escapeLatex(spec.caption)}}`);
  if (spec.label !== undefined) lines.push(`\\label{${spec.label.replace(/[^A-Za-z0-9:_-]/g, '')}}`);
  return [...lines, ...body, '\\end{table}'].join('\n') + '\n';
}

/** @returns the rows as a JSON array of objects keyed by column key (full precision, null kept), 2-space indent */
export function tableJson(spec: TableSpec): string {
  check(spec);
  const rows = spec.rows.map((row) => Object.fromEntries(spec.columns.map((c) => [c.key, row[c.key] ?? null])));
  return JSON.stringify({ columns: spec.columns.map((c) => ({ key: c.key, label: c.label })), rows }, null, 2) + '\n';
}
