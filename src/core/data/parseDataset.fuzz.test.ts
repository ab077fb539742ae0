/**
 * Bad-input suite (issue 8) for dataset files: the malformed categories `parseDataset.test.ts` does not
 * cover yet (truncation, encodings, deep nesting, non-finite and unsafe numbers, file names), then
 * fast-check fuzzing of arbitrary bytes and of mutations of a valid en+de pair. Every input must give a
 * consistent dataset or a DataFormatError naming the file and the field.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { applyByteMutations, applyJsonMutations, arbitraryBytes, byteMutationsArb, DEEP_ARRAY, expectCleanOutcomeAsync, expectCleanRejectionAsync, fuzzParams, jsonMutationsArb, lenientText, toJsonText, utf8 } from '../testing/fuzz.testutil';
import type { DatasetName } from './languages';
import { jsonErrorPosition } from './jsonErrorPosition';
import { parseDataset, type DatasetFileBytes } from './parseDataset';
import type { RetrievalDataset } from './types';

function validDoc(lang: 'en' | 'de') {
  const en = lang === 'en';
  const p0 = en ? 'One is here. Two is there.' : 'Eins ist hier. Zwei ist da.';
  const breaks = en
    ? [
        [0, 12],
        [13, 26],
      ]
    : [
        [0, 14],
        [15, 27],
      ];
  return {
    version: '1.1',
    data: [
      {
        title: 'Numbers',
        paragraphs: [
          {
            context: p0,
            sentences: breaks.map(([s, e]) => p0.slice(s, e)),
            sentence_breaks: breaks,
            qas: [
              { id: 'q1', question: en ? 'Where is one?' : 'Wo ist eins?', answers: [{ answer_start: 0, text: en ? 'One' : 'Eins' }] },
              { id: 'q2', question: en ? 'Where is two?' : 'Wo ist zwei?', answers: [{ answer_start: breaks[1]![0]!, text: en ? 'Two' : 'Zwei' }] },
            ],
          },
        ],
      },
    ],
  };
}

const EN = utf8(JSON.stringify(validDoc('en')));
const DE_TEXT = JSON.stringify(validDoc('de'));
const DE = utf8(DE_TEXT);
const DE_FILE = 'xquad-r/de.json';

/** en stays valid, so every refusal must name de.json. */
const pair = (de: Uint8Array): DatasetFileBytes[] => [
  { name: 'xquad-r/en.json', bytes: EN },
  { name: DE_FILE, bytes: de },
];

/** The invariants of {@link RetrievalDataset} that the rest of the app relies on. */
function checkDataset(ds: RetrievalDataset): void {
  expect(ds.languages).toEqual(['de', 'en']);
  expect(new Set(ds.candidates.map((c) => c.id)).size).toBe(ds.candidates.length);
  expect(new Set(ds.queries.map((q) => q.id)).size).toBe(ds.queries.length);
  for (const q of ds.queries) {
    const answer = ds.candidates[q.answer];
    expect(answer?.lang).toBe(q.lang);
    expect(answer?.paragraph).toBe(q.paragraph);
    expect(ds.answersByQuestion.get(q.questionId)?.get(q.lang)).toBe(q.answer);
  }
  for (const p of ds.paragraphs) {
    expect(p.candidateCount).toBeGreaterThan(0);
    expect(p.firstCandidate + p.candidateCount).toBeLessThanOrEqual(ds.candidates.length);
    for (let k = 0; k < p.candidateCount; k++) expect(p.context).toContain(ds.candidates[p.firstCandidate + k]!.text);
  }
}

const withDe = (edit: (d: ReturnType<typeof validDoc>) => unknown): Uint8Array => {
  const d = validDoc('de');
  return utf8(toJsonText(edit(d) ?? d));
};
const answer = (d: ReturnType<typeof validDoc>) => d.data[0]!.paragraphs[0]!.qas[0]!.answers[0]!;
const P = 'data[0].paragraphs[0]';

