import { bestRows, formatCell, tableCsv, tableJson, tableLatex, type TableSpec } from '../../core/figures/table';
import { ExportBar } from './ExportBar';

/** An HTML rendering of a core table spec (caption, best values bold, like the LaTeX export) with CSV/JSON/LaTeX export. */
export function TableView({ spec, baseName, testId }: { spec: TableSpec; baseName: string; testId?: string }) {
  const best = bestRows(spec);
  return (
    <div className="table-view" data-testid={testId}>
      <table className="results">
        {spec.caption && <caption>{spec.caption}</caption>}
        <thead>
          <tr>
            {spec.columns.map((c) => (
              <th key={c.key}>{c.label}</th>
            ))}
          </tr>
        </thead>
        <tbody>
          {spec.rows.map((row, i) => (
            <tr key={i}>
              {spec.columns.map((c) => {
                const text = formatCell(row[c.key], c);
                const numeric = typeof row[c.key] === 'number';
                return (
                  <td key={c.key} className={numeric ? 'num' : undefined}>
                    {best.get(c.key)?.has(i) ? <strong>{text}</strong> : text}
                  </td>
                );
              })}
            </tr>
          ))}
        </tbody>
      </table>
      <ExportBar baseName={baseName} csv={() => tableCsv(spec)} json={() => tableJson(spec)} latex={() => tableLatex(spec)} />
    </div>
  );
}
