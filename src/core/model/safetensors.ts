/**
 * Reader and writer for the safetensors format (shared/notes/checkpoints.md §1.1): 8 bytes u64-LE
 * header length N, N bytes of UTF-8 JSON `{name: {dtype, shape, data_offsets: [begin, end)}}` plus an
 * optional `__metadata__` string map, then the little-endian row-major data. The checks follow the
 * reference implementation (header ≤ 100 MB, no duplicate keys, tensors packed without gaps or overlaps,
 * nothing after the last one); every error names the file and the tensor or field.
 */
import { DataFormatError } from '../errors';
import { parseJsonText } from '../data/parseJsonText';
import { shownValue } from '../shownValue';

/** Element sizes in bytes of the dtypes this module reads and writes. F8 variants are refused. */
export const SAFETENSORS_DTYPE_SIZES = {
  F64: 8,
  F32: 4,
  F16: 2,
  BF16: 2,
  I64: 8,
  U64: 8,
  I32: 4,
  U32: 4,
  I16: 2,
  U16: 2,
  I8: 1,
  U8: 1,
  BOOL: 1,
} as const;
export type SafetensorsDtype = keyof typeof SAFETENSORS_DTYPE_SIZES;

/** Same cap as the reference implementation. */
export const MAX_HEADER_BYTES = 100_000_000;

/**
 * Decoded values: F16 and BF16 become Float32Array (exact), BOOL a Uint8Array of 0/1 bytes, every other
 * dtype its own typed array (I64 → BigInt64Array, so no precision is lost).
 */
export type SafetensorsData = Float64Array | Float32Array | BigInt64Array | BigUint64Array | Int32Array | Uint32Array | Int16Array | Uint16Array | Int8Array | Uint8Array;

export interface SafetensorsTensor {
  /** the dtype stored in the file (F16/BF16 data is already decoded to float32) */
  dtype: SafetensorsDtype;
  shape: number[];
  data: SafetensorsData;
}

export interface SafetensorsFile {
  metadata: Record<string, string> | null;
  tensors: Map<string, SafetensorsTensor>;
}

/** One header entry; `begin`/`end` are byte offsets relative to the start of the data section. */
export interface SafetensorsEntry {
  name: string;
  dtype: SafetensorsDtype;
  shape: number[];
  begin: number;
  end: number;
}

export interface SafetensorsHeader {
  /** absolute byte offset of the data section (8 + header length) */
  dataStart: number;
  metadata: Record<string, string> | null;
  /** entries in data order (by `begin`) */
  entries: SafetensorsEntry[];
}

const LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

function isDtype(x: string): x is SafetensorsDtype {
  return Object.hasOwn(SAFETENSORS_DTYPE_SIZES, x);
}

/**
 * Reads the header length from the first 8 bytes.
 * @param first8 at least the first 8 bytes of the file
 * @param fileSize total size of the file in bytes
 * @returns N, the JSON header's byte length
 */
export function safetensorsHeaderLength(first8: Uint8Array, fileSize: number, fileName: string): number {
  if (fileSize < 8 || first8.byteLength < 8) {
    throw new DataFormatError(fileName, 'header length', `file is truncated: ${fileSize} bytes, fewer than the 8-byte header length`);
  }
  const n = new DataView(first8.buffer, first8.byteOffset, 8).getBigUint64(0, true);
  if (n > BigInt(MAX_HEADER_BYTES)) {
    throw new DataFormatError(fileName, 'header length', `${n} bytes exceeds the ${MAX_HEADER_BYTES}-byte limit (not a safetensors file?)`);
  }
  const len = Number(n);
  if (8 + len > fileSize) {
    throw new DataFormatError(fileName, 'header length', `${len} bytes runs past the end of the file (${fileSize} bytes): file is truncated`);
  }
  return len;
}

