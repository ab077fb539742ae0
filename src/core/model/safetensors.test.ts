import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { DataFormatError } from '../errors';
import { readSafetensors, writeSafetensors, type SafetensorsTensor } from './safetensors';

const VARIANTS = new URL('../../../../shared/fixtures/tiny-xlmr/variants/', import.meta.url);

interface ParserCase {
  dtype: string;
  shape: number[];
  values_as_float: number[];
}

function asNumbers(t: SafetensorsTensor): number[] {
  return Array.from(t.data as ArrayLike<number | bigint>, (x) => Number(x));
}

/** A file from a raw header text and data bytes, so malformed headers can be built byte by byte. */
function build(header: string, data: Uint8Array, headerLength?: bigint): Uint8Array {
  const json = new TextEncoder().encode(header);
  const out = new Uint8Array(8 + json.byteLength + data.byteLength);
  new DataView(out.buffer).setBigUint64(0, headerLength ?? BigInt(json.byteLength), true);
  out.set(json, 8);
  out.set(data, 8 + json.byteLength);
  return out;
}

const entry = (dtype: string, shape: unknown, offsets: unknown) => ({ dtype, shape, data_offsets: offsets });
const h = (o: Record<string, unknown>) => JSON.stringify(o);
const DATA24 = new Uint8Array(24);

describe('readSafetensors on the fixture parser cases', () => {
  const ALL = ['bf16', 'bool', 'empty', 'f16', 'f32', 'f64', 'i32', 'i64', 'scalar', 'u8'];
  it.each([
    ['parser_cases.safetensors', ALL, { format: 'pt', note: 'edge cases' }],
    ['parser_cases_unaligned.safetensors', ['f16', 'f32'], null],
  ])('decodes every tensor of %s', async (file, names, metadata) => {
    const cases = JSON.parse(await readFile(new URL('parser_cases.json', VARIANTS), 'utf8')) as Record<string, ParserCase>;
    expect(Object.keys(cases).sort()).toEqual(ALL);
    const bytes = new Uint8Array(await readFile(new URL(file, VARIANTS)));
    const st = readSafetensors(bytes, file);
    expect([...st.tensors.keys()].sort()).toEqual(names);
    expect(st.metadata).toEqual(metadata);
    for (const name of names) {
      const c = cases[name]!;
      const t = st.tensors.get(name)!;
      expect(t.dtype, name).toBe(c.dtype);
      expect(t.shape, name).toEqual(c.shape);
      expect(asNumbers(t), name).toEqual(c.values_as_float);
    }
    expect(st.tensors.get('f16')!.data).toBeInstanceOf(Float32Array);
    if (names === ALL) {
      expect(st.tensors.get('bf16')!.data).toBeInstanceOf(Float32Array);
      expect(st.tensors.get('f64')!.data).toBeInstanceOf(Float64Array);
      expect(st.tensors.get('i64')!.data).toBeInstanceOf(BigInt64Array);
    }
  });

  it('views aligned data without copying and copies unaligned data', async () => {
    const aligned = writeSafetensors({ w: { dtype: 'F32', shape: [2], data: Float32Array.from([1, 2]) } });
    expect(readSafetensors(aligned, 'a').tensors.get('w')!.data.buffer).toBe(aligned.buffer);
    // f32 sits at byte 8 + 118 + 12 ≡ 2 (mod 4) in this fixture
    const unaligned = new Uint8Array(await readFile(new URL('parser_cases_unaligned.safetensors', VARIANTS)));
    const f32 = readSafetensors(unaligned, 'u').tensors.get('f32')!;
    expect(f32.data.buffer).not.toBe(unaligned.buffer);
    expect(Array.from(f32.data as Float32Array)).toEqual([1, -2.5, 3.140625, 0, 65504, -0.0009765625]);
  });
});

describe('writeSafetensors', () => {
  const tensors = {
    'b.weight': { dtype: 'F32' as const, shape: [2, 3], data: Float32Array.from([1, -2.5, 3, 0, 1e-7, 65504]) },
    'a.mask': { dtype: 'U8' as const, shape: [3], data: Uint8Array.from([0, 1, 255]) },
    'c.f64': { dtype: 'F64' as const, shape: [], data: Float64Array.from([Math.PI]) },
    'd.i64': { dtype: 'I64' as const, shape: [2], data: BigInt64Array.from([-1n, 2n ** 40n]) },
    'e.i32': { dtype: 'I32' as const, shape: [1, 2], data: Int32Array.from([7, -7]) },
    'f.empty': { dtype: 'F32' as const, shape: [0, 4], data: new Float32Array(0) },
  };

  it('round-trips dtypes, shapes, values and metadata', () => {
    const bytes = writeSafetensors(tensors, { format: 'pt', note: 'x' });
    const st = readSafetensors(bytes, 'rt.safetensors');
    expect(st.metadata).toEqual({ format: 'pt', note: 'x' });
    for (const [name, t] of Object.entries(tensors)) {
      const got = st.tensors.get(name)!;
      expect(got.dtype).toBe(t.dtype);
      expect(got.shape).toEqual(t.shape);
      expect(got.data).toEqual(t.data);
    }
  });

  it('pads the header to 8 bytes, sorts keys and puts __metadata__ first', () => {
    const bytes = writeSafetensors(tensors, { format: 'pt' });
    const n = Number(new DataView(bytes.buffer).getBigUint64(0, true));
    expect(n % 8).toBe(0);
    const header = JSON.parse(new TextDecoder().decode(bytes.subarray(8, 8 + n))) as Record<string, { data_offsets: number[] }>;
    expect(Object.keys(header)).toEqual(['__metadata__', 'a.mask', 'b.weight', 'c.f64', 'd.i64', 'e.i32', 'f.empty']);
    // every tensor starts at a multiple of its element size, so readers can view without copying
    expect(header['c.f64']!.data_offsets[0]! % 8).toBe(0);
    expect(header['b.weight']!.data_offsets[0]! % 4).toBe(0);
  });

  it('refuses an array that does not match the dtype or shape', () => {
    expect(() => writeSafetensors({ x: { dtype: 'F32', shape: [2], data: new Float64Array(2) } })).toThrow('tensor "x" of dtype F32 needs a Float32Array');
    expect(() => writeSafetensors({ x: { dtype: 'F32', shape: [3], data: new Float32Array(2) } })).toThrow('has shape [3] (3 values) but 2 values');
  });
});

