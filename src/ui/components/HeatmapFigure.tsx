import { useMemo } from 'react';
import { heatmapSvg, type HeatmapSpec } from '../../core/figures/heatmapSvg';
import { heatmapCsv } from '../../core/figures/heatmapCsv';
import { SvgFigure } from './SvgFigure';
import { ExportBar } from './ExportBar';
import { svgToPng } from '../export/svgToPng';

/** A heatmap from the core builder, shown as exported, with SVG, PNG and CSV (cell values and tests) export. */
export function HeatmapFigure({ spec, baseName, testId, onCell }: { spec: HeatmapSpec; baseName: string; testId?: string; onCell?: (row: string, col: string) => void }) {
  const svg = useMemo(() => heatmapSvg(spec), [spec]);
  return (
    <figure className="figure">
      <SvgFigure svg={svg} testId={testId} onCell={onCell} />
      <ExportBar baseName={baseName} svg={() => svg} png={(scale) => svgToPng(svg, scale)} csv={() => heatmapCsv(spec)} testId={testId ? `${testId}-export` : undefined} />
    </figure>
  );
}
