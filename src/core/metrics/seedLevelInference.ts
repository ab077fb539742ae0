/**
 * Inference across training runs (issue 23, item 1). The per-query tests of `significance.ts` compare two
 * arms' seed-mean scores and so see only the variation across queries; but an arm is a training recipe,
 * and a second set of seeds would give other models. Two answers that treat the seed as a random effect:
 *
 *  - {@link hierarchicalBootstrapCI}: a two-level bootstrap, seeds × questions. Each resample draws the
 *    questions with replacement (the same draw for both arms: the queries are shared), then, independently
 *    for each arm, its seeds with replacement, and recomputes the difference of the arms' seed-mean figures.
 *    Resampling seeds independently per arm does not assume the arms' seeds are paired, so it is the
 *    conservative choice when they share only a seed number.
 *  - {@link seedDifferenceTest}: the per-seed difference d_s = figure_A(s) − figure_B(s) for the seeds both
 *    arms ran (same seed: same data order and initial head), and a one-sample t-test of mean d = 0 across
 *    seeds (df = S − 1). The question-level noise is already averaged inside each d_s, so the t-test's
 *    variance is the seed-to-seed variance of the difference: the random effect. It assumes d_s roughly
 *    normal. Its exact distribution-free counterpart, the sign flip over seeds, is reported beside it: with
 *    S seeds its smallest two-sided p is 2 / 2^S, 0.25 for 3 seeds, so 3 seeds can never reject at 0.05
 *    without the normal assumption; the t-test can, when the seeds agree closely.
 * Arms with different seed sets fall back to Welch's unpaired t-test on the seed figures (sign flip: none).
 */
import type { Rng } from './rng';

/** One arm's per-seed, per-question contributions: `values[s][q]`; the seed's figure is Σ_q values[s][q]. */
export type SeedQuestionValues = readonly ArrayLike<number>[];

export interface HierarchicalBootstrapResult {
  /** observed: mean over A's seeds of its figure minus the same for B */
  diff: number;
  lo: number;
  hi: number;
  level: number;
  resamples: number;
}

function check(arm: SeedQuestionValues, name: string, questions: number): void {
  if (arm.length === 0) throw new RangeError(`${name}: no seeds`);
  arm.forEach((row, s) => {
    if (row.length !== questions) throw new RangeError(`${name}: seed ${s} has ${row.length} questions, expected ${questions}`);
    for (let q = 0; q < row.length; q++) if (!Number.isFinite(row[q]!)) throw new RangeError(`${name}: seed ${s} question ${q} is not finite`);
  });
}

const sum = (xs: ArrayLike<number>) => {
  let s = 0;
  for (let i = 0; i < xs.length; i++) s += xs[i]!;
  return s;
};
const meanOf = (xs: readonly number[]) => xs.reduce((s, x) => s + x, 0) / xs.length;

/** Linear-interpolation quantile (type 7) of sorted values. */
function quantile(sorted: Float64Array, q: number): number {
  const pos = (sorted.length - 1) * q;
  const lo = Math.floor(pos);
  const hi = Math.ceil(pos);
  return sorted[lo]! + (sorted[hi]! - sorted[lo]!) * (pos - lo);
}

/**
 * Percentile CI of the difference of two arms' seed-mean figures under the seeds × questions bootstrap.
 * Question q must be the same unit in both arms and every seed (e.g. a question's weighted contribution
 * to a setting's macro mean, so that the figure is the sum over questions, as in `significance.ts`).
 * Questions are drawn with replacement and scaled so a resample's figure stays a sum over Q questions.
 * Cost: resamples × (S_A + S_B) × Q.
 */
