/**
 * Bad-input suite (issue 8) for safetensors files: huge claimed sizes (refused before anything is
 * allocated), non-finite and overflowing shapes, deeply nested header values, duplicate keys in escaped
 * form, then fast-check fuzzing of arbitrary bytes, byte mutations of a valid file and JSON mutations of
 * its header. Every input must give tensors whose data matches their shape, or a DataFormatError naming
 * the file and the tensor or field. (`safetensors.test.ts` has the basic malformed table.)
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { applyByteMutations, applyJsonMutations, arbitraryBytes, byteMutationsArb, DEEP_ARRAY, expectCleanOutcome, expectCleanRejection, fuzzParams, jsonMutationsArb, toJsonText, utf8, forEachCase } from '../testing/fuzz.testutil';
import { readSafetensors, SAFETENSORS_DTYPE_SIZES, writeSafetensors, type SafetensorsFile } from './safetensors';

const FILE = 'model.safetensors';

/** A file from a raw header text, data bytes and (optionally) a lying header length. */
function build(header: string, data: Uint8Array = new Uint8Array(0), headerLength?: bigint): Uint8Array {
  const json = utf8(header);
  const out = new Uint8Array(8 + json.byteLength + data.byteLength);
  new DataView(out.buffer).setBigUint64(0, headerLength ?? BigInt(json.byteLength), true);
  out.set(json, 8);
  out.set(data, 8 + json.byteLength);
  return out;
}
const entry = (dtype: unknown, shape: unknown, offsets: unknown) => ({ dtype, shape, data_offsets: offsets });
const h = (o: Record<string, unknown>) => toJsonText(o);
const DATA24 = new Uint8Array(24);

/** What every accepted file must satisfy. */
function checkFile(f: SafetensorsFile): void {
  for (const [name, t] of f.tensors) {
    expect(Object.hasOwn(SAFETENSORS_DTYPE_SIZES, t.dtype), name).toBe(true);
    expect(
      t.shape.every((d) => Number.isSafeInteger(d) && d >= 0),
      name,
    ).toBe(true);
    expect(t.data.length, name).toBe(t.shape.reduce((a, d) => a * d, 1));
  }
  if (f.metadata) for (const v of Object.values(f.metadata)) expect(typeof v).toBe('string');
}

