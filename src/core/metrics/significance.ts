/**
 * Paired significance tests for two systems evaluated on the same queries (the question ICLR reviewer 2 put
 * to the paper, `notes/paper-method.md` §1.4). Queries are grouped in strata (the cells of a setting); the
 * statistic is the macro mean over strata of the mean per-query difference a − b, which is exactly the
 * difference of the setting figures (macro mean of cell mAPs). With one stratum it is the cell's mAP
 * difference.
 *
 * The unit that is sign-flipped and resampled is a cluster of queries. By default every query is its own
 * cluster. A setting's strata hold the same question once per cell (its translations in XQuAD-R and MLQA-R,
 * and the same query against each target language), and those differences move together; treating them as
 * independent would understate the variance of the statistic (on the tiny-model study, the sd of a
 * setting's difference was 1.1 to 1.8 times larger with questions as clusters). So `compareRetrieval`
 * clusters a setting's queries by question: a question's differences keep or flip their signs together,
 * and the bootstrap draws whole questions.
 */
import type { Rng } from './rng';

/** Paired per-query scores of one stratum: `a[i]` and `b[i]` belong to the same query. */
export interface PairedStratum {
  a: ArrayLike<number>;
  b: ArrayLike<number>;
  /**
   * Cluster of each query (any integers; equal values across strata are one cluster). Either every stratum
   * has one or none does; without, each query is its own cluster.
   */
  cluster?: ArrayLike<number>;
}

interface Flat {
  /** per-cluster sum of the per-query differences, each times its weight 1 / (#strata · n_stratum) */
  units: Float64Array;
  /** whether the strata named clusters (else `units` are the queries in stratum order) */
  clustered: boolean;
  observed: number;
}

function flatten(strata: readonly PairedStratum[], what: string): Flat {
  if (strata.length === 0) throw new RangeError(`${what}: no strata`);
  const clustered = strata[0]!.cluster !== undefined;
  let total = 0;
  for (const [s, { a, b, cluster }] of strata.entries()) {
    if (a.length !== b.length) throw new RangeError(`${what}: stratum ${s} pairs ${a.length} scores with ${b.length}`);
    if (a.length === 0) throw new RangeError(`${what}: stratum ${s} is empty`);
    if ((cluster !== undefined) !== clustered) throw new RangeError(`${what}: stratum ${s} ${clustered ? 'lacks' : 'has'} clusters, unlike stratum 0`);
    if (cluster && cluster.length !== a.length) throw new RangeError(`${what}: stratum ${s} has ${cluster.length} clusters for ${a.length} scores`);
    total += a.length;
  }
  const sums = new Float64Array(total);
  // cluster id → index in `sums`, in order of first appearance, so that singleton clusters reproduce the
  // unclustered order (and random draws) exactly
  const index = new Map<number, number>();
  let k = 0;
  let observed = 0;
  for (const { a, b, cluster } of strata) {
    const w = 1 / (strata.length * a.length);
    for (let i = 0; i < a.length; i++) {
      const d = (a[i]! - b[i]!) * w;
      if (!Number.isFinite(d)) throw new RangeError(`${what}: non-finite score at query ${i}`);
      let u = k;
      if (cluster) {
        const id = cluster[i]!;
        const seen = index.get(id);
        if (seen === undefined) index.set(id, k);
        else u = seen;
      }
      if (u === k) k++;
      sums[u]! += d;
      observed += d;
    }
  }
  return { units: sums.subarray(0, k), clustered, observed };
}

/**
 * How many numbers the kernels below draw from the generator per `fill` call: large enough that the call is
 * rare, small enough (512 KiB) to stay in cache.
 */
const DRAW_BLOCK = 1 << 17;

/** `x` times SIGNS[bit] is −x for a clear bit and x for a set one, exactly (a multiply by ±1 only flips the sign). */
const SIGNS = new Float64Array([-1, 1]);

/**
 * The randomization test's loop: for each of `permutations` sign patterns, whether the magnitude of the
 * signed sum of `units` reaches `threshold`. A pattern is ⌈n/32⌉ consecutive draws and unit i takes bit
 * (i mod 32) of draw ⌊i/32⌋ (set: +, clear: −), as in the plain loop that adds `bit ? u : −u` in unit
 * order; the count, hence p, is exactly that loop's:
 * - the draws come in blocks (`rng.fill`), the same stream;
 * - the sum is taken 8 units at a time from a table of each byte's 256 signed sums, in four accumulators
 *   (~8× fewer additions). That sum rounds differently from the plain loop's, by at most
 *   {@link roundingMargin}; where it lies that close to the threshold, the plain sum decides.
 */
