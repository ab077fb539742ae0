/**
 * Does the adversary act? (issue 23, item 5) The study's answer in two tables: how well a held-out linear
 * probe reads the query's language from each arm's embeddings at the end of training (`languageProbe.ts`,
 * recorded with every evaluation), with the seed-level test of the adversarial arm against the arm that
 * trains on the same batches without the adversary; and how large the adversary's gradient at the encoder
 * was beside the retrieval loss's (‖g_adv‖ / ‖g_ret‖, logged every 10th step). Plain {@link TableSpec}s, so
 * REPORT.md and the app's study cell print the same rows.
 */
import { meanStd, type StudyDirection } from '../experiment/studyResults';
import { seedDifferenceTest, type SeedDifferenceTest } from '../metrics/seedLevelInference';
import type { TableSpec } from './table';
import { studyPValue, STUDY_SIGNIFICANCE } from './studyTables';

type Arm = StudyDirection['arms'][number];

/** The adversarial arm and its counterpart (the arm whose strategy is the adversary's sampler), if the direction has both. */
export function adversarialPair(direction: StudyDirection): { adversarial: Arm; counterpart: Arm } | null {
  const adversarial = direction.arms.find((a) => a.seeds[0]?.config.strategy.kind === 'adversarial');
  const strategy = adversarial?.seeds[0]?.config.strategy;
  if (!adversarial || strategy?.kind !== 'adversarial') return null;
  const counterpart = direction.arms.find((a) => a !== adversarial && a.seeds.every((s) => s.config.strategy.kind === strategy.sampler));
  return counterpart ? { adversarial, counterpart } : null;
}

const probeBySeed = (arm: Arm) => new Map(arm.seeds.flatMap((s) => (s.result.probe ? [[s.seed, s.result.probe.accuracy] as const] : [])));

export interface AdversaryProbeEffect {
  adversarial: string;
  counterpart: string;
  /** the adversarial arm's probe accuracy minus the counterpart's, per seed and tested across seeds */
  test: SeedDifferenceTest;
  verdict: 'lowers' | 'raises' | 'does not change';
}

/**
 * The seed-level test of the adversarial arm's probe accuracy against its counterpart's (paired by seed).
 * The verdict is a change only when the t-test across seeds rejects at `alpha`.
 * @returns null when the direction has no such pair, or a seed without a probe
 */
export function adversaryProbeEffect(direction: StudyDirection, alpha = STUDY_SIGNIFICANCE): AdversaryProbeEffect | null {
  const pair = adversarialPair(direction);
  if (!pair) return null;
  const a = probeBySeed(pair.adversarial);
  const b = probeBySeed(pair.counterpart);
  if (a.size !== pair.adversarial.seeds.length || b.size !== pair.counterpart.seeds.length || a.size < 2 || b.size < 2) return null;
  const test = seedDifferenceTest(a, b);
  const verdict = test.p < alpha ? (test.diff < 0 ? 'lowers' : 'raises') : 'does not change';
  return { adversarial: pair.adversarial.label, counterpart: pair.counterpart.label, test, verdict };
}

/** One sentence for the report and the app: what the adversary did to the probe, with its test. */
export function adversaryProbeSentence(effect: AdversaryProbeEffect): string {
  const t = effect.test;
  const pts = (x: number) => `${x >= 0 ? '+' : ''}${(x * 100).toFixed(2)}`;
  const what =
    effect.verdict === 'does not change'
      ? `does not change what the probe reads: its accuracy differs from ${effect.counterpart}'s by ${pts(t.diff)} points`
      : `${effect.verdict} what the probe reads: its accuracy is ${pts(t.diff)} points against ${effect.counterpart}'s`;
  return `${effect.adversarial} ${what} (per seed ${t.differences.map(pts).join(', ')}; t-test across seeds p = ${studyPValue(t.p)}, df ${t.df}${t.pSignFlip !== null ? `; sign flip p = ${t.pSignFlip.toFixed(3)}` : ''}).`;
}

