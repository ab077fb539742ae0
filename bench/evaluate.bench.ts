/**
 * Cost of the evaluation beyond the score matrix (issue 3 goal: ≤ 25 % over the bare product).
 *
 *   npx tsx bench/evaluate.bench.ts [--runs N] [--quick] [--json FILE] [--results FILE]
 *
 * For XQuAD-R and MLQA-R with seeded random unit embeddings (256-d and 768-d) it times, on the TF.js wasm
 * backend, (a) the bare score-matrix product: every query-language block × all candidates, 256 query rows per
 * `tf.matMul`, read back to the CPU, exactly as the evaluator computes it, and (b) `evaluateRetrieval`, which
 * computes the same blocks and derives mono, cross and multi from them, and (c) `evaluateRetrieval` with a
 * scorer returning a precomputed block (the evaluation work alone, with the WebAssembly SIMD ranker and with the
 * JavaScript one). N runs each (default 5) after one warm-up. Random embeddings are the worst case for the rank pass (relevant candidates sit mid-row, so
 * most candidates need the full comparison). A scorer micro-benchmark compares TF.js matMul with plain
 * Float32 loops on one block. The table is printed and written to `bench/RESULTS.md`, section "Evaluation".
 */
import { readFile, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import * as tf from '@tensorflow/tfjs';
import { resolveDataDir } from '../src/cli/dataDir';
import { loadDatasetFromDir } from '../src/cli/loadDataset';
import type { DatasetName } from '../src/core/data/languages';
import type { RetrievalDataset } from '../src/core/data/types';
import { evaluateRetrieval, type RetrievalEmbeddings } from '../src/core/metrics/evaluateRetrieval';
import { createRng } from '../src/core/metrics/rng';
import { createLoopScorer, createTfScorer, type ScorerFactory } from '../src/core/metrics/scorer';
import { initBackend } from '../src/core/model/backend';

const CHUNK = 256;
const args = process.argv.slice(2);
const runsArg = args.indexOf('--runs');
const RUNS = runsArg >= 0 ? Number(args[runsArg + 1]) : 5;
const QUICK = args.includes('--quick');
const jsonArg = args.indexOf('--json');
const JSON_FILE = jsonArg >= 0 ? args[jsonArg + 1] : undefined;
// `npm run bench -- --quick` sends its section to a scratch file so the full run's numbers stay in RESULTS.md
const resultsArg = args.indexOf('--results');
if (!Number.isInteger(RUNS) || RUNS < 1) throw new Error('--runs takes a positive integer');

function unitRows(n: number, dim: number, seed: number): Float32Array {
  const rng = createRng(seed);
  const out = new Float32Array(n * dim);
  for (let i = 0; i < n; i++) {
    let norm = 0;
    for (let k = 0; k < dim; k++) {
      // Box–Muller: isotropic directions, so the rows are uniform on the sphere after normalising.
      const g = Math.sqrt(-2 * Math.log(1 - rng.float())) * Math.cos(2 * Math.PI * rng.float());
      out[i * dim + k] = g;
      norm += g * g;
    }
    const s = 1 / Math.sqrt(norm);
    for (let k = 0; k < dim; k++) out[i * dim + k]! *= s;
  }
  return out;
}

/** The bare product as the evaluator computes it: per query language, blocks of CHUNK rows × all candidates. */
async function bareProduct(ds: RetrievalDataset, e: RetrievalEmbeddings, factory: ScorerFactory): Promise<number> {
  const scorer = factory(e.candidates, ds.candidates.length, e.dim);
  let checksum = 0;
  try {
    let start = 0;
    while (start < ds.queries.length) {
      const lang = ds.queries[start]!.lang;
      let end = start;
      while (end < ds.queries.length && ds.queries[end]!.lang === lang) end++;
      for (let c0 = start; c0 < end; c0 += CHUNK) {
        const rows = Math.min(CHUNK, end - c0);
        const block = await scorer.score(e.queries.subarray(c0 * e.dim, (c0 + rows) * e.dim), rows);
        checksum += block[0]!;
      }
      start = end;
    }
  } finally {
    scorer.dispose();
  }
  return checksum;
}

const pct = (v: number, b: number) => `${(((v - b) / b) * 100).toFixed(1)} %`;

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
};

/** Wall-clock and CPU (user + system) milliseconds of one call; CPU time is robust to other load. */
async function timed(f: () => Promise<unknown>): Promise<{ wall: number; cpu: number }> {
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  await f();
  const wall = performance.now() - t0;
  const c = process.cpuUsage(c0);
  return { wall, cpu: (c.user + c.system) / 1000 };
}

interface Row {
  dataset: DatasetName;
  dim: number;
  queries: number;
  candidates: number;
  gflop: number;
  bare: { wall: number; cpu: number }[];
  evaluate: { wall: number; cpu: number }[];
  /** evaluateRetrieval with a scorer that hands back one precomputed block: the evaluation work alone */
  alone: { wall: number; cpu: number }[];
  /** the same with the JavaScript ranker (the fallback where WebAssembly SIMD is missing) */
  aloneJs: { wall: number; cpu: number }[];
}

