/**
 * The one place the app talks to Plotly: draws a figure with `Plotly.react`, coalesces rapid updates
 * (training posts a step every few ms on a fast GPU), exposes SVG/PNG export, and purges the plot on
 * unmount. Plotly is loaded on first use so the notebook opens without its 3.5 MB.
 */
import { useEffect, useImperativeHandle, useRef, type Ref } from 'react';
import type * as PlotlyTypes from 'plotly.js-dist-min';

type PlotlyModule = typeof PlotlyTypes;
let plotlyPromise: Promise<PlotlyModule> | null = null;
/**
 * Loads Plotly once, on first use: the loss curves' interactive view or an export. Its 4.6 MB script is
 * evaluated in one main-thread task of several hundred ms, so the page no longer loads it at start-up (the
 * loss curves are plain SVG; issue 20, item 9).
 */
export function loadPlotly(): Promise<PlotlyModule> {
  plotlyPromise ??= import('plotly.js-dist-min').then((m) => ((m as unknown as { default?: PlotlyModule }).default ?? m) as PlotlyModule);
  return plotlyPromise;
}

export interface PlotlyHandle {
  /** the figure as a standalone SVG document */
  toSvg(): Promise<string>;
  /** the figure as PNG at `scale` × its layout size */
  toPng(scale: number): Promise<Blob>;
}

interface Props {
  data: readonly object[];
  layout: Record<string, unknown>;
  /** at most one redraw per this many ms (default 400) */
  minIntervalMs?: number;
  /** no hover or zoom (cheaper redraws, e.g. while runs train) */
  staticPlot?: boolean;
  testId?: string;
  ref?: Ref<PlotlyHandle>;
}

function dataUrlToBlob(url: string): Blob {
  const [head, body = ''] = url.split(',', 2);
  const mime = /data:([^;,]+)/.exec(head ?? '')?.[1] ?? 'application/octet-stream';
  if (head?.endsWith(';base64')) {
    const bin = atob(body);
    const bytes = new Uint8Array(bin.length);
    for (let i = 0; i < bin.length; i++) bytes[i] = bin.charCodeAt(i);
    return new Blob([bytes], { type: mime });
  }
  return new Blob([decodeURIComponent(body)], { type: mime });
}

/** Renders a figure off-page and returns it as a standalone SVG document (export without a visible plot). */
export async function figureToSvg(figure: { data: readonly object[]; layout: Record<string, unknown> }): Promise<string> {
  const Plotly = await loadPlotly();
  const url = await Plotly.toImage({ data: figure.data as PlotlyTypes.Data[], layout: figure.layout as Partial<PlotlyTypes.Layout> }, { format: 'svg', width: Number(figure.layout.width), height: Number(figure.layout.height) });
  return dataUrlToBlob(url).text();
}

/** Renders a figure off-page as PNG at `scale` × its layout size. */
export async function figureToPng(figure: { data: readonly object[]; layout: Record<string, unknown> }, scale: number): Promise<Blob> {
  const Plotly = await loadPlotly();
  const url = await Plotly.toImage({ data: figure.data as PlotlyTypes.Data[], layout: figure.layout as Partial<PlotlyTypes.Layout> }, { format: 'png', width: Number(figure.layout.width), height: Number(figure.layout.height), scale });
  return dataUrlToBlob(url);
}

export function PlotlyFigure({ data, layout, minIntervalMs = 400, staticPlot = false, testId, ref }: Props) {
  const div = useRef<HTMLDivElement>(null);
  const latest = useRef({ data, layout, staticPlot });
  latest.current = { data, layout, staticPlot };
  const timer = useRef<ReturnType<typeof setTimeout> | null>(null);
  const lastDraw = useRef(0);

  useEffect(() => {
    const draw = async () => {
      timer.current = null;
      const Plotly = await loadPlotly();
      if (!div.current) return;
      lastDraw.current = performance.now();
      await Plotly.react(div.current, latest.current.data as PlotlyTypes.Data[], latest.current.layout as Partial<PlotlyTypes.Layout>, {
        displaylogo: false,
        responsive: false,
        staticPlot: latest.current.staticPlot,
        modeBarButtonsToRemove: ['toImage', 'lasso2d', 'select2d'],
      });
      div.current?.setAttribute('data-drawn', String(latest.current.data.length));
    };
    if (timer.current) return;
    const wait = Math.max(0, lastDraw.current + minIntervalMs - performance.now());
    timer.current = setTimeout(() => void draw(), wait);
  }, [data, layout, minIntervalMs, staticPlot]);

  useEffect(() => {
    const el = div.current;
    return () => {
      if (timer.current) clearTimeout(timer.current);
      timer.current = null;
      if (el) void loadPlotly().then((Plotly) => Plotly.purge(el));
    };
  }, []);

  useImperativeHandle(
    ref,
    () => ({
      async toSvg() {
        const Plotly = await loadPlotly();
        const url = await Plotly.toImage(div.current!, { format: 'svg', width: Number(layout.width), height: Number(layout.height) });
        return dataUrlToBlob(url).text();
      },
      async toPng(scale: number) {
        const Plotly = await loadPlotly();
        const url = await Plotly.toImage(div.current!, { format: 'png', width: Number(layout.width), height: Number(layout.height), scale });
        return dataUrlToBlob(url);
      },
    }),
    [layout.width, layout.height],
  );

  return <div ref={div} className="plotly-figure" data-testid={testId} />;
}