/** Names of the top-level keys of a JSON object text, in order, so duplicates can be detected (JSON.parse keeps the last). */
function topLevelKeys(text: string): string[] {
  const keys: string[] = [];
  let depth = 0;
  let expectKey = false;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i]!;
    if (ch === '"') {
      const start = i;
      for (i++; i < text.length && text[i] !== '"'; i++) if (text[i] === '\\') i++;
      if (depth === 1 && expectKey) keys.push(JSON.parse(text.slice(start, i + 1)) as string);
      expectKey = false;
    } else if (ch === '{' || ch === '[') {
      depth++;
      expectKey = depth === 1;
    } else if (ch === '}' || ch === ']') {
      depth--;
    } else if (ch === ',' && depth === 1) {
      expectKey = true;
    }
  }
  return keys;
}

function isNonNegativeInteger(x: unknown): x is number {
  return typeof x === 'number' && Number.isSafeInteger(x) && x >= 0;
}

function parseEntry(name: string, raw: unknown, fileName: string): SafetensorsEntry {
  const field = (f: string) => `tensor "${name}" ${f}`;
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) throw new DataFormatError(fileName, field(''), 'must be an object');
  const { dtype, shape, data_offsets: offsets } = raw as Record<string, unknown>;
  if (typeof dtype !== 'string' || !isDtype(dtype)) {
    throw new DataFormatError(fileName, field('dtype'), `unsupported dtype ${shownValue(dtype)} (supported: ${Object.keys(SAFETENSORS_DTYPE_SIZES).join(', ')})`);
  }
  if (!Array.isArray(shape) || !shape.every(isNonNegativeInteger)) {
    throw new DataFormatError(fileName, field('shape'), `must be an array of non-negative integers (got ${shownValue(shape)})`);
  }
  if (!Array.isArray(offsets) || offsets.length !== 2 || !offsets.every(isNonNegativeInteger)) {
    throw new DataFormatError(fileName, field('data_offsets'), `must be [begin, end] non-negative integers (got ${shownValue(offsets)})`);
  }
  const [begin, end] = offsets as [number, number];
  if (begin > end) throw new DataFormatError(fileName, field('data_offsets'), `[${begin}, ${end}] is out of order (begin > end)`);
  const numel = shape.reduce((a: number, d: number) => a * d, 1);
  const bytes = numel * SAFETENSORS_DTYPE_SIZES[dtype];
  if (!Number.isSafeInteger(bytes) || bytes !== end - begin) {
    throw new DataFormatError(fileName, field('data_offsets'), `shape [${shape.join(', ')}] of ${dtype} needs ${bytes} bytes but data_offsets [${begin}, ${end}] span ${end - begin}`);
  }
  return { name, dtype, shape: shape as number[], begin, end };
}

function parseMetadata(raw: unknown, fileName: string): Record<string, string> {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) throw new DataFormatError(fileName, '__metadata__', 'must be an object of strings');
  for (const [k, v] of Object.entries(raw)) {
    if (typeof v !== 'string') throw new DataFormatError(fileName, `__metadata__.${k}`, `must be a string (got ${shownValue(v)})`);
  }
  return raw as Record<string, string>;
}

/**
 * Parses and checks the JSON header.
 * @param headerBytes exactly the N header bytes (after the 8-byte length)
 * @param fileSize total file size, to check that the data section holds every tensor exactly
 */
