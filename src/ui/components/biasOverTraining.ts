/**
 * Bias over training (issue 23, items 5 and 6): per visible run, against the training step, the
 * multilingual mAP and rank distance of each evaluation the run made (sampled during training, full at
 * the end), and for adversarial runs the ratio ‖g_adv‖ / ‖g_ret‖ of the adversarial to the retrieval
 * gradient at the encoder, from the step log, and the held-out accuracy of the language-ID probe on each
 * evaluation's query embeddings (`core/metrics/languageProbe.ts`) beside its majority baseline, drawn as a
 * reference line: an adversary that removes the language brings the probe down to it. Pure data and
 * layout; `BiasOverTraining.tsx` draws it.
 * Sampled and full figures are kept apart: the sampled ones are estimates on smaller candidate pools
 * (mAP runs high), so a line joins only evaluations of one kind.
 */
import type { PanelFrameModel } from './PanelFrame';
import type { Evaluation } from '../../core/experiment/notebook';
import type { StepLog } from '../../core/experiment/runLog';
import { niceTicks, tickLabel } from './lossPanelSvg';

export interface BiasRunInput {
  id: string;
  name: string;
  color: string;
  logs: readonly Pick<StepLog, 'step' | 'grad_ratio'>[];
  evaluations: readonly (Pick<Evaluation, 'step' | 'kind'> & { result: { multi: { map: number | null; rank_distance: number }; probe?: { accuracy: number; majority: number } | undefined } })[];
}

export const BIAS_PANELS = [
  { key: 'map', title: 'multi mAP' },
  { key: 'rank_distance', title: 'rank distance (multi; lower: less bias)' },
  { key: 'grad_ratio', title: '‖g_adv‖ / ‖g_ret‖ at the encoder' },
  { key: 'probe', title: 'language-ID probe accuracy (held out)' },
] as const;
export type BiasPanelKey = (typeof BIAS_PANELS)[number]['key'];

/** One run's points of one kind on a panel, ascending in step. */
export interface BiasSeries {
  runId: string;
  name: string;
  color: string;
  /** `sampled`/`full`: evaluations; `step`: the step log's measurements */
  kind: 'sampled' | 'full' | 'step';
  points: [step: number, value: number][];
}

/** A horizontal reference line: the probe's majority baseline of one evaluation kind. */
export interface BiasReference {
  kind: 'sampled' | 'full';
  value: number;
}

export interface BiasPanel {
  key: BiasPanelKey;
  title: string;
  series: BiasSeries[];
  /** the probe panel's majority baselines, one per kind and distinct value (the same for every run on one evaluation set) */
  references: BiasReference[];
}

/**
 * The four panels' series; a run adds nothing to a panel it has no value for (the ratio of a run
 * without an adversary, the probe of an evaluation recorded before it existed or on one language).
 * Evaluations repeated at a step (a resumed run) keep the last one.
 */
export function biasPanels(runs: readonly BiasRunInput[]): BiasPanel[] {
  return BIAS_PANELS.map(({ key, title }) => {
    const series: BiasSeries[] = [];
    const references = new Map<string, BiasReference>();
    for (const run of runs) {
      const base = { runId: run.id, name: run.name, color: run.color };
      if (key === 'grad_ratio') {
        const points = byStep(run.logs.flatMap((l) => (typeof l.grad_ratio === 'number' && Number.isFinite(l.grad_ratio) ? [[l.step, l.grad_ratio] as [number, number]] : [])));
        if (points.length) series.push({ ...base, kind: 'step', points });
        continue;
      }
      for (const kind of ['sampled', 'full'] as const) {
        const points = byStep(
          run.evaluations.flatMap((e) => {
            const v = key === 'map' ? e.result.multi.map : key === 'probe' ? (e.result.probe?.accuracy ?? null) : e.result.multi.rank_distance;
            if (e.kind !== kind || v === null || !Number.isFinite(v)) return [];
            const majority = e.result.probe?.majority;
            if (key === 'probe' && majority !== undefined) references.set(`${kind} ${majority}`, { kind, value: majority });
            return [[e.step, v] as [number, number]];
          }),
        );
        if (points.length) series.push({ ...base, kind, points });
      }
    }
    return { key, title, series, references: [...references.values()].sort((a, b) => (a.kind === b.kind ? a.value - b.value : a.kind === 'sampled' ? -1 : 1)) };
  });
}

