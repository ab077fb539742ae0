/**
 * Renders bench/results.json into bench/RESULTS.md: the preamble and the generated sections are
 * replaced, "Evaluation" (written by evaluate.bench.ts) and the hand-written "Where the time goes"
 * are kept as they are.
 */
import { readFile, writeFile } from 'node:fs/promises';
import type { EncodeMeasurement } from './encode';
import type { MachineInfo } from './machine';
import type { PytorchMatmul, PytorchResult } from './pytorchReference';
import { mergeSections, SECTION_ORDER, type BenchResults, type JobRecord } from './results';
import { TRAIN_SHAPES, type ShapeName } from './shapes';
import type { SimdGemmResult } from './simdGemm';
import { trainStepFlops } from './flops';
import type { KernelTotal, MatMulVariant, PhaseTimes, StepProfile, TrainMeasurement } from './trainStep';

interface TfjsTrain extends TrainMeasurement {
  patch?: string | null;
  chromium?: string;
  crossOriginIsolated?: boolean;
}

/** A PyTorch step record (run.ts adds the batch and sequence length; older records lack the CPU times). */
type TorchStep = Pick<PytorchResult, 'torch' | 'threads' | 'median_ms' | 'steps_per_s' | 'tokens_per_s' | 'times_ms'> & Partial<Pick<PytorchResult, 'median_cpu_ms'>> & { batch: number; seq: number };

interface Matmul {
  n: number;
  medianMs: number;
  gflops: number;
}

type TorchMatmul = Pick<PytorchMatmul, 'threads' | 'matmul'>;

type Profile = StepProfile & { patch?: string | null };

const f = (x: number | undefined | null, digits = 1) => (x === undefined || x === null || !Number.isFinite(x) ? '–' : x.toFixed(digits));
const ms = (x: number | null | undefined) => (x === null || x === undefined || !Number.isFinite(x) ? '–' : x >= 10_000 ? `${(x / 1000).toFixed(1)} s` : `${x.toFixed(0)} ms`);
/** a ratio with two significant digits below 0.1, else two decimals */
export const x = (v: number) => `${v < 0.1 ? v.toPrecision(2) : v.toFixed(2)}×`;
const day = (iso: string) => iso.slice(0, 16).replace('T', ' ');

function get<T>(r: BenchResults, id: string): { rec: JobRecord<T>; value: T } | null {
  const rec = r.jobs[id] as JobRecord<T> | undefined;
  return rec?.result ? { rec, value: rec.result } : null;
}

function failure(r: BenchResults, id: string): string | null {
  const rec = r.jobs[id];
  return rec && !rec.result ? (rec.error ?? 'no result') : null;
}

function practicalPeak(r: BenchResults): { gflops: number; label: string } | null {
  let best: { gflops: number; label: string } | null = null;
  for (const id of ['peak/pytorch/2t', 'peak/pytorch/1t']) {
    const p = get<TorchMatmul>(r, id);
    for (const x of p?.value.matmul ?? []) {
      if (!best || x.gflops > best.gflops) best = { gflops: x.gflops, label: `PyTorch/OpenBLAS ${x.n}³ matmul, ${p!.value.threads} thread${p!.value.threads > 1 ? 's' : ''} (median)` };
    }
  }
  return best;
}

function torchFlops(shape: ShapeName, p: { batch: number; seq: number }): number {
  const s = TRAIN_SHAPES[shape];
  return trainStepFlops({ hidden: s.hidden, layers: s.layers, intermediate: s.intermediate, sequences: 3 * p.batch, seqLen: p.seq });
}

/** The PyTorch step measured for a shape at a batch size with a thread count, if any. */
function torchAt(r: BenchResults, shape: ShapeName, batch: number, threads: number): TorchStep | null {
  for (const [id, rec] of Object.entries(r.jobs)) {
    const [kind, t, s] = id.split('/');
    if (kind !== 'pytorch' || t !== `${threads}t` || s?.replace(/-b\d+$/, '') !== shape || !rec.result) continue;
    const p = rec.result as TorchStep;
    if (p.batch === batch) return p;
  }
  return null;
}

