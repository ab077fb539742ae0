/** The few XML text helpers the CLDR readers need (CLDR files use only the predefined and numeric entities). */

const NAMED_ENTITIES: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'", nbsp: '\u00a0' };

/**
 * Decodes `&amp;`-style named entities and `&#NN;` / `&#xHH;` character references; unknown names stay as written.
 * @param text XML character data or an attribute value
 */
export function decodeXmlEntities(text: string): string {
  return text.replace(/&(#x[0-9a-fA-F]+|#[0-9]+|[A-Za-z]+);/g, (whole, name: string) => {
    if (name.startsWith('#x')) return String.fromCodePoint(Number.parseInt(name.slice(2), 16));
    if (name.startsWith('#')) return String.fromCodePoint(Number.parseInt(name.slice(1), 10));
    return NAMED_ENTITIES[name] ?? whole;
  });
}

/**
 * Parses the attributes of a start tag (the text between the element name and `>`).
 * @returns attribute name → decoded value
 */
export function parseXmlAttributes(text: string): Map<string, string> {
  const attrs = new Map<string, string>();
  for (const m of text.matchAll(/([A-Za-z_:][\w:.-]*)\s*=\s*(?:"([^"]*)"|'([^']*)')/g)) {
    attrs.set(m[1]!, decodeXmlEntities(m[2] ?? m[3] ?? ''));
  }
  return attrs;
}
