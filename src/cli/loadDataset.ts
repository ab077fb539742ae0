/**
 * Reads a dataset from a local folder laid out as `<dir>/<dataset>/<lang>.json` (the layout of
 * `shared/data` and of the public LAReQA repository) and parses it with the same core as the browser.
 */
import { readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { ConfigError, DataFormatError } from '../core/errors';
import { DATASET_LANGUAGES, type DatasetName, type Lang } from '../core/data/languages';
import { parseDataset } from '../core/data/parseDataset';
import type { RetrievalDataset } from '../core/data/types';

/** Largest dataset file read (bytes); the biggest LAReQA file is 3.3 MB, so more means a wrong file. */
export const MAX_DATASET_FILE_BYTES = 64 * 1024 * 1024;

const WHERE_DATASETS_COME_FROM = 'datasets are read from --data DIR or XLIR_DATA_DIR (default ../shared/data), laid out as DIR/<dataset>/<lang>.json';

/**
 * @param dir the data folder (holding `xquad-r/`, `mlqa-r/`)
 * @param languages languages to load; default every language of the dataset
 * @throws ConfigError naming the path when a file is missing; DataFormatError when one is too large or malformed
 */
export async function loadDatasetFromDir(dir: string, name: DatasetName, languages?: readonly Lang[]): Promise<RetrievalDataset> {
  const langs = languages ?? DATASET_LANGUAGES[name];
  for (const lang of langs) {
    if (!DATASET_LANGUAGES[name].includes(lang)) throw new ConfigError(`${name} has no language "${lang}" (it has ${DATASET_LANGUAGES[name].join(', ')})`);
  }
  const files = await Promise.all(
    langs.map(async (lang) => {
      const file = path.join(dir, name, `${lang}.json`);
      let size: number;
      try {
        const info = await stat(file);
        if (!info.isFile()) throw new ConfigError(`${file} is not a file; ${WHERE_DATASETS_COME_FROM}`);
        size = info.size;
      } catch (err) {
        if (err instanceof ConfigError) throw err;
        const code = (err as NodeJS.ErrnoException).code;
        throw new ConfigError(`cannot read ${file} (${code ?? String(err)}); ${WHERE_DATASETS_COME_FROM}`);
      }
      if (size > MAX_DATASET_FILE_BYTES) {
        throw new DataFormatError(file, 'size', `${size} bytes is more than the ${MAX_DATASET_FILE_BYTES} bytes a dataset file may have`);
      }
      return { name: `${name}/${lang}.json`, bytes: await readFile(file) };
    }),
  );
  return parseDataset(name, files, { languages: langs });
}
