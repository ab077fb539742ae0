/**
 * The heap pool (src/core/model/heapPool.ts) on Node's worker threads: products and heap tasks shared among
 * threads give the bits one thread gives, a worker's failure is reported, not hung on, and a pool that cannot start says why.
 */
import v8 from 'node:v8';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { nodeWorkerSpawner } from './productWorkers';
import { type HeapPool, runTask, type SpawnWorker, startHeapPool } from '../core/model/heapPool';
import { SQUARED_NORM_RUN, TASK_GATHER_ROWS, TASK_GELU_BACKWARD, TASK_GELU_FORWARD, TASK_GEMM, TASK_LAYER_NORM_BACKWARD, TASK_LAYER_NORM_FORWARD, TASK_LEADING_SUM, TASK_SQUARED_NORM, writeFloatParams, writeParams } from '../core/model/heapTasks';
import { createWasmGemm, type GemmProduct, type GemmShape, hasRelaxedSimd, K_BLOCK, PARAM_SLOTS, PARAMS, packedFloats, prepareProduct, type WasmGemm } from '../core/model/wasmGemm';

if (!hasRelaxedSimd()) v8.setFlagsFromString('--experimental-wasm-relaxed-simd');

const THREADS = 3;

describe('heap pool on 3 threads', () => {
  let memory: WebAssembly.Memory;
  let g: WasmGemm;
  let pool: HeapPool;
  const heap = () => new Float32Array(memory.buffer);

  beforeAll(async () => {
    memory = new WebAssembly.Memory({ initial: 64, maximum: 1024, shared: true });
    g = createWasmGemm(memory, true);
    pool = await startHeapPool(g, memory, THREADS, nodeWorkerSpawner);
  });
  afterAll(() => pool?.close());

  /** runs `task` once on this thread alone, once on the pool, and returns both outputs */
  const bothWays = (task: number, params: number[], out: [number, number][], floats: number[] = []) => {
    const local = new Int32Array(PARAMS + PARAM_SLOTS);
    writeParams(local, params);
    writeFloatParams(local, params.length, floats);
    runTask(task, g, memory.buffer, local, 0, 1);
    const one = out.map(([at, n]) => heap().slice(at, at + n));
    for (const [at, n] of out) heap().fill(Number.NaN, at, at + n);
    writeParams(pool.control, params);
    writeFloatParams(pool.control, params.length, floats);
    pool.run(task);
    return { one, pooled: out.map(([at, n]) => heap().slice(at, at + n)) };
  };

  const PRODUCTS: (GemmShape & { name: string })[] = [
    { name: 'x·Wᵀ, M with a remainder', m: 4 * 37 + 3, n: 24, k: 40, transposeA: false, transposeB: true },
    { name: 'dyᵀ·x, K in blocks, A packed in panels of 8 rows', m: 4 * 37 + 2, n: 16, k: 2 * K_BLOCK + 9, transposeA: true, transposeB: false },
    { name: 'xᵀ·W with N in blocks', m: 9, n: 264, k: 7, transposeA: true, transposeB: true },
    { name: 'attention q·kᵀ (B packed slice by slice)', m: 9, n: 8, k: 5, transposeA: false, transposeB: true, batches: 7 },
    { name: 'attention p·v (B read in place)', m: 9, n: 16, k: 9, transposeA: false, transposeB: false, batches: 7 },
    { name: 'batches sharing B', m: 5, n: 8, k: 12, transposeA: true, transposeB: false, batches: 4, bShared: true },
  ];

  it.each(PRODUCTS)('$name: the same bits as one thread', (shape) => {
    const batches = shape.batches ?? 1;
    const p: GemmProduct = { ...shape, a: 0, b: batches * shape.m * shape.k, c: 0, packed: 0 };
    p.c = p.b + (shape.bShared ? 1 : batches) * shape.k * shape.n;
    p.packed = p.c + batches * shape.m * shape.n;
    expect(p.packed + packedFloats(p, THREADS)).toBeLessThan(heap().length);
    const h = heap();
    for (let i = 0; i < p.c; i++) h[i] = Math.sin(i * 0.731);
    // the scratch is laid out for THREADS shares; one thread uses the first share's part of it
    prepareProduct(g, pool.control, p, THREADS);
    const params = Array.from(pool.control.subarray(PARAMS));
    const { one, pooled } = bothWays(TASK_GEMM, params, [[p.c, batches * shape.m * shape.n]]);
    expect(one[0]!.every(Number.isFinite)).toBe(true);
    expect(pooled).toEqual(one);
  });

  it('x·Wᵀ + b, the bias in the tiles, N and K in blocks: the same bits as one thread', () => {
    const shape: GemmShape = { m: 4 * 37 + 3, n: 264, k: K_BLOCK + 44, transposeA: false, transposeB: true };
    const p: GemmProduct = { ...shape, a: 400_000, b: 400_000 + shape.m * shape.k, bias: 0, c: 0, packed: 0 };
    p.bias = p.b + shape.k * shape.n;
    p.c = p.bias + shape.n;
    p.packed = p.c + shape.m * shape.n;
    expect(p.packed + packedFloats(p, THREADS)).toBeLessThan(heap().length);
    const h = heap();
    for (let i = p.a; i < p.c; i++) h[i] = Math.sin(i * 0.731);
    prepareProduct(g, pool.control, p, THREADS);
    const params = Array.from(pool.control.subarray(PARAMS));
    const { one, pooled } = bothWays(TASK_GEMM, params, [[p.c, shape.m * shape.n]]);
    expect(one[0]!.every(Number.isFinite)).toBe(true);
    expect(pooled).toEqual(one);
    // the first element: the bias, then the products in k order
    let want = h[p.bias]!;
    for (let kk = 0; kk < shape.k; kk++) want += h[p.a + kk]! * h[p.b + kk]!;
    expect(Math.abs(one[0]![0]! - want)).toBeLessThan(1e-4);
  });

  it('the heap tasks give the same bits as one thread (GELU with a tail of n mod 4, sums, gathers)', () => {
    const n = 4 * 1001 + 3;
    const h = heap();
    for (let i = 0; i < 4 * n; i++) h[i] = Math.sin(i * 0.37) * 5;
    const gelu = bothWays(
      TASK_GELU_FORWARD,
      [0, n, 2 * n, n],
      [
        [n, n],
        [2 * n, n],
      ],
    );
    expect(gelu.pooled).toEqual(gelu.one);
    const grad = bothWays(TASK_GELU_BACKWARD, [0, 2 * n, 3 * n, 4 * n, n], [[4 * n, n]]);
    expect(grad.pooled).toEqual(grad.one);
    const sum = bothWays(TASK_LEADING_SUM, [0, 5 * n, 97, 41, 0], [[5 * n, 41]]);
    expect(sum.pooled).toEqual(sum.one);
    // Σ x·y: the products rounded to float32, then summed as above
    const products = bothWays(TASK_LEADING_SUM, [0, 5 * n, 97, 41, 2 * n], [[5 * n, 41]]);
    expect(products.pooled).toEqual(products.one);
    const values = heap();
    for (const j of [0, 17, 40]) {
      let want = 0;
      for (let i = 0; i < 97; i++) want += Math.fround(values[i * 41 + j]! * values[2 * n + i * 41 + j]!);
      expect(products.one[0]![j]).toBe(Math.fround(want));
    }
    const ids = new Int32Array(memory.buffer, 4 * 6 * n, 50);
    ids.forEach((_, i) => (ids[i] = (i * 7) % 20));
    const gather = bothWays(TASK_GATHER_ROWS, [0, 6 * n, 7 * n, 50, 13], [[7 * n, 50 * 13]]);
    expect(gather.pooled).toEqual(gather.one);
    expect(Array.from(gather.one[0]!.subarray(13, 26))).toEqual(Array.from(heap().subarray(7 * 13, 8 * 13)));
  });

  it('LayerNorm both ways and the runs of Σx² give the same bits as one thread', () => {
    const [rows, h] = [37, 24];
    // past what the other tests read
    const [x, gamma, beta, y, xhat, rstd, dy, dx] = [300_000, 301_000, 301_100, 302_000, 303_000, 304_000, 305_000, 306_000];
    const heapNow = heap();
    for (let i = 0; i < rows * h; i++) {
      heapNow[x + i] = Math.sin(i * 0.37) * 3 + 0.5;
      heapNow[dy + i] = Math.cos(i * 0.21);
    }
    for (let j = 0; j < h; j++) {
      heapNow[gamma + j] = 1 + 0.1 * Math.sin(j);
      heapNow[beta + j] = 0.01 * j;
    }
    const forward = bothWays(
      TASK_LAYER_NORM_FORWARD,
      [x, gamma, beta, y, xhat, rstd, rows, h],
      [
        [y, rows * h],
        [xhat, rows * h],
        [rstd, rows],
      ],
      [1e-5],
    );
    expect(forward.one.every((part) => part.every(Number.isFinite))).toBe(true);
    expect(forward.pooled).toEqual(forward.one);
    const backward = bothWays(TASK_LAYER_NORM_BACKWARD, [dy, xhat, rstd, gamma, dx, rows, h], [[dx, rows * h]]);
    expect(backward.one[0]!.every(Number.isFinite)).toBe(true);
    expect(backward.pooled).toEqual(backward.one);

    // several runs, the last one short and with a tail of n mod 4
    const [from, n, out] = [310_000, 3 * SQUARED_NORM_RUN + 4 * 7 + 2, 370_000];
    const runs = Math.ceil(n / SQUARED_NORM_RUN);
    const values = heap();
    for (let i = 0; i < n; i++) values[from + i] = Math.sin(i * 0.013) * 2;
    const squares = bothWays(TASK_SQUARED_NORM, [from, n, out], [[out, 2 * runs]]);
    expect(squares.pooled).toEqual(squares.one);
    const partial = new Float64Array(squares.one[0]!.buffer);
    for (let r = 0; r < runs; r++) {
      let want = 0;
      for (let i = r * SQUARED_NORM_RUN; i < Math.min(n, (r + 1) * SQUARED_NORM_RUN); i++) want += values[from + i]! ** 2;
      expect(Math.abs(partial[r]! - want)).toBeLessThan(1e-12 * want);
    }
  });

  it('reports a worker that fails, and runs again afterwards', () => {
    // an unknown task makes every share throw
    expect(() => pool.run(99)).toThrow(/no heap task 99/);
    writeParams(pool.control, [0, 100, 3, 4, 0]);
    pool.run(TASK_LEADING_SUM);
    expect(heap()[100]).toBeCloseTo(Math.sin(0) * 5 + Math.sin(4 * 0.37) * 5 + Math.sin(8 * 0.37) * 5, 5);
  });
});

