/**
 * How fast could a matrix product of our own run in WebAssembly, with and without relaxed SIMD's fused
 * multiply-add (issue 25: the training step is bound by XNNPACK's wasm SIMD products, and wasm SIMD has no
 * FMA)? A register-blocked micro-kernel (R rows × 8 columns of C in 2R v128 accumulators, B packed in
 * 8-column panels) is emitted as WebAssembly bytes here, in two versions that differ in one instruction:
 * `f32x4.mul` + `f32x4.add`, or `f32x4.relaxed_madd` (which V8 compiles to vfmadd231ps where the CPU has
 * FMA3). Both are timed beside tfjs-backend-wasm's XNNPACK product of the same shape, in one process.
 *
 *   npm run bench -- --filter simd          # the `peak/simd-gemm` job, rendered into RESULTS.md
 *   npx tsx bench/simdGemm.ts               # the same table on stdout
 *
 * Node 20 ships relaxed SIMD behind --experimental-wasm-relaxed-simd, which this module sets before it
 * compiles anything; Chromium has it on. A probe for deciding whether to own the product kernel, not a
 * kernel the app uses: one thread, no blocking over K for caches, B packed before the clock starts,
 * sizes divisible by the tile.
 */
import os from 'node:os';
import { pathToFileURL } from 'node:url';
import v8 from 'node:v8';
import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../src/core/model/backend';
import { STOCK_WASM_KERNELS } from '../src/core/model/wasmKernels';
import { renderSimdGemmTable } from './report';

/** unsigned LEB128 */
function uleb(n: number): number[] {
  const out: number[] = [];
  do {
    let byte = n & 0x7f;
    n >>>= 7;
    if (n !== 0) byte |= 0x80;
    out.push(byte);
  } while (n !== 0);
  return out;
}

/** signed LEB128 (i32.const) */
function sleb(n: number): number[] {
  const out: number[] = [];
  for (;;) {
    const byte = n & 0x7f;
    n >>= 7;
    if ((n === 0 && (byte & 0x40) === 0) || (n === -1 && (byte & 0x40) !== 0)) {
      out.push(byte);
      return out;
    }
    out.push(byte | 0x80);
  }
}

const section = (id: number, body: number[]) => [id, ...uleb(body.length), ...body];
const vec = (items: number[][]) => [...uleb(items.length), ...items.flat()];
const name = (s: string) => [...uleb(s.length), ...Array.from(s, (c) => c.charCodeAt(0))];

const I32 = 0x7f;
const V128 = 0x7b;
const op = {
  get: (i: number) => [0x20, ...uleb(i)],
  set: (i: number) => [0x21, ...uleb(i)],
  i32: (n: number) => [0x41, ...sleb(n)],
  add: [0x6a],
  mul: [0x6c],
  ne: [0x47],
  loop: [0x03, 0x40],
  end: [0x0b],
  brIf: (depth: number) => [0x0d, ...uleb(depth)],
  f32Load: [0x2a, 0x02, 0x00],
  v128Load: (offset: number) => [0xfd, 0x00, 0x04, ...uleb(offset)],
  v128Store: (offset: number) => [0xfd, 0x0b, 0x04, ...uleb(offset)],
  v128Zero: [0xfd, 0x0c, ...new Array<number>(16).fill(0)],
  splat: [0xfd, 0x13],
  f32x4Add: [0xfd, ...uleb(228)],
  f32x4Mul: [0xfd, ...uleb(230)],
  relaxedMadd: [0xfd, ...uleb(261)],
};

/**
 * gemm(a, bPacked, c, M, N, K): C[M,N] = A[M,K]·B[K,N], row-major float32 at byte offsets; B packed as
 * N/8 panels of K×8. M divisible by `rows`, N by 8.
 */
