/**
 * The frame the app's small SVG panels share (loss curves, bias over training): background, title,
 * ticks with grid lines, the plot box and the "step" axis title. Each figure draws its own data inside.
 */
import type { ReactNode } from 'react';

/** What a panel's frame needs: its size, title, plot box and tick positions (px). */
export interface PanelFrameModel {
  width: number;
  height: number;
  title: string;
  /** the plot area: left, right, bottom, top (px) */
  box: { x0: number; x1: number; y0: number; y1: number };
  xTicks: { at: number; label: string }[];
  yTicks: { at: number; label: string }[];
}

/** An `<svg>` with the panel's frame drawn, and `children` (the data) on top of it. */
export function PanelFrame({ model: m, children }: { model: PanelFrameModel; children: ReactNode }) {
  const { x0, x1, y0, y1 } = m.box;
  return (
    <svg xmlns="http://www.w3.org/2000/svg" role="img" aria-label={m.title} width={m.width} height={m.height} viewBox={`0 0 ${m.width} ${m.height}`} fontFamily="Helvetica, Arial, sans-serif" fontSize={10}>
      <title>{m.title}</title>
      <rect width={m.width} height={m.height} fill="#ffffff" />
      <text x={8} y={14} fontSize={11} fontWeight="bold" fill="#222">
        {m.title}
      </text>
      {m.xTicks.map((t, i) => (
        <g key={`x${i}`}>
          <line x1={t.at} x2={t.at} y1={y1} y2={y0 + 4} stroke="#eeeeee" />
          <text x={t.at} y={y0 + 14} textAnchor="middle" fill="#444">
            {t.label}
          </text>
        </g>
      ))}
      {m.yTicks.map((t, i) => (
        <g key={`y${i}`}>
          <line x1={x0 - 4} x2={x1} y1={t.at} y2={t.at} stroke="#eeeeee" />
          <text x={x0 - 6} y={t.at + 3} textAnchor="end" fill="#444">
            {t.label}
          </text>
        </g>
      ))}
      <rect x={x0} y={y1} width={x1 - x0} height={y0 - y1} fill="none" stroke="#999" />
      <text x={(x0 + x1) / 2} y={m.height - 4} textAnchor="middle" fill="#444">
        step
      </text>
      {children}
    </svg>
  );
}
