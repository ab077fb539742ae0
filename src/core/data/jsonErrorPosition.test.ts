import { describe, expect, it } from 'vitest';
import { jsonErrorPosition } from './jsonErrorPosition';

describe('jsonErrorPosition', () => {
  it('returns null for valid JSON of every kind', () => {
    for (const text of ['{}', '[]', ' {"a": [1, -2.5e+3, 0, true, false, null, "x\\u00e9\\n"]} ', '"s"', '0', '{"a":{"b":[[]]}}']) {
      expect(jsonErrorPosition(text), text).toBeNull();
      expect(() => JSON.parse(text)).not.toThrow();
    }
  });

  it.each([
    ['{"data": [}', 10, 1, 11],
    ['{"a": 1,}', 8, 1, 9],
    ['{"a" 1}', 5, 1, 6],
    ['[1, 2', 5, 1, 6],
    ['{\n  "a": tru\n}', 12, 2, 11],
    ['{"a": 01}', 7, 1, 8],
    ['{"a": "x\\q"}', 9, 1, 10],
    ['{"a": "\\u12g4"}', 11, 1, 12],
    ['{} x', 3, 1, 4],
    ['', 0, 1, 1],
    ['{"a": "line\nbreak"}', 11, 1, 12],
  ])('finds the first bad character of %j', (text, offset, line, column) => {
    expect(() => JSON.parse(text)).toThrow();
    expect(jsonErrorPosition(text)).toEqual({ offset, line, column });
  });
});
