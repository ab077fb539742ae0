import { describe, expect, it } from 'vitest';
import { DataFormatError } from '../errors';
import { buildMo } from './moFixture.testutil';
import { parseMo } from './parseMo';

const PAIRS: [string, string][] = [
  ['', 'Project-Id-Version: test\nContent-Type: text/plain; charset=UTF-8\n'],
  ['FLD_DATE_FIX\u0004Date (fixed)', 'Datum (fix)'],
  ['STR_FILES\u0004%1 file\u0000%1 files', '%1 Datei\u0000%1 Dateien'],
  ['Plain ~Text', 'Nur ~Text'],
];

describe('parseMo', () => {
  for (const little of [true, false]) {
    it(`reads contexts, plurals and plain entries (${little ? 'little' : 'big'} endian) and skips the header`, () => {
      const entries = parseMo(buildMo(PAIRS, little));
      expect(entries).toEqual([
        { context: 'FLD_DATE_FIX', msgid: 'Date (fixed)', msgstr: ['Datum (fix)'] },
        { context: 'STR_FILES', msgid: '%1 file', msgidPlural: '%1 files', msgstr: ['%1 Datei', '%1 Dateien'] },
        { msgid: 'Plain ~Text', msgstr: ['Nur ~Text'] },
      ]);
    });
  }

  it('decodes UTF-8 text', () => {
    expect(parseMo(buildMo([['Next page', 'Следующая страница']]))[0]?.msgstr).toEqual(['Следующая страница']);
  });

  it('rejects a wrong magic number and a truncated table, naming the file', () => {
    const bad = buildMo(PAIRS);
    bad[0] = 0;
    expect(() => parseMo(bad, 'sw.mo')).toThrow(DataFormatError);
    expect(() => parseMo(bad, 'sw.mo')).toThrow(/sw\.mo: magic/);
    expect(() => parseMo(buildMo(PAIRS).subarray(0, 40), 'cut.mo')).toThrow(/cut\.mo/);
    expect(() => parseMo(new Uint8Array(3), 'tiny.mo')).toThrow(/tiny\.mo: header/);
  });
});
