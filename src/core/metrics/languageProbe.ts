/**
 * A post-hoc language-ID probe on frozen embeddings (issue 23, item 5): does an embedding still say which
 * language its text is in? A multinomial logistic regression (softmax, L2 on the weights, fitted by
 * L-BFGS in plain TypeScript) is trained on the rows of some questions and scored on the rows of the
 * others, so that translations of one question never straddle the two halves (a probe could otherwise
 * match a test query to its training translation's neighbourhood). The adversarial arm "acts" when its
 * held-out accuracy drops towards the majority baseline; a probe that reads the language as well as
 * before says the adversary did not remove it, whatever its loss did.
 *
 * Features are standardised with the training rows' mean and spread (embeddings are L2-normalised, so
 * their coordinates are ~1/√dim; the L2 weight would otherwise mean something else for every dim).
 * Deterministic in (rows, options): the split and the subsample come from the seeded {@link createRng},
 * the fit from a zero start with a fixed iteration cap.
 */
import type { RetrievalDataset } from '../data/types';
import type { LanguageProbeResult, RetrievalResult } from './resultSchema';
import { createRng } from './rng';

export interface LanguageProbeOptions {
  /** seeds the subsample and the split of the groups (the same for every run, so runs compare) */
  seed: number;
  /** most rows used (train + test): whole groups are taken in a seeded order until the next would exceed it */
  maxRows: number;
  /** share of the kept groups held out for testing (at least one group on each side) */
  testFraction: number;
  /** L2 weight λ of the objective mean(cross-entropy) + λ/2 ‖W‖² (the biases are not penalised) */
  l2: number;
  /** L-BFGS iterations at most */
  maxIterations: number;
}

/**
 * The probe every evaluation records: ≤ 1,200 queries (about 109 XQuAD-R questions in 11 languages, about
 * 300 ms for dim 256 on one busy core, whatever the size of the dataset), 30 % of the questions held out.
 */
export const LANGUAGE_PROBE: Readonly<LanguageProbeOptions> = Object.freeze({ seed: 23, maxRows: 1200, testFraction: 0.3, l2: 0.01, maxIterations: 50 });

/** What the probe reads: one row per text. */
export interface ProbeRows {
  /** [labels.length, dim] row-major */
  embeddings: Float32Array;
  dim: number;
  /** the class of each row (here: the query's language) */
  labels: readonly string[];
  /** rows of one group (here: a question id) are all train or all test */
  groups: readonly string[];
}

/**
 * Trains and scores the probe.
 * @returns null when there is nothing to probe: fewer than two groups, or fewer than two labels among the
 *   training rows (a single-language evaluation)
 * @throws RangeError when the arrays do not agree in length
 */
export function languageProbe(rows: ProbeRows, options: Partial<LanguageProbeOptions> = {}): LanguageProbeResult | null {
  const o = { ...LANGUAGE_PROBE, ...options };
  const { dim, labels, groups, embeddings } = rows;
  if (!Number.isInteger(dim) || dim < 1) throw new RangeError(`languageProbe: dim must be a positive integer (got ${dim})`);
  if (labels.length !== groups.length || embeddings.length !== labels.length * dim) {
    throw new RangeError(`languageProbe: ${labels.length} labels, ${groups.length} groups and ${embeddings.length} values for dim ${dim} do not agree`);
  }
  const split = splitByGroup(groups, o);
  if (!split) return null;
  const classes = [...new Set(split.train.map((i) => labels[i]!))].sort();
  if (classes.length < 2) return null;
  const classOf = new Map(classes.map((c, k) => [c, k]));

  const { mean, scale } = standardisation(embeddings, dim, split.train);
  const x = standardisedRows(embeddings, dim, split.train, mean, scale);
  const y = Int32Array.from(split.train, (i) => classOf.get(labels[i]!)!);
  const K = classes.length;
  const params = fitSoftmaxRegression(x, y, dim, K, o.l2, o.maxIterations);

  const predict = (xs: Float64Array, n: number) => predictClasses(params, xs, n, dim, K);
  const trainPredicted = predict(x, split.train.length);
  const xt = standardisedRows(embeddings, dim, split.test, mean, scale);
  const testPredicted = predict(xt, split.test.length);

  const counts = new Map<string, number>();
  for (const i of split.train) counts.set(labels[i]!, (counts.get(labels[i]!) ?? 0) + 1);
  // the most frequent training language, the alphabetically first on a tie
  const majorityLabel = classes.reduce((best, c) => (counts.get(c)! > counts.get(best)! ? c : best));
  const perLanguage = new Map<string, { right: number; n: number }>();
  let right = 0;
  let majorityRight = 0;
  split.test.forEach((row, t) => {
    const truth = labels[row]!;
    const ok = classes[testPredicted[t]!] === truth;
    if (ok) right++;
    if (truth === majorityLabel) majorityRight++;
    const cell = perLanguage.get(truth) ?? { right: 0, n: 0 };
    cell.n++;
    if (ok) cell.right++;
    perLanguage.set(truth, cell);
  });
  let trainRight = 0;
  for (let t = 0; t < y.length; t++) if (trainPredicted[t] === y[t]) trainRight++;
  return {
    accuracy: right / split.test.length,
    majority: majorityRight / split.test.length,
    train_accuracy: trainRight / y.length,
    per_language: Object.fromEntries([...perLanguage].sort((a, b) => (a[0] < b[0] ? -1 : 1)).map(([lang, c]) => [lang, { accuracy: c.right / c.n, n: c.n }])),
    n_train: split.train.length,
    n_test: split.test.length,
    seed: o.seed,
    l2: o.l2,
  };
}