describe('starting a heap pool', () => {
  it('needs a shared memory and two threads', async () => {
    const plain = new WebAssembly.Memory({ initial: 1 });
    const g = createWasmGemm(plain, true);
    await expect(startHeapPool(g, plain, 2, nodeWorkerSpawner)).rejects.toThrow(/shared wasm memory/);
    const shared = new WebAssembly.Memory({ initial: 1, maximum: 2, shared: true });
    await expect(startHeapPool(createWasmGemm(shared, true), shared, 1, nodeWorkerSpawner)).rejects.toThrow(/at least 2 threads/);
  });

  it('stops the workers that started when one cannot, and says why', async () => {
    const shared = new WebAssembly.Memory({ initial: 1, maximum: 2, shared: true });
    let started = 0;
    let stopped = 0;
    const flaky: SpawnWorker = async (source, init) => {
      if (init.index === 2) throw new Error('the heap worker could not start: refused');
      const worker = await nodeWorkerSpawner(source, init);
      started++;
      return { terminate: () => (stopped++, worker.terminate()) };
    };
    await expect(startHeapPool(createWasmGemm(shared, true), shared, 3, flaky)).rejects.toThrow('the heap worker could not start: refused');
    expect({ started, stopped }).toEqual({ started: 1, stopped: 1 });
  });

  it('names the worker whose share trapped, after every other share is done', async () => {
    const shared = new WebAssembly.Memory({ initial: 1, maximum: 1, shared: true });
    const g = createWasmGemm(shared, true);
    const pool = await startHeapPool(g, shared, 3, nodeWorkerSpawner);
    try {
      // 12 rows of 8: shares of 4 rows each; C ends the memory after 8 rows, so only the third share writes out of bounds
      const floats = shared.buffer.byteLength / 4;
      prepareProduct(g, pool.control, { a: 0, b: 100, c: floats - 64, packed: 200, m: 12, n: 8, k: 2, transposeA: false, transposeB: false });
      expect(() => pool.run(TASK_GEMM)).toThrow('heap worker 2 of 2 failed task 0');
    } finally {
      pool.close();
    }
  });

  it('closes: a closed pool refuses work', async () => {
    const shared = new WebAssembly.Memory({ initial: 1, maximum: 2, shared: true });
    const pool = await startHeapPool(createWasmGemm(shared, true), shared, 2, nodeWorkerSpawner);
    pool.close();
    expect(() => pool.run(TASK_LEADING_SUM)).toThrow(/closed/);
  });
});
