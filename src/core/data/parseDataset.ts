/**
 * Parses the LAReQA files of XQuAD-R / MLQA-R (SQuAD JSON plus `sentence_breaks`) into a
 * {@link RetrievalDataset}, following the reference procedure described in
 * `shared/data/PROVENANCE.md` §6 and `notes/paper-method.md` §2.1:
 *  - one candidate per `sentence_breaks` entry, text `context.slice(start, end)`; the `sentences` field is
 *    never read (in xquad-r/tr `data[9].paragraphs[3]` it is shifted against `context`);
 *  - the answer sentence of a question is the first break with `start <= answers[0].answer_start < end`;
 *  - relevance across languages is by shared question id only, never by position.
 * Every check failure throws a {@link DataFormatError} naming the file and the JSON path; nothing partial
 * is returned.
 */
import { ConfigError, DataFormatError } from '../errors';
import { DATASET_LANGUAGES, DATASET_NAMES, type DatasetName, type Lang } from './languages';
import { describeValue } from '../shownValue';
import { parseJsonBytes } from './parseJsonText';
import { sha256Hex } from './sha256';
import type { Candidate, DatasetFile, Paragraph, Query, RetrievalDataset } from './types';

/** One dataset file as bytes; `name` may be a bare `en.json` or any path ending in it. */
export interface DatasetFileBytes {
  name: string;
  bytes: Uint8Array;
}

export interface ParseDatasetOptions {
  /**
   * Languages to load (any order). Each needs exactly one file; files of other languages of the dataset
   * are ignored. Default: every file given.
   */
  languages?: readonly Lang[];
}

interface RawQuestion {
  id: string;
  question: string;
  /** index of the answer sentence within its paragraph's breaks */
  sentence: number;
  /** JSON path of the qas entry, for alignment errors */
  path: string;
}

interface RawParagraph {
  context: string;
  breaks: [number, number][];
  qas: RawQuestion[];
}

interface RawArticle {
  title: string;
  paragraphs: RawParagraph[];
}

interface RawFile {
  lang: Lang;
  name: string;
  bytes: Uint8Array;
  articles: RawArticle[];
}

/**
 * Parses and checks the files of one dataset.
 *
 * @param name which dataset the files belong to; decides the allowed languages and the id-alignment rule
 *   (XQuAD-R: every language holds the identical id set; MLQA-R: every id is in `en` when `en` is loaded)
 * @param files one file per language, named `<lang>.json` (the basename decides the language)
 * @returns the dataset in canonical order: languages alphabetically, then file order
 * @throws DataFormatError on any malformed file, naming file, record and field
 * @throws ConfigError on a bad language selection (unknown, repeated or without a file)
 */
export async function parseDataset(name: DatasetName, files: readonly DatasetFileBytes[], options: ParseDatasetOptions = {}): Promise<RetrievalDataset> {
  if (!(DATASET_NAMES as readonly string[]).includes(name)) {
    throw new ConfigError(`unknown dataset "${String(name)}" (known: ${DATASET_NAMES.join(', ')})`);
  }
  const selected = selectFiles(name, files, options.languages);
  const raw = selected.map((f) => parseFile(f.name, f.lang, f.bytes));
  checkIdAlignment(name, raw);
  const hashes = await Promise.all(raw.map((f) => sha256Hex(f.bytes)));
  const fileInfo: DatasetFile[] = raw.map((f, i) => ({ name: f.name, sha256: hashes[i]!, bytes: f.bytes.length }));
  return { name, languages: raw.map((f) => f.lang), files: fileInfo, ...assemble(raw) };
}

function selectFiles(dataset: DatasetName, files: readonly DatasetFileBytes[], requested: readonly Lang[] | undefined): { lang: Lang; name: string; bytes: Uint8Array }[] {
  const allowed = DATASET_LANGUAGES[dataset];
  const byLang = new Map<Lang, DatasetFileBytes>();
  for (const file of files) {
    const base = file.name.split(/[\\/]/).pop() ?? '';
    const lang = /^([a-z]+)\.json$/.exec(base)?.[1];
    if (lang === undefined || !(allowed as readonly string[]).includes(lang)) {
      throw new DataFormatError(file.name, 'file name', `expected <lang>.json with a language of ${dataset} (${allowed.join(', ')}), got "${base}"`);
    }
    const other = byLang.get(lang as Lang);
    if (other) throw new DataFormatError(file.name, 'file name', `a second file for language "${lang}" (first: ${other.name})`);
    byLang.set(lang as Lang, file);
  }

  let languages: Lang[];
  if (requested) {
    const seen = new Set<Lang>();
    for (const lang of requested) {
      if (!allowed.includes(lang)) throw new ConfigError(`${dataset} has no language "${lang}" (it has ${allowed.join(', ')})`);
      if (seen.has(lang)) throw new ConfigError(`language "${lang}" is requested twice`);
      seen.add(lang);
      if (!byLang.has(lang)) {
        const got = [...byLang.keys()].sort().join(', ') || 'none';
        throw new ConfigError(`${dataset}: no file for requested language "${lang}" (files given for: ${got})`);
      }
    }
    if (seen.size === 0) throw new ConfigError(`${dataset}: the language list is empty`);
    languages = [...seen];
  } else {
    languages = [...byLang.keys()];
    if (languages.length === 0) throw new ConfigError(`${dataset}: no files given`);
  }
  return languages.sort().map((lang) => ({ lang, name: `${dataset}/${lang}.json`, bytes: byLang.get(lang)!.bytes }));
}

