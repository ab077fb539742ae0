/** Pairs up two keyed catalogues (English and a translation) on their shared keys. */

/**
 * @param en key → English text
 * @param x key → translated text
 * @returns [english, translation] for every key in both, in the order of `en`
 */
export function alignByKey(en: ReadonlyMap<string, string>, x: ReadonlyMap<string, string>): [string, string][] {
  const out: [string, string][] = [];
  for (const [key, a] of en) {
    const b = x.get(key);
    if (b !== undefined) out.push([a, b]);
  }
  return out;
}
