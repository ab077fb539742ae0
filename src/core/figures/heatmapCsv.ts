/**
 * A heatmap's values as CSV (issue 20, item 11): one line per cell, so the numbers behind a figure can
 * be re-plotted or tested elsewhere. Values keep full precision in their own units (mAP in [0, 1], not
 * the ×100 printed in the cells); p-values are present only where the figure has tests.
 */
import type { HeatmapSpec } from './heatmapSvg';
import { tableCsv, type TableSpec } from './table';

/**
 * @returns RFC 4180 CSV (CRLF) with the header `query language,candidate language,<valueName>,p,Holm-adjusted p,significant`
 *   (the test columns only when the spec has `pValues`), one row per cell in row-major order, empty fields for no value
 */
export function heatmapCsv(spec: HeatmapSpec): string {
  const tested = spec.pValues !== undefined;
  const columns = [
    { key: 'row', label: spec.rowAxisLabel ?? 'query language' },
    { key: 'col', label: spec.colAxisLabel ?? 'candidate language' },
    { key: 'value', label: spec.valueName ?? 'value' },
    ...(tested
      ? [
          { key: 'p', label: 'p' },
          { key: 'pHolm', label: 'Holm-adjusted p' },
          { key: 'significant', label: 'significant' },
        ]
      : []),
  ];
  const rows = spec.rows.flatMap((r, i) =>
    spec.cols.map((c, j) => {
      const v = spec.values[i]?.[j] ?? null;
      const pv = spec.pValues?.[i]?.[j] ?? null;
      return {
        row: r,
        col: c,
        value: v !== null && Number.isFinite(v) ? v : null,
        ...(tested ? { p: pv?.p ?? null, pHolm: pv?.pHolm ?? null, significant: pv ? String(spec.marks?.[i]?.[j] ?? false) : null } : {}),
      };
    }),
  );
  const table: TableSpec = { columns, rows };
  return tableCsv(table);
}