const BAD: [string, Uint8Array, string][] = [
  ['header length 2^64 − 1', build('{}', new Uint8Array(0), 2n ** 64n - 1n), 'header length: 18446744073709551615 bytes exceeds the 100000000-byte limit'],
  ['header length of 3 GB', build('{}', new Uint8Array(0), 3_000_000_000n), 'header length: 3000000000 bytes exceeds the 100000000-byte limit'],
  ['header length just under the limit in a 10-byte file', build('{}', new Uint8Array(0), 99_999_999n), 'header length: 99999999 bytes runs past the end of the file (10 bytes)'],
  ['header length 0', build('', new Uint8Array(0)), 'header: not valid JSON at line 1 column 1 (position 0)'],
  ['a 10^9-element F32 tensor claiming 4 GB of data', build(h({ w: entry('F32', [1e9], [0, 4e9]) }), DATA24), 'tensor "w" data_offsets: [0, 4000000000] run past the end of the data (24 bytes)'],
  ['a 10^9-element shape over 24 bytes', build(h({ w: entry('F32', [1e9], [0, 24]) }), DATA24), 'tensor "w" data_offsets: shape [1000000000] of F32 needs 4000000000 bytes but data_offsets [0, 24] span 24'],
  ['a shape whose product overflows (2^30 × 2^30 × 2^30)', build(h({ w: entry('F32', [2 ** 30, 2 ** 30, 2 ** 30], [0, 24]) }), DATA24), 'tensor "w" data_offsets: shape [1073741824, 1073741824, 1073741824] of F32 needs'],
  ['a dimension of 1e400 (Infinity)', build('{"w": {"dtype": "F32", "shape": [1e400], "data_offsets": [0, 24]}}', DATA24), 'tensor "w" shape: must be an array of non-negative integers (got [null])'],
  ['a NaN dimension', build('{"w": {"dtype": "F32", "shape": [NaN], "data_offsets": [0, 24]}}', DATA24), 'header: not valid JSON at line 1 column 34 (position 33)'],
  ['a dimension of 2^53', build(h({ w: entry('U8', [2 ** 53], [0, 24]) }), DATA24), 'tensor "w" shape: must be an array of non-negative integers (got [9007199254740992])'],
  ['a shape that is a string', build(h({ w: entry('F32', '[2, 3]', [0, 24]) }), DATA24), 'tensor "w" shape: must be an array of non-negative integers (got "[2, 3]")'],
  ['a shape nested 20 000 arrays deep', build(h({ w: entry('F32', DEEP_ARRAY, [0, 24]) }), DATA24), 'tensor "w" shape: must be an array of non-negative integers (got an array nested too deeply to show)'],
  ['a dtype nested 20 000 arrays deep', build(h({ w: entry(DEEP_ARRAY, [6], [0, 24]) }), DATA24), 'tensor "w" dtype: unsupported dtype an array nested too deeply to show'],
  ['data_offsets nested 20 000 arrays deep', build(h({ w: entry('F32', [6], DEEP_ARRAY) }), DATA24), 'tensor "w" data_offsets: must be [begin, end] non-negative integers (got an array nested too deeply to show)'],
  ['a metadata value nested 20 000 arrays deep', build(h({ __metadata__: { format: DEEP_ARRAY } })), '__metadata__.format: must be a string (got an array nested too deeply to show)'],
  ['a 100 000-element shape (message stays short)', build(h({ w: entry('F32', new Array(100_000).fill(-1), [0, 24]) }), DATA24), 'tensor "w" shape: must be an array of non-negative integers (got [-1,-1,-1,'],
  ['a header of 100 000 unclosed "["', build('['.repeat(100_000)), 'header: not valid JSON at line 1 column 100001 (position 100000)'],
  ['the dtype "toString" (an Object.prototype key)', build(h({ w: entry('toString', [6], [0, 24]) }), DATA24), 'tensor "w" dtype: unsupported dtype "toString"'],
  ['negative data_offsets', build(h({ w: entry('F32', [6], [-24, 0]) }), DATA24), 'tensor "w" data_offsets: must be [begin, end] non-negative integers (got [-24,0])'],
  ['three data_offsets', build(h({ w: entry('F32', [6], [0, 24, 48]) }), DATA24), 'tensor "w" data_offsets: must be [begin, end]'],
  ['an entry that is null', build(h({ w: null }), DATA24), 'tensor "w" : must be an object'],
  ['a key repeated in escaped form ("w" and "\\u0077")', build('{"w": {"dtype":"U8","shape":[24],"data_offsets":[0,24]}, "\\u0077": {"dtype":"U8","shape":[24],"data_offsets":[0,24]}}', DATA24), 'tensor "w": appears twice in the header'],
  ['__metadata__ twice', build('{"__metadata__": {}, "__metadata__": {}}'), 'tensor "__metadata__": appears twice in the header'],
  ['__metadata__ as an array', build(h({ __metadata__: ['pt'] })), '__metadata__: must be an object of strings'],
  ['a header padded with NUL instead of spaces', build('{}\u0000\u0000\u0000\u0000\u0000\u0000'), 'header: not valid JSON at line 1 column 3 (position 2)'],
  [
    'an overlong UTF-8 byte in a tensor name',
    (() => {
      const b = build('{"w?": {"dtype":"U8","shape":[0],"data_offsets":[0,0]}}');
      b[8 + 3] = 0xc0;
      return b;
    })(),
    'header: is not valid UTF-8',
  ],
  ['a header that is a JSON string', build('"w"'), 'header: must be a JSON object'],
  [
    'a 2-tensor file truncated by one byte of data',
    writeSafetensors({ a: { dtype: 'F32', shape: [2], data: new Float32Array(2) }, b: { dtype: 'U8', shape: [3], data: new Uint8Array(3) } }).subarray(0, -1),
    'tensor "b" data_offsets: [8, 11] run past the end of the data (10 bytes)',
  ],
];

