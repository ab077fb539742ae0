/**
 * Reader of the display names in a CLDR locale file (`common/main/<lang>.xml`, LDML Part 2 §1
 * "Display Names" and Part 3 §2 "Currencies"): languages, scripts, territories, variants, keys,
 * key types, measurement systems and currency names.
 */
import { decodeXmlEntities, parseXmlAttributes } from './xmlText';
import { CLDR_INHERITANCE_MARKER } from './cldrAnnotations';

/** Elements of `<localeDisplayNames>` whose text is a name, keyed by their attributes. */
export const CLDR_DISPLAY_NAME_ELEMENTS = ['language', 'script', 'territory', 'variant', 'key', 'type', 'measurementSystemName'] as const;

/**
 * @param xml the text of a `main/<lang>.xml` file
 * @returns key → name, where the key is the element and its identifying attributes
 *   (e.g. `language|type=ar|alt=short`, `type|key=calendar|type=gregorian`, `currency|type=USD`);
 *   `draft="unconfirmed"` values and inheritance markers are left out
 */
export function parseCldrDisplayNames(xml: string): Map<string, string> {
  const out = new Map<string, string>();
  const add = (element: string, attrText: string, raw: string) => {
    const attrs = parseXmlAttributes(attrText);
    if (attrs.get('draft') === 'unconfirmed') return;
    const text = decodeXmlEntities(raw).trim();
    if (text === '' || text === CLDR_INHERITANCE_MARKER) return;
    const key = [element, ...['key', 'type', 'alt'].filter((a) => attrs.has(a)).map((a) => `${a}=${attrs.get(a)}`)].join('|');
    out.set(key, text);
  };
  const start = xml.indexOf('<localeDisplayNames>');
  const end = xml.indexOf('</localeDisplayNames>');
  if (start >= 0 && end > start) {
    const section = xml.slice(start, end);
    const elements = CLDR_DISPLAY_NAME_ELEMENTS.join('|');
    for (const m of section.matchAll(new RegExp(`<(${elements})\\b([^>]*?)>([^<]*)</\\1>`, 'g'))) add(m[1]!, m[2]!, m[3]!);
  }
  for (const m of xml.matchAll(/<currency\b([^>]*)>\s*<displayName(\s[^>]*)?>([^<]*)<\/displayName>/g)) {
    if (!/\bcount=/.test(m[2] ?? '')) add('currency', m[1]!, m[3]!);
  }
  return out;
}
