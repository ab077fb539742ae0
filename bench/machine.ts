/**
 * What the numbers were measured on: CPU model, cores, clock, SIMD, the theoretical float32 peak
 * derived from /proc/cpuinfo, software versions and the load of the (shared) machine.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import os from 'node:os';
import * as tf from '@tensorflow/tfjs';

export interface TheoreticalPeak {
  /** float32 FLOPs per cycle per core assumed from the SIMD flags */
  flopsPerCycle: number;
  ghz: number;
  cores: number;
  gflops: number;
  /** how the figure was derived */
  basis: string;
}

export interface MachineInfo {
  cpu: string;
  cores: number;
  mhz: number | null;
  simd: string[];
  peak: TheoreticalPeak | null;
  memoryGiB: number;
  os: string;
  node: string;
  tfjs: string;
  chromium: string | null;
  torch: string | null;
  blas: string | null;
  /** 1-minute load average when the bench started (2 cores: above ~0.5 means other work was running) */
  loadAverage: number[];
}

function cpuinfo(): string {
  try {
    return readFileSync('/proc/cpuinfo', 'utf8');
  } catch {
    return '';
  }
}

/**
 * The float32 FMA peak: cores × clock × (SIMD lanes × 2 FLOPs per FMA × FMA units). AVX-512: 16 lanes,
 * AVX2+FMA: 8 lanes, each with 2 FMA pipes (Zen 2/3/4, Skylake and later; Zen 4 runs AVX-512 as 2×256,
 * so its AVX-512 peak equals its AVX2 one — the figure is then an upper bound).
 */
export function theoreticalPeak(flags: ReadonlySet<string>, ghz: number, cores: number): TheoreticalPeak | null {
  if (!(ghz > 0) || cores < 1) return null;
  let lanes = 4;
  let fmaUnits = 1;
  let isa = 'SSE (4 lanes, mul+add)';
  if (flags.has('avx512f')) [lanes, fmaUnits, isa] = [16, 2, 'AVX-512F FMA (16 lanes × 2 pipes)'];
  else if (flags.has('avx2') && flags.has('fma')) [lanes, fmaUnits, isa] = [8, 2, 'AVX2 FMA (8 lanes × 2 pipes)'];
  else if (flags.has('avx')) [lanes, fmaUnits, isa] = [8, 1, 'AVX (8 lanes, mul+add)'];
  const flopsPerCycle = lanes * 2 * fmaUnits;
  return { flopsPerCycle, ghz, cores, gflops: flopsPerCycle * ghz * cores, basis: `${cores} cores × ${ghz.toFixed(3)} GHz × ${flopsPerCycle} FLOP/cycle (${isa}), no turbo` };
}

function chromiumVersion(): string | null {
  try {
    const p = process.env.CHROME_PATH ?? '/usr/bin/chromium';
    return execFileSync(p, ['--version'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
  } catch {
    return null;
  }
}

export function describeMachine(extra: { torch?: string | null; blas?: string | null } = {}): MachineInfo {
  const info = cpuinfo();
  const field = (name: string) => new RegExp(`^${name}\\s*:\\s*(.*)$`, 'm').exec(info)?.[1]?.trim();
  const flags = new Set((field('flags') ?? '').split(/\s+/));
  const mhz = Number(field('cpu MHz'));
  const cores = os.cpus().length;
  const simd = ['sse4_2', 'avx', 'avx2', 'fma', 'avx512f', 'avx512_vnni', 'avx512_bf16'].filter((f) => flags.has(f));
  return {
    cpu: field('model name') ?? os.cpus()[0]?.model ?? 'unknown',
    cores,
    mhz: Number.isFinite(mhz) && mhz > 0 ? mhz : null,
    simd,
    peak: Number.isFinite(mhz) ? theoreticalPeak(flags, mhz / 1000, cores) : null,
    memoryGiB: Math.round(os.totalmem() / 2 ** 30),
    os: `${os.type()} ${os.release()} ${os.arch()}`,
    node: process.versions.node,
    tfjs: tf.version.tfjs,
    chromium: chromiumVersion(),
    torch: extra.torch ?? null,
    blas: extra.blas ?? null,
    loadAverage: os.loadavg().map((x) => Math.round(x * 100) / 100),
  };
}