export function hierarchicalBootstrapCI(a: SeedQuestionValues, b: SeedQuestionValues, options: { rng: Rng; resamples?: number; level?: number }): HierarchicalBootstrapResult {
  const resamples = options.resamples ?? 10_000;
  const level = options.level ?? 0.95;
  if (!Number.isInteger(resamples) || resamples < 1) throw new RangeError(`resamples must be a positive integer (got ${resamples})`);
  if (!(level > 0 && level < 1)) throw new RangeError(`level must lie in (0, 1) (got ${level})`);
  const Q = a[0]?.length ?? 0;
  if (Q === 0) throw new RangeError('hierarchicalBootstrapCI: no questions');
  check(a, 'arm A', Q);
  check(b, 'arm B', Q);
  const rows = [...a, ...b];
  const figureA = new Float64Array(a.length);
  const figureB = new Float64Array(b.length);
  const stats = new Float64Array(resamples);
  const draw = new Int32Array(Q);
  const { rng } = options;
  for (let r = 0; r < resamples; r++) {
    for (let q = 0; q < Q; q++) draw[q] = rng.int(Q);
    rows.forEach((row, s) => {
      let total = 0;
      for (let q = 0; q < Q; q++) total += row[draw[q]!]!;
      if (s < a.length) figureA[s] = total;
      else figureB[s - a.length] = total;
    });
    let ma = 0;
    for (let s = 0; s < a.length; s++) ma += figureA[rng.int(a.length)]!;
    let mb = 0;
    for (let s = 0; s < b.length; s++) mb += figureB[rng.int(b.length)]!;
    stats[r] = ma / a.length - mb / b.length;
  }
  stats.sort();
  const tail = (1 - level) / 2;
  const diff = meanOf(a.map(sum)) - meanOf(b.map(sum));
  return { diff, lo: quantile(stats, tail), hi: quantile(stats, 1 - tail), level, resamples };
}

/** ln Γ(x) for x > 0 (Lanczos, g = 7; relative error below 1e-13). */
function logGamma(x: number): number {
  const c = [0.9999999999998099, 676.5203681218851, -1259.1392167224028, 771.3234287776531, -176.6150291621406, 12.507343278686905, -0.13857109526572012, 9.984369578019572e-6, 1.5056327351493116e-7];
  if (x < 0.5) return Math.log(Math.PI / Math.sin(Math.PI * x)) - logGamma(1 - x);
  x -= 1;
  let s = c[0]!;
  for (let i = 1; i < 9; i++) s += c[i]! / (x + i);
  const t = x + 7.5;
  return 0.5 * Math.log(2 * Math.PI) + (x + 0.5) * Math.log(t) - t + Math.log(s);
}

/** Continued fraction of the regularized incomplete beta (Lentz; Numerical Recipes' betacf). */
function betaFraction(a: number, b: number, x: number): number {
  const tiny = 1e-300;
  let c = 1;
  let d = 1 - ((a + b) * x) / (a + 1);
  if (Math.abs(d) < tiny) d = tiny;
  d = 1 / d;
  let h = d;
  for (let m = 1; m <= 300; m++) {
    const m2 = 2 * m;
    let aa = (m * (b - m) * x) / ((a + m2 - 1) * (a + m2));
    d = 1 + aa * d;
    if (Math.abs(d) < tiny) d = tiny;
    c = 1 + aa / c;
    if (Math.abs(c) < tiny) c = tiny;
    d = 1 / d;
    h *= d * c;
    aa = (-(a + m) * (a + b + m) * x) / ((a + m2) * (a + m2 + 1));
    d = 1 + aa * d;
    if (Math.abs(d) < tiny) d = tiny;
    c = 1 + aa / c;
    if (Math.abs(c) < tiny) c = tiny;
    d = 1 / d;
    const del = d * c;
    h *= del;
    if (Math.abs(del - 1) < 1e-15) break;
  }
  return h;
}

/** The regularized incomplete beta function I_x(a, b). */
function incompleteBeta(x: number, a: number, b: number): number {
  if (x <= 0) return 0;
  if (x >= 1) return 1;
  const front = Math.exp(logGamma(a + b) - logGamma(a) - logGamma(b) + a * Math.log(x) + b * Math.log(1 - x));
  return x < (a + 1) / (a + b + 2) ? (front * betaFraction(a, b, x)) / a : 1 - (front * betaFraction(b, a, 1 - x)) / b;
}

/** Two-sided p of Student's t with `df` degrees of freedom: P(|T| ≥ |t|) = I_{df/(df+t²)}(df/2, 1/2). */
export function studentTwoSidedP(t: number, df: number): number {
  if (!(df > 0)) throw new RangeError(`df must be positive (got ${df})`);
  if (!Number.isFinite(t)) return Number.isNaN(t) ? NaN : 0;
  return incompleteBeta(df / (df + t * t), df / 2, 0.5);
}

export interface SeedDifferenceTest {
  /** 'paired': t-test of the per-seed differences; 'welch': the arms ran different seeds */
  kind: 'paired' | 'welch';
  /** mean of A's seed figures minus mean of B's */
  diff: number;
  /** the per-seed differences (paired), in seed order */
  differences: number[];
  t: number;
  df: number;
  p: number;
  /** exact sign flip over seeds (paired only; null for Welch) */
  pSignFlip: number | null;
  /** the smallest two-sided p the sign flip can give with this many seeds, 2 / 2^S */
  pSignFlipMin: number | null;
}