export function parseSafetensorsHeader(headerBytes: Uint8Array, fileSize: number, fileName: string): SafetensorsHeader {
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(headerBytes);
  } catch {
    throw new DataFormatError(fileName, 'header', 'is not valid UTF-8');
  }
  const raw = parseJsonText(text, fileName, { field: 'header' });
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) throw new DataFormatError(fileName, 'header', 'must be a JSON object');
  const seen = new Set<string>();
  for (const key of topLevelKeys(text)) {
    if (seen.has(key)) throw new DataFormatError(fileName, `tensor "${key}"`, 'appears twice in the header');
    seen.add(key);
  }
  let metadata: Record<string, string> | null = null;
  const entries: SafetensorsEntry[] = [];
  for (const [name, value] of Object.entries(raw)) {
    if (name === '__metadata__') metadata = parseMetadata(value, fileName);
    else entries.push(parseEntry(name, value, fileName));
  }
  entries.sort((a, b) => a.begin - b.begin || a.end - b.end);
  const dataStart = 8 + headerBytes.byteLength;
  const dataLength = fileSize - dataStart;
  let cursor = 0;
  let previous: SafetensorsEntry | null = null;
  for (const e of entries) {
    if (e.end > dataLength) {
      throw new DataFormatError(fileName, `tensor "${e.name}" data_offsets`, `[${e.begin}, ${e.end}] run past the end of the data (${dataLength} bytes): file is truncated or offsets are wrong`);
    }
    if (e.begin < cursor) {
      throw new DataFormatError(fileName, `tensor "${e.name}" data_offsets`, `[${e.begin}, ${e.end}] overlap tensor "${previous?.name}" [${previous?.begin}, ${previous?.end}]`);
    }
    if (e.begin > cursor) {
      throw new DataFormatError(fileName, `tensor "${e.name}" data_offsets`, `[${e.begin}, ${e.end}] leave bytes [${cursor}, ${e.begin}) of the data unused`);
    }
    cursor = e.end;
    previous = e;
  }
  if (cursor !== dataLength) {
    throw new DataFormatError(fileName, 'data', `${dataLength - cursor} bytes after the last tensor are not described by the header`);
  }
  return { dataStart, metadata, entries };
}

function halfToFloat(h: number): number {
  const sign = h & 0x8000 ? -1 : 1;
  const exp = (h >> 10) & 0x1f;
  const frac = h & 0x3ff;
  if (exp === 0) return sign * frac * 2 ** -24;
  if (exp === 0x1f) return frac ? NaN : sign * Infinity;
  return sign * (1 + frac / 1024) * 2 ** (exp - 15);
}

/**
 * The typed array each dtype's bytes are held in: read in place (F16 and BF16 are then widened to float32),
 * and what `writeSafetensors` needs (F16/BF16 as raw Uint16Array bits, BOOL as bytes).
 */
const ARRAY_TYPES: Record<SafetensorsDtype, new (buffer: ArrayBufferLike, byteOffset: number, length: number) => SafetensorsData> = {
  F64: Float64Array,
  F32: Float32Array,
  F16: Uint16Array,
  BF16: Uint16Array,
  I64: BigInt64Array,
  U64: BigUint64Array,
  I32: Int32Array,
  U32: Uint32Array,
  I16: Int16Array,
  U16: Uint16Array,
  I8: Int8Array,
  U8: Uint8Array,
  BOOL: Uint8Array,
};

/**
 * Decodes one tensor's raw bytes. Aligned input is viewed without copying (the result shares memory with
 * `bytes`); unaligned input is copied first, since typed-array views need aligned offsets.
 * @param bytes exactly `entry.end - entry.begin` bytes
 */
export function decodeSafetensorsData(dtype: SafetensorsDtype, bytes: Uint8Array): SafetensorsData {
  if (!LITTLE_ENDIAN) throw new Error('safetensors: big-endian platforms are not supported');
  const size = SAFETENSORS_DTYPE_SIZES[dtype];
  const src = bytes.byteOffset % size === 0 ? bytes : bytes.slice();
  const n = src.byteLength / size;
  const { buffer, byteOffset } = src;
  switch (dtype) {
    case 'F16': {
      const half = new Uint16Array(buffer, byteOffset, n);
      const out = new Float32Array(n);
      for (let i = 0; i < n; i++) out[i] = halfToFloat(half[i]!);
      return out;
    }
    case 'BF16': {
      const half = new Uint16Array(buffer, byteOffset, n);
      const bits = new Uint32Array(n);
      for (let i = 0; i < n; i++) bits[i] = half[i]! << 16;
      return new Float32Array(bits.buffer);
    }
    default:
      return new ARRAY_TYPES[dtype](buffer, byteOffset, n);
  }
}

/**
 * Parses a whole safetensors file held in memory.
 * @param bytes the file; tensors whose data is aligned share its memory, so do not modify it afterwards
 * @param fileName used in error messages
 * @throws DataFormatError naming the file and the tensor or field on any malformed input
 */
