import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { compareDocIds, tieBreakKeys } from './docIdOrder';

/** strcmp on UTF-8 bytes, the reference for compareDocIds. */
function strcmpUtf8(a: string, b: string): number {
  const x = new TextEncoder().encode(a);
  const y = new TextEncoder().encode(b);
  for (let i = 0; i < Math.min(x.length, y.length); i++) if (x[i] !== y[i]) return x[i]! - y[i]!;
  return x.length - y.length;
}

describe('compareDocIds', () => {
  it('orders canonical ids by string, not by number ("en:0:0:10" < "en:0:0:9")', () => {
    expect(compareDocIds('en:0:0:10', 'en:0:0:9')).toBeLessThan(0);
    expect(compareDocIds('de:1:0:0', 'en:0:0:0')).toBeLessThan(0);
    expect(compareDocIds('en:0:0:1', 'en:0:0:1')).toBe(0);
    expect(compareDocIds('en:0:0:1', 'en:0:0:12')).toBeLessThan(0);
  });

  it('has the sign of strcmp on UTF-8 bytes, astral characters included', () => {
    // U+FF5E (3 UTF-8 bytes, one UTF-16 unit) sorts before U+1F600 (4 bytes, a surrogate pair) in strcmp.
    expect(compareDocIds('\uff5e', '\u{1f600}')).toBeLessThan(0);
    fc.assert(
      fc.property(fc.string({ unit: 'binary' }), fc.string({ unit: 'binary' }), (a, b) => {
        expect(Math.sign(compareDocIds(a, b))).toBe(Math.sign(strcmpUtf8(a, b)));
      }),
      { numRuns: 500 },
    );
  });
});

describe('tieBreakKeys', () => {
  it('gives each id its position in ascending id order', () => {
    expect(Array.from(tieBreakKeys(['en:0:0:9', 'en:0:0:10', 'de:0:0:0', 'en:0:0:1']))).toEqual([3, 2, 0, 1]);
  });

  it('refuses duplicate ids', () => {
    expect(() => tieBreakKeys(['a', 'b', 'a'])).toThrow(/duplicate id "a"/);
  });
});
