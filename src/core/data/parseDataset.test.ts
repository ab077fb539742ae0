import { describe, expect, it } from 'vitest';
import { ConfigError, DataFormatError } from '../errors';
import type { DatasetName } from './languages';
import { parseDataset, type DatasetFileBytes } from './parseDataset';
import { sha256Hex } from './sha256';

/* A small valid LAReQA document; every malformed case below is one mutation of it. */
interface Doc {
  version: string;
  data: {
    title: string;
    paragraphs: {
      context: string;
      sentences: string[];
      sentence_breaks: number[][];
      qas: { id: string; question: string; answers: { answer_start: number; text: string }[] }[];
    }[];
  }[];
}

const EN_P0 = 'Alpha is first. Beta is second. Gamma is third.';
const DE_P0 = 'Alpha ist erstens. Beta ist zweitens. Gamma drittens.';

function validDoc(lang: 'en' | 'de'): Doc {
  const en = lang === 'en';
  const p0 = en ? EN_P0 : DE_P0;
  const breaks0 = en
    ? [
        [0, 15],
        [16, 31],
        [32, 47],
      ]
    : [
        [0, 18],
        [19, 37],
        [38, 53],
      ];
  const p1 = en ? 'Delta stands alone.' : 'Delta steht allein.';
  const p2 = en ? '\uFEFFEpsilon has a BOM. Zeta follows.' : '\uFEFFEpsilon hat ein BOM. Zeta folgt.';
  const breaks2 = en
    ? [
        [0, 19],
        [20, 33],
      ]
    : [
        [0, 21],
        [22, 33],
      ];
  return {
    version: '1.1',
    data: [
      {
        title: 'Letters',
        paragraphs: [
          {
            context: p0,
            sentences: breaks0.map(([s, e]) => p0.slice(s, e)),
            sentence_breaks: breaks0,
            qas: [
              { id: 'q-beta', question: en ? 'Which is second?' : 'Welcher ist zweiter?', answers: [{ answer_start: p0.indexOf('Beta'), text: 'Beta' }] },
              { id: 'q-gamma', question: en ? 'Which is third?' : 'Welcher ist dritter?', answers: [{ answer_start: p0.indexOf('Gamma'), text: 'Gamma' }] },
            ],
          },
          {
            context: p1,
            sentences: [p1],
            sentence_breaks: [[0, p1.length]],
            qas: [{ id: 'q-delta', question: en ? 'Who is alone?' : 'Wer ist allein?', answers: [{ answer_start: 0, text: 'Delta' }] }],
          },
        ],
      },
      {
        title: 'More letters',
        paragraphs: [
          {
            context: p2,
            // deliberately wrong: the parser must slice the context, never read `sentences`
            sentences: ['not the sentence', 'nor this'],
            sentence_breaks: breaks2,
            qas: [{ id: 'q-zeta', question: en ? 'What follows?' : 'Was folgt?', answers: [{ answer_start: p2.indexOf('Zeta'), text: 'Zeta' }] }],
          },
        ],
      },
    ],
  };
}

const encode = (doc: unknown): Uint8Array => new TextEncoder().encode(JSON.stringify(doc));

function files(docs: Record<string, unknown>, dataset = 'xquad-r'): DatasetFileBytes[] {
  return Object.entries(docs).map(([lang, doc]) => ({ name: `${dataset}/${lang}.json`, bytes: encode(doc) }));
}

