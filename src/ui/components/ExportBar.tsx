import { useState } from 'react';
import { useAppStore } from '../store/store';
import { setFigureSettings } from '../actions/figures';
import { downloadBlob, downloadText, MIME } from '../export/download';

interface Props {
  /** file name without extension */
  baseName: string;
  svg?: () => string | Promise<string>;
  png?: (scale: number) => Promise<Blob>;
  csv?: () => string;
  json?: () => string;
  latex?: () => string;
  testId?: string;
}

/** Export buttons under a figure or table; PNG uses the notebook's chosen scale. */
export function ExportBar({ baseName, svg, png, csv, json, latex, testId }: Props) {
  const scale = useAppStore((s) => s.figures.pngScale);
  const [error, setError] = useState<string | null>(null);
  const run = (f: () => Promise<void> | void) => async () => {
    setError(null);
    try {
      await f();
    } catch (err) {
      setError(`export failed: ${err instanceof Error ? err.message : String(err)}`);
    }
  };
  return (
    <div className="export-bar" data-testid={testId}>
      <span className="label">export</span>
      {svg && (
        <button type="button" data-export="svg" onClick={run(async () => downloadText(await svg(), `${baseName}.svg`, MIME.svg))}>
          SVG
        </button>
      )}
      {png && (
        <>
          <button type="button" data-export="png" onClick={run(async () => downloadBlob(await png(scale), `${baseName}@${scale}x.png`))}>
            PNG
          </button>
          <label className="scale">
            ×
            <select aria-label="PNG scale" value={scale} onChange={(e) => setFigureSettings({ pngScale: Number(e.target.value) })}>
              {[1, 2, 3, 4, 6, 8].map((s) => (
                <option key={s} value={s}>
                  {s}
                </option>
              ))}
            </select>
          </label>
        </>
      )}
      {csv && (
        <button type="button" data-export="csv" onClick={run(() => downloadText(csv(), `${baseName}.csv`, MIME.csv))}>
          CSV
        </button>
      )}
      {json && (
        <button type="button" data-export="json" onClick={run(() => downloadText(json(), `${baseName}.json`, MIME.json))}>
          JSON
        </button>
      )}
      {latex && (
        <button type="button" data-export="latex" onClick={run(() => downloadText(latex(), `${baseName}.tex`, MIME.tex))}>
          LaTeX
        </button>
      )}
      {error && <span className="error">{error}</span>}
    </div>
  );
}
