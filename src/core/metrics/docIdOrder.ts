/**
 * The order trec_eval uses to break score ties (`form_res_rels.c`, `comp_sim_docno`): score descending, then
 * document id **descending** in `strcmp` order. `strcmp` compares UTF-8 bytes, which is Unicode code point
 * order; JavaScript's `<` compares UTF-16 code units, which differs for characters above U+FFFF, so ids are
 * compared by code point here.
 */

/** `strcmp`-compatible comparison of two ids: negative, 0 or positive. */
export function compareDocIds(a: string, b: string): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const x = a.charCodeAt(i);
    const y = b.charCodeAt(i);
    if (x === y) continue;
    // A surrogate (0xD800–0xDFFF) encodes a code point ≥ 0x10000, above every BMP character.
    const xs = x >= 0xd800 && x <= 0xdfff;
    const ys = y >= 0xd800 && y <= 0xdfff;
    if (xs !== ys) return xs ? 1 : -1;
    return x - y;
  }
  return a.length - b.length;
}

/**
 * Integer tie-break keys so that hot loops compare numbers, not strings.
 *
 * @param ids candidate ids, distinct
 * @returns `key[i]` = position of `ids[i]` in ascending id order (0-based); on equal scores the candidate
 *   with the larger key ranks first, as in trec_eval
 * @throws RangeError on a duplicate id (the order would be undefined)
 */
export function tieBreakKeys(ids: readonly string[]): Int32Array {
  const order = ids.map((_, i) => i).sort((i, j) => compareDocIds(ids[i]!, ids[j]!));
  const keys = new Int32Array(ids.length);
  for (let pos = 0; pos < order.length; pos++) {
    if (pos > 0 && ids[order[pos]!] === ids[order[pos - 1]!]) throw new RangeError(`tieBreakKeys: duplicate id "${ids[order[pos]!]}"`);
    keys[order[pos]!] = pos;
  }
  return keys;
}