describe('parseDataset on a valid document', () => {
  it('builds candidates from sentence_breaks in canonical order (languages alphabetical, then file order)', async () => {
    const ds = await parseDataset('xquad-r', files({ en: validDoc('en'), de: validDoc('de') }));
    expect(ds.languages).toEqual(['de', 'en']);
    expect(ds.candidates.map((c) => c.id)).toEqual(['de:0:0:0', 'de:0:0:1', 'de:0:0:2', 'de:0:1:0', 'de:1:0:0', 'de:1:0:1', 'en:0:0:0', 'en:0:0:1', 'en:0:0:2', 'en:0:1:0', 'en:1:0:0', 'en:1:0:1']);
    expect(ds.candidates.slice(6, 9).map((c) => c.text)).toEqual(['Alpha is first.', 'Beta is second.', 'Gamma is third.']);
    expect(ds.candidates[10]!.text).toBe('\uFEFFEpsilon has a BOM.');
    expect(ds.candidates[11]!.text).toBe('Zeta follows.');
    expect(ds.queries.map((q) => q.id)).toEqual(['de:q-beta', 'de:q-gamma', 'de:q-delta', 'de:q-zeta', 'en:q-beta', 'en:q-gamma', 'en:q-delta', 'en:q-zeta']);
    expect(ds.paragraphs.map((p) => [p.lang, p.articleIndex, p.paragraphIndex, p.firstCandidate, p.candidateCount])).toEqual([
      ['de', 0, 0, 0, 3],
      ['de', 0, 1, 3, 1],
      ['de', 1, 0, 4, 2],
      ['en', 0, 0, 6, 3],
      ['en', 0, 1, 9, 1],
      ['en', 1, 0, 10, 2],
    ]);
    expect(ds.paragraphs[5]!.title).toBe('More letters');
    expect(ds.candidates[10]!.paragraph).toBe(5);
  });

  it('points each query at the sentence holding answers[0].answer_start and links languages by id', async () => {
    const ds = await parseDataset('xquad-r', files({ en: validDoc('en'), de: validDoc('de') }));
    const en = ds.queries.filter((q) => q.lang === 'en');
    expect(en.map((q) => ds.candidates[q.answer]!.id)).toEqual(['en:0:0:1', 'en:0:0:2', 'en:0:1:0', 'en:1:0:1']);
    expect(en.map((q) => q.paragraph)).toEqual([3, 3, 4, 5]);
    expect([...ds.answersByQuestion.get('q-gamma')!]).toEqual([
      ['de', 2],
      ['en', 8],
    ]);
    expect(ds.answersByQuestion.size).toBe(4);
  });

  it('records name, size and SHA-256 of each file, hashing the bytes as given (BOM included)', async () => {
    const withBom = new Uint8Array([0xef, 0xbb, 0xbf, ...encode(validDoc('en'))]);
    const ds = await parseDataset('xquad-r', [{ name: '/somewhere/else/en.json', bytes: withBom }]);
    expect(ds.files).toEqual([{ name: 'xquad-r/en.json', bytes: withBom.length, sha256: await sha256Hex(withBom) }]);
    // the file-start BOM is not text, the one inside the context is
    expect(ds.candidates[4]!.text.startsWith('\uFEFFEpsilon')).toBe(true);
  });

  it('loads only the requested languages and ignores the other files', async () => {
    const ds = await parseDataset('xquad-r', files({ en: validDoc('en'), de: validDoc('de') }), { languages: ['en'] });
    expect(ds.languages).toEqual(['en']);
    expect(ds.candidates).toHaveLength(6);
    expect([...ds.answersByQuestion.get('q-beta')!]).toEqual([['en', 1]]);
  });

  it('accepts MLQA-R files whose ids are a subset of en', async () => {
    const de = validDoc('de');
    de.data[0]!.paragraphs[0]!.qas.pop();
    const ds = await parseDataset('mlqa-r', files({ en: validDoc('en'), de }, 'mlqa-r'));
    expect([...ds.answersByQuestion.get('q-gamma')!.keys()]).toEqual(['en']);
    expect([...ds.answersByQuestion.get('q-beta')!.keys()]).toEqual(['de', 'en']);
  });
});

type Mutation = (doc: Doc & Record<string, unknown>) => unknown;

interface BadCase {
  name: string;
  mutate: Mutation;
  message: string | RegExp;
}

