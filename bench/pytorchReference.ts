import { execFileSync, spawnSync } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

import type { TrainShape } from './shapes';

const PYTHON = '/usr/bin/python3';
const HERE = path.dirname(fileURLToPath(import.meta.url));
const SCRIPT = path.join(HERE, 'reference', 'train_step.py');
const PEAK_SCRIPT = path.join(HERE, 'reference', 'matmul_peak.py');

/** The fields of a training shape `reference/train_step.py` reads. */
export type PytorchShape = Pick<TrainShape, 'hidden' | 'layers' | 'heads' | 'intermediate' | 'vocab' | 'batch' | 'seq'>;

export interface PytorchResult {
  torch: string;
  threads: number;
  median_ms: number;
  steps_per_s: number;
  tokens_per_s: number;
  times_ms: number[];
  /** CPU time of all threads per timed step (user + system) */
  cpu_ms: number[];
  median_cpu_ms: number;
  blas: string;
}

export interface PytorchMatmul {
  torch: string;
  threads: number;
  matmul: { n: number; median_ms: number; gflops: number; best_gflops: number }[];
  blas: string;
}

function torchAvailable(): boolean {
  return spawnSync(PYTHON, ['-c', 'import torch'], { stdio: 'ignore' }).status === 0;
}

/**
 * Debian's python3-torch, installed with apt-get when missing (the bench runs as root on CI-like
 * machines). Debian links torch against the generic reference BLAS unless an optimised one is
 * installed; OpenBLAS is installed too so PyTorch is measured at its usual speed, not handicapped.
 */
export function ensurePytorch(log: (line: string) => void): boolean {
  const haveOpenblas = spawnSync('dpkg', ['-s', 'libopenblas0-pthread'], { stdio: 'ignore' }).status === 0;
  if (torchAvailable() && haveOpenblas) return true;
  log('bench: installing python3-torch and libopenblas0-pthread with apt-get');
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  const update = spawnSync('apt-get', ['update', '-qq'], { stdio: 'inherit', env });
  const install = spawnSync('apt-get', ['install', '-y', '-qq', 'python3-torch', 'libopenblas0-pthread'], { stdio: 'inherit', env });
  if (update.status !== 0 || install.status !== 0) {
    log('bench: could not install PyTorch; the PyTorch column will be empty');
    return false;
  }
  return torchAvailable();
}

/** The library behind libblas.so.3 (Debian alternatives), which Debian's torch calls for matmul. */
export function blasInUse(): string {
  try {
    return execFileSync('readlink', ['-f', '/usr/lib/x86_64-linux-gnu/libblas.so.3']).toString().trim();
  } catch {
    return 'unknown';
  }
}

function runJson<T>(script: string, arg: object, threads: number): T {
  const out = execFileSync(PYTHON, [script, JSON.stringify(arg)], {
    encoding: 'utf8',
    env: { ...process.env, OMP_NUM_THREADS: String(threads), OPENBLAS_NUM_THREADS: String(threads) },
    maxBuffer: 1 << 24,
  });
  return JSON.parse(out.trim().split('\n').pop() ?? '{}') as T;
}

export function runPytorchStep(shape: PytorchShape, threads: number, repeats = 5, warmup = 2): PytorchResult {
  const parsed = runJson<Omit<PytorchResult, 'blas'>>(SCRIPT, { ...shape, threads, warmup, repeats }, threads);
  return { ...parsed, blas: blasInUse() };
}

/** Median GFLOP/s of n×n×n float32 matmuls in PyTorch: the practical peak of this CPU. */
export function runPytorchMatmul(sizes: number[], threads: number, repeats = 5): PytorchMatmul {
  return { ...runJson<Omit<PytorchMatmul, 'blas'>>(PEAK_SCRIPT, { sizes, threads, repeats }, threads), blas: blasInUse() };
}
