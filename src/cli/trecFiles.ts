/**
 * Node file helpers of the evaluation commands (`xlir eval`, `evaluate`, `export-trec`): reading text and
 * JSON files with errors that name the file, and writing result / TREC files.
 */
import { mkdir, readFile, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { parseJsonText } from '../core/data/parseJsonText';
import type { RetrievalDataset } from '../core/data/types';
import { ConfigError, DataFormatError } from '../core/errors';
import { embeddingsFromJsonText } from '../core/metrics/embeddingsFile';
import { decodeUtf8Text } from '../core/textDecoding';
import type { RetrievalEmbeddings } from '../core/metrics/evaluateRetrieval';

/**
 * V8 strings hold at most 2^29 − 24 UTF-16 units, so JSON.parse cannot read a larger file; write fewer
 * digits per float (float32 needs 9 significant digits) if an embeddings file gets near this.
 */
export const MAX_TEXT_FILE_BYTES = 512 * 1024 * 1024 - 64;

/**
 * @param what what the file is, for messages ("qrels", "run", "embeddings")
 * @throws ConfigError naming the file when it cannot be read; DataFormatError when it is too large or
 *   not UTF-8 (UTF-16 is named as such)
 */
export async function readTextFile(file: string, what: string, maxBytes = MAX_TEXT_FILE_BYTES): Promise<string> {
  let size: number;
  try {
    const info = await stat(file);
    if (!info.isFile()) throw new ConfigError(`${what} file ${file} is not a file`);
    size = info.size;
  } catch (err) {
    if (err instanceof ConfigError) throw err;
    throw new ConfigError(`cannot read ${what} file ${file} (${(err as NodeJS.ErrnoException).code ?? String(err)})`);
  }
  if (size > maxBytes) throw new DataFormatError(file, 'size', `${size} bytes is more than the ${maxBytes} bytes a ${what} file may have`);
  // strict: a UTF-16 or Latin-1 qrels / run / embeddings file is named as such, not read as mojibake
  return decodeUtf8Text(new Uint8Array(await readFile(file)), file);
}

/**
 * A JSON file, size-checked and strictly decoded ({@link readTextFile}), then parsed (`core/data/parseJsonText.ts`).
 * @throws ConfigError when it cannot be read; DataFormatError naming the file, line and column of a JSON syntax error
 */
export async function readJsonFile(file: string, what: string): Promise<unknown> {
  return parseJsonText(await readTextFile(file, what), file);
}

/** Reads and checks an embeddings file against the loaded dataset (`core/metrics/embeddingsFile.ts`). */
export async function readEmbeddingsFile(file: string, dataset: RetrievalDataset, datasetLanguages: readonly string[]): Promise<RetrievalEmbeddings> {
  return embeddingsFromJsonText(await readTextFile(file, 'embeddings'), file, dataset, datasetLanguages);
}

/** Writes `text` to `file`, creating the parent folder; errors name the file. */
export async function writeTextFile(file: string, text: string): Promise<void> {
  try {
    await mkdir(path.dirname(file), { recursive: true });
    await writeFile(file, text);
  } catch (err) {
    throw new ConfigError(`cannot write ${file} (${(err as NodeJS.ErrnoException).code ?? String(err)})`);
  }
}
