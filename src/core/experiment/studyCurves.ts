/**
 * A study arm over training (issue 23, items 1 and 6): for each arm, against the step, the mean over its
 * seeds of multi mAP, rank distance over the other languages, the language-ID probe's held-out accuracy,
 * the adversary's gradient-norm ratio and the retrieval loss, with the range over the seeds (lowest to
 * highest seed) as a band. The range, not a t-interval: with three seeds a 95 % t-interval is ±2.5 sd
 * wide and says more about the t distribution with df = 2 than about the runs; the range shows every seed.
 *
 * The evaluations come from each kept run's test-set evaluations at its checkpoints (`test-steps.jsonl`
 * in a study's record, then the run records of the study notebook); the loss from its step log.
 */
import { z } from 'zod';
import { DataFormatError } from '../errors';
import { parseLogLines } from './runLog';
import { ResultWithoutPerQuerySchema, type CURVE_PANEL_KEYS, type CurvePanelSchema, type SeedBandPointSchema } from './studyResults';

/** One line of a kept run's `test-steps.jsonl`: its test-set evaluation at an earlier checkpoint, without per-query values. */
export const TestStepLineSchema = z.object({ step: z.number().int().positive(), result: ResultWithoutPerQuerySchema }).strict();
export type TestStepLine = z.infer<typeof TestStepLineSchema>;

/**
 * Parses a `test-steps.jsonl`.
 * @throws DataFormatError naming the file and the line when a line is malformed or the steps do not ascend
 */
export function parseTestSteps(text: string, file: string): TestStepLine[] {
  const lines = parseLogLines(text, file, TestStepLineSchema);
  lines.forEach((l, i) => {
    if (i > 0 && l.step <= lines[i - 1]!.step) throw new DataFormatError(file, `line ${i + 1}: step`, `steps must ascend (${l.step} after ${lines[i - 1]!.step})`);
  });
  return lines;
}

/** What a seed contributes: its step log and its full evaluations (any step). */
export interface CurveSeedInput {
  logs: readonly { step: number; retrieval_loss: number; grad_ratio?: number | null | undefined }[];
  evaluations: readonly { step: number; result: { multi: { map: number | null; rank_distance_others?: number | undefined }; probe?: { accuracy: number; majority: number } | undefined } }[];
}

export interface CurveArmInput {
  arm: string;
  label: string;
  seeds: readonly CurveSeedInput[];
}

export type SeedBandPoint = z.infer<typeof SeedBandPointSchema>;
export type CurvePanel = z.infer<typeof CurvePanelSchema>;
export type CurvePanelKey = (typeof CURVE_PANEL_KEYS)[number];

export const CURVE_PANELS = [
  { key: 'multi_map', title: 'multi mAP ×100', scale: 100 },
  { key: 'rank_distance_others', title: 'rank distance over the other languages (lower: less bias)', scale: 1 },
  { key: 'probe', title: 'language-ID probe accuracy (held out)', scale: 1 },
  { key: 'grad_ratio', title: '‖g_adv‖ / ‖g_ret‖ at the encoder', scale: 1 },
  { key: 'retrieval_loss', title: 'retrieval loss (mean of each 20 steps)', scale: 1 },
] as const satisfies readonly { key: CurvePanelKey; title: string; scale: number }[];

/** Steps averaged into one point of the retrieval-loss curve: single steps are too noisy to compare arms by. */
export const LOSS_WINDOW = 20;

/** Mean and range of the values at each step; a step keeps the seeds that have a value there. */
export function seedBands(perSeed: readonly ReadonlyMap<number, number>[]): SeedBandPoint[] {
  const steps = [...new Set(perSeed.flatMap((m) => [...m.keys()]))].sort((a, b) => a - b);
  return steps.map((step) => {
    const xs = perSeed.flatMap((m) => (m.has(step) ? [m.get(step)!] : []));
    return { step, mean: xs.reduce((s, x) => s + x, 0) / xs.length, lo: Math.min(...xs), hi: Math.max(...xs), n: xs.length };
  });
}

/** Mean retrieval loss of each complete window of {@link LOSS_WINDOW} steps, at the window's last step. */
export function windowedLoss(logs: CurveSeedInput['logs'], window = LOSS_WINDOW): Map<number, number> {
  const out = new Map<number, number>();
  const byStep = new Map(logs.map((l) => [l.step, l.retrieval_loss]));
  const last = Math.max(0, ...byStep.keys());
  for (let end = window; end <= last; end += window) {
    let sum = 0;
    let n = 0;
    for (let s = end - window + 1; s <= end; s++) {
      const v = byStep.get(s);
      if (v !== undefined && Number.isFinite(v)) {
        sum += v;
        n++;
      }
    }
    if (n === window) out.set(end, sum / n);
  }
  return out;
}

function seedValues(seed: CurveSeedInput, key: CurvePanelKey, scale: number): Map<number, number> {
  if (key === 'retrieval_loss') return windowedLoss(seed.logs);
  const out = new Map<number, number>();
  if (key === 'grad_ratio') {
    for (const l of seed.logs) if (typeof l.grad_ratio === 'number' && Number.isFinite(l.grad_ratio)) out.set(l.step, l.grad_ratio);
    return out;
  }
  for (const e of seed.evaluations) {
    const v = key === 'multi_map' ? e.result.multi.map : key === 'probe' ? e.result.probe?.accuracy : e.result.multi.rank_distance_others;
    if (typeof v === 'number' && Number.isFinite(v)) out.set(e.step, v * scale);
  }
  return out;
}

/** The panels of {@link CURVE_PANELS} for the arms; an arm with no value for a panel (the ratio of an arm without adversary) is left off it. */
export function studyCurvePanels(arms: readonly CurveArmInput[]): CurvePanel[] {
  return CURVE_PANELS.map(({ key, title, scale }) => {
    const majorities = new Set(arms.flatMap((a) => a.seeds.flatMap((s) => s.evaluations.flatMap((e) => (e.result.probe ? [e.result.probe.majority] : [])))));
    return {
      key,
      title,
      arms: arms.flatMap((a) => {
        const points = seedBands(a.seeds.map((s) => seedValues(s, key, scale)));
        return points.length ? [{ arm: a.arm, label: a.label, points }] : [];
      }),
      reference: key === 'probe' && majorities.size === 1 ? [...majorities][0]! : null,
    };
  });
}
