/**
 * Bad-input table (issue 21) for the screen of untrusted tokenizer.json regexes: the catastrophic shapes
 * are refused with the reason, the published tokenizer patterns pass, and every pattern that passes runs
 * in bounded time on the inputs that make the refused shapes explode.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { MAX_PATTERN_LENGTH, unsafeRegexReason } from './regexSafety';

const UNSAFE: [string, string][] = [
  ['(a+)+$', 'nested quantifier'],
  ['(a*)*b', 'nested quantifier'],
  ['(.*)*x', 'nested quantifier'],
  ['(?:a?b?)+c', 'nested quantifier'],
  ['((ab)+)+$', 'nested quantifier'],
  ['(\\d{1,3})+$', 'nested quantifier'],
  ['(a+){5}$', 'nested quantifier'],
  ['(a|a)*b', 'alternation'],
  ['(a|ab)+c', 'alternation'],
  ['(?:\\s|x)+y', 'alternation'],
  ['(?:[ab]|c)*d', 'alternation'],
  ['(?:x(?:a|a))+y', 'alternation'],
  ['(a)\\1', 'backreference \\1'],
  ['(?<n>a)\\k<n>', 'named backreference'],
  ['(?<n>a|\\g<n>)', 'subexpression call'],
  ['a'.repeat(MAX_PATTERN_LENGTH + 1), `more than ${MAX_PATTERN_LENGTH}`],
];

const SAFE = [
  "'s|'t|'re|'ve|'m|'ll|'d| ?\\p{L}+| ?\\p{N}+| ?[^\\s\\p{L}\\p{N}]+|\\s+(?!\\S)|\\s+",
  "(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}{1,3}| ?[^\\s\\p{L}\\p{N}]+[\\r\\n]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+",
  ' {2,}',
  '\\s+',
  '(?:ab)+',
  '(?:a|b|c)+',
  '(?:\\(|\\))+',
  '[(+*]+',
  '\\p{N}{3}',
  'a{2}(?:bc){3}',
];

describe('unsafeRegexReason', () => {
  it.each(UNSAFE)('refuses %s (%s)', (pattern, reason) => {
    expect(unsafeRegexReason(pattern)).toContain(reason);
  });

  it.each(SAFE)('passes %s', (pattern) => {
    expect(unsafeRegexReason(pattern)).toBeNull();
  });

  it('300 random patterns over a small alphabet: whatever passes runs fast on the classic hostile inputs', () => {
    const atom = fc.constantFrom('a', 'b', '.', '\\s', '[ab]', '\\d');
    const quant = fc.constantFrom('', '', '*', '+', '?', '{1,3}', '{2}');
    const pattern = fc.letrec<{ p: string }>((tie) => ({
      p: fc.oneof(
        { depthSize: 'small', withCrossShrink: true },
        fc.tuple(atom, quant).map(([a, q]) => a + q),
        fc.tuple(fc.array(tie('p'), { minLength: 1, maxLength: 3 }), fc.boolean(), quant).map(([parts, alt, q]) => `(?:${parts.join(alt ? '|' : '')})${q}`),
        fc.array(tie('p'), { minLength: 2, maxLength: 3 }).map((parts) => parts.join('')),
      ),
    })).p;
    const hostile = ['a'.repeat(28) + '!', '1'.repeat(28) + '!', `${' '.repeat(28)}x`, 'ab'.repeat(14) + '!'];
    fc.assert(
      fc.property(pattern, (p) => {
        if (unsafeRegexReason(p) !== null) return;
        const re = new RegExp(`${p}$`, 'u');
        // no timing assertion: an exponential pattern on these 29 characters would not return within the
        // test's timeout, which is what fails it
        for (const text of hostile) expect(typeof re.test(text), `${p} on ${JSON.stringify(text)}`).toBe('boolean');
      }),
      { numRuns: 300, seed: 21 },
    );
  });
});
