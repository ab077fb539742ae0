import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { DataFormatError } from './errors';
import { fieldPath, validate, zodDataFormatError, zodProblem } from './zodMessage';

describe('fieldPath', () => {
  it('spells a zod path as a field: dots between names, brackets around indexes', () => {
    expect(fieldPath([])).toBe('(root)');
    expect(fieldPath(['model', 'maxLength'])).toBe('model.maxLength');
    expect(fieldPath(['runs', 0, 'logs', 12, 'loss'])).toBe('runs[0].logs[12].loss');
    expect(fieldPath([0, 'type'])).toBe('[0].type');
    expect(fieldPath(['sentence_breaks', 1, 0])).toBe('sentence_breaks[1][0]');
  });
});

describe('zod failures as DataFormatErrors', () => {
  const schema = z.object({ seed: z.number(), languages: z.array(z.enum(['de', 'en'])) });
  const failure = (raw: unknown) => {
    const r = schema.safeParse(raw);
    if (r.success) throw new Error('expected a failure');
    return r.error;
  };

  it('names the file and the first bad field, under the value’s own path in its file', () => {
    const err = zodDataFormatError('c.json', failure({ seed: 1, languages: ['de', 'fr'] }), ['data', 'train']);
    expect(err).toBeInstanceOf(DataFormatError);
    expect(err.field).toBe('data.train.languages[1]');
    expect(err.message).toMatch(/^c\.json: data\.train\.languages\[1\]: /);
  });

  it('lists the later issues when asked', () => {
    const { field, message } = zodProblem(failure({ seed: 'x', languages: 3 }), [], true);
    expect(field).toBe('seed');
    expect(message).toMatch(/ \(also: languages: /);
  });

  it('validate returns the parsed value or throws naming the file', () => {
    expect(validate(schema, { seed: 1, languages: [] }, 'c.json')).toEqual({ seed: 1, languages: [] });
    expect(() => validate(schema, null, 'c.json')).toThrow(/^c\.json: \(root\): /);
  });
});
