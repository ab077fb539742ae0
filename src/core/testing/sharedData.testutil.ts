/**
 * Where tests find the files of ../shared: the LAReQA datasets (shared/data, or `XLIR_DATA_DIR`) and the tiny
 * checkpoints (shared/fixtures). The policy (issue 22): a test that needs them never skips. When they are
 * absent it fails, naming what is missing and how to provide it, so a CI run without them cannot pass by
 * running less. Node only (tests).
 */
import { existsSync } from 'node:fs';
import path from 'node:path';

/** shared/ beside the checkout (the repository root is src/core/testing/../../..). */
const SHARED = path.resolve(import.meta.dirname, '..', '..', '..', '..', 'shared');

/** The error a test gets when files of ../shared are absent. */
function missing(what: string, files: readonly string[], remedy: string): Error {
  return new Error(`this test needs ${what}, and ${files.join(', ')} ${files.length === 1 ? 'is' : 'are'} missing: ${remedy}`);
}

/** The dataset folder: `XLIR_DATA_DIR`, else shared/data beside the checkout (not checked: see {@link sharedDataDir}). */
export const SHARED_DATA_DIR = process.env.XLIR_DATA_DIR ? path.resolve(process.env.XLIR_DATA_DIR) : path.join(SHARED, 'data');

/** The fixtures folder: `XLIR_FIXTURES_DIR`, else shared/fixtures beside the checkout. */
export const SHARED_FIXTURES_DIR = process.env.XLIR_FIXTURES_DIR ? path.resolve(process.env.XLIR_FIXTURES_DIR) : path.join(SHARED, 'fixtures');

/**
 * The dataset folder {@link SHARED_DATA_DIR}, checked to hold `files`.
 * @param files paths inside it the test reads, e.g. `xquad-r/en.json`
 * @throws Error naming the missing files and the remedy
 */
export function sharedDataDir(...files: string[]): string {
  const dir = SHARED_DATA_DIR;
  const absent = (files.length > 0 ? files : ['.']).map((f) => path.join(dir, f)).filter((f) => !existsSync(f));
  if (absent.length > 0) throw missing('the LAReQA datasets', absent, 'set XLIR_DATA_DIR or provide ../shared/data beside the checkout');
  return dir;
}

/**
 * A folder of {@link SHARED_FIXTURES_DIR} (e.g. `tiny-xlmr`), checked to exist.
 * @throws Error naming the missing folder
 */
export function sharedFixture(name: string): string {
  const dir = path.join(SHARED_FIXTURES_DIR, name);
  if (!existsSync(dir)) throw missing(`the fixture ${name}`, [dir], 'provide ../shared/fixtures beside the checkout (see its README)');
  return dir;
}
