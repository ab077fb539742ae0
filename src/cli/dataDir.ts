import { existsSync } from 'node:fs';
import path from 'node:path';

/**
 * Where datasets are read from in Node (CLI, tests, dev server): an explicit `--data DIR`, else
 * `XLIR_DATA_DIR`, else `../shared/data` beside the checkout when it exists. Null when none applies.
 */
export function resolveDataDir(explicit?: string, env: NodeJS.ProcessEnv = process.env, cwd = process.cwd()): string | null {
  if (explicit) return path.resolve(cwd, explicit);
  if (env.XLIR_DATA_DIR) return path.resolve(cwd, env.XLIR_DATA_DIR);
  const sibling = path.resolve(cwd, '..', 'shared', 'data');
  return existsSync(sibling) ? sibling : null;
}