function countExtreme(units: Float64Array, permutations: number, threshold: number, rng: Rng): number {
  const n = units.length;
  const words = Math.ceil(n / 32);
  // The table costs 256 additions and 2 KiB per 8 units: worth it from a few hundred patterns on, and kept
  // to 2¹⁴ units (4 MiB); otherwise every pattern takes the plain sum.
  const tabled = permutations >= 256 && n <= 16384;
  // table[g·256 + byte]: the signed sum of units 8g … 8g+7 for the sign bits in `byte` (bits past n add nothing)
  const table = new Float64Array(tabled ? words * 4 * 256 : 0);
  for (let g = 0; tabled && g * 8 < n; g++) {
    for (let byte = 0; byte < 256; byte++) {
      let sum = 0;
      for (let j = 0; j < 8 && g * 8 + j < n; j++) sum += units[g * 8 + j]! * SIGNS[(byte >>> j) & 1]!;
      table[g * 256 + byte] = sum;
    }
  }
  let scale = 0;
  for (let i = 0; i < n; i++) scale += Math.abs(units[i]!);
  const margin = roundingMargin(n, scale);
  // without the table, every pattern falls between these and the plain sum decides
  const surelyAbove = tabled ? threshold + margin : Infinity;
  const surelyBelow = tabled ? threshold - margin : -Infinity;
  const perBlock = Math.max(1, Math.floor(DRAW_BLOCK / words));
  const block = new Uint32Array(words * Math.min(perBlock, permutations));
  let extreme = 0;
  for (let done = 0; done < permutations; ) {
    const m = Math.min(perBlock, permutations - done);
    const draws = m * words === block.length ? block : block.subarray(0, m * words);
    rng.fill(draws);
    for (let q = 0, base = 0; q < m; q++, base += words) {
      let s0 = 0;
      let s1 = 0;
      let s2 = 0;
      let s3 = 0;
      for (let k = 0, t = 0; tabled && k < words; k++, t += 1024) {
        const w = draws[base + k]!;
        s0 += table[t + (w & 255)]!;
        s1 += table[t + 256 + ((w >>> 8) & 255)]!;
        s2 += table[t + 512 + ((w >>> 16) & 255)]!;
        s3 += table[t + 768 + (w >>> 24)]!;
      }
      const fast = Math.abs(s0 + s1 + (s2 + s3));
      if (fast >= surelyAbove) extreme++;
      else if (fast >= surelyBelow && Math.abs(plainSignedSum(units, draws, base)) >= threshold) extreme++;
    }
    done += m;
  }
  return extreme;
}

/** The plain loop's signed sum of one pattern (its draws start at `draws[base]`), in unit order. */
function plainSignedSum(units: Float64Array, draws: Uint32Array, base: number): number {
  let sum = 0;
  for (let i = 0; i < units.length; i++) sum += units[i]! * SIGNS[(draws[base + (i >>> 5)]! >>> (i & 31)) & 1]!;
  return sum;
}

/**
 * A bound on |table sum − plain sum| for n units of total magnitude `scale`: recursive summation of k
 * terms errs by at most (k − 1)·u·Σ|terms| (Higham, *Accuracy and Stability of Numerical Algorithms*,
 * §4.2; u = 2⁻⁵³). The plain sum has k = n; the table sum adds ≤ 8 terms per entry, then ≤ ⌈n/32⌉ entries
 * per accumulator and the 4 accumulators, so the two differ by at most (n + n/32 + 10)·u·scale. The margin,
 * (2n + 128)·2⁻⁵²·scale, is more than four times that, which covers the second-order terms.
 */
function roundingMargin(n: number, scale: number): number {
  return (2 * n + 128) * 2 ** -52 * scale;
}

/**
 * The bootstrap's loop: `resamples` sums, each over the slices of `units` given by `sizes` (in order), of
 * as many draws with replacement from the slice as it holds. A draw is unit ⌊(x / 2³²) · n⌋ of its slice
 * for the next generator output x, in the order of the plain loop; the draws come in blocks (`rng.fill`).
 */