function machineSection(m: MachineInfo | null, r: BenchResults): string {
  if (!m) return 'No run yet.';
  const pp = practicalPeak(r);
  const dates = Object.values(r.jobs)
    .map((j) => j.measuredAt)
    .sort();
  const rows = [
    ['CPU', `${m.cpu} (${m.simd.join(', ')})`],
    ['cores', `${m.cores} (TF.js wasm: 1 thread unless a row says 2; PyTorch: ${Math.min(m.cores, 2)} threads unless marked)`],
    ['clock', m.mhz ? `${(m.mhz / 1000).toFixed(3)} GHz (/proc/cpuinfo, a KVM guest: no turbo information)` : 'unknown'],
    ['theoretical float32 peak', m.peak ? `${f(m.peak.gflops, 0)} GFLOP/s = ${m.peak.basis}` : 'unknown'],
    ['practical peak', pp ? `${f(pp.gflops, 1)} GFLOP/s (${pp.label})` : '–'],
    ['memory', `${m.memoryGiB} GiB`],
    ['OS', m.os],
    ['Node', m.node],
    ['TF.js', m.tfjs],
    ['Chromium', m.chromium ?? 'not installed'],
    ['PyTorch', m.torch ? `${m.torch} (Debian python3-torch, OpenMP)` : 'not installed'],
    ['BLAS', m.blas ?? '–'],
    ['measured', dates.length ? `${day(dates[0]!)} – ${day(dates[dates.length - 1]!)} UTC` : '–'],
  ];
  return [
    '| | |',
    '|---|---|',
    ...rows.map(([k, v]) => `| ${k} | ${v} |`),
    '',
    'The machine is shared (2 cores; other jobs ran during some measurements). Every row below gives the',
    '1-minute load average just before it was measured: above about 1 the figures are pessimistic, and',
    'ratios are best compared between rows measured at a similar load.',
  ].join('\n');
}

const RUNTIME: Record<string, string> = {
  'node/wasm': 'Node · wasm (SIMD, 1 thread), stock tfjs kernels (before)',
  'node/wasm+patch': 'Node · wasm + our matmul kernel',
  'node/wasm+patches': 'Node · wasm + our matmul and Identity kernels',
  'node/wasm+kernels-xnnpack': 'Node · wasm + our matmul, Identity and leading-axis Sum kernels (XNNPACK products)',
  'node/wasm+own-products': 'Node · wasm + our matmul, Identity and Sum kernels, products on our own kernel (wasmGemm.ts)',
  'node/wasm+kernels': 'Node · wasm + all our kernels: also one-pass SIMD GELU, LayerNorm and AdamW, the bias in the products, the row gather (single-threaded build, `xlir --threads 1`)',
  'node/wasm+kernels-2t': 'Node · wasm threaded build, 2 threads, all our kernels shared among them (`xlir` on this 2-core machine, its default; heapPool.ts)',
  'node/wasm+openblas': 'Node · wasm + all our kernels, the products on OpenBLAS, 1 thread (`xlir --threads 1` where the addon is built; src/cli/nativeProducts.ts)',
  'node/wasm+openblas-2t': "Node · wasm threaded build + all our kernels, the products on OpenBLAS, 2 threads each (`xlir`'s default where the addon is built)",
  'node/cpu': 'Node · cpu (plain JS)',
  'node/webgpu': 'Node · webgpu (Dawn on SwiftShader)',
  'browser/wasm': 'Chromium worker · wasm (SIMD, 1 thread), stock tfjs kernels (before)',
  'browser/wasm+patch': 'Chromium worker · wasm + our matmul kernel',
  'browser/wasm+patches': 'Chromium worker · wasm + our matmul and Identity kernels',
  'browser/wasm+kernels': 'Chromium worker · wasm + all our kernels (threaded build on 1 thread; the app gives the worker every core: 2 threads in "Training step by wasm thread count")',
  'browser/webgl': 'Chromium worker · webgl (ANGLE on SwiftShader)',
  'browser/webgpu': 'Chromium worker · webgpu (SwiftShader)',
};

