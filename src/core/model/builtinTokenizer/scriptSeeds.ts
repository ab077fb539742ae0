/**
 * Unicode blocks whose characters seed the built-in tokenizer's alphabet, so that words of a script the
 * tokenizer-training texts never showed (el, ru, th, tr are not in MLQA-R) still split into known
 * character pieces instead of becoming one [UNK]. This is vocabulary coverage decided from the Unicode
 * standard, not from any evaluation text. Han is deliberately absent: BertNormalizer isolates each CJK
 * character, so an unseen Han character costs one [UNK] token and nothing more, while 21k untrained
 * embedding rows would cost memory.
 */

export interface SeedBlock {
  name: string;
  /** first code point */
  from: number;
  /** last code point, inclusive */
  to: number;
}

/** The blocks of the datasets' 7 scripts (Latin incl. Turkish, Romanian and Vietnamese letters, Greek, Cyrillic, Arabic, Devanagari, Thai) plus the punctuation and symbols of Wikipedia text. */
export const SEED_BLOCKS: readonly SeedBlock[] = [
  { name: 'Basic Latin (printable)', from: 0x0021, to: 0x007e },
  { name: 'Latin-1 Supplement', from: 0x00a1, to: 0x00ff },
  { name: 'Latin Extended-A', from: 0x0100, to: 0x017f },
  { name: 'Latin Extended-B', from: 0x0180, to: 0x024f },
  { name: 'IPA Extensions (pronunciations in Wikipedia text)', from: 0x0250, to: 0x02af },
  { name: 'Spacing Modifier Letters', from: 0x02b0, to: 0x02ff },
  { name: 'Combining Diacritical Marks', from: 0x0300, to: 0x036f },
  { name: 'Greek and Coptic', from: 0x0370, to: 0x03ff },
  { name: 'Cyrillic', from: 0x0400, to: 0x04ff },
  { name: 'Arabic', from: 0x0600, to: 0x06ff },
  { name: 'Devanagari', from: 0x0900, to: 0x097f },
  { name: 'Thai', from: 0x0e00, to: 0x0e7f },
  { name: 'Latin Extended Additional (Vietnamese)', from: 0x1e00, to: 0x1eff },
  { name: 'Greek Extended (polytonic, in etymologies)', from: 0x1f00, to: 0x1fff },
  { name: 'General Punctuation', from: 0x2010, to: 0x205e },
  { name: 'Currency Symbols', from: 0x20a0, to: 0x20c0 },
  { name: 'Arrows', from: 0x2190, to: 0x21ff },
  { name: 'Mathematical Operators', from: 0x2200, to: 0x22ff },
  { name: 'CJK Symbols and Punctuation', from: 0x3001, to: 0x303f },
];

const UNASSIGNED_OR_INVISIBLE = /^[\p{Cn}\p{Cc}\p{Cf}\p{Co}\p{Cs}\p{Z}]$/u;

/**
 * The seed characters after the tokenizer's own normalisation, deduplicated, in code point order.
 * Unassigned code points are skipped (every block above was complete by Unicode 14, so any current
 * engine gives the same list).
 * @param normalize the normalizer of the tokenizer being built (NFKC, lower-casing, …)
 */
export function seedCharacters(normalize: (text: string) => string, blocks: readonly SeedBlock[] = SEED_BLOCKS): string[] {
  const out = new Set<string>();
  for (const block of blocks) {
    for (let cp = block.from; cp <= block.to; cp++) {
      const ch = String.fromCodePoint(cp);
      if (UNASSIGNED_OR_INVISIBLE.test(ch)) continue;
      for (const c of normalize(ch)) {
        if (!UNASSIGNED_OR_INVISIBLE.test(c) && c.trim() !== '') out.add(c);
      }
    }
  }
  return [...out].sort((a, b) => a.codePointAt(0)! - b.codePointAt(0)!);
}