function bootstrapStats(units: Float64Array, sizes: readonly number[], resamples: number, rng: Rng): Float64Array {
  const perResample = units.length;
  const perBlock = Math.max(1, Math.floor(DRAW_BLOCK / perResample));
  const block = new Uint32Array(perResample * Math.min(perBlock, resamples));
  const stats = new Float64Array(resamples);
  for (let done = 0; done < resamples; ) {
    const m = Math.min(perBlock, resamples - done);
    const draws = m * perResample === block.length ? block : block.subarray(0, m * perResample);
    rng.fill(draws);
    if (sizes.length === 1 && perResample <= 65536) {
      // one slice (a cell, or clusters): the loop below without the slice bookkeeping
      const n = perResample;
      for (let r = 0, k = 0; r < m; r++) {
        let sum = 0;
        for (const end = k + n; k < end; k++) {
          const x = draws[k]!;
          sum += units[((x >>> 16) * n + (((x & 0xffff) * n) >>> 16)) >>> 16]!;
        }
        stats[done + r] = sum;
      }
      done += m;
      continue;
    }
    let k = 0;
    for (let r = 0; r < m; r++) {
      let sum = 0;
      let offset = 0;
      for (const n of sizes) {
        // units already carry the 1/(S·n) weight, so summing n draws gives this slice's share of the macro mean.
        if (n <= 65536) {
          // ⌊x·n / 2³²⌋ in 32-bit halves (x = 2¹⁶·hi + lo): every term stays below 2³², so `>>>` is exact
          // and the index equals the float expression's below, without a float-to-int conversion per draw.
          for (let i = 0; i < n; i++) {
            const x = draws[k++]!;
            sum += units[offset + (((x >>> 16) * n + (((x & 0xffff) * n) >>> 16)) >>> 16)]!;
          }
        } else {
          for (let i = 0; i < n; i++) sum += units[offset + Math.floor((draws[k++]! / 4294967296) * n)]!;
        }
        offset += n;
      }
      stats[done + r] = sum;
    }
    done += m;
  }
  return stats;
}

export interface RandomizationTestResult {
  /** observed statistic: macro mean over strata of mean(a − b) */
  diff: number;
  /** two-sided p = (1 + #{|T_perm| ≥ |T_obs|}) / (1 + permutations) */
  p: number;
  permutations: number;
}

/**
 * Paired (sign-flip) randomization test: under H0 the two systems are exchangeable per cluster (per query
 * by default), so each cluster's differences keep or flip their sign together with probability ½.
 * Two-sided, with the +1 correction so p > 0 and the test is exact at its level. Identical runs give p = 1.
 *
 * @param options.permutations random sign assignments (default 10,000)
 */
export function pairedRandomizationTest(strata: readonly PairedStratum[], options: { rng: Rng; permutations?: number }): RandomizationTestResult {
  const permutations = options.permutations ?? 10_000;
  if (!Number.isInteger(permutations) || permutations < 1) throw new RangeError(`permutations must be a positive integer (got ${permutations})`);
  const { units, observed } = flatten(strata, 'pairedRandomizationTest');
  let scale = 0;
  for (let i = 0; i < units.length; i++) scale += Math.abs(units[i]!);
  // Sums of the same terms in another sign pattern may round differently; treat ties within 1e-12 of the
  // total magnitude as ties so that, e.g., all-zero differences give p = 1 exactly.
  const threshold = Math.abs(observed) - 1e-12 * scale;
  const extreme = countExtreme(units, permutations, threshold, options.rng);
  return { diff: observed, p: (extreme + 1) / (permutations + 1), permutations };
}

export interface BootstrapResult {
  /** observed statistic: macro mean over strata of mean(a − b) */
  diff: number;
  /** percentile interval bounds of the statistic */
  lo: number;
  hi: number;
  level: number;
  resamples: number;
}

/** Linear-interpolation quantile (type 7) of sorted values. */
function quantile(sorted: Float64Array, q: number): number {
  const pos = (sorted.length - 1) * q;
  const lo = Math.floor(pos);
  const hi = Math.ceil(pos);
  return sorted[lo]! + (sorted[hi]! - sorted[lo]!) * (pos - lo);
}

/**
 * Paired bootstrap percentile confidence interval of the statistic. Unclustered, each resample draws, within
 * every stratum, as many queries as it has, with replacement, and recomputes the macro mean of the mean
 * differences. Clustered, it draws as many clusters as there are, with replacement, from all of them, and
 * sums their weighted differences (the strata's sizes stay fixed: with a cluster in every stratum, as in
 * XQuAD-R, that is the macro mean of the resample; where clusters miss some strata, as in MLQA-R, it is its
 * linearisation, centred on the observed statistic like the other).
 *
 * @param options.resamples bootstrap resamples (default 10,000)
 * @param options.level coverage (default 0.95)
 */