function trainingTable(r: BenchResults, shape: ShapeName, variants: { suffix: string; note?: string }[]): string {
  const lines = [
    '| runtime · backend | batch × tokens | ms / step (median) | steps/s | tokens/s | GFLOP/s | tfjs ÷ PyTorch throughput (faster PyTorch config, same batch) | CPU time / step | PyTorch 1 thread ÷ tfjs, CPU time | timed steps | first step | load |',
    '|---|---|---:|---:|---:|---:|---:|---:|---:|---|---:|---:|',
  ];
  const missing: string[] = [];
  for (const v of variants) {
    for (const [key, label] of Object.entries(RUNTIME)) {
      const id = `${key}/${shape}${v.suffix}`;
      const hit = get<TfjsTrain>(r, id);
      const err = failure(r, id);
      if (err) missing.push(`\`${id}\`: ${err.split('\n')[0]!.replace(/\.$/, '')}`);
      if (!hit) continue;
      const t = hit.value;
      const best = [torchAt(r, shape, t.batch, 2), torchAt(r, shape, t.batch, 1)].filter((x): x is TorchStep => x !== null).sort((a, b) => b.tokens_per_s - a.tokens_per_s)[0];
      const one = torchAt(r, shape, t.batch, 1);
      // PyTorch's reference has no dropout, so a dropout row gets no ratio
      const ratio = best && t.dropout === 0 ? `${x(t.tokensPerS / best.tokens_per_s)} (vs ${best.threads} thread${best.threads > 1 ? 's' : ''})` : '–';
      const cpuRatio = one?.median_cpu_ms && t.medianCpuMs && t.dropout === 0 ? x(one.median_cpu_ms / t.medianCpuMs) : '–';
      lines.push(
        `| ${label}${v.note ? ` ${v.note}` : ''}${t.backwardChunkRows ? `, backward in chunks of ${t.backwardChunkRows} sequences` : ''} | ${t.batch} × ${t.seq} | ${ms(t.medianMs)} | ${f(t.stepsPerS, 3)} | ${f(t.tokensPerS, 0)} | ${f(t.gflops, 2)} | ${ratio} | ${t.medianCpuMs ? ms(t.medianCpuMs) : '–'} | ${cpuRatio} | ${t.timesMs.length}${t.capped ? ' (time cap)' : ''} | ${ms(t.firstStepMs)} | ${f(hit.rec.loadBefore[0], 1)} |`,
      );
    }
  }
  for (const [id, rec] of Object.entries(r.jobs).sort(([a], [b]) => (a < b ? -1 : 1))) {
    if (!id.startsWith('pytorch/') || id.split('/')[2]!.replace(/-b\d+$/, '') !== shape) continue;
    if (!rec.result) {
      missing.push(`\`${id}\`: ${rec.error ?? 'no result'}`);
      continue;
    }
    const p = rec.result as TorchStep;
    const tokens = 3 * p.batch * p.seq;
    lines.push(
      `| PyTorch ${p.torch} CPU · ${p.threads} thread${p.threads > 1 ? 's' : ''} | ${p.batch} × ${p.seq} | ${ms(p.median_ms)} | ${f(p.steps_per_s, 3)} | ${f(tokens * p.steps_per_s, 0)} | ${f(torchFlops(shape, p) / (p.median_ms / 1000) / 1e9, 2)} | reference | ${p.median_cpu_ms ? ms(p.median_cpu_ms) : '–'} | – | ${p.times_ms.length} | – | ${f(rec.loadBefore[0], 1)} |`,
    );
  }
  if (missing.length) lines.push('', `Failed: ${missing.join('; ')}.`);
  return lines.join('\n');
}

