/**
 * One training step of the dual encoder: the shipped step `runTraining` takes
 * (`createTrainingStep`, src/core/train/trainStep.ts, strategy xy):
 *   {L, ∇} ← tf.variableGrads(InfoNCE(embed(queries), embed([positives; negatives]); τ), varList)
 *   await L.data()  →  clipByGlobalNorm(∇, 1)  (one await data())  →  AdamW.apply
 * with a `TransformerEncoder` from `initEncoderWeights` and synthetic token ids (every mask 1, as the
 * PyTorch reference; no passage keys, so no duplicate masking). Runs in Node and in a browser worker:
 * no node:* imports here.
 *
 * Timing: a step ends when its updates are computed. On wasm and cpu every kernel runs when it is
 * called; on webgl and webgpu work is queued, so each timed step ends by reading one element of the
 * last updated variable (that read waits for everything queued before it).
 */
import * as tf from '@tensorflow/tfjs';
import { TransformerEncoder } from '../src/core/model/encoder';
import { initEncoderWeights, uint32Stream } from '../src/core/model/init';
import type { TokenBatch } from '../src/core/model/types';
import { clipByGlobalNorm } from '../src/core/train/clipByGlobalNorm';
import { createTrainingStep, type StepConfig, type StepInput } from '../src/core/train/trainStep';
import { trainStepFlops } from './flops';
import { shapeEncoderConfig, tokensPerStep, type TrainShape } from './shapes';

/** The hyper-parameters of the demo presets (`experiments/*.json`). */
export const STEP_HYPER = { tau: 0.05, lr: 5e-4, weightDecay: 0.01, epsilon: 1e-8, clipNorm: 1 } as const;

/** The step's config: the demo hyper-parameters at a constant learning rate, no warm-up. */
function stepConfig(seed: number): StepConfig {
  return { ...STEP_HYPER, seed, steps: 1_000_000, warmupSteps: 0, lrSchedule: 'constant', strategy: { kind: 'xy' } };
}

/** First ids are the built-in tokenizer's specials ([PAD] [UNK] [CLS] [SEP] [MASK]). */
const FIRST_WORD_ID = 5;

export function syntheticBatch(rows: number, seq: number, vocab: number, seed: number): TokenBatch {
  const next = uint32Stream(seed);
  const inputIds = new Int32Array(rows * seq);
  for (let i = 0; i < inputIds.length; i++) inputIds[i] = FIRST_WORD_ID + (next() % (vocab - FIRST_WORD_ID));
  return { inputIds, attentionMask: new Int32Array(rows * seq).fill(1), batchSize: rows, seqLen: seq };
}

export interface StepHarness {
  /** one full step; resolves once its update is computed; returns the loss */
  step(): Promise<number>;
  /** the phases separately, each ended by a device sync (for the profile); wall time, and CPU time in Node */
  phases(): Promise<PhaseTimes & { cpu: PhaseTimes | null }>;
  encoder: TransformerEncoder;
  parameters: number;
  dispose(): void;
}

export interface PhaseTimes {
  /** embed + InfoNCE without a tape, loss read back */
  forwardMs: number;
  /** tf.variableGrads (forward with tape + backward), loss read back, gradients synced */
  forwardBackwardMs: number;
  /** clipByGlobalNorm: squared norms, one read, a copy or scaled copy of every gradient */
  clipMs: number;
  /** AdamW.apply over every variable, synced */
  optimizerMs: number;
}

/** Waits for everything queued before it (reads one element of `t`). */
async function sync(t: tf.Tensor): Promise<void> {
  const one = tf.tidy(() => t.reshape([-1]).slice(0, 1));
  await one.data();
  one.dispose();
}