describe('readSafetensors: malformed categories beyond safetensors.test.ts', () => {
  it(`rejects ${BAD.length} malformed files cleanly, before allocating anything they claim`, () => {
    forEachCase(BAD, ([, bytes, expected]) => expectCleanRejection(() => readSafetensors(bytes, FILE), FILE, `${FILE}: ${expected}`));
  });

  it('accepts 4 odd but valid files: path-like and NUL tensor names, a "__proto__" tensor, a header BOM, an empty header', () => {
    const names = ['../x', '/etc/passwd', 'a\u0000b'];
    const odd = readSafetensors(build(h(Object.fromEntries(names.map((n, i) => [n, entry('U8', [8], [8 * i, 8 * i + 8])]))), DATA24), FILE);
    expect([...odd.tensors.keys()].sort()).toEqual([...names].sort());
    checkFile(odd);
    const proto = readSafetensors(build('{"__proto__": {"dtype":"U8","shape":[24],"data_offsets":[0,24]}}', DATA24), FILE);
    expect(proto.tensors.get('__proto__')?.shape).toEqual([24]);
    expect(readSafetensors(build('\uFEFF{}'), FILE).tensors.size).toBe(0);
    expect(readSafetensors(build('{}'), FILE)).toEqual({ metadata: null, tensors: new Map() });
  });
});

describe('readSafetensors fuzzing', () => {
  const tensors = {
    'embeddings.word_embeddings.weight': { dtype: 'F32' as const, shape: [3, 2], data: Float32Array.from([1, 2, 3, 4, 5, 6]) },
    'encoder.layer.0.bias': { dtype: 'F16' as const, shape: [2], data: Uint16Array.from([0x3c00, 0x4000]) },
    ids: { dtype: 'I64' as const, shape: [1], data: BigInt64Array.from([7n]) },
  };
  const VALID = writeSafetensors(tensors, { format: 'pt' });
  const headerLength = Number(new DataView(VALID.buffer).getBigUint64(0, true));
  const HEADER = JSON.parse(new TextDecoder().decode(VALID.subarray(8, 8 + headerLength))) as unknown;
  const DATA = VALID.subarray(8 + headerLength);

  it('the valid file parses (the base of every mutation)', () => {
    checkFile(readSafetensors(VALID, FILE));
  });

  it('300 arbitrary byte strings (also behind a correct 8-byte length): tensors or a clean DataFormatError', () => {
    const withLength = fc.uint8Array({ maxLength: 64 }).map((b) => build(new TextDecoder().decode(b)));
    fc.assert(
      fc.property(fc.oneof(arbitraryBytes(), withLength), (bytes) => {
        expectCleanOutcome(() => readSafetensors(bytes, FILE), FILE, checkFile);
      }),
      fuzzParams(300),
    );
  });

  it('400 byte mutations of a valid 3-tensor file (truncate, flip, insert, delete, BOM): tensors or a clean error', () => {
    fc.assert(
      fc.property(byteMutationsArb(VALID.length), (mutations) => {
        expectCleanOutcome(() => readSafetensors(applyByteMutations(VALID, mutations), FILE), FILE, checkFile);
      }),
      fuzzParams(400),
    );
  });

  it('400 JSON mutations of its header, re-framed with a correct length: tensors or a clean error', () => {
    let accepted = 0;
    fc.assert(
      fc.property(jsonMutationsArb(), fc.boolean(), (mutations, shortData) => {
        const header = toJsonText(applyJsonMutations(HEADER, mutations));
        const out = expectCleanOutcome(() => readSafetensors(build(header, shortData ? DATA.subarray(2) : DATA), FILE), FILE, checkFile);
        if (out.ok) accepted++;
      }),
      fuzzParams(400),
    );
    // some mutations (a renamed tensor, extra metadata) keep the file valid: the property saw both outcomes
    expect(accepted).toBeGreaterThan(0);
  });

  it('huge claimed header lengths are refused from the first 8 bytes alone, for 200 random lengths', () => {
    fc.assert(
      fc.property(fc.bigInt({ min: 100_000_001n, max: 2n ** 64n - 1n }), (n) => {
        expectCleanRejection(() => readSafetensors(build('{}', new Uint8Array(0), n), FILE), FILE, `${FILE}: header length: ${n} bytes exceeds`);
      }),
      fuzzParams(200),
    );
  });
});
