/**
 * The one way a failed zod parse becomes an error message (issue 22): the first issue's path as a field
 * (`runs[0].logs[12].loss`, `(root)` for the whole value) and its message, in a {@link DataFormatError}
 * that names the file. Every boundary that validates with zod reports through here, so a field is
 * spelled the same whether it came from a config file, a notebook, a checkpoint or a worker message.
 */
import type { z } from 'zod';
import { DataFormatError } from './errors';

/**
 * A zod issue path as a field: `model.maxLength`, `data.train.languages[2]`, `[0].name`.
 * @returns `(root)` for the empty path
 */
export function fieldPath(path: readonly PropertyKey[]): string {
  let out = '';
  for (const p of path) out += typeof p === 'number' ? `[${p}]` : out ? `.${String(p)}` : String(p);
  return out || '(root)';
}

/** What a failed parse says: the first issue's field (under `at`) and message. */
export interface ZodProblem {
  field: string;
  message: string;
}

/**
 * @param at the path of the validated value inside its file, put before the issue's own path
 * @param all also list the later issues after the first message (`(also: field: message; ...)`)
 */
export function zodProblem(error: z.ZodError, at: readonly PropertyKey[] = [], all = false): ZodProblem {
  const [first, ...rest] = error.issues;
  if (first === undefined) return { field: fieldPath(at), message: 'is not valid' };
  const more = all && rest.length > 0 ? ` (also: ${rest.map((i) => `${fieldPath([...at, ...i.path])}: ${i.message}`).join('; ')})` : '';
  return { field: fieldPath([...at, ...first.path]), message: `${first.message}${more}` };
}

/** A failed parse as a DataFormatError naming `file` and the first bad field (see {@link zodProblem}). */
export function zodDataFormatError(file: string, error: z.ZodError, at: readonly PropertyKey[] = [], all = false): DataFormatError {
  const { field, message } = zodProblem(error, at, all);
  return new DataFormatError(file, field, message);
}

/**
 * Validates `raw` with `schema`.
 * @param file names the input in errors
 * @param at the value's path inside its file, for the field
 * @throws DataFormatError naming `file` and the first bad field
 */
export function validate<S extends z.ZodType>(schema: S, raw: unknown, file: string, at: readonly PropertyKey[] = []): z.output<S> {
  const parsed = schema.safeParse(raw);
  if (!parsed.success) throw zodDataFormatError(file, parsed.error, at);
  return parsed.data;
}
