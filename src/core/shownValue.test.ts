import { describe, expect, it } from 'vitest';
import { describeValue, shownValue } from './shownValue';

describe('shownValue', () => {
  it('prints short values as JSON, numbers as themselves, and caps long ones', () => {
    expect(shownValue({ a: [1, 'x'] })).toBe('{"a":[1,"x"]}');
    expect([shownValue(Number.NaN), shownValue(-Infinity), shownValue(undefined)]).toEqual(['NaN', '-Infinity', 'undefined']);
    const long = shownValue(Array.from({ length: 1000 }, (_, i) => i));
    expect(long.length).toBe(80);
    expect(long.endsWith('...')).toBe(true);
  });

  it('does not overflow the stack on deeply nested values', () => {
    let deep: unknown = 0;
    for (let i = 0; i < 100_000; i++) deep = [deep];
    expect(shownValue(deep)).toBe('an array nested too deeply to show');
    expect(shownValue({ deep })).toBe('a value nested too deeply to show');
  });
});

describe('describeValue', () => {
  it('names containers and shows scalars with their type, a long string cut at 40 characters', () => {
    expect([null, undefined, [1], { a: 1 }, 42, true].map(describeValue)).toEqual(['null', 'undefined', 'an array', 'an object', 'number 42', 'boolean true']);
    expect(describeValue('data')).toBe('the string "data"');
    expect(describeValue('x'.repeat(50))).toBe(`the string "${'x'.repeat(40)}…"`);
  });
});