export function createStepHarness(shape: TrainShape, options: { dropout: number; seed?: number; backwardChunkRows?: number; fusedOptimizer?: boolean }): StepHarness {
  const seed = options.seed ?? 7;
  const config = shapeEncoderConfig(shape, options.dropout);
  const encoder = new TransformerEncoder({ config, weights: initEncoderWeights(config, seed), freezeEmbeddings: false, name: 'bench' });
  const update = createTrainingStep(stepConfig(seed), encoder, {
    ...(options.backwardChunkRows ? { backwardChunkRows: options.backwardChunkRows } : {}),
    ...(options.fusedOptimizer !== undefined ? { optimizerFusion: { fused: options.fusedOptimizer } } : {}),
  });
  const vars = Object.values(update.encoderVariables);
  const input: StepInput = {
    queries: syntheticBatch(shape.batch, shape.seq, shape.vocab, seed + 1),
    passages: syntheticBatch(2 * shape.batch, shape.seq, shape.vocab, seed + 2),
  };
  const parameters = vars.reduce((s, v) => s + v.size, 0);
  const last = vars[vars.length - 1]!;
  let k = 0;

  return {
    encoder,
    parameters,
    async step() {
      const { loss } = await update.run(++k, input);
      await sync(last);
      return loss;
    },
    // the parts of `update.run`, each ended by a sync
    async phases() {
      const wall: number[] = [];
      const cpu: (number | null)[] = [];
      const mark = () => {
        wall.push(performance.now());
        cpu.push(cpuNow());
      };
      mark();
      const fwd = tf.tidy(() => update.loss(++k, input));
      await fwd.data();
      fwd.dispose();
      mark();
      const g = update.gradients(++k, input);
      await g.value.data();
      const gs = Object.values(g.encoder);
      await sync(gs[gs.length - 1]!);
      mark();
      const clipped = await clipByGlobalNorm(g.encoder, STEP_HYPER.clipNorm);
      const cg = Object.values(clipped.grads);
      await sync(cg[cg.length - 1]!);
      mark();
      update.encoderOptimizer.apply(clipped.grads, STEP_HYPER.lr);
      await sync(last);
      mark();
      tf.dispose([...g.tensors, ...cg]);
      const span = (xs: (number | null)[], i: number) => (xs[i] === null || xs[i + 1] === null ? Number.NaN : xs[i + 1]! - xs[i]!);
      const times = (xs: (number | null)[]): PhaseTimes => ({ forwardMs: span(xs, 0), forwardBackwardMs: span(xs, 1), clipMs: span(xs, 2), optimizerMs: span(xs, 3) });
      return { ...times(wall), cpu: cpu[0] === null ? null : times(cpu) };
    },
    dispose() {
      update.dispose();
      encoder.dispose();
    },
  };
}

export interface MeasureOptions {
  shape: TrainShape;
  dropout: number;
  /** untimed steps first (the first one compiles shaders / warms allocators) */
  warmup: number;
  /** timed steps wanted */
  repeats: number;
  /** stop taking timed steps once this much time went into them (at least one is always taken) */
  maxSeconds: number;
  /** the chunked backward (`TrainingStepOptions.backwardChunkRows`); default the whole batch at once */
  backwardChunkRows?: number;
  /** force AdamW's fused (true) or per-variable (false) update; default as the app: fused on webgpu */
  fusedOptimizer?: boolean;
}

export interface TrainMeasurement {
  backend: string;
  shape: TrainShape['name'];
  batch: number;
  seq: number;
  /** 3·batch·seq */
  tokensPerStep: number;
  /** matrix-product FLOPs of one step (bench/flops.ts) */
  flopsPerStep: number;
  dropout: number;
  /** sequences per backward chunk (gradient cache), null: the whole batch in one backward pass */
  backwardChunkRows: number | null;
  /** AdamW's update as forced by the job (null: the default, fused on webgpu only) */
  fusedOptimizer: boolean | null;
  parameters: number;
  warmup: number;
  /** wall time of the first warm-up step (shader compilation included) */
  firstStepMs: number;
  timesMs: number[];
  /**
   * Node only: process CPU time (user + system) of each timed step. On a shared machine it is the
   * steadier figure for single-threaded wasm: waiting for a core is not counted.
   */
  cpuMs: number[] | null;
  medianMs: number;
  medianCpuMs: number | null;
  stepsPerS: number;
  tokensPerS: number;
  /** trainStepFlops / median step time */
  gflops: number;
  /** fewer timed steps than asked, because of maxSeconds */
  capped: boolean;
  losses: number[];
  /** tensors alive after the run minus before (0: no leak) */
  leakedTensors: number;
  /** wasm only: size of the wasm heap after the run (it grows to the step's peak and never shrinks) */
  wasmHeapBytes: number | null;
}

