/**
 * Typed errors shared by core, workers, CLI and UI. Errors cross worker boundaries as
 * {@link SerializedError} and are rebuilt with {@link deserializeError}, so callers can branch on `code`.
 */

export const ERROR_CODES = [
  'DATA_FORMAT',
  'BACKEND_UNAVAILABLE',
  'CHECKPOINT',
  'CANCELLED',
  'NETWORK',
  'CONFIG',
  'USAGE',
  'IO',
  'INTERNAL',
  /** the GPU device was lost under a training worker: the run can resume from its last checkpoint */
  'DEVICE_LOST',
  /** a worker ended without reporting an error (out of memory, a crash): the run can resume */
  'WORKER_CRASHED',
] as const;
export type ErrorCode = (typeof ERROR_CODES)[number];

export class XlirError extends Error {
  readonly code: ErrorCode;
  constructor(code: ErrorCode, message: string) {
    super(message);
    this.code = code;
    this.name = 'XlirError';
  }
}

/** Bad input in a file: the message always names the file and the field (JSON path or record id). */
export class DataFormatError extends XlirError {
  readonly file: string;
  readonly field: string;
  constructor(file: string, field: string, reason: string) {
    super('DATA_FORMAT', `${file}: ${field}: ${reason}`);
    this.name = 'DataFormatError';
    this.file = file;
    this.field = field;
  }
}

export class BackendUnavailableError extends XlirError {
  constructor(backend: string, reason: string) {
    super('BACKEND_UNAVAILABLE', `backend "${backend}" is not available: ${reason}`);
    this.name = 'BackendUnavailableError';
  }
}

export class CheckpointError extends XlirError {
  constructor(message: string) {
    super('CHECKPOINT', message);
    this.name = 'CheckpointError';
  }
}

export class ConfigError extends XlirError {
  constructor(message: string) {
    super('CONFIG', message);
    this.name = 'ConfigError';
  }
}

/** An error about one file whose remedy is outside the file's content: the message starts with the file. */
abstract class FileError extends XlirError {
  readonly file: string;
  constructor(code: ErrorCode, file: string, message: string) {
    super(code, `${file}: ${message}`);
    this.file = file;
  }
}

/**
 * The disk refused a read or write (full, over quota, read-only, no permission, an I/O error): the
 * remedy is on the machine, not in the input or the code, so it names the file and what to do.
 */
export class StorageError extends FileError {
  constructor(file: string, message: string) {
    super('IO', file, message);
    this.name = 'StorageError';
  }
}

/** A download the user asked for failed; names the file and the URL. */
export class NetworkError extends FileError {
  constructor(file: string, message: string) {
    super('NETWORK', file, message);
    this.name = 'NetworkError';
  }
}

export class CancelledError extends XlirError {
  constructor(message = 'cancelled') {
    super('CANCELLED', message);
    this.name = 'CancelledError';
  }
}

export interface SerializedError {
  name: string;
  code: ErrorCode;
  message: string;
}

export function serializeError(err: unknown): SerializedError {
  if (err instanceof XlirError) return { name: err.name, code: err.code, message: err.message };
  if (err instanceof Error) return { name: err.name, code: 'INTERNAL', message: err.message };
  return { name: 'Error', code: 'INTERNAL', message: String(err) };
}

export function deserializeError(e: SerializedError): XlirError {
  const err = new XlirError(e.code, e.message);
  err.name = e.name;
  return err;
}
