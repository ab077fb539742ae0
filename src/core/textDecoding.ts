/**
 * The one way file bytes become text (issue 21): strict UTF-8, a leading UTF-8 BOM dropped, and
 * UTF-16 (Windows editors' "Unicode" save, with or without a BOM) recognised and NAMED rather than
 * decoded into a string of NULs that then fails as "not valid JSON" or as a missing field.
 */
import { DataFormatError } from './errors';

const UTF8_BOM = [0xef, 0xbb, 0xbf] as const;

/** The encoding a byte string looks like, when it is one we refuse. */
export function sniffUtf16(bytes: Uint8Array): 'UTF-16LE' | 'UTF-16BE' | null {
  if (bytes.length >= 2 && bytes[0] === 0xff && bytes[1] === 0xfe) return 'UTF-16LE';
  if (bytes.length >= 2 && bytes[0] === 0xfe && bytes[1] === 0xff) return 'UTF-16BE';
  // Without a BOM: ASCII text in UTF-16 has a NUL in every other byte; UTF-8 text never holds NUL bytes
  // in such a pattern, so two leading code units with a zero half are enough to tell.
  if (bytes.length >= 4 && bytes[0] !== 0 && bytes[1] === 0 && bytes[2] !== 0 && bytes[3] === 0) return 'UTF-16LE';
  if (bytes.length >= 4 && bytes[0] === 0 && bytes[1] !== 0 && bytes[2] === 0 && bytes[3] !== 0) return 'UTF-16BE';
  return null;
}

/**
 * @param file named in errors
 * @returns the text, without a leading UTF-8 BOM (a U+FEFF further in is kept: offsets count it)
 * @throws DataFormatError naming the file and field "encoding" for UTF-16 or invalid UTF-8 (with the byte offset)
 */
export function decodeUtf8Text(bytes: Uint8Array, file: string): string {
  const utf16 = sniffUtf16(bytes);
  if (utf16) throw new DataFormatError(file, 'encoding', `is ${utf16}, not UTF-8 (save the file as UTF-8)`);
  const hasBom = UTF8_BOM.every((b, i) => bytes[i] === b);
  const body = hasBom ? bytes.subarray(3) : bytes;
  try {
    return new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }).decode(body);
  } catch {
    throw new DataFormatError(file, 'encoding', `is not valid UTF-8 (first bad byte at offset ${firstInvalidUtf8(body) + (hasBom ? 3 : 0)})`);
  }
}

/** Byte offset of the first byte that does not start or continue a valid UTF-8 sequence. */
function firstInvalidUtf8(b: Uint8Array): number {
  let i = 0;
  while (i < b.length) {
    const c = b[i]!;
    const n = c < 0x80 ? 0 : c >= 0xc2 && c <= 0xdf ? 1 : c >= 0xe0 && c <= 0xef ? 2 : c >= 0xf0 && c <= 0xf4 ? 3 : -1;
    if (n < 0) return i;
    for (let k = 1; k <= n; k++) if (i + k >= b.length || (b[i + k]! & 0xc0) !== 0x80) return i;
    // overlong 3/4-byte forms, surrogates and code points above U+10FFFF
    if ((c === 0xe0 && b[i + 1]! < 0xa0) || (c === 0xed && b[i + 1]! >= 0xa0) || (c === 0xf0 && b[i + 1]! < 0x90) || (c === 0xf4 && b[i + 1]! >= 0x90)) return i;
    i += n + 1;
  }
  return b.length;
}

/**
 * Text without a leading U+FEFF: Windows editors save one, and `JSON.parse` and the TSV readers would take it
 * for content. (Bytes decoded by {@link decodeUtf8Text} have lost theirs already.)
 */
export function stripBom(text: string): string {
  return text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
}