function wasmHeapBytes(): number | null {
  const heap = (tf.backend() as unknown as { wasm?: { HEAPU8?: Uint8Array } }).wasm?.HEAPU8;
  return heap ? heap.byteLength : null;
}

/** process CPU milliseconds (user + system) where the runtime exposes them (Node), else null */
function cpuNow(): number | null {
  const p = (globalThis as { process?: { cpuUsage?: () => { user: number; system: number } } }).process;
  if (!p?.cpuUsage) return null;
  const u = p.cpuUsage();
  return (u.user + u.system) / 1000;
}

export function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length === 0 ? Number.NaN : s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

export function stepFlops(shape: TrainShape): number {
  return trainStepFlops({ hidden: shape.hidden, layers: shape.layers, intermediate: shape.intermediate, sequences: 3 * shape.batch, seqLen: shape.seq });
}

/** Warm-up, then timed steps; every number is wall time around `step()`. */
export async function measureTraining(o: MeasureOptions, log: (line: string) => void = () => {}): Promise<TrainMeasurement> {
  const before = tf.memory().numTensors;
  const h = createStepHarness(o.shape, { dropout: o.dropout, ...(o.backwardChunkRows ? { backwardChunkRows: o.backwardChunkRows } : {}), ...(o.fusedOptimizer !== undefined ? { fusedOptimizer: o.fusedOptimizer } : {}) });
  const losses: number[] = [];
  const timesMs: number[] = [];
  const cpuMs: number[] = [];
  let firstStepMs = Number.NaN;
  try {
    for (let i = 0; i < o.warmup; i++) {
      const t = performance.now();
      losses.push(await h.step());
      const ms = performance.now() - t;
      if (i === 0) firstStepMs = ms;
      log(`  warm-up ${i + 1}/${o.warmup}: ${ms.toFixed(0)} ms`);
    }
    let spent = 0;
    while (timesMs.length < o.repeats && (timesMs.length === 0 || spent < o.maxSeconds * 1000)) {
      const t = performance.now();
      const c = cpuNow();
      losses.push(await h.step());
      const ms = performance.now() - t;
      const c2 = cpuNow();
      if (c !== null && c2 !== null) cpuMs.push(c2 - c);
      timesMs.push(ms);
      spent += ms;
      log(`  step ${timesMs.length}/${o.repeats}: ${ms.toFixed(0)} ms`);
    }
  } finally {
    h.dispose();
  }
  const med = median(timesMs);
  return {
    backend: tf.getBackend(),
    shape: o.shape.name,
    batch: o.shape.batch,
    seq: o.shape.seq,
    tokensPerStep: tokensPerStep(o.shape),
    flopsPerStep: stepFlops(o.shape),
    dropout: o.dropout,
    backwardChunkRows: o.backwardChunkRows ?? null,
    fusedOptimizer: o.fusedOptimizer ?? null,
    parameters: h.parameters,
    warmup: o.warmup,
    firstStepMs,
    timesMs,
    cpuMs: cpuMs.length ? cpuMs : null,
    medianMs: med,
    medianCpuMs: cpuMs.length ? median(cpuMs) : null,
    stepsPerS: 1000 / med,
    tokensPerS: (tokensPerStep(o.shape) * 1000) / med,
    gflops: stepFlops(o.shape) / (med / 1000) / 1e9,
    capped: timesMs.length < o.repeats,
    losses,
    leakedTensors: tf.memory().numTensors - before,
    wasmHeapBytes: wasmHeapBytes(),
  };
}

export interface KernelTotal {
  kernel: string;
  calls: number;
  ms: number;
}