const P = 'data[0].paragraphs[0]';
const para = (d: Doc, a = 0, p = 0) => d.data[a]!.paragraphs[p]!;

/* Each case mutates de.json of a valid en+de XQuAD-R pair; the message names file, record and field. */
const BAD_CASES: BadCase[] = [
  { name: 'data is missing', mutate: (d) => ({ version: d.version }), message: 'xquad-r/de.json: data: missing (expected an array of articles)' },
  { name: 'data is not an array', mutate: (d) => ({ ...d, data: {} }), message: 'xquad-r/de.json: data: expected an array of articles, got an object' },
  { name: 'data is empty', mutate: (d) => ({ ...d, data: [] }), message: 'xquad-r/de.json: data: has no articles' },
  { name: 'the root is an array', mutate: (d) => [d], message: 'xquad-r/de.json: root: expected an object with a "data" array, got an array' },
  { name: 'an article is null', mutate: (d) => ({ ...d, data: [d.data[0], null] }), message: 'xquad-r/de.json: data[1]: expected an object, got null' },
  { name: 'title is a number', mutate: (d) => (((d.data[1] as unknown as Record<string, unknown>).title = 7), d), message: 'xquad-r/de.json: data[1].title: expected a string, got number 7' },
  { name: 'paragraphs missing', mutate: (d) => (delete (d.data[1] as Partial<Doc['data'][0]>).paragraphs, d), message: 'xquad-r/de.json: data[1].paragraphs: missing (expected an array)' },
  { name: 'context missing', mutate: (d) => (delete (para(d) as Partial<ReturnType<typeof para>>).context, d), message: `xquad-r/de.json: ${P}.context: missing (expected a string)` },
  { name: 'sentence_breaks missing', mutate: (d) => (delete (para(d) as Partial<ReturnType<typeof para>>).sentence_breaks, d), message: `xquad-r/de.json: ${P}.sentence_breaks: missing (expected an array)` },
  { name: 'sentence_breaks empty', mutate: (d) => ((para(d).sentence_breaks = []), d), message: `xquad-r/de.json: ${P}.sentence_breaks: is empty (a paragraph needs at least one sentence)` },
  { name: 'a break is not a pair', mutate: (d) => ((para(d).sentence_breaks[1] = [19]), d), message: `xquad-r/de.json: ${P}.sentence_breaks[1]: expected [start, end], got 1 numbers` },
  { name: 'a break offset is fractional', mutate: (d) => ((para(d).sentence_breaks[1] = [19.5, 37]), d), message: `xquad-r/de.json: ${P}.sentence_breaks[1][0]: expected a non-negative integer, got number 19.5` },
  { name: 'a break offset is a string', mutate: (d) => ((para(d).sentence_breaks[1] = [19, '37'] as unknown as number[]), d), message: `xquad-r/de.json: ${P}.sentence_breaks[1][1]: expected a non-negative integer, got the string "37"` },
  { name: 'a break is negative', mutate: (d) => ((para(d).sentence_breaks[0] = [-1, 18]), d), message: `xquad-r/de.json: ${P}.sentence_breaks[0][0]: expected a non-negative integer, got number -1` },
  { name: 'a break is reversed', mutate: (d) => ((para(d).sentence_breaks[1] = [37, 19]), d), message: `xquad-r/de.json: ${P}.sentence_breaks[1]: [37, 19] is empty or reversed` },
  { name: 'a break is empty', mutate: (d) => ((para(d).sentence_breaks[1] = [19, 19]), d), message: `xquad-r/de.json: ${P}.sentence_breaks[1]: [19, 19] is empty or reversed` },
  { name: 'breaks overlap', mutate: (d) => ((para(d).sentence_breaks[1] = [17, 37]), d), message: `xquad-r/de.json: ${P}.sentence_breaks[1]: [17, 37] overlaps or precedes the previous break, which ends at 18` },
  { name: 'breaks not increasing', mutate: (d) => (para(d).sentence_breaks.reverse(), d), message: `xquad-r/de.json: ${P}.sentence_breaks[1]: [19, 37] overlaps or precedes the previous break, which ends at 53` },
  { name: 'a break ends outside the context', mutate: (d) => ((para(d).sentence_breaks[2] = [38, 54]), d), message: `xquad-r/de.json: ${P}.sentence_breaks[2][1]: 54 is outside the context (length 53)` },
  { name: 'qas missing', mutate: (d) => (delete (para(d) as Partial<ReturnType<typeof para>>).qas, d), message: `xquad-r/de.json: ${P}.qas: missing (expected an array)` },
  { name: 'question id missing', mutate: (d) => (delete (para(d).qas[1] as Partial<Doc['data'][0]['paragraphs'][0]['qas'][0]>).id, d), message: `xquad-r/de.json: ${P}.qas[1].id: missing (expected a string)` },
  { name: 'question id empty', mutate: (d) => ((para(d).qas[1]!.id = ''), d), message: `xquad-r/de.json: ${P}.qas[1].id: is empty` },
  { name: 'question text a number', mutate: (d) => ((para(d).qas[0]!.question = 5 as unknown as string), d), message: `xquad-r/de.json: ${P}.qas[0].question: expected a string, got number 5` },
  { name: 'answers empty', mutate: (d) => ((para(d).qas[0]!.answers = []), d), message: `xquad-r/de.json: ${P}.qas[0].answers: is empty (the answer sentence comes from answers[0])` },
  { name: 'answer_start missing', mutate: (d) => ((para(d).qas[0]!.answers = [{ text: 'x' } as never]), d), message: `xquad-r/de.json: ${P}.qas[0].answers[0].answer_start: missing (expected a character offset)` },
  { name: 'answer text missing', mutate: (d) => ((para(d).qas[0]!.answers = [{ answer_start: 0 } as never]), d), message: `xquad-r/de.json: ${P}.qas[0].answers[0].text: missing (expected a string)` },
  { name: 'answer_start outside the context', mutate: (d) => ((para(d).qas[1]!.answers[0]!.answer_start = 1234), d), message: `xquad-r/de.json: ${P}.qas[1].answers[0].answer_start: 1234 is outside the context (length 53)` },
  { name: 'answer_start between sentences', mutate: (d) => ((para(d).qas[1]!.answers[0]!.answer_start = 18), d), message: `xquad-r/de.json: ${P}.qas[1].answers[0].answer_start: 18 is in no sentence of sentence_breaks` },
  {
    name: 'duplicate question id within the file',
    mutate: (d) => ((para(d, 1, 0).qas[0]!.id = 'q-beta'), d),
    message: `xquad-r/de.json: data[1].paragraphs[0].qas[0].id: question id "q-beta" repeats ${P}.qas[0].id`,
  },
  {
    name: 'an id that en lacks',
    mutate: (d) => ((para(d, 1, 0).qas[0]!.id = 'q-other'), d),
    message: 'xquad-r/de.json: data[1].paragraphs[0].qas[0].id: "q-other" is not in xquad-r/en.json (XQuAD-R files must hold the same question ids)',
  },
  {
    name: 'an id of en missing',
    mutate: (d) => (para(d).qas.pop(), d),
    message: `xquad-r/de.json: qas: question id "q-gamma" of xquad-r/en.json (${P}.qas[1]) is missing (XQuAD-R files must hold the same question ids)`,
  },
];

