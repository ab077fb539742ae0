import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DataFormatError } from '../core/errors';
import { PRODUCTS_FILE, productsOf, recordProducts } from './productsRecord';

const BLAS = 'OpenBLAS 0.3.21 (SkylakeX)';
const WASM = 'our wasm kernel (relaxed-SIMD FMA)';

describe("a run's products record", () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'xlir-products-'));
  });
  afterEach(() => rm(dir, { recursive: true, force: true }));
  const segments = async () => (JSON.parse(await readFile(path.join(dir, PRODUCTS_FILE), 'utf8')) as { segments: unknown[] }).segments;

  it('names the product kernel without its thread count, or the backend', () => {
    expect(productsOf({ backend: 'wasm', wasmProducts: `${BLAS}, 2 threads` })).toBe(BLAS);
    expect(productsOf({ backend: 'wasm', wasmProducts: `${WASM}, 1 thread` })).toBe(WASM);
    expect(productsOf({ backend: 'cpu' })).toBe("the cpu backend's kernels");
  });

  it('starts with the first stretch, and a resume on the same products adds nothing and says nothing', async () => {
    expect(await recordProducts(dir, 0, BLAS)).toBeNull();
    expect(await recordProducts(dir, 40, BLAS)).toBeNull();
    expect(await segments()).toEqual([{ fromStep: 0, products: BLAS }]);
  });

  it('records a switch and says the run will not repeat an uninterrupted one', async () => {
    await recordProducts(dir, 0, BLAS);
    const note = await recordProducts(dir, 40, WASM);
    expect(note).toBe(`products: steps before 40 ran on ${BLAS}, the steps from here on run on ${WASM} (${PRODUCTS_FILE}): they round differently, so this run will not repeat an uninterrupted one bit for bit`);
    expect(await segments()).toEqual([
      { fromStep: 0, products: BLAS },
      { fromStep: 40, products: WASM },
    ]);
  });

  it('drops the stretches a resume redoes', async () => {
    await recordProducts(dir, 0, BLAS);
    await recordProducts(dir, 40, WASM);
    // crashed before step 40's checkpoint: resumed from 20, back on OpenBLAS, as the steps before 20 were
    expect(await recordProducts(dir, 20, BLAS)).toBeNull();
    expect(await segments()).toEqual([{ fromStep: 0, products: BLAS }]);
    // a run folder from before the record: its first stretch starts where it resumed, with nothing to compare
    await rm(path.join(dir, PRODUCTS_FILE));
    expect(await recordProducts(dir, 60, WASM)).toBeNull();
    expect(await segments()).toEqual([{ fromStep: 60, products: WASM }]);
  });

  it('refuses a damaged record naming the file and the field, and leaves it as it was', async () => {
    const file = path.join(dir, PRODUCTS_FILE);
    await writeFile(file, '{"segments": [');
    await expect(recordProducts(dir, 0, BLAS)).rejects.toThrow(DataFormatError);
    await expect(recordProducts(dir, 0, BLAS)).rejects.toThrow(new RegExp(`^${file.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}: \\(json\\): not valid JSON`));
    await writeFile(file, JSON.stringify({ segments: [{ fromStep: -1, products: BLAS }] }));
    await expect(recordProducts(dir, 0, BLAS)).rejects.toThrow(/: segments\[0\]\.fromStep: /);
    expect(await readFile(file, 'utf8')).toBe(JSON.stringify({ segments: [{ fromStep: -1, products: BLAS }] }));
  });
});