function trainingSection(r: BenchResults): string {
  const demo = TRAIN_SHAPES.demo;
  const bert = TRAIN_SHAPES['bert-base-2l'];
  return [
    'One step = the step `runTraining` takes per batch (`createTrainingStep`, src/core/train/trainStep.ts:',
    '`TransformerEncoder.embed` for B queries and 2B passages, `infoNCELoss` τ 0.05, `tf.variableGrads`,',
    '`clipByGlobalNorm` 1.0, `AdamW` lr 5e-4 wd 0.01), on synthetic ids with every mask 1, dropout 0,',
    'word embeddings trained. PyTorch runs bench/reference/train_step.py, the same computation. Tokens',
    '= 3·batch·seq per step; GFLOP/s counts the matrix products only (bench/flops.ts). Medians of the',
    'timed steps after the warm-up steps; "first step" includes shader compilation on webgl/webgpu.',
    "CPU time / step (Node and PyTorch only) is the process's user + system time: on this shared machine it",
    'does not count waiting for a core, so the CPU-time ratio (PyTorch with 1 thread against TF.js wasm, which',
    'uses one) compares the work done per step even under load.',
    '"our … kernel" rows run the wasm kernels of src/core/model/wasmKernels.ts (tested against the stock ones in',
    'wasmKernels.test.ts), which the app and the CLI install by default since they were measured here; "stock" rows',
    'run tfjs-backend-wasm\'s own kernels, as the project shipped before (see "Where the time goes").',
    '',
    `### ${demo.label}, batch ${demo.batch} × ${demo.seq} tokens, ${TRAIN_SHAPES.demo.vocab} vocab`,
    '',
    trainingTable(r, 'demo', [{ suffix: '' }, { suffix: '-dropout', note: '(dropout 0.1, as the presets train)' }]),
    '',
    `### ${bert.label}, ${bert.vocab} vocab`,
    '',
    trainingTable(r, 'bert-base-2l', [{ suffix: '' }, { suffix: '-b32' }, { suffix: '-b32-chunked' }]),
    '',
    batch32Text(r),
    'The chunked backward ("backward in chunks" rows: `backwardChunkRows`, src/core/train/gradientCache.ts) gives the',
    'same loss and gradients, plus one more encoder forward pass, whose FLOPs the GFLOP/s column does not count; see',
    '"Batch 32 with the chunked backward" below. The other TF.js rows use batch 8, and PyTorch is given at',
    'batch 8 (the ratio) and batch 32 (the shape asked for). **cpu**, **webgl** and **webgpu** (software',
    'renderers here: see their products in the matmul table) would take minutes per step. The wasm kernels are',
    'the same in Node and in the worker, so the stock wasm BERT step is measured in Node only, once, without',
    'warm-up (wasm compiles nothing).',
  ].join('\n');
}

/** What the batch-32 BERT rows say about memory: whether one backward pass fits the 4 GiB wasm32 heap. */
function batch32Text(r: BenchResults): string {
  const gib = (b: number) => `${f(b / 2 ** 30, 2)} GiB`;
  const whole = get<TfjsTrain>(r, 'node/wasm+kernels/bert-base-2l-b32');
  const chunked = get<TfjsTrain>(r, 'node/wasm+kernels/bert-base-2l-b32-chunked');
  const chunkedHeap = chunked?.value.wasmHeapBytes ? ` The chunked backward keeps it at ${gib(chunked.value.wasmHeapBytes)}.` : '';
  if (whole?.value.wasmHeapBytes) {
    return `**Batch 32** fits TF.js wasm in one backward pass with our kernels, barely: the step's heap peaked at ${gib(whole.value.wasmHeapBytes)} of wasm32's 4 GiB (job \`node/wasm+kernels/bert-base-2l-b32\`, one step; in the run of 2026-12-04 19:31, before the one-pass GELU and AdamW kernels, it aborted out of memory).${chunkedHeap}`;
  }
  return `**Batch 32** does not fit TF.js wasm in one backward pass: the step aborts out of memory (batch 12 peaked at a 3.6 GB heap of wasm32's 4 GiB, 2026-12-03).${chunkedHeap}`;
}

