import { describe, expect, it } from 'vitest';
import { parsePairsTsv } from './parallelCorpus';

describe('parsePairsTsv', () => {
  it('reads english<TAB>translation lines, CRLF and a BOM included, up to a limit', () => {
    const p = parsePairsTsv('\uFEFFOpen\tÖffnen\r\nClose\tSchließen\nSave\tSpeichern\n', 'de', 'pairs.de.tsv');
    expect(p).toEqual({ lang: 'de', english: ['Open', 'Close', 'Save'], translation: ['Öffnen', 'Schließen', 'Speichern'] });
    expect(parsePairsTsv('a\tb\nc\td\n', 'de', 'f', 1).english).toEqual(['a']);
  });

  it('names the file and line of a malformed entry', () => {
    expect(() => parsePairsTsv('a\tb\nno tab here\n', 'de', 'pairs.de.tsv')).toThrow('pairs.de.tsv: line 2: expected exactly two tab-separated fields');
    expect(() => parsePairsTsv('a\tb\tc\n', 'de', 'pairs.de.tsv')).toThrow('pairs.de.tsv: line 1:');
    expect(() => parsePairsTsv('a\t \n', 'de', 'pairs.de.tsv')).toThrow('pairs.de.tsv: line 1: a pair has an empty side');
    expect(() => parsePairsTsv('', 'de', 'pairs.de.tsv')).toThrow('pairs.de.tsv: (file): holds no pairs');
  });
});