const clip = (s: string) => (s.length > 40 ? `${s.slice(0, 40)}…` : s);

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function parseFile(file: string, lang: Lang, bytes: Uint8Array): RawFile {
  const fail = (field: string, reason: string): never => {
    throw new DataFormatError(file, field, reason);
  };
  // The BOM is dropped only at the very start of the file; a U+FEFF inside a context stays (offsets count it).
  // A second "id" or "context" in one object would silently replace the first: refused.
  const doc = parseJsonBytes(bytes, file, { refuseDuplicateKeys: true });
  if (!isRecord(doc)) return fail('root', `expected an object with a "data" array, got ${describeValue(doc)}`);
  const data = doc.data;
  if (data === undefined) return fail('data', 'missing (expected an array of articles)');
  if (!Array.isArray(data)) return fail('data', `expected an array of articles, got ${describeValue(data)}`);
  if (data.length === 0) return fail('data', 'has no articles');

  const string = (v: unknown, field: string, nonEmpty: boolean): string => {
    if (typeof v !== 'string') return fail(field, v === undefined ? 'missing (expected a string)' : `expected a string, got ${describeValue(v)}`);
    if (nonEmpty && v.length === 0) return fail(field, 'is empty');
    return v;
  };
  const array = (v: unknown, field: string): unknown[] => {
    if (!Array.isArray(v)) return fail(field, v === undefined ? 'missing (expected an array)' : `expected an array, got ${describeValue(v)}`);
    return v;
  };
  const record = (v: unknown, field: string): Record<string, unknown> => {
    if (!isRecord(v)) return fail(field, `expected an object, got ${describeValue(v)}`);
    return v;
  };
  const offset = (v: unknown, field: string): number => {
    if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < 0) {
      return fail(field, v === undefined ? 'missing (expected a character offset)' : `expected a non-negative integer, got ${describeValue(v)}`);
    }
    return v;
  };

  const firstSeen = new Map<string, string>();
  const articles = data.map((rawArticle, a): RawArticle => {
    const ap = `data[${a}]`;
    const article = record(rawArticle, ap);
    const title = string(article.title, `${ap}.title`, false);
    const paragraphs = array(article.paragraphs, `${ap}.paragraphs`).map((rawParagraph, p): RawParagraph => {
      const pp = `${ap}.paragraphs[${p}]`;
      const paragraph = record(rawParagraph, pp);
      const context = string(paragraph.context, `${pp}.context`, false);
      const rawBreaks = array(paragraph.sentence_breaks, `${pp}.sentence_breaks`);
      if (rawBreaks.length === 0) fail(`${pp}.sentence_breaks`, 'is empty (a paragraph needs at least one sentence)');
      let previousEnd = 0;
      const breaks = rawBreaks.map((rawBreak, s): [number, number] => {
        const bp = `${pp}.sentence_breaks[${s}]`;
        const pair = array(rawBreak, bp);
        if (pair.length !== 2) fail(bp, `expected [start, end], got ${pair.length} numbers`);
        const start = offset(pair[0], `${bp}[0]`);
        const end = offset(pair[1], `${bp}[1]`);
        if (end > context.length) fail(`${bp}[1]`, `${end} is outside the context (length ${context.length})`);
        if (start >= end) fail(bp, `[${start}, ${end}] is empty or reversed`);
        if (s > 0 && start < previousEnd) fail(bp, `[${start}, ${end}] overlaps or precedes the previous break, which ends at ${previousEnd}`);
        previousEnd = end;
        return [start, end];
      });
      const qas = array(paragraph.qas, `${pp}.qas`).map((rawQa, q): RawQuestion => {
        const qp = `${pp}.qas[${q}]`;
        const qa = record(rawQa, qp);
        const id = string(qa.id, `${qp}.id`, true);
        // ids key relevance across languages and are written into TREC files, whose columns are whitespace-separated
        const badChar = /[\s\u0000-\u001f\u007f]/u.exec(id);
        if (badChar) fail(`${qp}.id`, `question id ${JSON.stringify(id)} contains ${/\s/.test(badChar[0]) ? 'whitespace' : 'a control character'} (${JSON.stringify(badChar[0])} at ${badChar.index})`);
        const earlier = firstSeen.get(id);
        if (earlier !== undefined) fail(`${qp}.id`, `question id "${id}" repeats ${earlier}.id`);
        firstSeen.set(id, qp);
        const question = string(qa.question, `${qp}.question`, true);
        const answers = array(qa.answers, `${qp}.answers`);
        if (answers.length === 0) fail(`${qp}.answers`, 'is empty (the answer sentence comes from answers[0])');
        const answer = record(answers[0], `${qp}.answers[0]`);
        const sp = `${qp}.answers[0].answer_start`;
        const answerStart = offset(answer.answer_start, sp);
        const answerText = string(answer.text, `${qp}.answers[0].text`, false);
        if (answerStart >= context.length) fail(sp, `${answerStart} is outside the context (length ${context.length})`);
        const sentence = breaks.findIndex(([start, end]) => start <= answerStart && answerStart < end);
        if (sentence < 0) fail(sp, `${answerStart} is in no sentence of sentence_breaks`);
        // every answer of the shipped files sits exactly at its offset (PROVENANCE.md, quirks); one that does
        // not means shifted offsets, so the answer sentence found below would be the wrong one
        answers.forEach((other, k) => {
          const ak = `${qp}.answers[${k}]`;
          const a = k === 0 ? answer : record(other, ak);
          const start = k === 0 ? answerStart : offset(a.answer_start, `${ak}.answer_start`);
          const text = k === 0 ? answerText : string(a.text, `${ak}.text`, false);
          const found = context.slice(start, start + text.length);
          if (found !== text) fail(`${ak}.text`, `${JSON.stringify(clip(text))} does not occur at answer_start ${start} (the context there reads ${JSON.stringify(clip(found))})`);
        });
        return { id, question, sentence, path: qp };
      });
      return { context, breaks, qas };
    });
    return { title, paragraphs };
  });
  if (articles.every((a) => a.paragraphs.length === 0)) fail('data[*].paragraphs', `no article has a paragraph (${articles.length} articles): the language would add no candidates and no questions`);
  return { lang, name: file, bytes, articles };
}