function peakSection(r: BenchResults, m: MachineInfo | null): string {
  const theo = m?.peak?.gflops ?? null;
  const pp = practicalPeak(r);
  const pct = (x: number, of: number | null | undefined) => (of ? `${f((100 * x) / of, 1)} %` : '–');
  const lines = ['| what | GFLOP/s | % of practical peak | % of theoretical peak |', '|---|---:|---:|---:|'];
  if (theo) lines.push(`| theoretical: ${m!.peak!.basis} | ${f(theo, 0)} | – | 100 % |`);
  for (const id of ['peak/pytorch/2t', 'peak/pytorch/1t']) {
    const p = get<TorchMatmul>(r, id);
    if (!p) continue;
    for (const x of p.value.matmul)
      lines.push(`| PyTorch matmul ${x.n}³, ${p.value.threads} thread${p.value.threads > 1 ? 's' : ''} (median; best ${f(x.best_gflops, 1)}) | ${f(x.gflops, 1)} | ${pct(x.gflops, pp?.gflops)} | ${pct(x.gflops, theo)} |`);
  }
  for (const [id, label] of [
    ['peak/tfjs-node/wasm', 'TF.js Node wasm, tfjs’s own kernel (XNNPACK), 1 thread'],
    ['peak/tfjs-node/wasm+kernels', 'TF.js Node wasm, our product kernel, 1 thread'],
    ['peak/tfjs-node/wasm+kernels-2t', 'TF.js Node wasm, our product kernel on 2 threads (threaded build)'],
    ['peak/tfjs-node/wasm+openblas', 'TF.js Node wasm, products on OpenBLAS (`xlir`), 1 thread'],
    ['peak/tfjs-node/wasm+openblas-2t', 'TF.js Node wasm, products on OpenBLAS (`xlir`), 2 threads'],
    ['peak/tfjs-node/cpu', 'TF.js Node cpu'],
    ['peak/tfjs-node/webgpu', 'TF.js Node webgpu (SwiftShader)'],
    ['peak/tfjs-browser/wasm', 'TF.js Chromium worker wasm'],
    ['peak/tfjs-browser/webgl', 'TF.js Chromium worker webgl'],
    ['peak/tfjs-browser/webgpu', 'TF.js Chromium worker webgpu'],
  ] as const) {
    const p = get<Matmul>(r, id);
    if (p) lines.push(`| ${label} matMul ${p.value.n}³ (read back) | ${f(p.value.gflops, 2)} | ${pct(p.value.gflops, pp?.gflops)} | ${pct(p.value.gflops, theo)} |`);
  }
  const wasm = get<Matmul>(r, 'peak/tfjs-node/wasm');
  const torchOne = wasm ? get<TorchMatmul>(r, 'peak/pytorch/1t')?.value.matmul.find((x) => x.n === wasm.value.n) : undefined;
  lines.push(
    '',
    'The theoretical figure uses the base clock /proc/cpuinfo reports; cores that run faster (turbo) let a measured',
    'figure exceed it. The practical peak is the best median PyTorch/OpenBLAS matmul above. WebAssembly SIMD is',
    '128-bit (4 float32 lanes) and, outside relaxed SIMD, has no fused multiply-add: each multiply-add is two',
    'instructions on 4 lanes, where native code uses the FMA and lanes of the theoretical figure. TF.js wasm runs',
    'one thread unless its threaded build is used ("Training step by wasm thread count"), where our kernels share',
    'their work among the threads (src/core/model/heapPool.ts).',
    ...(wasm && torchOne
      ? [
          `Its ${wasm.value.n}³ product reaches ${f(wasm.value.gflops, 1)} GFLOP/s, ${pct(wasm.value.gflops, torchOne.gflops)} of PyTorch's one-thread product of the same size; "A product kernel of our own with relaxed SIMD" measures what FMA would add.`,
        ]
      : []),
  );
  lines.push('', 'Training steps (from the tables above):', '', '| step | GFLOP/s | % of practical peak | % of theoretical peak |', '|---|---:|---:|---:|');
  const order = (id: string) => `${id.split('/')[2]}|${id.startsWith('pytorch') ? 0 : 1}|${id}`;
  for (const [id, rec] of Object.entries(r.jobs).sort(([a], [b]) => (order(a) < order(b) ? -1 : 1))) {
    if (!rec.result) continue;
    const [kind, backend, shape] = id.split('/');
    if (kind === 'node' || kind === 'browser') {
      const t = rec.result as TfjsTrain;
      lines.push(`| ${RUNTIME[`${kind}/${backend}`] ?? id}, ${shape} (batch ${t.batch}) | ${f(t.gflops, 2)} | ${pct(t.gflops, pp?.gflops)} | ${pct(t.gflops, theo)} |`);
    } else if (kind === 'pytorch' && shape) {
      const p = rec.result as TorchStep;
      const s = TRAIN_SHAPES[shape.replace(/-b\d+$/, '') as ShapeName];
      if (!s) continue;
      const flops = torchFlops(s.name, p);
      const g = flops / (p.median_ms / 1000) / 1e9;
      lines.push(`| PyTorch ${p.threads} thread${p.threads > 1 ? 's' : ''}, ${s.name} (batch ${p.batch}) | ${f(g, 2)} | ${pct(g, pp?.gflops)} | ${pct(g, theo)} |`);
    }
  }
  return lines.join('\n');
}

