/**
 * The one way file text becomes JSON (issue 22): a leading BOM dropped (Windows editors save one and
 * `JSON.parse` refuses it), `JSON.parse`, and on a syntax error a {@link DataFormatError} naming the file,
 * the line and column (`JSON.parse` gives no position in some engines) and the engine's own words.
 */
import type { z } from 'zod';
import { DataFormatError } from '../errors';
import { decodeUtf8Text, stripBom } from '../textDecoding';
import { validate } from '../zodMessage';
import { duplicateKeyField, findDuplicateKey } from './jsonDuplicateKey';
import { jsonErrorPosition } from './jsonErrorPosition';

export interface ParseJsonOptions {
  /** the field a syntax error names (default `(json)`; e.g. `header` for a safetensors header) */
  field?: string;
  /**
   * refuse an object that repeats a key, naming its JSON path: `JSON.parse` keeps the last silently, so
   * where identity matters (dataset ids, embedding ids) the file is refused rather than guessed at
   */
  refuseDuplicateKeys?: boolean;
  /** the text is this line of a JSON-lines file: a syntax error names field `line N` and the column in it */
  line?: number;
}

/**
 * @param text the file's text
 * @param file names the file in errors
 * @returns the parsed value (unvalidated: pass it to a zod schema)
 * @throws DataFormatError `<file>: (json): not valid JSON at line L column C (position P): <engine message>`,
 *   or naming the repeated key
 */
export function parseJsonText(text: string, file: string, options: ParseJsonOptions = {}): unknown {
  const body = stripBom(text);
  let value: unknown;
  try {
    value = JSON.parse(body);
  } catch (err) {
    const at = jsonErrorPosition(body);
    const where = !at ? '' : options.line === undefined ? ` at line ${at.line} column ${at.column} (position ${at.offset})` : ` at column ${at.column}`;
    const field = options.field ?? (options.line === undefined ? '(json)' : `line ${options.line}`);
    throw new DataFormatError(file, field, `not valid JSON${where}: ${err instanceof Error ? err.message : String(err)}`);
  }
  if (options.refuseDuplicateKeys) {
    const duplicate = findDuplicateKey(body);
    if (duplicate) throw new DataFormatError(file, duplicateKeyField(duplicate), 'appears twice in the same object (JSON keeps only the last; refusing rather than guessing)');
  }
  return value;
}

/**
 * A JSON file's bytes: strict UTF-8 ({@link decodeUtf8Text}), refused when empty, then {@link parseJsonText}.
 * @throws DataFormatError naming the file: field `encoding`, `content` (empty) or as {@link parseJsonText}
 */
export function parseJsonBytes(bytes: Uint8Array, file: string, options: ParseJsonOptions = {}): unknown {
  const text = decodeUtf8Text(bytes, file);
  if (text.trim() === '') throw new DataFormatError(file, 'content', `the file is empty (${bytes.length} bytes)`);
  return parseJsonText(text, file, options);
}

/**
 * JSON text validated with `schema` ({@link parseJsonText}, then {@link validate}).
 * @throws DataFormatError naming `file` and the first bad field, or the position of a syntax error
 */
export function parseJsonWith<S extends z.ZodType>(schema: S, text: string, file: string): z.output<S> {
  return validate(schema, parseJsonText(text, file), file);
}
