/**
 * The parallel corpus of `xlir corpus build` as pretraining reads it: per language X one file
 * `pairs.<X>.tsv` of `english<TAB>translation` lines (UTF-8, no header, no tab or newline inside a text).
 */
import { stripBom } from '../textDecoding';
import { DataFormatError } from '../errors';

/** English ↔ one language, aligned by index. */
export interface ParallelPairs {
  lang: string;
  english: string[];
  translation: string[];
}

/** The file name of a language's pairs (the CLI also reads it gzipped, with `.gz` appended). */
export function pairsFileName(lang: string): string {
  return `pairs.${lang}.tsv`;
}

/**
 * @param text the file's text
 * @param file named in errors
 * @param limit keep at most this many pairs (the first ones)
 * @throws DataFormatError naming the file and the line of a malformed or empty entry, or an empty file
 */
export function parsePairsTsv(text: string, lang: string, file: string, limit = Number.POSITIVE_INFINITY): ParallelPairs {
  const body = stripBom(text);
  const english: string[] = [];
  const translation: string[] = [];
  let line = 0;
  let start = 0;
  while (start < body.length && english.length < limit) {
    let end = body.indexOf('\n', start);
    if (end < 0) end = body.length;
    line++;
    const row = body.slice(start, end).replace(/\r$/, '');
    start = end + 1;
    if (row === '' && start >= body.length) break;
    const tab = row.indexOf('\t');
    if (tab < 0 || row.indexOf('\t', tab + 1) >= 0) throw new DataFormatError(file, `line ${line}`, 'expected exactly two tab-separated fields: english<TAB>translation');
    const en = row.slice(0, tab).trim();
    const x = row.slice(tab + 1).trim();
    if (en === '' || x === '') throw new DataFormatError(file, `line ${line}`, 'a pair has an empty side');
    english.push(en);
    translation.push(x);
  }
  if (english.length === 0) throw new DataFormatError(file, '(file)', 'holds no pairs');
  return { lang, english, translation };
}