function encodeSection(r: BenchResults): string {
  const lines = [
    'The demo model (built-in small, WordPiece 16,000 trained on XQuAD-R) embeds 256 questions and 256',
    "sentences sampled across XQuAD-R's 11 languages, 64 texts per batch, at most 96 tokens, as the",
    'evaluator does (`embedDataset`). Tokenisation is included.',
    '',
    '| kernels | batching | texts | seconds (median) | sentences/s | real tokens/s | padding | load |',
    '|---|---|---:|---:|---:|---:|---:|---:|',
  ];
  for (const [id, label] of [
    ['encode/wasm', 'Node wasm, stock kernels (before)'],
    ['encode/wasm+patch', 'Node wasm + our matmul kernel'],
  ] as const) {
    const e = get<{ tokenizerBuildMs: number; measurements: EncodeMeasurement[] }>(r, id);
    if (!e) continue;
    for (const x of e.value.measurements)
      lines.push(
        `| ${label} | ${x.label} | ${x.texts} | ${f(x.seconds, 1)} (${x.runs.length} run${x.runs.length > 1 ? 's' : ''}) | ${f(x.sentencesPerS, 1)} | ${f(x.tokensPerS, 0)} | ${f(100 * x.paddingFraction, 1)} % | ${f(e.rec.loadBefore[0], 1)} |`,
      );
  }
  return lines.join('\n');
}

