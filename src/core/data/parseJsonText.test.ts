import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { DataFormatError } from '../errors';
import { parseJsonBytes, parseJsonText, parseJsonWith } from './parseJsonText';

const utf8 = (s: string) => new TextEncoder().encode(s);

describe('parseJsonText', () => {
  it('parses JSON, a leading BOM dropped (only one: a second is content)', () => {
    expect(parseJsonText('\uFEFF{"a": [1, 2]}', 'f.json')).toEqual({ a: [1, 2] });
    expect(() => parseJsonText('\uFEFF\uFEFF{}', 'f.json')).toThrow(/^f\.json: \(json\): not valid JSON at line 1 column 1 \(position 0\): /);
  });

  it('names the file, the line and column and keeps the engine words', () => {
    let err: unknown;
    try {
      parseJsonText('{\n  "a": 1,\n}', 'cfg.json');
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(DataFormatError);
    expect((err as DataFormatError).field).toBe('(json)');
    expect((err as DataFormatError).message).toMatch(/^cfg\.json: \(json\): not valid JSON at line 3 column 1 \(position 12\): \S/);
  });

  it('names a given field, and a JSON-lines line with its column', () => {
    expect(() => parseJsonText('{"x": }', 'w.safetensors', { field: 'header' })).toThrow(/^w\.safetensors: header: not valid JSON at line 1 column 7 \(position 6\): /);
    expect(() => parseJsonText('{"step": ', 'log.jsonl', { line: 4 })).toThrow(/^log\.jsonl: line 4: not valid JSON at column 10: /);
  });

  it('refuses a repeated key only when asked, naming its path', () => {
    const text = '{"data": [{"id": "a", "id": "b"}]}';
    expect(parseJsonText(text, 'd.json')).toEqual({ data: [{ id: 'b' }] });
    expect(() => parseJsonText(text, 'd.json', { refuseDuplicateKeys: true })).toThrow('d.json: data[0].id: appears twice in the same object');
  });
});

describe('parseJsonBytes', () => {
  it('decodes strict UTF-8 and refuses an empty file, naming the file', () => {
    expect(parseJsonBytes(utf8('\uFEFF[1]'), 'a.json')).toEqual([1]);
    expect(() => parseJsonBytes(utf8('  \n'), 'a.json')).toThrow('a.json: content: the file is empty (3 bytes)');
    expect(() => parseJsonBytes(new Uint8Array([0x7b, 0xff, 0x7d]), 'a.json')).toThrow(/^a\.json: encoding: is not valid UTF-8/);
  });
});

describe('parseJsonWith', () => {
  it('validates with the schema, naming the first bad field', () => {
    const schema = z.object({ runs: z.array(z.object({ loss: z.number() })) });
    expect(parseJsonWith(schema, '{"runs": [{"loss": 1}]}', 'n.json')).toEqual({ runs: [{ loss: 1 }] });
    expect(() => parseJsonWith(schema, '{"runs": [{"loss": 1}, {"loss": "x"}]}', 'n.json')).toThrow(/^n\.json: runs\[1\]\.loss: /);
  });
});
