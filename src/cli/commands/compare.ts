import { InvalidArgumentError, type Command } from 'commander';
import { compareRetrieval, sequentialCellTests, sequentialCountText, type RetrievalComparison, type SequentialComparison } from '../../core/metrics/compareRetrieval';
import { parseRetrievalResult, SETTINGS } from '../../core/metrics/resultSchema';
import { createRng } from '../../core/metrics/rng';
import { parsePositiveInt } from '../options';
import { createOutput } from '../output';
import { readTextFile } from '../trecFiles';
import { significantCells } from './significantCells';

interface CompareOptions {
  permutations: number;
  seed: number;
  alpha: number;
}

function parseAlpha(value: string): number {
  const x = Number(value);
  if (!(x > 0 && x < 1)) throw new InvalidArgumentError(`--alpha must be a number in (0, 1) (got "${value}")`);
  return x;
}

const pct = (x: number) => (100 * x).toFixed(2);

function summary(c: RetrievalComparison, seq: SequentialComparison, a: string, b: string, alpha: number): string {
  const lines = [`${c.dataset}: ${a} − ${b} (paired randomization per query in a cell, per question in a setting; ${c.permutations.toLocaleString('en')} permutations; ${Math.round(100 * c.level)} % bootstrap CI; mAP × 100)`];
  for (const s of SETTINGS) {
    const x = c[s];
    lines.push(
      `  ${s.padEnd(5)} ${pct(x.mapA)} vs ${pct(x.mapB)}  Δ ${x.diff >= 0 ? '+' : ''}${pct(x.diff)} [${pct(x.ci[0])}, ${pct(x.ci[1])}]  p ${x.p.toFixed(4)}  cells significant after Holm (α ${alpha}): ${significantCells(Object.values(x.cells), alpha)}`,
    );
  }
  const rd = c.rank_distance;
  if (rd) {
    const f = (x: number) => x.toFixed(1);
    lines.push(
      `  rank distance ${f(rd.meanA)} vs ${f(rd.meanB)}  Δ ${rd.diff >= 0 ? '+' : ''}${f(rd.diff)} [${f(rd.ci[0])}, ${f(rd.ci[1])}]  p ${rd.p.toFixed(4)}  query languages significant after Holm (α ${alpha}): ${significantCells(Object.values(rd.cells), alpha)}`,
    );
  }
  lines.push(
    `  sequential Holm (α ${alpha}; exact up to 16 queries, else permutations doubled while a decision could change within ${seq.k} MC se, so the counts hold under another --seed unless a decision is unresolved):`,
    `    pair heatmap  ${sequentialCountText(seq.pairs)}`,
    `    multi         ${sequentialCountText(seq.multi)}`,
    ...(seq.rank_distance ? [`    rank distance ${sequentialCountText(seq.rank_distance)}`] : []),
  );
  return lines.join('\n');
}

/**
 * `xlir compare A.json B.json`: paired significance of result A against B on the same dataset (per cell and
 * per setting; core/metrics/compareRetrieval.ts). Both files need their per-query APs.
 */
export function registerCompare(program: Command): void {
  program
    .command('compare')
    .description('paired randomization test and bootstrap CI of result A minus result B (same dataset and languages), per cell and per setting')
    .argument('<a>', 'result JSON (xlir evaluate --out)')
    .argument('<b>', 'result JSON of the baseline')
    .option('--permutations <n>', 'randomization permutations (and bootstrap resamples)', parsePositiveInt('--permutations'), 10_000)
    .option('--seed <n>', 'seed of the permutations', parsePositiveInt('--seed'), 1)
    .option('--alpha <p>', 'significance level for the cell counts', parseAlpha, 0.05)
    .action(async (fileA: string, fileB: string, opts: CompareOptions, cmd: Command) => {
      const out = createOutput(Boolean(cmd.optsWithGlobals().json));
      const a = parseRetrievalResult(await readTextFile(fileA, 'result'), fileA);
      const b = parseRetrievalResult(await readTextFile(fileB, 'result'), fileB);
      const comparison = compareRetrieval(a, b, { rng: createRng(opts.seed), permutations: opts.permutations, resamples: opts.permutations });
      // the same cells with as many permutations as their Holm decisions need (significance.ts)
      const sequential = sequentialCellTests(a, b, { rng: createRng(opts.seed), alpha: opts.alpha });
      out.result({ ...comparison, sequential }, (c) => summary(c, sequential, fileA, fileB, opts.alpha));
    });
}
