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
export function pairedRandomizationTest(
  strata: readonly PairedStratum[],
  options: { rng: Rng; permutations?: number },
): RandomizationTestResult {
  const permutations = options.permutations ?? 10_000;
  if (!Number.isInteger(permutations) || permutations < 1) throw new RangeError(`permutations must be a positive integer (got ${permutations})`);
  const { units, observed } = flatten(strata, 'pairedRandomizationTest');
  let scale = 0;
  for (let i = 0; i < units.length; i++) scale += Math.abs(units[i]!);
  // Sums of the same terms in another sign pattern may round differently; treat ties within 1e-12 of the
  // total magnitude as ties so that, e.g., all-zero differences give p = 1 exactly.
  const threshold = Math.abs(observed) - 1e-12 * scale;
  const { rng } = options;
  let extreme = 0;
  const n = units.length;
  for (let p = 0; p < permutations; p++) {
    let sum = 0;
    let bits = 0;
    for (let i = 0; i < n; i++) {
      if ((i & 31) === 0) bits = rng.uint32();
      sum += bits & 1 ? units[i]! : -units[i]!;
      bits >>>= 1;
    }
    if (Math.abs(sum) >= threshold) extreme++;
  }
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
export function pairedBootstrapCI(
  strata: readonly PairedStratum[],
  options: { rng: Rng; resamples?: number; level?: number },
): BootstrapResult {
  const resamples = options.resamples ?? 10_000;
  const level = options.level ?? 0.95;
  if (!Number.isInteger(resamples) || resamples < 1) throw new RangeError(`resamples must be a positive integer (got ${resamples})`);
  if (!(level > 0 && level < 1)) throw new RangeError(`level must lie in (0, 1) (got ${level})`);
  const { units, clustered, observed } = flatten(strata, 'pairedBootstrapCI');
  // unclustered units are the queries in stratum order, so each stratum is a slice of `units`
  const sizes = clustered ? [units.length] : strata.map((s) => s.a.length);
  const { rng } = options;
  const stats = new Float64Array(resamples);
  for (let r = 0; r < resamples; r++) {
    let sum = 0;
    let offset = 0;
    for (const n of sizes) {
      // units already carry the 1/(S·n) weight, so summing n draws gives this slice's share of the macro mean.
      for (let i = 0; i < n; i++) sum += units[offset + Math.floor((rng.uint32() / 4294967296) * n)]!;
      offset += n;
    }
    stats[r] = sum;
  }
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
