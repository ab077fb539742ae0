/**
 * Reader of GNU gettext `.mo` catalogues (binary, either byte order), as shipped in LibreOffice's
 * `libreoffice-l10n-<x>` packages. Format: GNU gettext manual §10.3 "The Format of GNU MO Files".
 */
import { DataFormatError } from '../errors';

/** The magic number at offset 0; read in the other byte order it reveals a big-endian file. */
export const MO_MAGIC = 0x950412de;

/** One catalogue message. The header entry (empty msgid, no context) is not returned. */
export interface MoEntry {
  /** `msgctxt`, when the key held one (separated from the msgid by U+0004). */
  context?: string;
  /** The source text (English for LibreOffice). */
  msgid: string;
  /** The plural source text, for entries with plural forms. */
  msgidPlural?: string;
  /** Translations: one per plural form (one element for a singular message). */
  msgstr: string[];
}

/**
 * @param bytes the whole `.mo` file
 * @param file the file name used in error messages
 * @returns the entries in file order (sorted by key, as msgfmt writes them), header excluded
 * @throws DataFormatError naming the file when the magic number or a string table is wrong
 */
export function parseMo(bytes: Uint8Array, file = '<mo>'): MoEntry[] {
  if (bytes.length < 20) throw new DataFormatError(file, 'header', `${bytes.length} bytes is too short for a .mo file`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let little: boolean;
  if (view.getUint32(0, true) === MO_MAGIC) little = true;
  else if (view.getUint32(0, false) === MO_MAGIC) little = false;
  else throw new DataFormatError(file, 'magic', `0x${view.getUint32(0, true).toString(16)} is not the .mo magic number 0x950412de`);
  const u32 = (offset: number, field: string): number => {
    if (offset + 4 > bytes.length) throw new DataFormatError(file, field, `offset ${offset} is past the end of the file`);
    return view.getUint32(offset, little);
  };
  const revision = u32(4, 'revision');
  if (revision >>> 16 > 1) throw new DataFormatError(file, 'revision', `major revision ${revision >>> 16} is not supported`);
  const count = u32(8, 'count');
  const originals = u32(12, 'originalsOffset');
  const translations = u32(16, 'translationsOffset');
  const decoder = new TextDecoder('utf-8', { fatal: true });
  const str = (table: number, i: number, field: string): string => {
    const length = u32(table + 8 * i, `${field}[${i}].length`);
    const offset = u32(table + 8 * i + 4, `${field}[${i}].offset`);
    if (offset + length > bytes.length) throw new DataFormatError(file, `${field}[${i}]`, `string at ${offset}+${length} is past the end of the file`);
    try {
      return decoder.decode(bytes.subarray(offset, offset + length));
    } catch {
      throw new DataFormatError(file, `${field}[${i}]`, 'is not valid UTF-8');
    }
  };
  const entries: MoEntry[] = [];
  for (let i = 0; i < count; i++) {
    const key = str(originals, i, 'originals');
    const value = str(translations, i, 'translations');
    if (key === '') continue; // header
    const eot = key.indexOf('\u0004');
    const context = eot >= 0 ? key.slice(0, eot) : undefined;
    const [msgid = '', msgidPlural] = (eot >= 0 ? key.slice(eot + 1) : key).split('\u0000');
    const entry: MoEntry = { msgid, msgstr: value.split('\u0000') };
    if (context !== undefined) entry.context = context;
    if (msgidPlural !== undefined) entry.msgidPlural = msgidPlural;
    entries.push(entry);
  }
  return entries;
}
