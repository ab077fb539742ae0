/**
 * The gettext catalogues of Debian's `iso-codes` package (`usr/share/locale/<locale>/LC_MESSAGES/<domain>.mo`):
 * English names (msgid) of countries, subdivisions, former countries, languages, language families,
 * currencies and scripts, with their translations (msgstr).
 */
import type { CorpusLanguage } from './corpusManifest';
import type { MoEntry } from './parseMo';

/** Where the catalogues live inside the extracted package. */
export const ISO_CODES_LOCALE_DIR = 'usr/share/locale';

/**
 * The catalogues read, one per standard. The legacy duplicates (`iso_3166`, `iso_3166_2`, `iso_639`,
 * `iso_639_3`, `iso_639_5`) repeat these names and are left out.
 */
export const ISO_CODES_DOMAINS = ['iso_3166-1', 'iso_3166-2', 'iso_3166-3', 'iso_639-2', 'iso_639-3', 'iso_639-5', 'iso_4217', 'iso_15924'] as const;

/** The gettext locale folder of each corpus language (zh is Simplified Chinese). */
export const ISO_CODES_LOCALES: Record<CorpusLanguage, string> = {
  ar: 'ar',
  de: 'de',
  el: 'el',
  es: 'es',
  hi: 'hi',
  ru: 'ru',
  th: 'th',
  tr: 'tr',
  vi: 'vi',
  zh: 'zh_CN',
};

/**
 * @param entries the entries of one iso-codes catalogue
 * @returns [english, translation] of every translated singular entry, in catalogue order
 */
export function isoCodesPairs(entries: readonly MoEntry[]): [string, string][] {
  const out: [string, string][] = [];
  for (const e of entries) {
    const x = e.msgstr[0] ?? '';
    if (e.msgidPlural === undefined && x !== '') out.push([e.msgid, x]);
  }
  return out;
}
