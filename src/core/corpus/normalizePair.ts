/**
 * Cleans one English↔X translation pair from software localisation (LibreOffice UI, CLDR) into plain
 * text: NFC, no mnemonic markers, no placeholders or markup, single spaces; and decides whether to keep it.
 */
import { decodeXmlEntities } from './xmlText';

/** Longest side kept, in code points. */
export const MAX_PAIR_CHARS = 300;

/** Why a pair is dropped by {@link normalizePair}. */
export const PAIR_DROP_REASONS = ['empty', 'noLetter', 'tooLong', 'untranslated'] as const;
export type PairDropReason = (typeof PAIR_DROP_REASONS)[number];

export type NormalizedPair = { ok: true; en: string; x: string } | { ok: false; reason: PairDropReason };

/** What `%PRODUCTNAME` stands for in LibreOffice strings; other placeholders are removed. */
const PRODUCT_NAME = 'LibreOffice';

/** Placeholders of LibreOffice, gettext/printf, .NET and shell style, each removed. */
const PLACEHOLDERS: readonly RegExp[] = [
  /\$\([A-Za-z0-9_]+\)/g, // $(ARG1), $(ERR)
  /\$#\$/g, // $#$
  /(?<=['"“”„«»‘’])\$(?=['"“”„«»‘’])/g, // '$'
  /\$\d+\$?/g, // $1, $1$
  /\$[A-Za-z][A-Za-z0-9_]*\$?/g, // $name, $NAME$
  /%\{[A-Za-z0-9_]+\}/g, // %{link}
  /%\d+(\$[-+ #0]*\d*(\.\d+)?[hlLqjzt]*[diouxXeEfFgGcsp])?/g, // %1, %1$s
  /%[A-Z][A-Z0-9_]*/g, // %PRODUCTVERSION, %MOD1
  /%[-+ #0]*\d*(\.\d+)?[hlLqjzt]*[diouxXeEfFgGcspn](?![\p{L}\p{N}])/gu, // %s, %d, %.2f, %n
  /\{\d+\}/g, // {0}
  /#\d+/g, // #1
];

/** Lower-case element names only, so UI labels such as `<All>` or `<None>` stay. */
const MARKUP_TAG = /<\/?[a-z][a-z0-9]*(?:[\s:][^<>]*)?\/?>/g;

/** `文件(_F)`, `(~F)`, `(&F)`, also with full-width parentheses: a mnemonic appended by CJK translations. */
const APPENDED_MNEMONIC = /\s*[(（]\s*[_~&][\p{L}\p{N}]\s*[)）]/gu;

function stripUnderscoreMnemonic(text: string): string {
  const first = text.indexOf('_');
  if (first < 0 || text.indexOf('_', first + 1) >= 0) return text; // none, or an identifier-like text
  const next = text[first + 1] ?? '';
  if (!/[\p{L}\p{N}]/u.test(next)) return text;
  const token = text.slice(0, first).split(/\s/).pop()! + text.slice(first + 1).split(/\s/)[0]!;
  const before = text.slice(0, first).split(/\s/).pop()!;
  if (before !== '' && /^[A-Z0-9]+$/.test(token)) return text; // FILE_NAME
  return text.slice(0, first) + text.slice(first + 1);
}

/**
 * Removes a mnemonic underscore kept by {@link normalizeText} because its word looked like an identifier
 * (`FT_P`, `HTTP_S`), when the word without it occurs in the other side and the word itself does not.
 */
function stripMirroredMnemonic(text: string, other: string): string {
  if (other.includes('_')) return text;
  return text.replace(/[\p{L}\p{N}]+_[\p{L}\p{N}]+/gu, (word) => {
    const plain = word.replace('_', '');
    return other.includes(plain) ? plain : word;
  });
}

/**
 * @param raw one side of a pair as found in the catalogue
 * @returns the cleaned text (may be empty)
 */
export function normalizeText(raw: string): string {
  let t = raw.normalize('NFC');
  t = t.replace(APPENDED_MNEMONIC, '');
  t = t.replace(/~(?=[\p{L}\p{N}])/gu, '');
  t = t.replace(/^~\s+/, '').replace(/\s_$/, '');
  t = stripUnderscoreMnemonic(t);
  t = t.replace(/(^|[\s(/"'“„«])&(?=[\p{L}\p{N}])(?![A-Za-z]+;|#\d+;|#x[0-9a-fA-F]+;)/gu, '$1');
  t = t.replace(MARKUP_TAG, ' ');
  t = decodeXmlEntities(t);
  t = t.replace(/%PRODUCTNAME/g, PRODUCT_NAME);
  for (const re of PLACEHOLDERS) t = t.replace(re, '\u0000');
  // A quoted or bracketed placeholder leaves nothing behind: "delete the layer '$1'?" → "delete the layer?"
  t = t.replace(/\s?(?:['"“”„«»‘’]\u0000+['"“”„«»‘’]|\(\u0000+\)|\[\u0000+\])/g, '').replace(/\u0000/g, ' ');
  t = t.replace(/\s+/g, ' ').trim();
  t = t.replace(/^[,;]\s*/, ''); // left behind by a leading placeholder: "$(ARG1), 25% Darker"
  return t.normalize('NFC');
}

/**
 * Normalises both sides with {@link normalizeText} and applies the keep rules.
 * @param en the English text
 * @param x its translation
 * @returns the cleaned pair, or the first reason it is dropped
 */
export function normalizePair(en: string, x: string): NormalizedPair {
  let a = normalizeText(en);
  let b = normalizeText(x);
  a = stripMirroredMnemonic(a, b);
  b = stripMirroredMnemonic(b, a);
  if (a === '' || b === '') return { ok: false, reason: 'empty' };
  if (!/\p{L}/u.test(a) || !/\p{L}/u.test(b)) return { ok: false, reason: 'noLetter' };
  if ([...a].length > MAX_PAIR_CHARS || [...b].length > MAX_PAIR_CHARS) return { ok: false, reason: 'tooLong' };
  if (a === b) return { ok: false, reason: 'untranslated' };
  return { ok: true, en: a, x: b };
}
