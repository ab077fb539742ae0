/**
 * The localisation strings of Firefox (Fluent `.ftl` and `.properties` files) keyed so that English and a
 * language pack line up: `<path with the locale folders as @>#<message id>[.<attribute>]`. The English files
 * come from `omni.ja` and `browser/omni.ja` of `firefox-esr` (`localization/en-US/…`, `chrome/en-US/locale/en-US/…`),
 * a translation from the langpack `.xpi` of `firefox-esr-l10n-<x>` (`localization/<x>/…`, `browser/localization/<x>/…`).
 */
import { unzipSync } from 'fflate';
import { z } from 'zod';
import { parseJsonBytes } from '../data/parseJsonText';
import { DataFormatError } from '../errors';
import { validate } from '../zodMessage';
import { parseFluent, resolveFluentPattern } from './parseFluent';
import { parseProperties } from './parseProperties';

/** The files read: Fluent and `.properties` (`.dtd` is no longer shipped). */
const FIREFOX_FILE = /\.(ftl|properties)$/;

/** Attributes and properties that hold no translatable text: access keys, shortcuts, CSS. */
const NON_TEXT_KEY = /(?:accesskey|commandkey|keycode|[.-]key|[.-]style|[.-]width|[.-]height)$|^(?:pluralRule$|intl\.|font\.)/i;

/** Values that are no text although they may hold letters: CSS sizes, URLs, lists of locale codes. */
const NON_TEXT_VALUE = [
  /^\s*(?:[\w-]+\s*:\s*)?-?[\d.]+\s*(?:em|ch|px|rem|%)\s*;?\s*$/, // 34em, width: 20ch
  /[\w-]+\s*:\s*[^;]*\d(?:em|ch|px|rem)\b/, // min-width: 30em; …
  /^\s*[a-z][\w+.-]*:\/\/\S*\s*$/i, // https://…
  /^\s*[a-z]{2,3}(?:-[A-Za-z0-9]{2,8})*(?:\s*,\s*[a-z]{2,3}(?:-[A-Za-z0-9]{2,8})*)+\s*$/, // ar, en-US, en
];

/**
 * @param name a path inside a zip
 * @param locale the locale folder name (`en-US`, `th`, `zh-CN`)
 * @returns the path with every folder named `locale` replaced by `@`
 */
export function localeNeutralPath(name: string, locale: string): string {
  return name
    .split('/')
    .map((s, i, all) => (i < all.length - 1 && s === locale ? '@' : s))
    .join('/');
}

/**
 * The `.ftl` and `.properties` files of one locale in a zip (`omni.ja` or a langpack `.xpi`).
 * @param zip the zip bytes
 * @param locale the locale folder name to read
 * @param prefix put before each path (`browser/` for the English `browser/omni.ja`, so that its paths match the langpack's)
 * @returns locale-neutral path (see {@link localeNeutralPath}) → UTF-8 text
 */
export function readFirefoxLocaleFiles(zip: Uint8Array, locale: string, prefix = ''): Map<string, string> {
  const files = unzipSync(zip, { filter: (f) => FIREFOX_FILE.test(f.name) && f.name.split('/').slice(0, -1).includes(locale) });
  const decoder = new TextDecoder('utf-8');
  const out = new Map<string, string>();
  for (const name of Object.keys(files).sort()) out.set(prefix + localeNeutralPath(name, locale), decoder.decode(files[name]!));
  return out;
}

const LangpackManifestSchema = z.object({ langpack_id: z.string().regex(/^[A-Za-z]{2,3}(?:-[A-Za-z0-9]{2,8})*$/, 'must be a locale code') });

/**
 * @param zip a langpack `.xpi`
 * @param file named in errors
 * @returns its locale (`langpack_id` of `manifest.json`)
 * @throws DataFormatError when manifest.json is missing or has no locale
 */
export function langpackLocale(zip: Uint8Array, file: string): string {
  const entry = unzipSync(zip, { filter: (f) => f.name === 'manifest.json' })['manifest.json'];
  if (entry === undefined) throw new DataFormatError(file, 'manifest.json', 'missing');
  const inner = `${file}/manifest.json`;
  return validate(LangpackManifestSchema, parseJsonBytes(entry, inner), inner).langpack_id;
}

/** An empty element the code fills (`<span data-l10n-name="query"></span>`): a placeholder, as `{ $query }` would be. */
const EMPTY_ELEMENT = /<([a-z][\w-]*)\b([^<>]*)>\s*<\/\1>/g;

function emptyElementsAsPlaceholders(text: string): string {
  return text.replace(EMPTY_ELEMENT, (_, tag: string, attrs: string) => {
    const name = /data-l10n-name\s*=\s*"([\w-]+)"/.exec(attrs)?.[1] ?? tag;
    return `$${name.replace(/-/g, '_')}`;
  });
}

/** `PluralForm` strings hold every form, `;`-separated (`#1 tab;#1 tabs`): the last is the general plural. */
function lastPluralForm(value: string): string {
  return value.includes(';') && /#\d/.test(value) ? value.slice(value.lastIndexOf(';') + 1) : value;
}

/**
 * @param key `id`, `id.attr` or a properties key
 * @param text the resolved text
 */
export function isFirefoxText(key: string, text: string): boolean {
  return !NON_TEXT_KEY.test(key) && !NON_TEXT_VALUE.some((re) => re.test(text));
}

/**
 * All strings of one locale's files, resolved to text. Fluent terms are collected from every file first
 * (the first definition in path order wins), so `{ -brand-short-name }` resolves in any file.
 * @param files locale-neutral path → file text, as from {@link readFirefoxLocaleFiles}
 * @returns `path#id[.attr]` → text, in path order; access keys, CSS values, URLs and messages that do not
 *   resolve (see {@link resolveFluentPattern}) left out
 */
export function firefoxCatalogue(files: ReadonlyMap<string, string>): Map<string, string> {
  const paths = [...files.keys()].sort();
  const fluent = new Map(paths.filter((p) => p.endsWith('.ftl')).map((p) => [p, parseFluent(files.get(p)!)]));
  const terms = new Map<string, string>();
  for (const entries of fluent.values()) for (const [id, pattern] of entries.terms) if (!terms.has(id)) terms.set(id, pattern);
  const out = new Map<string, string>();
  for (const p of paths) {
    const add = (key: string, text: string | null) => {
      if (text !== null && isFirefoxText(key, text)) out.set(`${p}#${key}`, text);
    };
    const entries = fluent.get(p);
    if (entries) {
      for (const [key, pattern] of entries.messages) {
        const text = resolveFluentPattern(pattern, terms);
        add(key, text === null ? null : emptyElementsAsPlaceholders(text));
      }
    } else for (const [key, value] of parseProperties(files.get(p)!)) add(key, lastPluralForm(value));
  }
  return out;
}