/**
 * The probe of an evaluation: the query embeddings, labelled by the query's language and grouped by
 * question id ({@link LANGUAGE_PROBE}'s settings).
 * @param queries [dataset.queries.length, dim] row-major, in `dataset.queries` order
 */
export function queryLanguageProbe(dataset: Pick<RetrievalDataset, 'queries'>, queries: Float32Array, dim: number): LanguageProbeResult | null {
  return languageProbe({ embeddings: queries, dim, labels: dataset.queries.map((q) => q.lang), groups: dataset.queries.map((q) => q.questionId) });
}

/**
 * The result with the probe of its query embeddings ({@link queryLanguageProbe}), when there is one to
 * make (two languages or more). `embedAndEvaluate` and `xlir evaluate --embeddings` record it with every
 * evaluation, so that the adversarial arm can be shown to change what a linear probe reads, or not.
 */
export function withLanguageProbe(result: RetrievalResult, dataset: Pick<RetrievalDataset, 'queries'>, embeddings: { queries: Float32Array; dim: number }): RetrievalResult {
  const probe = queryLanguageProbe(dataset, embeddings.queries, embeddings.dim);
  return probe ? { ...result, probe } : result;
}

/** Row indices of the kept groups, test and train; null with fewer than two groups. */
function splitByGroup(groups: readonly string[], o: LanguageProbeOptions): { train: number[]; test: number[] } | null {
  const members = new Map<string, number[]>();
  groups.forEach((g, i) => {
    const m = members.get(g);
    if (m) m.push(i);
    else members.set(g, [i]);
  });
  const order = [...members.values()];
  if (order.length < 2) return null;
  const rng = createRng(o.seed);
  for (let i = order.length - 1; i > 0; i--) {
    const j = rng.int(i + 1);
    [order[i], order[j]] = [order[j]!, order[i]!];
  }
  const kept: number[][] = [];
  let rows = 0;
  for (const m of order) {
    if (kept.length >= 2 && rows + m.length > o.maxRows) break;
    kept.push(m);
    rows += m.length;
  }
  const nTest = Math.min(kept.length - 1, Math.max(1, Math.round(o.testFraction * kept.length)));
  // ascending row order on each side: the result does not depend on the shuffle beyond the membership
  const flat = (gs: number[][]) => gs.flat().sort((a, b) => a - b);
  return { test: flat(kept.slice(0, nTest)), train: flat(kept.slice(nTest)) };
}

function standardisation(e: Float32Array, dim: number, rows: readonly number[]): { mean: Float64Array; scale: Float64Array } {
  const mean = new Float64Array(dim);
  const scale = new Float64Array(dim);
  for (const r of rows) for (let j = 0; j < dim; j++) mean[j]! += e[r * dim + j]!;
  for (let j = 0; j < dim; j++) mean[j]! /= rows.length;
  for (const r of rows) {
    for (let j = 0; j < dim; j++) {
      const d = e[r * dim + j]! - mean[j]!;
      scale[j]! += d * d;
    }
  }
  // a constant coordinate carries nothing: it stays 0 after centring whatever it is divided by
  for (let j = 0; j < dim; j++) {
    const sd = Math.sqrt(scale[j]! / rows.length);
    scale[j] = sd > 1e-12 ? 1 / sd : 1;
  }
  return { mean, scale };
}

function standardisedRows(e: Float32Array, dim: number, rows: readonly number[], mean: Float64Array, scale: Float64Array): Float64Array {
  const x = new Float64Array(rows.length * dim);
  rows.forEach((r, t) => {
    for (let j = 0; j < dim; j++) x[t * dim + j] = (e[r * dim + j]! - mean[j]!) * scale[j]!;
  });
  return x;
}

/**
 * The probe's objective and its gradient: mean over rows of the softmax cross-entropy, plus λ/2 ‖W‖².
 * `params` is W [K, dim] row-major followed by the K biases; `grad` (same length) is overwritten.
 * @param x [n, dim] row-major
 * @param y class of each row, in [0, K)
 * @returns the objective's value
 */