/**
 * XQuAD-R is fully parallel (PROVENANCE §1: identical id sets in all 11 files); MLQA-R is not, but every
 * id is in `en` (PROVENANCE §2). A file that breaks this would silently change every relevant set.
 */
function checkIdAlignment(dataset: DatasetName, files: readonly RawFile[]): void {
  const idsOf = (f: RawFile) => f.articles.flatMap((a) => a.paragraphs.flatMap((p) => p.qas));
  if (dataset === 'xquad-r') {
    // en is the natural reference (every translation was made from it); without en, the first language
    const reference = files.find((f) => f.lang === 'en') ?? files[0];
    if (!reference) return;
    const others = files.filter((f) => f !== reference);
    const refIds = new Set(idsOf(reference).map((q) => q.id));
    for (const file of others) {
      const qs = idsOf(file);
      for (const q of qs) {
        if (!refIds.has(q.id)) {
          throw new DataFormatError(file.name, `${q.path}.id`, `"${q.id}" is not in ${reference.name} (XQuAD-R files must hold the same question ids)`);
        }
      }
      if (qs.length !== refIds.size) {
        const own = new Set(qs.map((q) => q.id));
        const missing = idsOf(reference).find((q) => !own.has(q.id))!;
        throw new DataFormatError(file.name, 'qas', `question id "${missing.id}" of ${reference.name} (${missing.path}) is missing (XQuAD-R files must hold the same question ids)`);
      }
    }
  } else {
    const en = files.find((f) => f.lang === 'en');
    if (!en) return; // without en there is no reference set: MLQA-R ids of other languages overlap only partly
    const enIds = new Set(idsOf(en).map((q) => q.id));
    for (const file of files) {
      for (const q of idsOf(file)) {
        if (!enIds.has(q.id)) {
          throw new DataFormatError(file.name, `${q.path}.id`, `"${q.id}" is not in ${en.name} (every MLQA-R question id is in en)`);
        }
      }
    }
  }
}

function assemble(files: readonly RawFile[]): Pick<RetrievalDataset, 'queries' | 'candidates' | 'paragraphs' | 'answersByQuestion'> {
  const queries: Query[] = [];
  const candidates: Candidate[] = [];
  const paragraphs: Paragraph[] = [];
  const answersByQuestion = new Map<string, Map<Lang, number>>();
  for (const { lang, articles } of files) {
    articles.forEach((article, articleIndex) => {
      article.paragraphs.forEach((p, paragraphIndex) => {
        const paragraph = paragraphs.length;
        const firstCandidate = candidates.length;
        p.breaks.forEach(([start, end], sentenceIndex) => {
          candidates.push({
            id: `${lang}:${articleIndex}:${paragraphIndex}:${sentenceIndex}`,
            lang,
            articleIndex,
            paragraphIndex,
            sentenceIndex,
            text: p.context.slice(start, end),
            paragraph,
          });
        });
        paragraphs.push({ lang, articleIndex, paragraphIndex, title: article.title, context: p.context, firstCandidate, candidateCount: p.breaks.length });
        for (const q of p.qas) {
          const answer = firstCandidate + q.sentence;
          queries.push({ id: `${lang}:${q.id}`, lang, questionId: q.id, text: q.question, answer, paragraph });
          let byLang = answersByQuestion.get(q.id);
          if (!byLang) answersByQuestion.set(q.id, (byLang = new Map()));
          byLang.set(lang, answer);
        }
      });
    });
  }
  return { queries, candidates, paragraphs, answersByQuestion };
}
