import { describe, expect, it } from 'vitest';
import { MAX_PAIR_CHARS, normalizePair, normalizeText } from './normalizePair';

describe('normalizeText', () => {
  it.each([
    ['~Save', 'Save'],
    ['Pa~ges:', 'Pages:'],
    ['_Add', 'Add'],
    ['Pro_perties', 'Properties'],
    ['FILE_NAME is set', 'FILE_NAME is set'],
    ['Auto_Include', 'AutoInclude'],
    ['$(ARG1), 25% Darker', '25% Darker'],
    ["Modify object '$'", 'Modify object'],
    ['Delete the layer "$1"? Note', 'Delete the layer? Note'],
    ['Manage languages [$1]', 'Manage languages'],
    ['~ Notify', 'Notify'],
    ['Apply to _', 'Apply to'],
    ['a_b_c', 'a_b_c'],
    ['添加(_A)', '添加'],
    ['文件（~F）', '文件'],
    ['&File', 'File'],
    ['Indents & Spacing', 'Indents & Spacing'],
    ['major&minor', 'major&minor'],
    ['Column %COLUMNNUMBER', 'Column'],
    ['%PRODUCTNAME Calc', 'LibreOffice Calc'],
    ['Rotated by $(ARG1)°', 'Rotated by °'],
    ['%1 of %2 files', 'of files'],
    ['Open %s now', 'Open now'],
    ['Value {0} is bad', 'Value is bad'],
    ['No $1$ exists.', 'No exists.'],
    ['Cell #1 changed', 'Cell changed'],
    ['100%', '100%'],
    ['<b>Bold</b> and <a href="x">link</a>', 'Bold and link'],
    ['<All>', '<All>'],
    ['Tom &amp; Jerry', 'Tom & Jerry'],
    ['  many \t spaces\nhere ', 'many spaces here'],
    ['Cafe\u0301', 'Café'],
  ])('%j → %j', (raw, want) => {
    expect(normalizeText(raw)).toBe(want);
  });
});

describe('normalizePair', () => {
  it('keeps a cleaned pair', () => {
    expect(normalizePair('~Save As...', '~Speichern unter...')).toEqual({ ok: true, en: 'Save As...', x: 'Speichern unter...' });
  });
  it('removes an identifier-looking mnemonic mirrored by the other side', () => {
    expect(normalizePair('FTP', 'FT_P')).toEqual({ ok: false, reason: 'untranslated' });
    expect(normalizePair('HTTPS proxy:', 'HTTP_S-Proxy:')).toEqual({ ok: true, en: 'HTTPS proxy:', x: 'HTTPS-Proxy:' });
    expect(normalizePair('WEEKNUM_OOO', 'HAFTAYSAY_OOO')).toEqual({ ok: true, en: 'WEEKNUM_OOO', x: 'HAFTAYSAY_OOO' });
  });
  it('drops empty, letterless, too long and untranslated pairs', () => {
    expect(normalizePair('%1', '%1')).toEqual({ ok: false, reason: 'empty' });
    expect(normalizePair('', 'x')).toEqual({ ok: false, reason: 'empty' });
    expect(normalizePair('100%', '100 %')).toEqual({ ok: false, reason: 'noLetter' });
    expect(normalizePair('a'.repeat(MAX_PAIR_CHARS + 1), 'b')).toEqual({ ok: false, reason: 'tooLong' });
    expect(normalizePair('a'.repeat(MAX_PAIR_CHARS), 'b')).toMatchObject({ ok: true });
    expect(normalizePair('~PDF', 'PDF')).toEqual({ ok: false, reason: 'untranslated' });
  });
});