/**
 * Probe accuracy per arm at the end of training: mean ± sd over seeds, each seed's value, the probe's
 * accuracy on its own training rows and the majority baseline (× 100). Null when no seed has a probe.
 */
export function studyProbeTable(direction: StudyDirection): TableSpec | null {
  const arms = direction.arms.filter((a) => a.seeds.every((s) => s.result.probe));
  if (arms.length === 0) return null;
  const effect = adversaryProbeEffect(direction);
  const x100 = (v: number) => v * 100;
  return {
    columns: [
      { key: 'arm', label: 'strategy' },
      { key: 'acc', label: 'probe accuracy ×100', digits: 1, best: 'min' },
      { key: 'sd', label: '± sd', digits: 1 },
      { key: 'perSeed', label: 'per seed' },
      { key: 'train', label: 'on its training rows ×100', digits: 1 },
      { key: 'majority', label: 'majority baseline ×100', digits: 1 },
    ],
    rows: arms.map((arm) => {
      const probes = arm.seeds.map((s) => s.result.probe!);
      const { mean, std } = meanStd(probes.map((p) => x100(p.accuracy)));
      return {
        arm: arm.label,
        acc: mean,
        sd: std,
        perSeed: probes.map((p) => x100(p.accuracy).toFixed(1)).join(', '),
        train: meanStd(probes.map((p) => x100(p.train_accuracy))).mean,
        majority: meanStd(probes.map((p) => x100(p.majority))).mean,
      };
    }),
    caption: `A multinomial logistic regression reads each query's language from its frozen embedding at the end of training: trained on the queries of some questions, scored on the queries of the others (${probeSplit(arms[0]!)}). Near the majority baseline the embeddings hide the language; an adversary that removes it brings the probe down.${effect ? ` ${adversaryProbeSentence(effect)}` : ''}`,
  };
}

function probeSplit(arm: Arm): string {
  const p = arm.seeds[0]!.result.probe!;
  return `${p.n_train.toLocaleString('en')} training and ${p.n_test.toLocaleString('en')} test queries, L2 ${p.l2}`;
}

/**
 * ‖g_adv‖ / ‖g_ret‖ at the encoder for each seed of the adversarial arm (`seeds[].gradRatio`, from its step
 * log): its mean over the logged steps, the first and last logged values and the largest. Null when the arm
 * has no logged ratio.
 */
export function studyGradientRatioTable(direction: StudyDirection): TableSpec | null {
  const arm = direction.arms.find((a) => a.seeds[0]?.config.strategy.kind === 'adversarial');
  if (!arm) return null;
  const rows = arm.seeds.flatMap((s) => {
    const points = s.gradRatio ?? [];
    if (points.length === 0) return [];
    const values = points.map((p) => p[1]);
    return [{ seed: String(s.seed), n: points.length, mean: meanStd(values).mean, first: `${values[0]!.toPrecision(3)} (step ${points[0]![0]})`, last: `${values.at(-1)!.toPrecision(3)} (step ${points.at(-1)![0]})`, max: Math.max(...values) }];
  });
  if (rows.length === 0) return null;
  const strategy = arm.seeds[0]!.config.strategy;
  return {
    columns: [
      { key: 'seed', label: 'seed' },
      { key: 'n', label: 'steps logged' },
      { key: 'mean', label: 'mean ratio', digits: 4 },
      { key: 'first', label: 'first' },
      { key: 'last', label: 'last' },
      { key: 'max', label: 'largest', digits: 4 },
    ],
    rows,
    caption: `${arm.label}: the norm of the adversarial term's gradient at the encoder over the retrieval loss's, every 10th step and at the last (both on the same batch, before clipping; the adversarial term as it enters the update, through the gradient-reversal layer and scaled by λ${strategy.kind === 'adversarial' ? `, which rises to ${strategy.lambdaMax}` : ''}). Near 0 the adversary barely moves the encoder.`,
  };
}
