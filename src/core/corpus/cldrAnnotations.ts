/**
 * Reader of CLDR emoji/symbol annotation files (`common/annotations/<lang>.xml` and
 * `common/annotationsDerived/<lang>.xml`, LDML §"Annotations"). Each character `cp` has a keyword list
 * (`a | b | c`) and a short name (`type="tts"`, the text-to-speech name).
 */
import { decodeXmlEntities, parseXmlAttributes } from './xmlText';

/** CLDR's marker for "inherit the parent locale's value"; it is no text and is skipped. */
export const CLDR_INHERITANCE_MARKER = '↑↑↑';

export interface CldrAnnotations {
  /** cp → tts name */
  names: Map<string, string>;
  /** cp → keywords (the non-tts annotation split on `|`) */
  keywords: Map<string, string[]>;
}

/**
 * @param xml the text of an annotations file
 * @returns names and keywords keyed by the decoded `cp` attribute; entries marked `draft="unconfirmed"`
 *   and inheritance markers are left out
 */
export function parseCldrAnnotations(xml: string): CldrAnnotations {
  const names = new Map<string, string>();
  const keywords = new Map<string, string[]>();
  for (const m of xml.matchAll(/<annotation\b([^>]*)>([^<]*)<\/annotation>/g)) {
    const attrs = parseXmlAttributes(m[1]!);
    const cp = attrs.get('cp');
    if (cp === undefined || attrs.get('draft') === 'unconfirmed') continue;
    const text = decodeXmlEntities(m[2]!).trim();
    if (text === '' || text === CLDR_INHERITANCE_MARKER) continue;
    if (attrs.get('type') === 'tts') names.set(cp, text);
    else
      keywords.set(
        cp,
        text
          .split('|')
          .map((k) => k.trim())
          .filter((k) => k !== ''),
      );
  }
  return { names, keywords };
}

/** Joins the keywords of one character into the text of a `cldr-keywords` pair. */
export const CLDR_KEYWORD_SEPARATOR = ', ';

/**
 * @param keywords cp → keywords, as {@link parseCldrAnnotations} returns them
 * @returns cp → the keywords joined with {@link CLDR_KEYWORD_SEPARATOR}, in file order (empty lists left out)
 */
export function joinCldrKeywords(keywords: ReadonlyMap<string, readonly string[]>): Map<string, string> {
  const out = new Map<string, string>();
  for (const [cp, list] of keywords) if (list.length) out.set(cp, list.join(CLDR_KEYWORD_SEPARATOR));
  return out;
}
