import { describe, expect, it } from 'vitest';
import { parseProperties } from './parseProperties';

describe('parseProperties', () => {
  it('reads keys and values with =, : or blank separators, and skips comments', () => {
    const text = '# comment\n! also a comment\n\nsave = Save\nopen:Open\nclose Close\n  indented.key=  spaced value  \nempty=\n';
    expect([...parseProperties(text)]).toEqual([
      ['save', 'Save'],
      ['open', 'Open'],
      ['close', 'Close'],
      ['indented.key', 'spaced value  '],
      ['empty', ''],
    ]);
  });

  it('decodes \\uXXXX and character escapes, including in keys', () => {
    const text = 'ellipsis=Loading\\u2026\nlines=One\\nTwo\\tTab \\\\ \\= \\:\nkey\\ with\\=sep=yes\n';
    expect(parseProperties(text).get('ellipsis')).toBe('Loading…');
    expect(parseProperties(text).get('lines')).toBe('One\nTwo\tTab \\ = :');
    expect(parseProperties(text).get('key with=sep')).toBe('yes');
  });

  it('joins continuation lines, dropping their leading blanks, but not after an escaped backslash', () => {
    const text = 'long=First part \\\n    second part\r\npath=C:\\\\\nnext=1\n';
    const props = parseProperties(text);
    expect(props.get('long')).toBe('First part second part');
    expect(props.get('path')).toBe('C:\\');
    expect(props.get('next')).toBe('1');
  });

  it('reads UTF-8 text as is and keeps the last value of a repeated key', () => {
    expect(parseProperties('a=Следующая страница\na=ถัดไป\n').get('a')).toBe('ถัดไป');
  });
});
