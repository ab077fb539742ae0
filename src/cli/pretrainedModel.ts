/**
 * The pretrained built-in models on disk: the folders the app serves from `public/`
 * (`PRETRAINED_FOLDERS`), found from this module's own location, so they load the same under tsx,
 * `bin/xlir.mjs` and vitest, whatever the working directory.
 */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { CheckpointError } from '../core/errors';
import { PRETRAINED_FOLDERS, PRETRAINED_MODELS, type PretrainedModel } from '../core/model/builtinConfigs';
import type { CheckpointSource } from '../core/model/checkpointSource';
import { dirSource } from './loadCheckpoint';

const PACKAGE_NAME = 'xlir-lab';

/** How `--checkpoint` names a pretrained built-in instead of a folder: `builtin:multilingual`. */
export const BUILTIN_CHECKPOINT_PREFIX = 'builtin:';

let root: string | null = null;

/**
 * @returns the folder holding this package's package.json (the repository root)
 * @throws CheckpointError when no ancestor of this module holds it
 */
export function packageRoot(): string {
  if (root !== null) return root;
  let dir = path.dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const file = path.join(dir, 'package.json');
    if (existsSync(file)) {
      try {
        if ((JSON.parse(readFileSync(file, 'utf8')) as { name?: unknown }).name === PACKAGE_NAME) return (root = dir);
      } catch {
        // another package's broken package.json: keep looking upwards
      }
    }
    const up = path.dirname(dir);
    if (up === dir) throw new CheckpointError(`cannot find the ${PACKAGE_NAME} package folder above ${fileURLToPath(import.meta.url)}`);
    dir = up;
  }
}

/** @returns the absolute folder of a pretrained built-in (`<package>/public/models/multilingual`) */
export function pretrainedModelDir(name: PretrainedModel): string {
  return path.join(packageRoot(), 'public', ...PRETRAINED_FOLDERS[name].path.split('/'));
}

/** The shipped files of a pretrained built-in, for `TrainingEncoderSources.pretrained`. */
export function pretrainedSource(name: PretrainedModel): CheckpointSource {
  return dirSource(pretrainedModelDir(name));
}

/**
 * A `--checkpoint` argument as a source: a folder, or `builtin:<name>` for a pretrained built-in.
 * @throws CheckpointError for `builtin:` with a name that is not a pretrained built-in, listing them
 */
export function checkpointArgSource(arg: string): CheckpointSource {
  if (!arg.startsWith(BUILTIN_CHECKPOINT_PREFIX)) return dirSource(arg);
  const name = arg.slice(BUILTIN_CHECKPOINT_PREFIX.length);
  const known = PRETRAINED_MODELS.find((m) => m === name);
  if (known === undefined) {
    throw new CheckpointError(`${arg}: no such pretrained built-in model (there is ${PRETRAINED_MODELS.map((m) => BUILTIN_CHECKPOINT_PREFIX + m).join(', ')}; tiny and small are random init and have no weights to evaluate)`);
  }
  return pretrainedSource(known);
}
