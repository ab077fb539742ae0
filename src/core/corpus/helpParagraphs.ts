/**
 * Reader of LibreOffice help pages (`usr/share/libreoffice/help/<locale>/text/**.html` in the
 * `libreoffice-help-<x>` packages). Every locale renders the same sources, so a paragraph or heading
 * keeps its `id` (`par_id3149810`, `hd_id3154480`) across languages and pairs align by page + id.
 */
import { decodeXmlEntities } from './xmlText';

/**
 * @param html one help page
 * @returns id → paragraph text (inline markup removed, block markup and `<br>` made spaces, entities decoded, spaces collapsed), for `<p>` and
 *   `<h1>`–`<h6>` elements that carry an `id`; empty paragraphs are left out
 */
export function parseHelpParagraphs(html: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const m of html.matchAll(/<(p|h[1-6])\b([^>]*)>([\s\S]*?)<\/\1>/g)) {
    const id = /\bid="([^"]+)"/.exec(m[2]!)?.[1];
    if (id === undefined) continue;
    const inner = m[3]!.replace(/<br\s*\/?>|<\/?(?:div|p|li|td|th|tr|table|ul|ol)\b[^>]*>/g, ' ').replace(/<[^>]*>/g, '');
    const text = decodeXmlEntities(inner).replace(/\s+/g, ' ').trim();
    if (text !== '') out.set(id, text);
  }
  return out;
}