/**
 * A scorer that computes nothing: every block is a slice of one precomputed random score block, so timing
 * evaluateRetrieval with it isolates the work beyond the product (rank counting and bookkeeping).
 */
function fixedScorer(block: Float32Array, nCandidates: number): ScorerFactory {
  return () => ({
    score: async (_queries, rows) => block.subarray(0, rows * nCandidates),
    dispose() {},
  });
}

async function measure(ds: RetrievalDataset, dim: number): Promise<Row> {
  const e: RetrievalEmbeddings = { queries: unitRows(ds.queries.length, dim, 1), candidates: unitRows(ds.candidates.length, dim, 2), dim };
  const bare: { wall: number; cpu: number }[] = [];
  const evaluate: { wall: number; cpu: number }[] = [];
  const alone: { wall: number; cpu: number }[] = [];
  const aloneJs: { wall: number; cpu: number }[] = [];
  const probe = createTfScorer(e.candidates, ds.candidates.length, dim);
  const fixed = fixedScorer(await probe.score(e.queries, CHUNK), ds.candidates.length);
  probe.dispose();
  // warm-up: compiles the kernels and the rank pass
  await bareProduct(ds, e, createTfScorer);
  await evaluateRetrieval(ds, e, { queryChunk: CHUNK });
  await evaluateRetrieval(ds, e, { queryChunk: CHUNK, scorer: fixed });
  await evaluateRetrieval(ds, e, { queryChunk: CHUNK, scorer: fixed, ranker: 'js' });
  for (let r = 0; r < RUNS; r++) {
    bare.push(await timed(() => bareProduct(ds, e, createTfScorer)));
    evaluate.push(await timed(() => evaluateRetrieval(ds, e, { queryChunk: CHUNK })));
    alone.push(await timed(() => evaluateRetrieval(ds, e, { queryChunk: CHUNK, scorer: fixed })));
    aloneJs.push(await timed(() => evaluateRetrieval(ds, e, { queryChunk: CHUNK, scorer: fixed, ranker: 'js' })));
  }
  const gflop = (2 * ds.queries.length * ds.candidates.length * dim) / 1e9;
  return { dataset: ds.name, dim, queries: ds.queries.length, candidates: ds.candidates.length, gflop, bare, evaluate, alone, aloneJs };
}

/** One CHUNK-row block against all XQuAD-R candidates with both scorers. */
async function scorerMicro(ds: RetrievalDataset, dim: number) {
  const e = { queries: unitRows(CHUNK, dim, 3), candidates: unitRows(ds.candidates.length, dim, 4) };
  const out: Record<string, number> = {};
  for (const [name, factory] of [
    ['tf', createTfScorer],
    ['loop', createLoopScorer],
  ] as const) {
    const scorer = factory(e.candidates, ds.candidates.length, dim);
    await scorer.score(e.queries, CHUNK);
    const ms: number[] = [];
    for (let r = 0; r < RUNS; r++) ms.push((await timed(() => scorer.score(e.queries, CHUNK))).cpu);
    scorer.dispose();
    out[name] = median(ms);
  }
  return { dim, rows: CHUNK, candidates: ds.candidates.length, tfMs: out.tf!, loopMs: out.loop!, gflop: (2 * CHUNK * ds.candidates.length * dim) / 1e9 };
}

const dataDir = resolveDataDir();
if (dataDir === null) throw new Error('no dataset folder: set XLIR_DATA_DIR or put the data in ../shared/data');
const loadAtStart = os.loadavg()[0]!;
const backend = await initBackend('wasm');
const simd = await tf.env().getAsync('WASM_HAS_SIMD_SUPPORT');
const xquad = await loadDatasetFromDir(dataDir, 'xquad-r');
const mlqa = await loadDatasetFromDir(dataDir, 'mlqa-r');

const plan: [RetrievalDataset, number][] = QUICK
  ? [[xquad, 256]]
  : [
      [xquad, 256],
      [xquad, 768],
      [mlqa, 256],
      [mlqa, 768],
    ];
const rows: Row[] = [];
for (const [ds, dim] of plan) {
  const row = await measure(ds, dim);
  rows.push(row);
  const b = median(row.bare.map((x) => x.cpu));
  const v = median(row.evaluate.map((x) => x.cpu));
  const a = median(row.alone.map((x) => x.cpu));
  console.error(`${ds.name} ${dim}-d: CPU bare ${b.toFixed(0)} ms, evaluate ${v.toFixed(0)} ms (${pct(v, b)}), evaluation alone ${a.toFixed(0)} ms (${((a / b) * 100).toFixed(1)} % of bare)`);
}
const micro = await scorerMicro(xquad, 256);