/** Each case: the de.json bytes, the expected `file: field: reason` fragment. */
const BAD_DE: [string, Uint8Array, string][] = [
  ['truncated after "{"', DE.subarray(0, 1), `${DE_FILE}: (json): not valid JSON at line 1 column 2 (position 1)`],
  ['truncated inside a string', DE.subarray(0, DE_TEXT.indexOf('Numbers') + 3), `${DE_FILE}: (json): not valid JSON`],
  ['truncated before the final "}"', DE.subarray(0, DE.length - 1), `${DE_FILE}: (json): not valid JSON at line 1 column ${DE.length} (position ${DE.length - 1})`],
  ['only a BOM', new Uint8Array([0xef, 0xbb, 0xbf]), `${DE_FILE}: content: the file is empty (3 bytes)`],
  ['UTF-16 LE with its BOM', new Uint8Array([0xff, 0xfe, 0x7b, 0x00, 0x7d, 0x00]), `${DE_FILE}: encoding: is UTF-16LE, not UTF-8`],
  ['an overlong UTF-8 "/"', new Uint8Array([...utf8('{"data": "'), 0xc0, 0xaf, ...utf8('"}')]), `${DE_FILE}: encoding: is not valid UTF-8 (first bad byte at offset 10)`],
  ['an encoded lone surrogate', new Uint8Array([...utf8('{"data": "'), 0xed, 0xa0, 0x80, ...utf8('"}')]), `${DE_FILE}: encoding: is not valid UTF-8 (first bad byte at offset 10)`],
  ['Latin-1 text', new Uint8Array([...utf8('{"data": "'), 0xe4, ...utf8('"}')]), `${DE_FILE}: encoding: is not valid UTF-8 (first bad byte at offset 10)`],
  // issue 21: UTF-16 without a BOM and big-endian are named; a bad byte after a BOM is placed in the file
  ['UTF-16 LE without a BOM', new Uint8Array([...DE_TEXT.slice(0, 20)].flatMap((c) => [c.charCodeAt(0), 0])), `${DE_FILE}: encoding: is UTF-16LE, not UTF-8`],
  ['UTF-16 BE with its BOM', new Uint8Array([0xfe, 0xff, ...[...DE_TEXT.slice(0, 20)].flatMap((c) => [0, c.charCodeAt(0)])]), `${DE_FILE}: encoding: is UTF-16BE, not UTF-8`],
  ['UTF-16 BE without a BOM', new Uint8Array([...DE_TEXT.slice(0, 20)].flatMap((c) => [0, c.charCodeAt(0)])), `${DE_FILE}: encoding: is UTF-16BE, not UTF-8`],
  ['a truncated 3-byte sequence after a UTF-8 BOM', new Uint8Array([0xef, 0xbb, 0xbf, ...utf8('{"data": "'), 0xe2, 0x82, ...utf8('"}')]), `${DE_FILE}: encoding: is not valid UTF-8 (first bad byte at offset 13)`],
  ['100 000 unclosed "["', utf8('['.repeat(100_000)), `${DE_FILE}: (json): not valid JSON at line 1 column 100001 (position 100000)`],
  ['an article nested 20 000 arrays deep', withDe((d) => ({ ...d, data: DEEP_ARRAY })), `${DE_FILE}: data[0]: expected an object, got an array`],
  ['a NaN literal', utf8(DE_TEXT.replace('"answer_start":0', '"answer_start":NaN')), `${DE_FILE}: (json): not valid JSON`],
  ['an Infinity literal', utf8(DE_TEXT.replace('"answer_start":0', '"answer_start":Infinity')), `${DE_FILE}: (json): not valid JSON`],
  ['answer_start 1e400 (parses to Infinity)', utf8(DE_TEXT.replace('"answer_start":0', '"answer_start":1e400')), `${DE_FILE}: ${P}.qas[0].answers[0].answer_start: expected a non-negative integer, got number Infinity`],
  ['answer_start 2^53 (not a safe integer)', withDe((d) => void (answer(d).answer_start = 2 ** 53)), `${P}.qas[0].answers[0].answer_start: expected a non-negative integer, got number 9007199254740992`],
  ['a break ending at 1e308', withDe((d) => void (d.data[0]!.paragraphs[0]!.sentence_breaks[1] = [15, 1e308])), `${P}.sentence_breaks[1][1]: expected a non-negative integer, got number 1e+308`],
  ['a break ending at 2^52', withDe((d) => void (d.data[0]!.paragraphs[0]!.sentence_breaks[1] = [15, 2 ** 52])), `${P}.sentence_breaks[1][1]: 4503599627370496 is outside the context (length 27)`],
  ['a break offset -0.5', withDe((d) => void (d.data[0]!.paragraphs[0]!.sentence_breaks[0] = [-0.5, 14])), `${P}.sentence_breaks[0][0]: expected a non-negative integer, got number -0.5`],
  ['a break of three numbers', withDe((d) => void (d.data[0]!.paragraphs[0]!.sentence_breaks[0] = [0, 7, 14])), `${P}.sentence_breaks[0]: expected [start, end], got 3 numbers`],
  ['the root is a string', utf8('"data"'), `${DE_FILE}: root: expected an object with a "data" array, got the string "data"`],
  ['the root is null', utf8('null'), `${DE_FILE}: root: expected an object with a "data" array, got null`],
  ['the root is a number', utf8('42'), `${DE_FILE}: root: expected an object with a "data" array, got number 42`],
  ['data hidden under "__proto__"', utf8(`{"__proto__": ${DE_TEXT}}`), `${DE_FILE}: data: missing (expected an array of articles)`],
  ['a question id that differs only by a NUL', withDe((d) => void (d.data[0]!.paragraphs[0]!.qas[1]!.id = 'q1\u0000')), `${DE_FILE}: ${P}.qas[1].id: question id "q1\\u0000" contains a control character ("\\u0000" at 2)`],
  // issue 21: ids are refused at parse when they hold whitespace or control characters
  ['a question id with a space', withDe((d) => void (d.data[0]!.paragraphs[0]!.qas[0]!.id = 'q 1')), `${DE_FILE}: ${P}.qas[0].id: question id "q 1" contains whitespace (" " at 1)`],
  ['a question id with a trailing newline', withDe((d) => void (d.data[0]!.paragraphs[0]!.qas[0]!.id = 'q1\n')), `${DE_FILE}: ${P}.qas[0].id: question id "q1\\n" contains whitespace`],
  ['a question id with a tab', withDe((d) => void (d.data[0]!.paragraphs[0]!.qas[1]!.id = 'q\t2')), `${DE_FILE}: ${P}.qas[1].id: question id "q\\t2" contains whitespace`],
  ['a question id with a no-break space', withDe((d) => void (d.data[0]!.paragraphs[0]!.qas[0]!.id = 'q\u00a01')), `${DE_FILE}: ${P}.qas[0].id: question id "q\u00a01" contains whitespace`],
  ['a question id with DEL', withDe((d) => void (d.data[0]!.paragraphs[0]!.qas[0]!.id = 'q1\u007f')), `${DE_FILE}: ${P}.qas[0].id: question id "q1\u007f" contains a control character`],
  // issue 21: duplicate keys (JSON.parse would keep the last one silently)
  ['a qas entry with "id" twice', utf8(DE_TEXT.replace('{"id":"q1",', '{"id":"q2","id":"q1",')), `${DE_FILE}: ${P}.qas[0].id: appears twice in the same object`],
  ['a paragraph with "context" twice', utf8(DE_TEXT.replace('"context":', '"context":"Zwei ist hier. Eins ist da.","context":')), `${DE_FILE}: ${P}.context: appears twice in the same object`],
  ['"id" twice, once written with an escape', utf8(DE_TEXT.replace('{"id":"q1",', '{"id":"q1","i\\u0064":"q9",')), `${DE_FILE}: ${P}.qas[0].id: appears twice in the same object`],
  ['the root with "data" twice', utf8(DE_TEXT.replace('{"version"', '{"data":[],"version"')), `${DE_FILE}: data: appears twice in the same object`],
  ['an answer with "answer_start" twice', utf8(DE_TEXT.replace('{"answer_start":0,', '{"answer_start":15,"answer_start":0,')), `${DE_FILE}: ${P}.qas[0].answers[0].answer_start: appears twice in the same object`],
  // issue 21: an answer text that is not at its answer_start
  ['an answer text not at its answer_start', withDe((d) => void (answer(d).text = 'Zwei')), `${DE_FILE}: ${P}.qas[0].answers[0].text: "Zwei" does not occur at answer_start 0 (the context there reads "Eins")`],
  ['an answer_start shifted by one', withDe((d) => void (answer(d).answer_start = 1)), `${DE_FILE}: ${P}.qas[0].answers[0].text: "Eins" does not occur at answer_start 1 (the context there reads "ins ")`],
  [
    'an answer running past the context',
    withDe((d) => void (d.data[0]!.paragraphs[0]!.qas[1]!.answers[0]!.text = 'Zwei ist da. Und mehr')),
    `${DE_FILE}: ${P}.qas[1].answers[0].text: "Zwei ist da. Und mehr" does not occur at answer_start 15 (the context there reads "Zwei ist da.")`,
  ],
  ['a second answer not at its offset', withDe((d) => void d.data[0]!.paragraphs[0]!.qas[0]!.answers.push({ answer_start: 5, text: 'Eins' })), `${DE_FILE}: ${P}.qas[0].answers[1].text: "Eins" does not occur at answer_start 5`],
  // issue 21: a language file without a single paragraph
  ['every article without paragraphs', withDe((d) => void (d.data[0]!.paragraphs = [])), `${DE_FILE}: data[*].paragraphs: no article has a paragraph (1 articles)`],
  ['a question id repeated in the same paragraph', withDe((d) => void (d.data[0]!.paragraphs[0]!.qas[1]!.id = 'q1')), `${DE_FILE}: ${P}.qas[1].id: question id "q1" repeats ${P}.qas[0].id`],
  ['a qas entry that is an array', withDe((d) => void ((d.data[0]!.paragraphs[0]!.qas as unknown[])[0] = [])), `${DE_FILE}: ${P}.qas[0]: expected an object, got an array`],
];