function profileSection(r: BenchResults): string {
  const labels: Record<string, string> = {
    'profile/wasm/demo': 'wasm, stock kernels (before)',
    'profile/wasm+patch/demo': 'wasm + our matmul kernel',
    'profile/wasm+patches/demo': 'wasm + our matmul and Identity kernels',
    'profile/wasm+kernels-xnnpack/demo': 'wasm + our matmul, Identity and Sum kernels (XNNPACK products)',
    'profile/wasm+own-products/demo': 'wasm + our matmul, Identity and Sum kernels, our own products',
    'profile/wasm+kernels/demo': 'wasm + all our kernels (shipped), 1 thread',
    'profile/wasm+kernels-2t/demo': 'wasm + all our kernels (shipped), 2 threads',
    'profile/wasm+openblas-2t/demo': 'wasm + all our kernels, products on OpenBLAS (`xlir`), 2 threads',
  };
  const cols = Object.keys(labels)
    .map((id) => get<Profile>(r, id))
    .filter((x): x is NonNullable<typeof x> => x !== null);
  if (cols.length === 0) return 'No profile yet (`npm run bench -- --only profile`).';
  const names = cols.map((c) => labels[Object.keys(labels).find((id) => r.jobs[id] === c.rec)!]!);
  const mib = (b: number | null | undefined) => (b ? `${f(b / 2 ** 20, 0)} MiB` : '–');
  // CPU time where measured (Node): on this shared machine wall time includes waiting for a core
  const phase = (k: keyof PhaseTimes) => cols.map((c) => (c.value.cpuPhases ? `${ms(c.value.cpuPhases[k])} (wall ${ms(c.value.phases[k])})` : ms(c.value.phases[k]))).join(' | ');
  const variants = get<{ stock: MatMulVariant[]; patched: MatMulVariant[] }>(r, 'profile/wasm/matmul-variants');
  const variantLines = variants
    ? [
        '',
        `The products of one demo step, one at a time on Node wasm (median of 5, read back; load ${f(variants.rec.loadBefore[0], 1)}):`,
        '',
        '| product | a | b | stock kernel: ms (GFLOP/s) | our matmul kernel: ms (GFLOP/s) |',
        '|---|---|---|---:|---:|',
        ...variants.value.stock.map((v, i) => {
          const p = variants.value.patched[i]!;
          return `| ${v.name} | \`[${v.a}]${v.transposeA ? 'ᵀ' : ''}\` | \`[${v.b}]${v.transposeB ? 'ᵀ' : ''}\` | ${f(v.medianMs, 1)} (${f(v.gflops, 2)}) | ${f(p.medianMs, 1)} (${f(p.gflops, 2)}) |`;
        }),
      ]
    : [];
  const lines = [
    `Node, demo shape (batch 32 × 64), medians of ${cols[0]!.value.runs} runs; each phase ends with a device sync; process CPU time, wall time in brackets.`,
    '',
    `| phase | ${names.join(' | ')} |`,
    `|---|${names.map(() => '---:').join('|')}|`,
    `| forward only (embed ×2 + InfoNCE, no tape) | ${phase('forwardMs')} |`,
    `| forward + backward (\`tf.variableGrads\`) | ${phase('forwardBackwardMs')} |`,
    `| clipByGlobalNorm (norm, 1 dataSync, copies) | ${phase('clipMs')} |`,
    `| AdamW.apply (${cols[0]!.value.kernels.length ? '' : ''}every variable) | ${phase('optimizerMs')} |`,
    `| full step | ${cols.map((c) => (c.value.stepCpuMs ? `${ms(c.value.stepCpuMs)} (wall ${ms(c.value.stepMs)})` : ms(c.value.stepMs))).join(' | ')} |`,
    `| device reads per step (data/dataSync) | ${cols.map((c) => String(c.value.reads)).join(' | ')} |`,
    `| wasm heap after the run (its high-water mark: the heap never shrinks) | ${cols.map((c) => mib(c.value.wasmHeapBytes)).join(' | ')} |`,
    `| load before | ${cols.map((c) => f(c.rec.loadBefore[0], 1)).join(' | ')} |`,
    '',
    'Kernel time by kernel over one step (`tf.profile`; exact on wasm, where kernels run synchronously). `forward` is',
    'the time inside `tf.customGrad` forward functions (LayerNorm, GELU, linear, the embedding lookup), whose kernels are',
    'also counted under their own names, so it is left out of the shares and of the total:',
    '',
  ];
  const kernelRows = new Map<string, (KernelTotal | undefined)[]>();
  cols.forEach((c, i) => {
    for (const k of c.value.kernels) {
      const row = kernelRows.get(k.kernel) ?? [];
      row[i] = k;
      kernelRows.set(k.kernel, row);
    }
  });
  const WRAPPER = 'forward';
  const totals = cols.map((c) => c.value.kernels.reduce((s, k) => s + (k.kernel === WRAPPER ? 0 : k.ms), 0));
  lines.push(`| kernel | ${names.map((n) => `${n}: ms (calls, share)`).join(' | ')} |`, `|---|${names.map(() => '---:').join('|')}|`);
  // the stock kernels' slowest, and the shipped kernels' (kernels of our own appear in the last columns only)
  const slowest = (col: number, count: number) => [...kernelRows.entries()].sort((a, b) => (b[1][col]?.ms ?? 0) - (a[1][col]?.ms ?? 0)).slice(0, count);
  const picked = new Set([...slowest(0, 14), ...slowest(cols.length - 1, 12)].map(([name]) => name));
  const last = cols.length - 1;
  const sorted = [...kernelRows.entries()].filter(([name]) => picked.has(name)).sort((a, b) => (b[1][0]?.ms ?? 0) - (a[1][0]?.ms ?? 0) || (b[1][last]?.ms ?? 0) - (a[1][last]?.ms ?? 0));
  for (const [name, row] of sorted) {
    const cell = (k: KernelTotal | undefined, col: number) => (!k ? '–' : name === WRAPPER ? `(${f(k.ms, 0)}, ${k.calls} calls)` : `${f(k.ms, 0)} (${k.calls}, ${f((100 * k.ms) / totals[col]!, 1)} %)`);
    lines.push(`| ${name === WRAPPER ? 'forward (customGrad wrappers)' : name} | ${cols.map((_, col) => cell(row[col], col)).join(' | ')} |`);
  }
  lines.push(`| **all kernels** | ${totals.map((t) => f(t, 0)).join(' | ')} |`);
  lines.push(...variantLines);
  for (const c of cols) {
    lines.push('', `Slowest (kernel, input shapes) of one step, ${names[cols.indexOf(c)]}:`, '', '| kernel | input shapes | calls | ms | ms per call |', '|---|---|---:|---:|---:|');
    for (const k of c.value.topCalls.slice(0, 12)) lines.push(`| ${k.kernel} | \`${k.shapes}\` | ${k.calls} | ${f(k.ms, 0)} | ${f(k.ms / k.calls, 1)} |`);
  }
  return lines.join('\n');
}