const cpu = os.cpus()[0]?.model.trim() ?? 'unknown CPU';
const machine = `${cpu}, ${os.cpus().length} cores visible (${os.platform()}-${os.arch()}), Node ${process.versions.node}, TF.js ${tf.version.tfjs} ${backend.backend} backend (${simd ? 'SIMD' : 'no SIMD'}, single-threaded), ${new Date().toISOString().slice(0, 10)}`;
const fmt = (ms: number) => (ms / 1000).toFixed(2);
const min = (xs: number[]) => Math.min(...xs);
const table = [
  '| dataset | dim | queries × candidates | GFLOP | bare product CPU s, median (min) | evaluateRetrieval CPU s, median (min) | overhead, median (min) | evaluation alone CPU s, median | alone / bare | alone, JS ranker: s, / bare | wall s, bare / evaluate (medians) |',
  '|---|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|',
  ...rows.map((r) => {
    const bare = r.bare.map((x) => x.cpu);
    const ev = r.evaluate.map((x) => x.cpu);
    const [bc, vc, ac, jc] = [median(bare), median(ev), median(r.alone.map((x) => x.cpu)), median(r.aloneJs.map((x) => x.cpu))];
    const [bw, vw] = [median(r.bare.map((x) => x.wall)), median(r.evaluate.map((x) => x.wall))];
    return `| ${r.dataset} | ${r.dim} | ${r.queries} × ${r.candidates} | ${r.gflop.toFixed(1)} | ${fmt(bc)} (${fmt(min(bare))}) | ${fmt(vc)} (${fmt(min(ev))}) | ${pct(vc, bc)} (${pct(min(ev), min(bare))}) | ${fmt(ac)} | ${((ac / bc) * 100).toFixed(1)} % | ${fmt(jc)}, ${((jc / bc) * 100).toFixed(1)} % | ${fmt(bw)} / ${fmt(vw)} |`;
  }),
];
const section = [
  '## Evaluation',
  '',
  `Measured with \`npx tsx bench/evaluate.bench.ts${QUICK ? ' --quick' : ''}${RUNS !== 5 ? ` --runs ${RUNS}` : ''}\` on ${machine}.`,
  '',
  `Full protocol (mono, cross and multi from one pass; ${CHUNK} query rows per block) on seeded random unit`,
  'embeddings; "bare product" = the same blocks of `tf.matMul` (query block × all candidates, read back) with',
  `nothing else; overhead = evaluate / bare − 1. "Evaluation alone" runs evaluateRetrieval with a scorer that`,
  'returns one precomputed random block, i.e. the rank counting and bookkeeping without any product; it is the',
  'least noisy estimate of the overhead. Ranks are counted by the WebAssembly SIMD kernel (src/core/metrics/',
  'countKernel.ts); the JavaScript ranker, the fallback without WebAssembly SIMD, is timed alone beside it.',
  'Random embeddings are the worst case for the JavaScript ranker, which skips the candidates below every',
  `relevant one (most of them, for a trained model). ${RUNS} runs of each after`,
  'one warm-up, interleaved. CPU time (user + system of the process; TF.js wasm runs on one thread) is the figure',
  `to read on a shared machine; wall-clock medians are in the last column. 1-minute load average: ${loadAtStart.toFixed(1)} at`,
  `the start, ${os.loadavg()[0]!.toFixed(1)} at the end (${os.cpus().length} cores).`,
  '',
  ...table,
  '',
  `Scorer micro-benchmark (one ${micro.rows} × ${micro.candidates} block, ${micro.dim}-d, ${micro.gflop.toFixed(2)} GFLOP, median CPU time of ${RUNS}):`,
  `TF.js matMul ${micro.tfMs.toFixed(0)} ms (${(micro.gflop / (micro.tfMs / 1000)).toFixed(1)} GFLOP/s), plain Float32 loops`,
  `${micro.loopMs.toFixed(0)} ms (${(micro.gflop / (micro.loopMs / 1000)).toFixed(2)} GFLOP/s), so the evaluator scores with TF.js by default.`,
  '',
].join('\n');
console.log(section);

const resultsFile = resultsArg >= 0 ? path.resolve(args[resultsArg + 1]!) : path.join(path.dirname(fileURLToPath(import.meta.url)), 'RESULTS.md');
let current = '';
try {
  current = await readFile(resultsFile, 'utf8');
} catch {
  current = '# Benchmark results\n\n';
}
// Replace only this section: from its heading to the next level-2 heading (or the end).
const start = current.search(/^## Evaluation\s*$/m);
let next: string;
if (start < 0) {
  next = `${current.trimEnd()}\n\n${section}`;
} else {
  const rest = current.slice(start + 1);
  const after = rest.search(/^## /m);
  next = current.slice(0, start) + section + (after < 0 ? '' : `\n${rest.slice(after)}`);
}
await writeFile(resultsFile, next.endsWith('\n') ? next : `${next}\n`);
console.error(`wrote the "Evaluation" section of ${resultsFile}`);
if (JSON_FILE) {
  // for bench/run.ts, which merges it into bench/results.json
  const json = {
    machine,
    quick: QUICK,
    runs: RUNS,
    queryChunk: CHUNK,
    rows,
    scorerMicro: micro,
  };
  await writeFile(JSON_FILE, `${JSON.stringify(json, null, 2)}\n`);
}
