/**
 * Bad-input table (issue 21) for duplicate JSON keys: found at any depth with the JSON path of the key,
 * escaped spellings of the same key included, never fooled by keys inside strings; and no false
 * positives on any JSON that JSON.stringify writes (fast-check).
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { duplicateKeyField, findDuplicateKey } from './jsonDuplicateKey';

const DUPLICATES: [string, string, string][] = [
  ['at the root', '{"a": 1, "a": 2}', 'a'],
  ['in a nested object', '{"data": [{"x": 1}, {"qas": [{"id": "q1", "id": "q2"}]}]}', 'data[1].qas[0].id'],
  ['spelled with an escape', '{"id": 1, "\\u0069d": 2}', 'id'],
  ['an empty key', '{"": 1, "": 2}', '[""]'],
  ['a key with a colon', '{"t": {"en:q1": [1], "en:q1": [2]}}', 't["en:q1"]'],
  ['after a string holding braces and quotes', '{"s": "{\\"a\\": 1, \\"a\\": 2}", "k": 1, "k": 2}', 'k'],
  ['the second of three in an array of objects', '[{"a": 1}, {"b": 1, "c": 2, "b": 3}]', '[1].b'],
];

describe('findDuplicateKey', () => {
  it.each(DUPLICATES)('finds a duplicate %s', (_label, text, field) => {
    const d = findDuplicateKey(text);
    expect(d).not.toBeNull();
    expect(duplicateKeyField(d!)).toBe(field);
  });

  it('finds none in equal keys of sibling objects or in string values', () => {
    expect(findDuplicateKey('[{"id": 1}, {"id": 2}, {"x": {"id": 3}}]')).toBeNull();
    expect(findDuplicateKey('{"a": "\\"a\\": 1", "b": ["a", "a"]}')).toBeNull();
  });

  it('300 JSON texts written by JSON.stringify: never a false duplicate; one injected key is always found', () => {
    fc.assert(
      fc.property(fc.dictionary(fc.string({ maxLength: 4 }), fc.jsonValue({ maxDepth: 3 }), { minKeys: 1, maxKeys: 5 }), (obj) => {
        const text = JSON.stringify(obj);
        expect(findDuplicateKey(text)).toBeNull();
        const key = Object.keys(obj)[0]!;
        const d = findDuplicateKey(`{${JSON.stringify(key)}: 0, ${text.slice(1)}`);
        expect(d?.key).toBe(key);
        expect(d?.path).toBe('');
      }),
      { numRuns: 300, seed: 21 },
    );
  });
});
