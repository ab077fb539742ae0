/**
 * RUNDIR/products.json: which matrix products each stretch of a run's steps ran on (`--products`,
 * src/cli/nativeProducts.ts). OpenBLAS and our wasm kernel round differently, so a run resumed on other products
 * than it started with does not repeat an uninterrupted run bit for bit: the record says which steps ran where,
 * and a resume that switches says so in the log. The thread count changes no bit and is left out.
 *
 *   { "segments": [ { "fromStep": 0, "products": "OpenBLAS 0.3.21 (SkylakeX)" }, { "fromStep": 40, … } ] }
 */
import { readFile, rename, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { z } from 'zod';
import { parseJsonWith } from '../core/data/parseJsonText';
import type { CliBackendInfo } from './wasmThreads';

export const PRODUCTS_FILE = 'products.json';

const ProductsRecordSchema = z.strictObject({
  segments: z.array(z.strictObject({ fromStep: z.number().int().nonnegative(), products: z.string().min(1) })),
});
export type ProductsRecord = z.infer<typeof ProductsRecordSchema>;

/** What computes a run's products, as far as it sets the bits: the product kernel without its thread count, or the backend. */
export function productsOf(info: Pick<CliBackendInfo, 'backend' | 'wasmProducts'>): string {
  return info.wasmProducts ? info.wasmProducts.replace(/, \d+ threads?$/, '') : `the ${info.backend} backend's kernels`;
}

/** @throws DataFormatError naming the file and the field when the record is not valid JSON of the layout above */
async function readRecord(file: string): Promise<ProductsRecord> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return { segments: [] };
    throw error;
  }
  return parseJsonWith(ProductsRecordSchema, text, file);
}

/**
 * Records that the steps from `fromStep` on run on `products`. Stretches recorded from `fromStep` on are dropped: a
 * resumed run redoes those steps.
 * @returns a line for the log when the steps before `fromStep` ran on other products, else null
 */
export async function recordProducts(dir: string, fromStep: number, products: string): Promise<string | null> {
  const file = path.join(dir, PRODUCTS_FILE);
  const kept = (await readRecord(file)).segments.filter((s) => s.fromStep < fromStep);
  const before = kept.at(-1)?.products;
  if (before !== products) kept.push({ fromStep, products });
  // written beside and renamed, so a crash leaves the old record or the new one
  await writeFile(`${file}.tmp`, `${JSON.stringify({ segments: kept }, null, 2)}\n`);
  await rename(`${file}.tmp`, file);
  if (before === undefined || before === products) return null;
  return `products: steps before ${fromStep} ran on ${before}, the steps from here on run on ${products} (${PRODUCTS_FILE}): they round differently, so this run will not repeat an uninterrupted one bit for bit`;
}
