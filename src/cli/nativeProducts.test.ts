/**
 * xlir's OpenBLAS products (nativeProducts.ts, native/openblasProducts.c): values against float64, the same bits on
 * 1, 2 and 3 threads, refusals of bad arguments, the reasons the loader gives, and the wasm backend's products
 * through it. The addon is built by `npm install` (postinstall) or `npm run build:native`; .ci/run installs what it
 * needs (a C compiler, Node's headers and libopenblas0-pthread), so these tests run, and fail, rather than skip.
 */
import { copyFileSync, mkdtempSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '../core/model/backend';
import { LINEAR_KERNEL } from '../core/model/fusedKernelNames';
import type { NativeProduct, NativeProducts } from '../core/model/nativeProducts';
import { attachNativeProducts, wasmProductKernel } from '../core/model/wasmKernels';
import { loadOpenBlasProducts, OPENBLAS_ADDON, OPENBLAS_SOURCE } from './nativeProducts';

function openBlas(threads: number): NativeProducts {
  const load = loadOpenBlasProducts(threads);
  if (!load.ok) throw new Error(`the OpenBLAS addon must load for these tests (npm run build:native): ${load.reason}`);
  return load.products;
}

/** A shared heap like tfjs's threaded build (the addon must read SharedArrayBuffer-backed arrays too). */
const sharedHeap = (floats: number) => new Float32Array(new WebAssembly.Memory({ initial: Math.ceil((floats * 4) / 65536), maximum: 4096, shared: true }).buffer);

interface Case extends Omit<NativeProduct, 'a' | 'b' | 'c' | 'bias'> {
  withBias: boolean;
}

/** Lays out a product's operands on `heap` (odd offsets, so nothing is aligned by chance) with C filled with NaN. */
function layOut(heap: Float32Array, p: Case): NativeProduct {
  const { m, n, k, batches, bShared } = p;
  const a = 3;
  const b = a + batches * m * k + 5;
  const bias = b + (bShared ? 1 : batches) * k * n + 7;
  const c = bias + n + 1;
  for (let i = 0; i < batches * m * k; i++) heap[a + i] = Math.sin(i * 0.37 + 0.1);
  for (let i = 0; i < (bShared ? 1 : batches) * k * n; i++) heap[b + i] = Math.cos(i * 0.11);
  for (let j = 0; j < n; j++) heap[bias + j] = 0.5 - j / n;
  heap.fill(Number.NaN, c, c + batches * m * n);
  return { m, n, k, batches, bShared, transposeA: p.transposeA, transposeB: p.transposeB, a, b, c, ...(p.withBias ? { bias } : {}) };
}

/** Largest |C − float64 reference| relative to Σ|terms| + |bias| (float32 rounding over K terms stays far below 1e-6). */
function worstError(heap: Float32Array, p: NativeProduct): number {
  let worst = 0;
  for (let s = 0; s < p.batches; s++) {
    const a = p.a + s * p.m * p.k;
    const b = p.b + (p.bShared ? 0 : s * p.k * p.n);
    for (let i = 0; i < p.m; i++) {
      for (let j = 0; j < p.n; j++) {
        let want = p.bias === undefined ? 0 : heap[p.bias + j]!;
        let scale = Math.abs(want);
        for (let kk = 0; kk < p.k; kk++) {
          const term = heap[a + (p.transposeA ? kk * p.m + i : i * p.k + kk)]! * heap[b + (p.transposeB ? j * p.k + kk : kk * p.n + j)]!;
          want += term;
          scale += Math.abs(term);
        }
        worst = Math.max(worst, Math.abs(heap[p.c + s * p.m * p.n + i * p.n + j]! - want) / (scale + 1e-30));
      }
    }
  }
  return worst;
}

const CASES: Case[] = [];
for (const [m, n, k] of [
  [1, 1, 1],
  [7, 13, 5],
  [64, 96, 200],
  [130, 72, 300],
] as const) {
  for (const transposeA of [false, true]) {
    for (const transposeB of [false, true]) {
      CASES.push({ m, n, k, transposeA, transposeB, batches: 1, bShared: true, withBias: (m + n) % 2 === 0 });
    }
  }
}
CASES.push({ m: 9, n: 16, k: 24, transposeA: false, transposeB: true, batches: 3, bShared: false, withBias: false });
CASES.push({ m: 9, n: 16, k: 24, transposeA: true, transposeB: false, batches: 4, bShared: true, withBias: true });

describe('OpenBLAS products on a wasm heap', () => {
  it.each(CASES)('[$m×$k]·[$k×$n], transposed $transposeA/$transposeB, $batches batch(es) (B shared: $bShared), bias: $withBias, matches float64', (p) => {
    const native = openBlas(1);
    const heap = sharedHeap(20_000 + 2 * p.batches * (p.m * p.k + p.k * p.n + p.m * p.n));
    const product = layOut(heap, p);
    native.gemm(heap, product);
    expect(worstError(heap, product)).toBeLessThan(1e-6);
    // the floats around C are untouched
    expect(heap[product.c - 1]).toBe(0);
    expect(heap[product.c + p.batches * p.m * p.n]).toBe(0);
  });

  it('gives the same bits on 1, 2 and 3 threads (OpenBLAS splits C, never K)', () => {
    const shapes: Case[] = [
      { m: 512, n: 768, k: 768, transposeA: false, transposeB: true, batches: 1, bShared: true, withBias: true },
      { m: 768, n: 3072, k: 256, transposeA: true, transposeB: false, batches: 1, bShared: true, withBias: false },
      { m: 64, n: 64, k: 64, transposeA: false, transposeB: true, batches: 24, bShared: false, withBias: false },
    ];
    for (const p of shapes) {
      const heap = sharedHeap(3 * (p.batches * (p.m * p.k + p.k * p.n + p.m * p.n)) + 10_000);
      const product = layOut(heap, p);
      const results = [1, 2, 3].map((threads) => {
        heap.fill(Number.NaN, product.c, product.c + p.batches * p.m * p.n);
        const native = openBlas(threads);
        expect(native.label).toMatch(new RegExp(`^OpenBLAS .*, ${threads} threads?$`));
        native.gemm(heap, product);
        return heap.slice(product.c, product.c + p.batches * p.m * p.n);
      });
      expect(worstError(heap, product)).toBeLessThan(1e-6);
      expect(Buffer.from(results[1]!.buffer).equals(Buffer.from(results[0]!.buffer))).toBe(true);
      expect(Buffer.from(results[2]!.buffer).equals(Buffer.from(results[0]!.buffer))).toBe(true);
    }
  });

  it('refuses operands outside the heap, and a heap that is not a Float32Array, naming what is wrong', () => {
    const native = openBlas(1);
    const heap = sharedHeap(1000);
    const base: NativeProduct = { m: 10, n: 10, k: 10, transposeA: false, transposeB: false, batches: 1, bShared: true, a: 0, b: 100, c: 200 };
    expect(() => native.gemm(heap, { ...base, c: heap.length - 99 })).toThrow(new RangeError(`xlir openblas products: C (1 × 10 × 10 floats from ${heap.length - 99}) lies outside the heap of ${heap.length} floats`));
    expect(() => native.gemm(heap, { ...base, batches: 2, bShared: false, b: heap.length - 150 })).toThrow(/: B \(2 × 10 × 10 floats from \d+\) lies outside the heap/);
    expect(() => native.gemm(heap, { ...base, bias: heap.length - 5 })).toThrow(/: the bias \(1 × 1 × 10 floats from \d+\) lies outside the heap/);
    // sizes whose product passes 2⁶³ are refused, not wrapped into range
    expect(() => native.gemm(heap, { ...base, m: 2 ** 31 - 1, k: 2 ** 31 - 1, batches: 2 ** 31 - 1 })).toThrow(/: A \(2147483647 × 2147483647 × 2147483647 floats from 0\) lies outside the heap/);
    expect(() => native.gemm(heap, { ...base, m: 0 })).toThrow(new RangeError('xlir openblas products: m must be an integer in [1, 2147483647]'));
    expect(() => native.gemm(heap, { ...base, a: 1.5 })).toThrow(/a must be an integer/);
    for (const bad of [Number.NaN, Number.POSITIVE_INFINITY, 1e300, -1e300]) expect(() => native.gemm(heap, { ...base, c: bad })).toThrow(/: c must be an integer in \[0, 4503599627370496\]$/);
    expect(() => native.gemm(new Float64Array(1000) as unknown as Float32Array, base)).toThrow(new TypeError('xlir openblas products: heap must be a Float32Array'));
  });
});

describe('loading the OpenBLAS addon', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'xlir-native-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('says how to build it when it is missing, and refuses one older than its source', () => {
    const missing = loadOpenBlasProducts(1, path.join(dir, 'none.node'));
    expect(missing).toEqual({ ok: false, reason: `${path.join(dir, 'none.node')} is not built (npm run build:native needs a C compiler and Node's headers)` });
    const addon = path.join(dir, 'old.node');
    const source = path.join(dir, 'new.c');
    copyFileSync(OPENBLAS_ADDON, addon);
    writeFileSync(source, '/* edited */');
    utimesSync(addon, new Date(2020, 0, 1), new Date(2020, 0, 1));
    expect(loadOpenBlasProducts(1, addon, source)).toEqual({ ok: false, reason: `${addon} is older than ${source}: run npm run build:native` });
    utimesSync(source, new Date(2019, 0, 1), new Date(2019, 0, 1));
    expect(loadOpenBlasProducts(1, addon, source).ok).toBe(true);
  });

  it('reports a file that is not an addon as not loading', () => {
    const junk = path.join(dir, 'junk.node');
    writeFileSync(junk, 'not a shared object');
    const load = loadOpenBlasProducts(1, junk, OPENBLAS_SOURCE);
    expect(load.ok).toBe(false);
    expect(!load.ok && load.reason).toMatch(new RegExp(`^${junk.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')} did not load: `));
  });
});

