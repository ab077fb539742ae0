/**
 * The raw speed of our wasm product kernel (src/core/model/wasmGemm.ts, which the wasm backend now runs products
 * on) against tfjs-backend-wasm's XNNPACK product of the same shape, in one process, one thread. The kernel's
 * micro-tile (R rows × 8 columns of C in 2R v128 accumulators, B packed in 8-column panels) is timed in its two
 * versions, `f32x4.mul` + `f32x4.add` and relaxed SIMD's `f32x4.relaxed_madd` (vfmadd231ps where the CPU has
 * FMA3), and with R = 4 (what the backend uses) and 6; over the whole K in one pass, B packed before the clock
 * starts, sizes divisible by the tile.
 *
 *   npm run bench -- --filter simd          # the `peak/simd-gemm` job, rendered into RESULTS.md
 *   npx tsx bench/simdGemm.ts               # the same table on stdout
 */
import os from 'node:os';
import { pathToFileURL } from 'node:url';
import * as tf from '@tensorflow/tfjs';
import { enableRelaxedSimd } from '../src/cli/relaxedSimd';
import { initBackend } from '../src/core/model/backend';
import { type GemmFunction, gemmModuleBytes, packPanels } from '../src/core/model/wasmGemm';
import { STOCK_WASM_KERNELS } from '../src/core/model/wasmKernels';
import { renderSimdGemmTable } from './report';
import { median } from './trainStep';

type ProbeGemm = (a: number, b: number, c: number, m: number, n: number, k: number) => void;

/** Our kernel with one tile height, on row-major A (src/core/model/wasmGemm.ts; one pass over all of K). */
function instantiate(rows: number, fused: boolean, memory: WebAssembly.Memory): ProbeGemm {
  const module = new WebAssembly.Module(gemmModuleBytes(fused, [rows]));
  const gemm = (new WebAssembly.Instance(module, { env: { memory } }).exports as Record<string, GemmFunction>)[`gemm${rows}`]!;
  return (a, b, c, m, n, k) => gemm(a, b, c, m, n, k, 4 * k, 4, 32, 4 * k, 4 * n, 0);
}

function timeIt(f: () => void, minMs = 300): number {
  f();
  const times: number[] = [];
  const start = performance.now();
  while (times.length < 5 || (performance.now() - start < minMs && times.length < 50)) {
    const t = performance.now();
    f();
    times.push(performance.now() - t);
  }
  return median(times);
}

export interface SimdGemmRow {
  /** M×K · K×N */
  size: string;
  kernel: string;
  ms: number;
  gflops: number;
  /** against a float64 product, for the smallest shape only */
  maxAbsError: number | null;
}

export interface SimdGemmResult {
  relaxedSimd: boolean;
  node: string;
  rows: SimdGemmRow[];
}

/** Times our kernels and tfjs's XNNPACK product; the wasm backend must be the active one. */
export async function measureSimdGemm(): Promise<SimdGemmResult> {
  const relaxedSimd = enableRelaxedSimd();
  if (tf.getBackend() !== 'wasm') throw new Error(`measureSimdGemm needs the wasm backend (active: ${tf.getBackend()})`);
  const shapes: [number, number, number][] = [
    [48, 64, 40],
    [240, 256, 256],
    [480, 512, 512],
    [960, 1024, 1024],
    [4104, 128, 128],
    [4104, 512, 128],
  ];
  const rows: SimdGemmRow[] = [];
  for (const [m, n, k] of shapes) {
    const bytes = 4 * (m * k + 2 * k * n + m * n) + 64;
    const memory = new WebAssembly.Memory({ initial: Math.ceil(bytes / 65536) + 1 });
    const heap = new Float32Array(memory.buffer);
    const [aAt, bAt, cAt] = [0, m * k, m * k + k * n];
    const a = Float32Array.from({ length: m * k }, (_, i) => Math.sin(i * 0.37));
    const b = Float32Array.from({ length: k * n }, (_, i) => Math.cos(i * 0.11));
    heap.set(a, aAt);
    // B row-major after C, then packed into panels at bAt
    heap.set(b, cAt + m * n);
    packPanels(heap, cAt + m * n, n, 1, k, n, bAt);
    const reference =
      m * n * k <= 2e5
        ? Float64Array.from({ length: m * n }, (_, x) => {
            const [i, j] = [Math.floor(x / n), x % n];
            let s = 0;
            for (let kk = 0; kk < k; kk++) s += a[i * k + kk]! * b[kk * n + j]!;
            return s;
          })
        : null;
    const flops = 2 * m * n * k;
    const size = `${m}×${k} · ${k}×${n}`;
    const kernels: [string, number, boolean][] = [
      ['ours, 4×8 tile, mul + add', 4, false],
      ['ours, 6×8 tile, mul + add', 6, false],
      ...(relaxedSimd
        ? ([
            ['ours, 4×8 tile, relaxed_madd (FMA)', 4, true],
            ['ours, 6×8 tile, relaxed_madd (FMA)', 6, true],
          ] as [string, number, boolean][])
        : []),
    ];
    for (const [label, r, fused] of kernels) {
      if (m % r !== 0) continue;
      const gemm = instantiate(r, fused, memory);
      heap.fill(Number.NaN, cAt, cAt + m * n);
      const ms = timeIt(() => gemm(4 * aAt, 4 * bAt, 4 * cAt, m, n, k));
      const c = heap.subarray(cAt, cAt + m * n);
      if (c.some((v) => !Number.isFinite(v))) throw new Error(`${label} left C incomplete for ${size}`);
      const maxAbsError = reference ? Math.max(...Array.from(c, (v, x) => Math.abs(v - reference[x]!))) : null;
      rows.push({ size, kernel: label, ms, gflops: flops / ms / 1e6, maxAbsError });
    }
    const ta = tf.tensor2d(a, [m, k]);
    const tb = tf.tensor2d(b, [k, n]);
    // XNNPACK packs its right operand once per tensor: a reused B is its best case, a new one (an activation
    // or a gradient, as in training; here a copy, whose memcpy is timed too) adds the packing
    const reused = timeIt(() => tf.matMul(ta, tb).dispose());
    const fresh = timeIt(() => {
      const copy = tf.add(tb, 0);
      tf.matMul(ta, copy).dispose();
      copy.dispose();
    });
    rows.push({ size, kernel: 'tfjs wasm (XNNPACK), B reused', ms: reused, gflops: flops / reused / 1e6, maxAbsError: null });
    rows.push({ size, kernel: 'tfjs wasm (XNNPACK), new B each call', ms: fresh, gflops: flops / fresh / 1e6, maxAbsError: null });
    tf.dispose([ta, tb]);
  }
  return { relaxedSimd, node: process.version, rows };
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  await initBackend('wasm', { wasmKernels: STOCK_WASM_KERNELS, wasmThreads: 1 });
  const result = await measureSimdGemm();
  console.log(`${os.cpus()[0]?.model ?? 'unknown CPU'}, Node ${result.node}, relaxed SIMD ${result.relaxedSimd ? 'on' : 'off'}, load ${os.loadavg()[0]!.toFixed(2)}\n`);
  console.log(renderSimdGemmTable(result));
}