export function readSafetensors(bytes: Uint8Array, fileName: string): SafetensorsFile {
  const n = safetensorsHeaderLength(bytes, bytes.byteLength, fileName);
  const header = parseSafetensorsHeader(bytes.subarray(8, 8 + n), bytes.byteLength, fileName);
  const tensors = new Map<string, SafetensorsTensor>();
  for (const e of header.entries) {
    const raw = bytes.subarray(header.dataStart + e.begin, header.dataStart + e.end);
    tensors.set(e.name, { dtype: e.dtype, shape: e.shape, data: decodeSafetensorsData(e.dtype, raw) });
  }
  return { metadata: header.metadata, tensors };
}

/**
 * Converts a floating-point tensor to float32 (F64 is rounded); integer tensors are refused.
 * @returns the data as Float32Array, the input itself when it already is one
 */
export function toFloat32(tensor: SafetensorsTensor, fileName: string, name: string): Float32Array {
  if (tensor.data instanceof Float32Array) return tensor.data;
  if (tensor.data instanceof Float64Array) return Float32Array.from(tensor.data);
  throw new DataFormatError(fileName, `tensor "${name}" dtype`, `${tensor.dtype} is not a floating-point type; weights must be F32, F16, BF16 or F64`);
}

/** A tensor to write: the typed array must match the dtype (F16/BF16 as raw Uint16Array bits, BOOL as Uint8Array). */
export interface WritableTensor {
  dtype: SafetensorsDtype;
  shape: number[];
  data: SafetensorsData;
}

/**
 * Serialises tensors as safetensors, as HF writers do: header keys sorted, `__metadata__` first, header
 * padded with spaces so the data starts at a multiple of 8, tensors ordered by element size (largest
 * first) then name so every tensor is aligned to its element size.
 * @throws RangeError when a tensor's array type or length does not match its dtype and shape
 */
export function writeSafetensors(tensors: Readonly<Record<string, WritableTensor>>, metadata?: Readonly<Record<string, string>>): Uint8Array {
  const names = Object.keys(tensors).sort();
  const order = [...names].sort((a, b) => SAFETENSORS_DTYPE_SIZES[tensors[b]!.dtype] - SAFETENSORS_DTYPE_SIZES[tensors[a]!.dtype] || (a < b ? -1 : a > b ? 1 : 0));
  const offsets = new Map<string, [number, number]>();
  let cursor = 0;
  for (const name of order) {
    const t = tensors[name]!;
    if (name === '__metadata__' || name === '') throw new RangeError(`writeSafetensors: invalid tensor name ${JSON.stringify(name)}`);
    if (!(t.data instanceof ARRAY_TYPES[t.dtype])) throw new RangeError(`writeSafetensors: tensor "${name}" of dtype ${t.dtype} needs a ${ARRAY_TYPES[t.dtype].name}`);
    if (!t.shape.every((d) => isNonNegativeInteger(d))) throw new RangeError(`writeSafetensors: tensor "${name}" has an invalid shape [${t.shape.join(', ')}]`);
    const numel = t.shape.reduce((a, d) => a * d, 1);
    if (numel !== t.data.length) throw new RangeError(`writeSafetensors: tensor "${name}" has shape [${t.shape.join(', ')}] (${numel} values) but ${t.data.length} values`);
    offsets.set(name, [cursor, cursor + t.data.byteLength]);
    cursor += t.data.byteLength;
  }
  const header: Record<string, unknown> = {};
  if (metadata) header.__metadata__ = { ...metadata };
  for (const name of names) {
    const t = tensors[name]!;
    header[name] = { dtype: t.dtype, shape: t.shape, data_offsets: offsets.get(name) };
  }
  const json = new TextEncoder().encode(JSON.stringify(header));
  const headerLength = Math.ceil(json.byteLength / 8) * 8;
  const out = new Uint8Array(8 + headerLength + cursor);
  new DataView(out.buffer).setBigUint64(0, BigInt(headerLength), true);
  out.set(json, 8);
  out.fill(0x20, 8 + json.byteLength, 8 + headerLength);
  const dataStart = 8 + headerLength;
  for (const name of order) {
    const d = tensors[name]!.data;
    out.set(new Uint8Array(d.buffer, d.byteOffset, d.byteLength), dataStart + offsets.get(name)![0]);
  }
  return out;
}