export interface StepProfile {
  backend: string;
  shape: TrainShape['name'];
  /** median over `runs` of each phase, wall time */
  phases: PhaseTimes;
  /** the same in process CPU time (Node only): steadier on a shared machine */
  cpuPhases: PhaseTimes | null;
  /** median full step in process CPU time (Node only) */
  stepCpuMs: number | null;
  runs: number;
  /** median full step (same harness) */
  stepMs: number;
  /** per-kernel totals of one step from tf.profile (kernel times are exact on wasm/cpu, where kernels are synchronous) */
  kernels: KernelTotal[];
  /** the slowest (kernel, input shapes) pairs of that step */
  topCalls: { kernel: string; shapes: string; calls: number; ms: number }[];
  /** tf.profile's wall time of the profiled step (profiling overhead included) */
  profiledStepMs: number;
  /** most bytes held by live tensors during the step (tf.profile peakBytes; weights and optimiser state included) */
  peakBytes: number;
  /** wasm only: heap size at the end (the heap grows to the step's peak and never shrinks) */
  wasmHeapBytes: number | null;
  /** reads from the device per step: Tensor.data() and Tensor.dataSync() calls */
  reads: number;
}

/** Phase timings and a kernel-level profile of one step. */
export async function profileTraining(shape: TrainShape, runs: number, dropout = 0, fusedOptimizer?: boolean): Promise<StepProfile> {
  const h = createStepHarness(shape, { dropout, ...(fusedOptimizer !== undefined ? { fusedOptimizer } : {}) });
  try {
    await h.step();
    await h.step();
    const phases: (PhaseTimes & { cpu: PhaseTimes | null })[] = [];
    const steps: number[] = [];
    const stepsCpu: number[] = [];
    for (let i = 0; i < runs; i++) {
      phases.push(await h.phases());
      const t = performance.now();
      const c = cpuNow();
      await h.step();
      steps.push(performance.now() - t);
      const c2 = cpuNow();
      if (c !== null && c2 !== null) stepsCpu.push(c2 - c);
    }
    const pickFrom = (ps: PhaseTimes[]): PhaseTimes => ({
      forwardMs: median(ps.map((p) => p.forwardMs)),
      forwardBackwardMs: median(ps.map((p) => p.forwardBackwardMs)),
      clipMs: median(ps.map((p) => p.clipMs)),
      optimizerMs: median(ps.map((p) => p.optimizerMs)),
    });
    const cpuPhases = phases.every((p) => p.cpu) ? pickFrom(phases.map((p) => p.cpu!)) : null;

    // count device reads of one plain step
    const proto = tf.Tensor.prototype as unknown as { data: () => Promise<unknown>; dataSync: () => unknown };
    const { data, dataSync } = proto;
    let reads = 0;
    proto.data = function (this: tf.Tensor) {
      reads++;
      return data.call(this);
    };
    proto.dataSync = function (this: tf.Tensor) {
      reads++;
      return dataSync.call(this);
    };
    try {
      await h.step();
    } finally {
      proto.data = data;
      proto.dataSync = dataSync;
    }

    const checks = tf.env().getBool('CHECK_COMPUTATION_FOR_ERRORS');
    tf.env().set('CHECK_COMPUTATION_FOR_ERRORS', false);
    const t = performance.now();
    const info = await tf.profile(async () => {
      await h.step();
    });
    const profiledStepMs = performance.now() - t;
    tf.env().set('CHECK_COMPUTATION_FOR_ERRORS', checks);
    const byKernel = new Map<string, KernelTotal>();
    const byCall = new Map<string, { kernel: string; shapes: string; calls: number; ms: number }>();
    for (const k of info.kernels) {
      const ms = typeof k.kernelTimeMs === 'number' ? k.kernelTimeMs : 0;
      const total = byKernel.get(k.name) ?? { kernel: k.name, calls: 0, ms: 0 };
      total.calls++;
      total.ms += ms;
      byKernel.set(k.name, total);
      const shapes = k.inputShapes.map((s) => `[${s?.join(',') ?? ''}]`).join(' ');
      const key = `${k.name} ${shapes}`;
      const call = byCall.get(key) ?? { kernel: k.name, shapes, calls: 0, ms: 0 };
      call.calls++;
      call.ms += ms;
      byCall.set(key, call);
    }
    return {
      backend: tf.getBackend(),
      shape: shape.name,
      phases: pickFrom(phases),
      cpuPhases,
      stepCpuMs: stepsCpu.length ? median(stepsCpu) : null,
      runs,
      stepMs: median(steps),
      kernels: [...byKernel.values()].sort((a, b) => b.ms - a.ms),
      topCalls: [...byCall.values()].sort((a, b) => b.ms - a.ms).slice(0, 25),
      profiledStepMs,
      peakBytes: info.peakBytes,
      wasmHeapBytes: wasmHeapBytes(),
      reads,
    };
  } finally {
    h.dispose();
  }
}