describe('the wasm backend with OpenBLAS attached', () => {
  beforeAll(async () => {
    await initBackend('wasm');
  });
  afterAll(() => attachNativeProducts(null));

  /** float64 op(a)·op(b) of row-major nested arrays */
  const reference = (a: number[][], b: number[][]) => a.map((row) => b[0]!.map((_, j) => row.reduce((s, x, kk) => s + x * b[kk]![j]!, 0)));
  const transpose = (x: number[][]) => x[0]!.map((_, j) => x.map((row) => row[j]!));
  const grid = (rows: number, cols: number, f: (i: number, j: number) => number) => Array.from({ length: rows }, (_, i) => Array.from({ length: cols }, (_, j) => f(i, j)));

  it('runs BatchMatMul (transposes, batches) and the linear kernel (bias) on OpenBLAS, and hands them back', () => {
    const ours = wasmProductKernel();
    expect(ours).toMatch(/^our wasm kernel/);
    const native = openBlas(1);
    let calls = 0;
    attachNativeProducts({ label: native.label, gemm: (heap, p) => (calls++, native.gemm(heap, p)) });
    expect(wasmProductKernel()).toBe(native.label);

    // N = 13: a width our wasm kernel does not take (N % 8 ≠ 0); OpenBLAS takes every shape
    const a = grid(11, 7, (i, j) => Math.sin(i * 7 + j));
    const b = grid(13, 7, (i, j) => Math.cos(i - 2 * j));
    const got = tf.tidy(() => (tf.matMul(tf.tensor2d(a), tf.tensor2d(b), false, true) as tf.Tensor2D).arraySync());
    const want = reference(a, transpose(b));
    for (let i = 0; i < 11; i++) for (let j = 0; j < 13; j++) expect(got[i]![j]).toBeCloseTo(want[i]![j]!, 5);
    expect(calls).toBe(1);

    const batched = tf.tidy(() => (tf.matMul(tf.tensor3d([a, a.map((r) => r.map((x) => -2 * x))]), tf.tensor3d([transpose(b), transpose(b)]), false, false) as tf.Tensor3D).arraySync());
    for (let i = 0; i < 11; i++) for (let j = 0; j < 13; j++) expect(batched[1]![i]![j]).toBeCloseTo(-2 * want[i]![j]!, 5);
    expect(calls).toBe(2);

    const bias = Array.from({ length: 13 }, (_, j) => j / 4);
    const linear = tf.tidy(() => (tf.engine().runKernel(LINEAR_KERNEL, { x: tf.tensor2d(a), weight: tf.tensor2d(b), bias: tf.tensor1d(bias) }) as tf.Tensor2D).arraySync());
    for (let i = 0; i < 11; i++) for (let j = 0; j < 13; j++) expect(linear[i]![j]).toBeCloseTo(want[i]![j]! + bias[j]!, 5);
    expect(calls).toBe(3);

    attachNativeProducts(null);
    expect(wasmProductKernel()).toBe(ours);
    tf.tidy(() => tf.matMul(tf.tensor2d(a), tf.tensor2d(b), false, true).dataSync());
    expect(calls).toBe(3);
  });

  it('keeps no output tensor when the native product throws', () => {
    attachNativeProducts({
      label: 'broken',
      gemm: () => {
        throw new Error('broken product');
      },
    });
    const before = tf.memory().numTensors;
    const bytes = (tf.backend() as unknown as { numDataIds(): number }).numDataIds();
    expect(() => tf.tidy(() => tf.matMul(tf.ones([4, 8]), tf.ones([8, 8])))).toThrow('broken product');
    expect(tf.memory().numTensors).toBe(before);
    expect((tf.backend() as unknown as { numDataIds(): number }).numDataIds()).toBe(bytes);
    attachNativeProducts(null);
  });

  it('is refused on another backend, saying which is active', async () => {
    await tf.setBackend('cpu');
    try {
      expect(() => attachNativeProducts(openBlas(1))).toThrow('native products need the wasm backend (active: cpu)');
    } finally {
      await tf.setBackend('wasm');
    }
  });
});