export function pairedBootstrapCI(strata: readonly PairedStratum[], options: { rng: Rng; resamples?: number; level?: number }): BootstrapResult {
  const resamples = options.resamples ?? 10_000;
  const level = options.level ?? 0.95;
  if (!Number.isInteger(resamples) || resamples < 1) throw new RangeError(`resamples must be a positive integer (got ${resamples})`);
  if (!(level > 0 && level < 1)) throw new RangeError(`level must lie in (0, 1) (got ${level})`);
  const { units, clustered, observed } = flatten(strata, 'pairedBootstrapCI');
  // unclustered units are the queries in stratum order, so each stratum is a slice of `units`
  const sizes = clustered ? [units.length] : strata.map((s) => s.a.length);
  const stats = bootstrapStats(units, sizes, resamples, options.rng);
  stats.sort();
  const tail = (1 - level) / 2;
  return { diff: observed, lo: quantile(stats, tail), hi: quantile(stats, 1 - tail), level, resamples };
}

/**
 * Holm's step-down adjustment for a family of tests (e.g. the cells of one heatmap): with p sorted
 * ascending p₍₁₎ ≤ … ≤ p₍ₘ₎, adjusted p₍ᵢ₎ = max_{j ≤ i} min(1, (m − j + 1) · p₍ⱼ₎). Controls the
 * family-wise error rate; adjusted values are ≥ the raw ones and monotone in the raw order.
 *
 * @returns adjusted p-values in the input order
 */
export function holmAdjust(pValues: readonly number[]): number[] {
  for (const p of pValues) if (!(p >= 0 && p <= 1)) throw new RangeError(`holmAdjust: p-values must lie in [0, 1] (got ${p})`);
  const m = pValues.length;
  const order = pValues.map((_, i) => i).sort((i, j) => pValues[i]! - pValues[j]! || i - j);
  const adjusted = new Array<number>(m);
  let running = 0;
  order.forEach((idx, rank) => {
    running = Math.max(running, Math.min(1, (m - rank) * pValues[idx]!));
    adjusted[idx] = running;
  });
  return adjusted;
}

/** One test of a {@link sequentialHolmTests} family. */
export interface SequentialTestResult {
  /** observed statistic, as {@link pairedRandomizationTest}'s */
  diff: number;
  /** exact p (all 2ⁿ sign patterns) or Monte-Carlo p = (1 + extreme) / (1 + permutations) */
  p: number;
  /** Holm-adjusted p across the family */
  pHolm: number;
  /** Monte-Carlo standard error of p, √(p(1 − p)/permutations); 0 when exact */
  se: number;
  /** sign patterns drawn (Monte-Carlo), or enumerated (2ⁿ, exact) */
  permutations: number;
  exact: boolean;
  /**
   * Whether the Holm decision at `alpha` is the same for every p-vector within `k` standard errors of the
   * estimates (so another seed gives the same decision but for a chance of about that of a k-sigma draw)
   */
  resolved: boolean;
}

export interface SequentialHolmOptions {
  rng: Rng;
  /** the family-wise level whose decisions must be resolved (default 0.05) */
  alpha?: number;
  /** permutations of the first round (default 10,000) */
  initial?: number;
  /** the most permutations one test may take (default 1,280,000: the first round doubled seven times) */
  max?: number;
  /** resolve a decision beyond this many Monte-Carlo standard errors (default 3) */
  k?: number;
  /** enumerate every sign pattern, exactly, up to this many units (default 16: 65,536 patterns) */
  exactUpTo?: number;
}

/** The exact two-sided sign-flip p: the share of all 2ⁿ patterns whose |signed sum| reaches `threshold`. */
function exactSignFlipP(units: Float64Array, threshold: number): number {
  const n = units.length;
  let extreme = 0;
  for (let mask = 0; mask < 2 ** n; mask++) {
    let sum = 0;
    for (let i = 0; i < n; i++) sum += units[i]! * SIGNS[(mask >>> i) & 1]!;
    if (Math.abs(sum) >= threshold) extreme++;
  }
  return extreme / 2 ** n;
}

