/**
 * Bad-input table (issue 21) for the one text decoder of file bytes: UTF-16 with and without a BOM is
 * named as such, invalid UTF-8 is refused with the offset of its first bad byte, and valid UTF-8 (with or
 * without a BOM, astral characters, a U+FEFF inside the text) decodes exactly as TextDecoder does.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { DataFormatError } from './errors';
import { decodeUtf8Text, sniffUtf16 } from './textDecoding';

const FILE = 'data/x.json';
const utf8 = (s: string) => new TextEncoder().encode(s);
const le = (s: string) => new Uint8Array([...s].flatMap((c) => [c.charCodeAt(0) & 0xff, c.charCodeAt(0) >> 8]));
const be = (s: string) => new Uint8Array([...s].flatMap((c) => [c.charCodeAt(0) >> 8, c.charCodeAt(0) & 0xff]));

const BAD: [string, Uint8Array, string][] = [
  ['UTF-16LE with a BOM', new Uint8Array([0xff, 0xfe, ...le('{"a": 1}')]), 'encoding: is UTF-16LE, not UTF-8'],
  ['UTF-16LE without a BOM', le('{"a": 1}'), 'encoding: is UTF-16LE, not UTF-8'],
  ['UTF-16BE with a BOM', new Uint8Array([0xfe, 0xff, ...be('q1 0 d1 1')]), 'encoding: is UTF-16BE, not UTF-8'],
  ['UTF-16BE without a BOM', be('q1 0 d1 1'), 'encoding: is UTF-16BE, not UTF-8'],
  ['only a UTF-16LE BOM', new Uint8Array([0xff, 0xfe]), 'encoding: is UTF-16LE, not UTF-8'],
  ['a Latin-1 byte', new Uint8Array([...utf8('caf'), 0xe9]), 'encoding: is not valid UTF-8 (first bad byte at offset 3)'],
  ['an overlong "/"', new Uint8Array([0x41, 0xc0, 0xaf]), 'encoding: is not valid UTF-8 (first bad byte at offset 1)'],
  ['an encoded surrogate', new Uint8Array([0x41, 0x42, 0xed, 0xa0, 0x80]), 'encoding: is not valid UTF-8 (first bad byte at offset 2)'],
  ['a code point above U+10FFFF', new Uint8Array([0xf4, 0x90, 0x80, 0x80]), 'encoding: is not valid UTF-8 (first bad byte at offset 0)'],
  ['a sequence cut at the end', new Uint8Array([...utf8('ab'), 0xe2, 0x82]), 'encoding: is not valid UTF-8 (first bad byte at offset 2)'],
  ['a lone continuation byte after a BOM', new Uint8Array([0xef, 0xbb, 0xbf, 0x41, 0x80]), 'encoding: is not valid UTF-8 (first bad byte at offset 4)'],
];

describe('decodeUtf8Text: malformed encodings', () => {
  it.each(BAD)('refuses %s naming the file and the encoding', (_label, bytes, message) => {
    let err: unknown;
    try {
      decodeUtf8Text(bytes, FILE);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(DataFormatError);
    expect((err as Error).message).toContain(`${FILE}: ${message}`);
  });

  it('decodes valid UTF-8: a leading BOM dropped, an inner U+FEFF and astral characters kept', () => {
    expect(decodeUtf8Text(new Uint8Array([0xef, 0xbb, 0xbf, ...utf8('{"a":"\ufeffx😀"}')]), FILE)).toBe('{"a":"\ufeffx😀"}');
    expect(decodeUtf8Text(new Uint8Array(0), FILE)).toBe('');
  });

  it('300 arbitrary strings: UTF-8 bytes decode to the same string, never sniffed as UTF-16', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'grapheme', maxLength: 40 }), (s) => {
        const text = s.replace(/^\ufeff/, '').replace(/\u0000/g, '');
        expect(sniffUtf16(utf8(text))).toBeNull();
        expect(decodeUtf8Text(utf8(text), FILE)).toBe(text);
      }),
      { numRuns: 300, seed: 21 },
    );
  });
});