async function expectDataFormatError(run: Promise<unknown>, message: string | RegExp): Promise<DataFormatError> {
  const err = await run.then(
    () => null,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(DataFormatError);
  const e = err as DataFormatError;
  if (typeof message === 'string') expect(e.message).toBe(message);
  else expect(e.message).toMatch(message);
  expect(e.code).toBe('DATA_FORMAT');
  return e;
}

describe('parseDataset on malformed input', () => {
  it.each(BAD_CASES)('$name', async ({ mutate, message }) => {
    const bad = mutate(validDoc('de') as Doc & Record<string, unknown>);
    const err = await expectDataFormatError(parseDataset('xquad-r', files({ en: validDoc('en'), de: bad })), message);
    expect(err.file).toBe('xquad-r/de.json');
  });

  it('reports bad JSON with its position', async () => {
    const bytes = new TextEncoder().encode('{"data": [}');
    await expectDataFormatError(parseDataset('xquad-r', [{ name: 'en.json', bytes }]), /^xquad-r\/en\.json: \(json\): not valid JSON at line 1 column 11 \(position 10\): /);
  });

  it.each([
    ['zero bytes', new Uint8Array()],
    ['only a BOM and spaces', new Uint8Array([0xef, 0xbb, 0xbf, 0x20, 0x0a])],
  ])('rejects an empty file (%s)', async (_label, bytes) => {
    await expectDataFormatError(parseDataset('xquad-r', [{ name: 'en.json', bytes }]), /^xquad-r\/en\.json: content: the file is empty \(\d bytes\)$/);
  });

  it('rejects bytes that are not UTF-8', async () => {
    const bytes = new Uint8Array([0x7b, 0xff, 0x7d]);
    await expectDataFormatError(parseDataset('xquad-r', [{ name: 'en.json', bytes }]), 'xquad-r/en.json: encoding: is not valid UTF-8 (first bad byte at offset 1)');
  });

  it('rejects unknown and repeated languages in file names', async () => {
    const en = encode(validDoc('en'));
    await expectDataFormatError(parseDataset('mlqa-r', [{ name: 'mlqa-r/th.json', bytes: en }]), 'mlqa-r/th.json: file name: expected <lang>.json with a language of mlqa-r (ar, de, en, es, hi, vi, zh), got "th.json"');
    await expectDataFormatError(parseDataset('xquad-r', [{ name: 'english.txt', bytes: en }]), /^english\.txt: file name: expected <lang>\.json/);
    await expectDataFormatError(
      parseDataset('xquad-r', [
        { name: 'a/en.json', bytes: en },
        { name: 'b/en.json', bytes: en },
      ]),
      'b/en.json: file name: a second file for language "en" (first: a/en.json)',
    );
  });

  it('rejects a language selection that the files do not cover', async () => {
    const run = parseDataset('xquad-r', files({ en: validDoc('en') }), { languages: ['en', 'de'] });
    await expect(run).rejects.toThrow(ConfigError);
    await expect(run).rejects.toThrow('xquad-r: no file for requested language "de" (files given for: en)');
    await expect(parseDataset('mlqa-r', files({ en: validDoc('en') }, 'mlqa-r'), { languages: ['th'] })).rejects.toThrow('mlqa-r has no language "th"');
    await expect(parseDataset('xquad-r', files({ en: validDoc('en') }), { languages: ['en', 'en'] })).rejects.toThrow('requested twice');
    await expect(parseDataset('xquad-r', [])).rejects.toThrow('xquad-r: no files given');
  });

  it('rejects an MLQA-R id that is not in en', async () => {
    const de = validDoc('de');
    para(de).qas[0]!.id = 'q-not-in-en';
    await expectDataFormatError(parseDataset('mlqa-r' as DatasetName, files({ en: validDoc('en'), de }, 'mlqa-r')), `mlqa-r/de.json: ${P}.qas[0].id: "q-not-in-en" is not in mlqa-r/en.json (every MLQA-R question id is in en)`);
  });

  it('does not read the sentences field, even when it is missing', async () => {
    const en = validDoc('en');
    for (const a of en.data) for (const p of a.paragraphs) delete (p as Partial<typeof p>).sentences;
    const ds = await parseDataset('xquad-r', files({ en }));
    expect(ds.candidates.map((c) => c.text)).toContain('Zeta follows.');
  });
});