export function softmaxRegressionLoss(params: Float64Array, x: Float64Array, y: Int32Array, dim: number, K: number, l2: number, grad: Float64Array): number {
  const n = y.length;
  const bias = K * dim;
  grad.fill(0);
  const z = new Float64Array(K);
  let loss = 0;
  for (let i = 0; i < n; i++) {
    const off = i * dim;
    let max = -Infinity;
    for (let k = 0; k < K; k++) {
      let s = params[bias + k]!;
      const w = k * dim;
      for (let j = 0; j < dim; j++) s += params[w + j]! * x[off + j]!;
      z[k] = s;
      if (s > max) max = s;
    }
    const yi = y[i]!;
    // −log p_y = log Σ exp(z_k − max) − (z_y − max), from the logits so that no exp underflows into it
    const zy = z[yi]! - max;
    let sum = 0;
    for (let k = 0; k < K; k++) {
      z[k] = Math.exp(z[k]! - max);
      sum += z[k]!;
    }
    loss += Math.log(sum) - zy;
    for (let k = 0; k < K; k++) {
      // ∂CE/∂logit_k = p_k − [k = y], spread over the row's features
      const r = (z[k]! / sum - (k === yi ? 1 : 0)) / n;
      grad[bias + k]! += r;
      const w = k * dim;
      for (let j = 0; j < dim; j++) grad[w + j]! += r * x[off + j]!;
    }
  }
  loss /= n;
  for (let p = 0; p < bias; p++) {
    loss += 0.5 * l2 * params[p]! * params[p]!;
    grad[p]! += l2 * params[p]!;
  }
  return loss;
}

function dot(a: Float64Array, b: Float64Array): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i]! * b[i]!;
  return s;
}

/**
 * L-BFGS (memory 8, Armijo backtracking) from zero; stops at `maxIterations`, a gradient below 1e-6 or a
 * relative decrease below 1e-10. The objective is convex (strictly in W for λ > 0), so the start hardly matters
 * beyond determinism.
 */
function fitSoftmaxRegression(x: Float64Array, y: Int32Array, dim: number, K: number, l2: number, maxIterations: number): Float64Array {
  const size = K * dim + K;
  let params = new Float64Array(size);
  let grad = new Float64Array(size);
  let f = softmaxRegressionLoss(params, x, y, dim, K, l2, grad);
  const memory: { s: Float64Array; y: Float64Array; rho: number }[] = [];
  const alpha = new Float64Array(8);
  for (let it = 0; it < maxIterations; it++) {
    let gmax = 0;
    for (let p = 0; p < size; p++) gmax = Math.max(gmax, Math.abs(grad[p]!));
    if (gmax < 1e-6) break;
    // two-loop recursion: d = −H·g
    const d = Float64Array.from(grad, (g) => -g);
    for (let m = memory.length - 1; m >= 0; m--) {
      const h = memory[m]!;
      alpha[m] = h.rho * dot(h.s, d);
      for (let p = 0; p < size; p++) d[p]! -= alpha[m]! * h.y[p]!;
    }
    if (memory.length) {
      const last = memory[memory.length - 1]!;
      const gamma = 1 / (last.rho * dot(last.y, last.y));
      for (let p = 0; p < size; p++) d[p]! *= gamma;
    }
    for (let m = 0; m < memory.length; m++) {
      const h = memory[m]!;
      const beta = h.rho * dot(h.y, d);
      for (let p = 0; p < size; p++) d[p]! += (alpha[m]! - beta) * h.s[p]!;
    }
    let slope = dot(grad, d);
    if (!(slope < 0)) {
      // not a descent direction (rounding): restart from the gradient
      memory.length = 0;
      for (let p = 0; p < size; p++) d[p] = -grad[p]!;
      slope = dot(grad, d);
    }
    let step = memory.length ? 1 : Math.min(1, 1 / Math.sqrt(-slope));
    const next = new Float64Array(size);
    const nextGrad = new Float64Array(size);
    let fNext = Infinity;
    for (;;) {
      for (let p = 0; p < size; p++) next[p] = params[p]! + step * d[p]!;
      fNext = softmaxRegressionLoss(next, x, y, dim, K, l2, nextGrad);
      if (fNext <= f + 1e-4 * step * slope || step < 1e-10) break;
      step /= 2;
    }
    if (!(fNext < f)) break;
    const s = new Float64Array(size);
    const dy = new Float64Array(size);
    for (let p = 0; p < size; p++) {
      s[p] = next[p]! - params[p]!;
      dy[p] = nextGrad[p]! - grad[p]!;
    }
    const sy = dot(s, dy);
    if (sy > 1e-12) {
      if (memory.length === alpha.length) memory.shift();
      memory.push({ s, y: dy, rho: 1 / sy });
    }
    const decrease = f - fNext;
    params = next;
    grad = nextGrad;
    f = fNext;
    if (decrease < 1e-10 * Math.max(1, Math.abs(f))) break;
  }
  return params;
}

/** argmax of each row's logits (the lowest class on a tie). */
function predictClasses(params: Float64Array, x: Float64Array, n: number, dim: number, K: number): Int32Array {
  const out = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    let best = 0;
    let bestScore = -Infinity;
    for (let k = 0; k < K; k++) {
      let s = params[K * dim + k]!;
      for (let j = 0; j < dim; j++) s += params[k * dim + j]! * x[i * dim + j]!;
      if (s > bestScore) {
        best = k;
        bestScore = s;
      }
    }
    out[i] = best;
  }
  return out;
}