describe('readSafetensors refuses malformed files, naming the file and the tensor', () => {
  const valid = writeSafetensors({ w: { dtype: 'F32', shape: [2, 3], data: new Float32Array(6) } }, { format: 'pt' });
  const cases: [string, Uint8Array, string][] = [
    ['shorter than 8 bytes', valid.subarray(0, 5), 'bad.st: header length: file is truncated: 5 bytes'],
    ['truncated in the header', valid.subarray(0, 20), 'runs past the end of the file (20 bytes): file is truncated'],
    ['truncated in the data', valid.subarray(0, valid.byteLength - 4), 'tensor "w" data_offsets: [0, 24] run past the end of the data (20 bytes)'],
    ['header length over 100 MB', build(h({}), new Uint8Array(0), 2n ** 40n), 'header length: 1099511627776 bytes exceeds the 100000000-byte limit'],
    ['invalid JSON', build('{"w": {"dtype": "F32",', DATA24), 'header: not valid JSON at line 1 column 23 (position 22)'],
    ['header not an object', build('[1, 2]', new Uint8Array(0)), 'header: must be a JSON object'],
    ['unknown dtype', build(h({ w: entry('F33', [2, 3], [0, 24]) }), DATA24), 'tensor "w" dtype: unsupported dtype "F33"'],
    ['F8 dtype', build(h({ w: entry('F8_E4M3', [24], [0, 24]) }), DATA24), 'tensor "w" dtype: unsupported dtype "F8_E4M3"'],
    ['shape × dtype ≠ bytes', build(h({ w: entry('F32', [2, 2], [0, 24]) }), DATA24), 'tensor "w" data_offsets: shape [2, 2] of F32 needs 16 bytes but data_offsets [0, 24] span 24'],
    ['offsets past the end', build(h({ w: entry('F32', [2, 3], [8, 32]) }), DATA24), 'tensor "w" data_offsets: [8, 32] run past the end of the data (24 bytes)'],
    ['reversed offsets', build(h({ w: entry('F32', [0], [24, 0]) }), DATA24), 'tensor "w" data_offsets: [24, 0] is out of order'],
    ['overlapping tensors', build(h({ a: entry('F32', [4], [0, 16]), b: entry('F32', [4], [8, 24]) }), DATA24), 'tensor "b" data_offsets: [8, 24] overlap tensor "a" [0, 16]'],
    ['a gap between tensors', build(h({ a: entry('F32', [2], [0, 8]), b: entry('F32', [2], [16, 24]) }), DATA24), 'tensor "b" data_offsets: [16, 24] leave bytes [8, 16) of the data unused'],
    ['bytes after the last tensor', build(h({ a: entry('F32', [4], [0, 16]) }), DATA24), 'data: 8 bytes after the last tensor'],
    ['duplicate keys', build('{"w": {"dtype":"F32","shape":[6],"data_offsets":[0,24]}, "w": {"dtype":"F32","shape":[6],"data_offsets":[0,24]}}', DATA24), 'tensor "w": appears twice in the header'],
    ['negative dimension', build(h({ w: entry('F32', [-2, 3], [0, 24]) }), DATA24), 'tensor "w" shape: must be an array of non-negative integers (got [-2,3])'],
    ['fractional dimension', build(h({ w: entry('F32', [1.5, 4], [0, 24]) }), DATA24), 'tensor "w" shape: must be an array of non-negative integers'],
    ['missing data_offsets', build(h({ w: { dtype: 'F32', shape: [6] } }), DATA24), 'tensor "w" data_offsets: must be [begin, end]'],
    ['non-string metadata', build(h({ __metadata__: { step: 3 }, w: entry('F32', [6], [0, 24]) }), DATA24), '__metadata__.step: must be a string (got 3)'],
    ['header not UTF-8', build('{}', new Uint8Array(0)).map((b, i) => (i === 8 ? 0xff : b)), 'header: is not valid UTF-8'],
  ];

  it.each(cases)('%s', (_label, bytes, message) => {
    let err: unknown;
    try {
      readSafetensors(bytes, 'bad.st');
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(DataFormatError);
    expect((err as Error).message).toMatch(/^bad\.st: /);
    expect((err as Error).message).toContain(message);
  });

  it('accepts the valid file the malformed ones were made from', () => {
    expect(readSafetensors(valid, 'ok.st').tensors.get('w')!.shape).toEqual([2, 3]);
  });
});