/** File names: wrong language codes and path-like names are refused, naming the name as given. */
const BAD_NAMES: [DatasetName, string][] = [
  ['xquad-r', 'xquad-r/xx.json'],
  ['xquad-r', 'xquad-r/EN.json'],
  ['xquad-r', 'xquad-r/ro.json'],
  ['mlqa-r', 'mlqa-r/el.json'],
  ['xquad-r', 'xquad-r/en-US.json'],
  ['xquad-r', 'xquad-r/en.json.bak'],
  ['xquad-r', '/etc/passwd'],
  ['xquad-r', '../x'],
  ['xquad-r', 'en.json\u0000'],
  ['xquad-r', 'en\u0000.json'],
  ['xquad-r', ''],
];

describe('parseDataset: malformed categories beyond parseDataset.test.ts', () => {
  it(`rejects ${BAD_DE.length} malformed de.json files cleanly`, async () => {
    for (const [label, bytes, expected] of BAD_DE) {
      await expectCleanRejectionAsync(() => parseDataset('xquad-r', pair(bytes)), DE_FILE, expected).catch((err: Error) => {
        throw new Error(`${label}: ${err.message}`);
      });
    }
  });

  it(`rejects ${BAD_NAMES.length} bad file names (language codes, path-like, NUL), naming the name as given`, async () => {
    for (const [dataset, name] of BAD_NAMES) {
      await expectCleanRejectionAsync(() => parseDataset(dataset, [{ name, bytes: EN }]), name, `${name}: file name: expected <lang>.json with a language of ${dataset}`);
    }
  });

  it('accepts 3 odd but valid inputs: a file-start BOM, a directory prefix with "..", NUL inside a question', async () => {
    checkDataset(await parseDataset('xquad-r', pair(new Uint8Array([0xef, 0xbb, 0xbf, ...DE]))));
    const renamed = await parseDataset('xquad-r', [
      { name: '../../elsewhere/en.json', bytes: EN },
      { name: 'C:\\data\\de.json', bytes: DE },
    ]);
    expect(renamed.files.map((f) => f.name)).toEqual(['xquad-r/de.json', 'xquad-r/en.json']);
    checkDataset(await parseDataset('xquad-r', pair(withDe((d) => void (d.data[0]!.paragraphs[0]!.qas[0]!.question = 'Wo\u0000?')))));
  });
});