export function gemmModule(rows: number, fused: boolean): Uint8Array<ArrayBuffer> {
  // params 0..5: a, b, c, M, N, K; i32 locals 6..: i, j, k, pb, pc, pa[rows]; v128 locals: acc[2·rows], b0, b1, av
  const [A, B, C, M, N, K] = [0, 1, 2, 3, 4, 5];
  const [I, J, KK, PB, PC] = [6, 7, 8, 9, 10];
  const PA = (r: number) => 11 + r;
  const v0 = 11 + rows;
  const ACC = (r: number, h: number) => v0 + 2 * r + h;
  const [B0, B1, AV] = [v0 + 2 * rows, v0 + 2 * rows + 1, v0 + 2 * rows + 2];
  const fma = (acc: number, b: number) => (fused ? [...op.get(AV), ...op.get(b), ...op.get(acc), ...op.relaxedMadd, ...op.set(acc)] : [...op.get(acc), ...op.get(AV), ...op.get(b), ...op.f32x4Mul, ...op.f32x4Add, ...op.set(acc)]);
  const rowBytes = (param: number) => [...op.get(param), ...op.i32(4), ...op.mul];
  const kBody = [
    ...op.get(PB),
    ...op.v128Load(0),
    ...op.set(B0),
    ...op.get(PB),
    ...op.v128Load(16),
    ...op.set(B1),
    ...Array.from({ length: rows }, (_, r) => [...op.get(PA(r)), ...op.f32Load, ...op.splat, ...op.set(AV), ...fma(ACC(r, 0), B0), ...fma(ACC(r, 1), B1), ...op.get(PA(r)), ...op.i32(4), ...op.add, ...op.set(PA(r))]).flat(),
    ...op.get(PB),
    ...op.i32(32),
    ...op.add,
    ...op.set(PB),
    ...op.get(KK),
    ...op.i32(1),
    ...op.add,
    ...op.set(KK),
  ];
  const jBody = [
    ...Array.from({ length: 2 * rows }, (_, x) => [...op.v128Zero, ...op.set(v0 + x)]).flat(),
    // pa[0] = a + i·K·4, pa[r] = pa[r-1] + K·4
    ...op.get(A),
    ...op.get(I),
    ...rowBytes(K),
    ...op.mul,
    ...op.add,
    ...op.set(PA(0)),
    ...Array.from({ length: rows - 1 }, (_, r) => [...op.get(PA(r)), ...rowBytes(K), ...op.add, ...op.set(PA(r + 1))]).flat(),
    // pb = b + j·K·4 (panel j/8 holds K·8 floats)
    ...op.get(B),
    ...op.get(J),
    ...rowBytes(K),
    ...op.mul,
    ...op.add,
    ...op.set(PB),
    ...op.i32(0),
    ...op.set(KK),
    ...op.loop,
    ...kBody,
    ...op.get(KK),
    ...op.get(K),
    ...op.ne,
    ...op.brIf(0),
    ...op.end,
    // pc = c + (i·N + j)·4; rows of C are N·4 bytes apart
    ...op.get(C),
    ...op.get(I),
    ...op.get(N),
    ...op.mul,
    ...op.get(J),
    ...op.add,
    ...op.i32(4),
    ...op.mul,
    ...op.add,
    ...op.set(PC),
    ...Array.from({ length: rows }, (_, r) => [...op.get(PC), ...op.get(ACC(r, 0)), ...op.v128Store(0), ...op.get(PC), ...op.get(ACC(r, 1)), ...op.v128Store(16), ...op.get(PC), ...rowBytes(N), ...op.add, ...op.set(PC)]).flat(),
    ...op.get(J),
    ...op.i32(8),
    ...op.add,
    ...op.set(J),
  ];
  const body = [
    ...op.i32(0),
    ...op.set(I),
    ...op.loop,
    ...op.i32(0),
    ...op.set(J),
    ...op.loop,
    ...jBody,
    ...op.get(J),
    ...op.get(N),
    ...op.ne,
    ...op.brIf(0),
    ...op.end,
    ...op.get(I),
    ...op.i32(rows),
    ...op.add,
    ...op.set(I),
    ...op.get(I),
    ...op.get(M),
    ...op.ne,
    ...op.brIf(0),
    ...op.end,
    ...op.end,
  ];
  const locals = vec([
    [...uleb(5 + rows), I32],
    [...uleb(2 * rows + 3), V128],
  ]);
  const code = [...locals, ...body];
  const bytes = [
    ...[0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00],
    ...section(1, vec([[0x60, ...vec(new Array(6).fill([I32])), 0x00]])),
    ...section(2, vec([[...name('env'), ...name('memory'), 0x02, 0x00, ...uleb(1)]])),
    ...section(3, vec([[0x00]])),
    ...section(7, vec([[...name('gemm'), 0x00, 0x00]])),
    ...section(10, vec([[...uleb(code.length), ...code]])),
  ];
  return Uint8Array.from(bytes);
}

export type Gemm = (a: number, b: number, c: number, m: number, n: number, k: number) => void;

export function instantiate(rows: number, fused: boolean, memory: WebAssembly.Memory): Gemm {
  const module = new WebAssembly.Module(gemmModule(rows, fused));
  return (new WebAssembly.Instance(module, { env: { memory } }).exports as { gemm: Gemm }).gemm;
}

/** B [K, N] row-major into N/8 panels of K×8 */
export function packB(b: Float32Array, k: number, n: number, out: Float32Array): void {
  for (let p = 0; p < n / 8; p++) for (let kk = 0; kk < k; kk++) for (let x = 0; x < 8; x++) out[p * k * 8 + kk * 8 + x] = b[kk * n + p * 8 + x]!;
}

function median(xs: number[]): number {
  const s = [...xs].sort((p, q) => p - q);
  return s[s.length >> 1]!;
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
/** Turns relaxed SIMD on in this process (Node 20 ships it behind a flag) before any module compiles. @returns whether it validates */
export function enableRelaxedSimd(): boolean {
  v8.setFlagsFromString('--experimental-wasm-relaxed-simd');
  return WebAssembly.validate(gemmModule(4, true));
}

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
    packB(b, k, n, heap.subarray(bAt, bAt + k * n));
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