/**
 * Median GFLOP/s of an n×n×n float32 matMul on the active backend, result read back.
 * @param n matrix size
 */
export async function matmulGflops(n: number, runs: number): Promise<{ n: number; medianMs: number; gflops: number }> {
  const next = uint32Stream(n);
  const fill = () => Float32Array.from({ length: n * n }, () => next() / 4294967296 - 0.5);
  const a = tf.tensor2d(fill(), [n, n]);
  const b = tf.tensor2d(fill(), [n, n]);
  const once = async () => {
    const t = performance.now();
    const c = tf.matMul(a, b);
    await c.data();
    c.dispose();
    return performance.now() - t;
  };
  await once();
  await once();
  const ms: number[] = [];
  for (let i = 0; i < runs; i++) ms.push(await once());
  a.dispose();
  b.dispose();
  const med = median(ms);
  return { n, medianMs: med, gflops: (2 * n ** 3) / (med / 1000) / 1e9 };
}

export interface MatMulVariant {
  name: string;
  a: number[];
  b: number[];
  transposeA: boolean;
  transposeB: boolean;
  medianMs: number;
  gflops: number;
}

/**
 * The products one demo step runs (forward x·Wᵀ, the two gradients, attention), timed one by one on
 * the active backend (median of `runs`, read back): shows which ones tfjs-backend-wasm runs slowly.
 */
export async function matmulVariants(runs: number): Promise<MatMulVariant[]> {
  const next = uint32Stream(99);
  const rand = (shape: number[]) =>
    tf.tensor(
      Float32Array.from({ length: shape.reduce((p, d) => p * d, 1) }, () => next() / 4294967296 - 0.5),
      shape,
    );
  const cases: Omit<MatMulVariant, 'medianMs' | 'gflops'>[] = [
    { name: 'linear forward x·Wᵀ (as encoderOps.linear)', a: [4096, 128], b: [512, 128], transposeA: false, transposeB: true },
    { name: 'same product, W pre-transposed (x·W)', a: [4096, 128], b: [128, 512], transposeA: false, transposeB: false },
    { name: 'input gradient dy·W', a: [4096, 512], b: [512, 128], transposeA: false, transposeB: false },
    { name: 'weight gradient dyᵀ·x', a: [4096, 512], b: [4096, 128], transposeA: true, transposeB: false },
    { name: 'attention scores q·kᵀ (batched)', a: [64, 4, 64, 32], b: [64, 4, 64, 32], transposeA: false, transposeB: true },
    { name: 'attention context p·v (batched)', a: [64, 4, 64, 64], b: [64, 4, 64, 32], transposeA: false, transposeB: false },
  ];
  const out: MatMulVariant[] = [];
  for (const c of cases) {
    const a = rand(c.a);
    const b = rand(c.b);
    const once = async () => {
      const t = performance.now();
      const y = tf.matMul(a, b, c.transposeA, c.transposeB);
      await y.data();
      y.dispose();
      return performance.now() - t;
    };
    await once();
    const ms: number[] = [];
    for (let i = 0; i < runs; i++) ms.push(await once());
    tf.dispose([a, b]);
    const m = c.transposeA ? c.a[c.a.length - 1]! : c.a[c.a.length - 2]!;
    const k = c.transposeA ? c.a[c.a.length - 2]! : c.a[c.a.length - 1]!;
    const n = c.transposeB ? c.b[c.b.length - 2]! : c.b[c.b.length - 1]!;
    const batch = c.a.slice(0, -2).reduce((p, d) => p * d, 1);
    const med = median(ms);
    out.push({ ...c, medianMs: med, gflops: (2 * batch * m * k * n) / (med / 1000) / 1e9 });
  }
  return out;
}