/** Holm decisions (adjusted p < alpha) of a p-vector. */
const holmRejects = (ps: readonly number[], alpha: number): boolean[] => holmAdjust(ps).map((p) => p < alpha);

/**
 * A family of paired randomization tests (e.g. the cells of one heatmap) whose Holm decisions at `alpha`
 * do not depend on the random draw. A fixed 10,000 permutations give p a Monte-Carlo error of about 0.002
 * near 0.05, and Holm's thresholds α/m … α/1 are finer still, so a cell near one of them is "significant"
 * under one seed and not under another. Here:
 *  - a test with at most `exactUpTo` units (clusters) is enumerated: exact p, no Monte-Carlo error;
 *  - the others start with `initial` permutations. Holm rejects no fewer when any p decreases, so for
 *    every p-vector within k standard errors of the estimates the decisions lie between those at the low
 *    corner (each p − k·se) and the high corner (each p + k·se). While some test is decided differently at
 *    the two corners, each such test draws as many permutations again (doubling), up to `max`; a test
 *    decided alike at both is `resolved`: another draw changes it only with about the chance of a k-sigma
 *    deviation. So only the tests near the decision boundary pay for more permutations.
 * Seeded and deterministic: the first round takes the tests in order, each later round the undecided ones
 * in order, all from `rng`. A decision still unresolved at `max` is reported as such, not hidden.
 */
export function sequentialHolmTests(family: readonly (readonly PairedStratum[])[], options: SequentialHolmOptions): SequentialTestResult[] {
  const alpha = options.alpha ?? 0.05;
  const initial = options.initial ?? 10_000;
  const max = options.max ?? 1_280_000;
  const k = options.k ?? 3;
  const exactUpTo = options.exactUpTo ?? 16;
  if (!(alpha > 0 && alpha < 1)) throw new RangeError(`alpha must lie in (0, 1) (got ${alpha})`);
  if (!Number.isInteger(initial) || initial < 1 || !Number.isInteger(max) || max < initial) throw new RangeError(`need integers 1 ≤ initial ≤ max (got ${initial}, ${max})`);
  if (!(k > 0)) throw new RangeError(`k must be positive (got ${k})`);
  if (!Number.isInteger(exactUpTo) || exactUpTo < 0 || exactUpTo > 24) throw new RangeError(`exactUpTo must be an integer in 0..24 (got ${exactUpTo})`);
  const tests = family.map((strata, i) => {
    const { units, observed } = flatten(strata, `sequentialHolmTests: test ${i}`);
    let scale = 0;
    for (let j = 0; j < units.length; j++) scale += Math.abs(units[j]!);
    // the same tie tolerance as pairedRandomizationTest
    const threshold = Math.abs(observed) - 1e-12 * scale;
    if (units.length <= exactUpTo) return { units, observed, threshold, exact: true, extreme: 0, n: 2 ** units.length, p: exactSignFlipP(units, threshold) };
    const extreme = countExtreme(units, initial, threshold, options.rng);
    return { units, observed, threshold, exact: false, extreme, n: initial, p: (extreme + 1) / (initial + 1) };
  });
  const se = (t: (typeof tests)[number]) => (t.exact ? 0 : Math.sqrt((t.p * (1 - t.p)) / t.n));
  // Holm rejects no fewer when any p decreases, so the decisions at every p within k·se of the estimates
  // lie between those at the low corner and at the high corner: a test decided alike at both is decided.
  const corners = () => ({
    low: holmRejects(
      tests.map((t) => Math.max(0, t.p - k * se(t))),
      alpha,
    ),
    high: holmRejects(
      tests.map((t) => Math.min(1, t.p + k * se(t))),
      alpha,
    ),
  });
  for (let c = corners(); ; c = corners()) {
    const round = tests.filter((t, i) => !t.exact && t.n < max && c.low[i] !== c.high[i]);
    if (round.length === 0) break;
    for (const t of round) {
      const more = Math.min(t.n, max - t.n);
      t.extreme += countExtreme(t.units, more, t.threshold, options.rng);
      t.n += more;
      t.p = (t.extreme + 1) / (t.n + 1);
    }
  }
  const pHolm = holmAdjust(tests.map((t) => t.p));
  const { low, high } = corners();
  return tests.map((t, i) => ({ diff: t.observed, p: t.p, pHolm: pHolm[i]!, se: se(t), permutations: t.n, exact: t.exact, resolved: low[i] === high[i] }));
}