const PREAMBLE = [
  '# Benchmark results',
  '',
  'How fast XLIR Lab trains and evaluates on this machine, side by side with PyTorch (issue 7). Produced',
  'by `npm run bench` (bench/run.ts; about 45 minutes; `--only peak,node,browser,pytorch,profile,encode,eval`',
  'selects sections, `--filter REGEX` jobs, `--quick` a short run, `--list` shows the jobs). Raw numbers,',
  'with the time and machine load of every measurement: [results.json](results.json).',
].join('\n');

export function renderSimdGemmTable(result: SimdGemmResult): string {
  return [
    '| product | kernel | ms (median) | GFLOP/s | max abs error vs float64 |',
    '|---|---|---:|---:|---:|',
    ...result.rows.map((r) => `| ${r.size} | ${r.kernel} | ${r.ms.toFixed(2)} | ${r.gflops.toFixed(1)} | ${r.maxAbsError === null ? '–' : r.maxAbsError.toExponential(1)} |`),
  ].join('\n');
}

function simdGemmSection(r: BenchResults): string {
  const g = get<SimdGemmResult>(r, 'peak/simd-gemm');
  if (!g) return 'Not measured yet (`npm run bench -- --filter simd-gemm`).';
  return [
    `Measured ${day(g.rec.measuredAt)} UTC (load ${f(g.rec.loadBefore[0], 1)}) by bench/simdGemm.ts in Node ${g.value.node}, one thread, relaxed SIMD`,
    `${g.value.relaxedSimd ? 'on' : 'off (its rows are missing)'}. "ours" is a register-blocked WebAssembly kernel the script emits (R rows × 8 columns of C in`,
    '2R SIMD accumulators; B packed into 8-column panels before the clock starts), in two versions that differ in one',
    "instruction: `f32x4.mul` + `f32x4.add`, or relaxed SIMD's `f32x4.relaxed_madd`, which V8 compiles to an FMA here.",
    "Beside it, tfjs-backend-wasm's XNNPACK product of the same shape, with B reused (XNNPACK packs it once) and with a",
    'new B each call, as in training (activations and gradients are new tensors). The error column compares the',
    'smallest product with a float64 one.',
    '',
    renderSimdGemmTable(g.value),
  ].join('\n');
}

export async function renderResults(r: BenchResults, file: string): Promise<void> {
  let current = '';
  try {
    current = await readFile(file, 'utf8');
  } catch {
    current = '';
  }
  const sections = [
    { heading: 'Machine', body: machineSection(r.machine, r) },
    { heading: 'Training step throughput', body: trainingSection(r) },
    { heading: 'Achieved GFLOP/s against the machine’s peak', body: peakSection(r, r.machine) },
    { heading: 'A product kernel of our own with relaxed SIMD', body: simdGemmSection(r) },
    { heading: 'Encode throughput', body: encodeSection(r) },
    { heading: 'Profile of one training step (wasm, demo shape)', body: profileSection(r) },
  ];
  const order = SECTION_ORDER;
  await writeFile(file, mergeSections(current, PREAMBLE, sections, order));
}