describe('parseDataset fuzzing', () => {
  it('valid pair parses (the base of every mutation)', async () => {
    checkDataset(await parseDataset('xquad-r', pair(DE)));
  });

  it('300 arbitrary byte strings as de.json: a valid dataset or a clean DataFormatError', async () => {
    await fc.assert(
      fc.asyncProperty(arbitraryBytes(), async (bytes) => {
        await expectCleanOutcomeAsync(() => parseDataset('xquad-r', pair(bytes)), DE_FILE, checkDataset);
      }),
      fuzzParams(300),
    );
  });

  it('400 JSON mutations of a valid de.json (delete, replace, duplicate, rename): a valid dataset or a clean error', async () => {
    const valid = validDoc('de');
    await fc.assert(
      fc.asyncProperty(jsonMutationsArb(), async (mutations) => {
        const bytes = utf8(toJsonText(applyJsonMutations(valid, mutations)));
        await expectCleanOutcomeAsync(() => parseDataset('xquad-r', pair(bytes)), DE_FILE, checkDataset);
      }),
      fuzzParams(400),
    );
  });

  it('300 byte mutations of a valid de.json (truncate, flip, insert, delete, BOM): a valid dataset or a clean error', async () => {
    await fc.assert(
      fc.asyncProperty(byteMutationsArb(DE.length), async (mutations) => {
        await expectCleanOutcomeAsync(() => parseDataset('xquad-r', pair(applyByteMutations(DE, mutations))), DE_FILE, checkDataset);
      }),
      fuzzParams(300),
    );
  });

  it('jsonErrorPosition agrees with JSON.parse on 300 arbitrary and mutated texts', () => {
    const texts = fc.oneof(
      fc.string({ maxLength: 40 }),
      byteMutationsArb(DE.length).map((m) => lenientText(applyByteMutations(DE, m))),
    );
    fc.assert(
      fc.property(texts, (text) => {
        let valid = true;
        try {
          JSON.parse(text);
        } catch {
          valid = false;
        }
        const at = jsonErrorPosition(text);
        expect(at === null).toBe(valid);
        if (at) expect(at.offset).toBeLessThanOrEqual(text.length);
      }),
      fuzzParams(300),
    );
  });
});