function byStep(points: [number, number][]): [number, number][] {
  const last = new Map<number, number>();
  for (const [s, v] of points) last.set(s, v);
  return [...last].sort((a, b) => a[0] - b[0]);
}

const MARGIN = { l: 52, r: 10, t: 26, b: 34 };

/** A panel ready to draw as SVG: ticks, a path per series (lines of ≥ 2 points) and its markers (px). */
export interface BiasPanelModel extends PanelFrameModel {
  series: { name: string; color: string; kind: BiasSeries['kind']; d: string | null; markers: { x: number; y: number; step: number; value: number }[] }[];
  /** the reference lines across the plot box: at height `y` (px), named for the tooltip */
  references: { y: number; value: number; label: string }[];
}

/**
 * Lays out a panel: x over its steps, y over its values and reference lines padded 5 % (from 0 for the
 * ratio, rank distance and probe accuracy, which are ≥ 0, so a ratio near 0 reads as "the adversary barely
 * acts" and a probe's distance from its baseline is seen in proportion).
 */
export function biasPanelModel(panel: BiasPanel, width = 360, height = 210): BiasPanelModel {
  const box = { x0: MARGIN.l, x1: width - MARGIN.r, y0: height - MARGIN.b, y1: MARGIN.t };
  const all = panel.series.flatMap((s) => s.points);
  const xs = all.map((p) => p[0]);
  const ys = [...all.map((p) => p[1]), ...(all.length ? panel.references.map((r) => r.value) : [])];
  let [xlo, xhi] = xs.length ? [Math.min(...xs), Math.max(...xs)] : [0, 1];
  if (xlo === xhi) [xlo, xhi] = [xlo - 0.5, xhi + 0.5];
  let [ylo, yhi] = ys.length ? [Math.min(...ys), Math.max(...ys)] : [0, 1];
  if (panel.key !== 'map') ylo = Math.min(0, ylo);
  const pad = (yhi - ylo) * 0.05 || Math.abs(yhi) * 0.05 || 0.5;
  [ylo, yhi] = [panel.key === 'map' ? ylo - pad : ylo, yhi + pad];
  const sx = (x: number) => round(box.x0 + ((x - xlo) / (xhi - xlo)) * (box.x1 - box.x0));
  const sy = (y: number) => round(box.y0 - ((y - ylo) / (yhi - ylo)) * (box.y0 - box.y1));
  const xt = niceTicks(xlo, xhi, 5, 1);
  const yt = niceTicks(ylo, yhi, 4);
  const xstep = xt.length > 1 ? xt[1]! - xt[0]! : 1;
  const ystep = yt.length > 1 ? yt[1]! - yt[0]! : Math.abs(yt[0] ?? 1);
  return {
    width,
    height,
    title: panel.title,
    box,
    xTicks: xt.map((v) => ({ at: sx(v), label: tickLabel(v, xstep, false) })),
    yTicks: yt.map((v) => ({ at: sy(v), label: tickLabel(v, ystep, false) })),
    series: panel.series.map((s) => {
      const markers = s.points.map(([step, value]) => ({ x: sx(step), y: sy(value), step, value }));
      return {
        name: s.kind === 'step' ? s.name : `${s.name} (${s.kind})`,
        color: s.color,
        kind: s.kind,
        d: markers.length > 1 ? markers.map((m, i) => `${i ? 'L' : 'M'}${m.x},${m.y}`).join('') : null,
        markers,
      };
    }),
    references: all.length ? panel.references.map((r) => ({ y: sy(r.value), value: r.value, label: `majority baseline (${r.kind} evaluations): ${r.value.toPrecision(3)}` })) : [],
  };
}

function round(v: number): number {
  return Math.round(v * 100) / 100;
}