/**
 * The seed-level test of arm A against arm B from each seed's figure (e.g. its mAP), keyed by seed.
 * Identical per-seed differences (sd 0) give t = ±∞ and p = 0 unless they are all 0 (p = 1).
 * @throws RangeError with fewer than two seeds per arm (nothing to estimate the seed variance from)
 */
export function seedDifferenceTest(a: ReadonlyMap<number, number>, b: ReadonlyMap<number, number>): SeedDifferenceTest {
  if (a.size < 2 || b.size < 2) throw new RangeError(`seedDifferenceTest: need at least two seeds per arm (got ${a.size} and ${b.size})`);
  const xs = [...a.values()];
  const ys = [...b.values()];
  const diff = meanOf(xs) - meanOf(ys);
  const variance = (v: readonly number[]) => {
    const m = meanOf(v);
    return v.reduce((s, x) => s + (x - m) ** 2, 0) / (v.length - 1);
  };
  const tOf = (num: number, se: number) => (se > 0 ? num / se : num === 0 ? 0 : Math.sign(num) * Infinity);
  const paired = a.size === b.size && [...a.keys()].every((k) => b.has(k));
  if (!paired) {
    const va = variance(xs) / xs.length;
    const vb = variance(ys) / ys.length;
    const t = tOf(diff, Math.sqrt(va + vb));
    const df = va + vb === 0 ? xs.length + ys.length - 2 : (va + vb) ** 2 / (va ** 2 / (xs.length - 1) + vb ** 2 / (ys.length - 1));
    return { kind: 'welch', diff, differences: [], t, df, p: t === 0 ? 1 : studentTwoSidedP(t, df), pSignFlip: null, pSignFlipMin: null };
  }
  const seeds = [...a.keys()].sort((x, y) => x - y);
  const d = seeds.map((s) => a.get(s)! - b.get(s)!);
  const S = d.length;
  const t = tOf(meanOf(d), Math.sqrt(variance(d) / S));
  // exact sign flip: all 2^S patterns of ± on the differences, two-sided, ties within rounding counted
  // (beyond 20 seeds the t-test alone: the enumeration would take 2^S steps)
  if (S > 20) return { kind: 'paired', diff, differences: d, t, df: S - 1, p: t === 0 ? 1 : studentTwoSidedP(t, S - 1), pSignFlip: null, pSignFlipMin: 2 / 2 ** S };
  const observed = Math.abs(d.reduce((s, x) => s + x, 0));
  const scale = d.reduce((s, x) => s + Math.abs(x), 0);
  let extreme = 0;
  for (let mask = 0; mask < 2 ** S; mask++) {
    let total = 0;
    for (let i = 0; i < S; i++) total += (mask >>> i) & 1 ? d[i]! : -d[i]!;
    if (Math.abs(total) >= observed - 1e-12 * scale) extreme++;
  }
  return { kind: 'paired', diff, differences: d, t, df: S - 1, p: t === 0 ? 1 : studentTwoSidedP(t, S - 1), pSignFlip: extreme / 2 ** S, pSignFlipMin: 2 / 2 ** S };
}

/** The question a query id `{lang}:{question id}` asks. */
const questionOf = (queryId: string) => queryId.slice(queryId.indexOf(':') + 1);

/**
 * One seed's per-question units of a setting from its per-query values (`per_query.mono` etc.: cell →
 * query id → value): query q of cell c adds value / (#cells · n_c) to its question, so the units sum to
 * the setting's figure (macro mean over cells of the cell means). `questions` numbers the questions and is
 * shared by every seed and arm compared (a question new to it is appended; units then have its length).
 */
export function questionUnits(perQuery: Record<string, Record<string, number>>, questions: Map<string, number>): Float64Array {
  const cells = Object.values(perQuery);
  for (const cell of cells) for (const id of Object.keys(cell)) if (!questions.has(questionOf(id))) questions.set(questionOf(id), questions.size);
  const units = new Float64Array(questions.size);
  for (const cell of cells) {
    const ids = Object.keys(cell);
    const w = 1 / (cells.length * ids.length);
    for (const id of ids) units[questions.get(questionOf(id))!]! += cell[id]! * w;
  }
  return units;
}

/** Pads units made before the question map grew (questions absent from a seed contribute 0). */
export function padUnits(units: Float64Array, length: number): Float64Array {
  if (units.length === length) return units;
  const out = new Float64Array(length);
  out.set(units);
  return out;
}
