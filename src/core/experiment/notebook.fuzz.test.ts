/**
 * Bad-input suite (issue 8) for `.xlir.json` notebooks: the categories `notebook.test.ts` does not cover
 * (truncation, BOM, deep nesting, non-finite and unsafe numbers, path-like ids and storage keys, wrong
 * language codes), then fast-check fuzzing of arbitrary text and of JSON and byte mutations of a valid
 * notebook. Every input must give a notebook that re-serialises and parses back identically, or a
 * DataFormatError naming the file and the field.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { TIE_BREAK } from '../metrics/resultSchema';
import {
  applyByteMutations,
  applyJsonMutations,
  byteMutationsArb,
  DEEP_ARRAY,
  deepArrayText,
  expectCleanOutcome,
  expectCleanRejection,
  fuzzParams,
  jsonMutationsArb,
  lenientText,
  PATH_LIKE,
  toJsonText,
  utf8,
  forEachCase,
} from '../testing/fuzz.testutil';
import { createDefaultNotebook, NotebookSchema, parseNotebook, serializeNotebook, type Notebook } from './notebook';
import { parseRunConfig } from './runConfig';
import { TEST_RUN_CONFIG } from '../testing/runConfigFixture.testutil';

const FILE = 'study.xlir.json';

function validNotebook(): Notebook {
  const nb = createDefaultNotebook();
  nb.title = 'Fuzz «base»';
  nb.model = { kind: 'checkpoint', name: 'tiny-xlmr', key: 'models/tiny-xlmr-1', files: [{ path: 'config.json', bytes: 512 }] };
  nb.data.files = { 'mlqa-r/en.json': 'a'.repeat(64) };
  nb.runs.push({
    id: 'r1',
    name: 'hybrid',
    config: parseRunConfig(
      {
        ...TEST_RUN_CONFIG,
        seed: 7,
        model: { checkpoint: 'models/tiny-xlmr-1', pooling: 'mean', maxLength: 32, freezeEmbeddings: true },
        data: { train: { dataset: 'mlqa-r', languages: ['de', 'en'] }, eval: { dataset: 'xquad-r', languages: ['en'] } },
      },
      'config',
    ),
    backend: 'wasm',
    sampledEvalEvery: 2,
    status: 'done',
    error: null,
    createdAt: '2025-11-24T12:00:00.000Z',
    logs: [{ step: 1, loss: 2.3, retrieval_loss: 2.3, adv_loss: null, disc_acc: null, disc_chance: null, lambda: null, lr: 1e-3, grad_norm: 0.5, seconds: 0.6, batch: { kind: 'mono', pairs: { 'de->de': 4 } } }],
    evaluations: [
      {
        step: 1,
        kind: 'full',
        result: {
          schemaVersion: 1,
          dataset: 'xquad-r',
          languages: ['en'],
          files: {},
          dim: 32,
          tie_break: TIE_BREAK,
          mono: { map: 0.1, recall_1: 0.05, cells: { 'en->en': { map: 0.1, recall_1: 0.05, n: 2 } } },
          cross: { map: null, recall_1: null, cells: {} },
          multi: { map: 0.1, recall_10: 0.5, rank_distance: 0, per_language: { en: { map: 0.1, recall_10: 0.5, rank_distance: 0, n: 2 } } },
          per_query: { mono: { 'en->en': { 'en:q1': 0.2, 'en:q2': 0 } }, cross: {}, multi: { en: { 'en:q1': 0.2, 'en:q2': 0 } } },
        },
      },
    ],
    checkpoints: [{ step: 5, key: 'runs/r1/step-5' }],
  });
  return nb;
}

const VALID_TEXT = serializeNotebook(validNotebook());
const VALID_BYTES = utf8(VALID_TEXT);

/** An accepted notebook satisfies the schema and survives the canonical write → read round trip. */
function checkNotebook(nb: Notebook): void {
  expect(NotebookSchema.safeParse(nb).success).toBe(true);
  const text = serializeNotebook(nb);
  expect(parseNotebook(FILE, text)).toEqual(nb);
  expect(serializeNotebook(parseNotebook(FILE, text))).toBe(text);
}

/** A text of the valid notebook with one edit of its parsed form. */
const edited = (edit: (raw: any) => void): string => {
  const raw = JSON.parse(VALID_TEXT);
  edit(raw);
  return toJsonText(raw);
};

const BAD: [string, string, string][] = [
  ['empty text', '', '(json): not valid JSON'],
  ['truncated after "{"', VALID_TEXT.slice(0, 1), '(json): not valid JSON'],
  ['truncated in the middle', VALID_TEXT.slice(0, VALID_TEXT.length >> 1), '(json): not valid JSON'],
  ['truncated before the final "}"', VALID_TEXT.trimEnd().slice(0, -1), '(json): not valid JSON'],
  ['two BOMs', `\uFEFF\uFEFF${VALID_TEXT}`, '(json): not valid JSON'],
  ['100 000 unclosed "["', '['.repeat(100_000), '(json): not valid JSON'],
  ['20 000 nested arrays (valid JSON)', deepArrayText(), '(root): expected a JSON object'],
  ['the title nested 20 000 arrays deep', edited((r) => void (r.title = DEEP_ARRAY)), 'title: '],
  ['a NaN literal', VALID_TEXT.replace('"smoothing": 0.8', '"smoothing": NaN'), '(json): not valid JSON'],
  ['smoothing 1e400 (Infinity)', VALID_TEXT.replace('"smoothing": 0.8', '"smoothing": 1e400'), 'figures.smoothing: '],
  ['pngScale 2^53', edited((r) => void (r.figures.pngScale = 2 ** 53)), 'figures.pngScale: '],
  ['a log loss given as "Infinity"', edited((r) => void (r.runs[0].logs[0].loss = 'Infinity')), 'runs[0].logs[0].loss: '],
  ['a step of -1', edited((r) => void (r.runs[0].logs[0].step = -1)), 'runs[0].logs[0].step: '],
  ['schemaVersion "1" (a string)', edited((r) => void (r.schemaVersion = '1')), 'schemaVersion: expected 1, got the string "1"'],
  ['schemaVersion 1e400', VALID_TEXT.replace(/^ "schemaVersion": \d+,$/m, ' "schemaVersion": 1e400,'), 'schemaVersion: version Infinity is newer'],
  ['a language code "EN"', edited((r) => void (r.data.train.languages = ['EN'])), 'data.train.languages[0]: '],
  ['a language code "xx"', edited((r) => void (r.data.eval.languages = ['en', 'xx'])), 'data.eval.languages[1]: '],
  ['a language repeated', edited((r) => void (r.data.eval.languages = ['en', 'en'])), 'data.eval.languages[1]: "en" appears twice'],
  ['a language of another dataset ("el" in MLQA-R)', edited((r) => void (r.data.train.languages = ['el'])), 'data.train.languages[0]: mlqa-r has no language "el"'],
  ['a file hash in upper case', edited((r) => void (r.data.files = { 'mlqa-r/en.json': 'A'.repeat(64) })), 'data.files.mlqa-r/en.json: '],
  ['two cells with one id', edited((r) => void (r.cells[4].id = 'model')), 'cells[4].id: cell id "model" appears twice'],
  ['a second "data" cell', edited((r) => void r.cells.push({ kind: 'data', id: 'data2' })), 'cells: needs exactly one "data" cell, found 2'],
  ...PATH_LIKE.map((id): [string, string, string] => [`a cell id ${JSON.stringify(id)}`, edited((r) => void (r.cells[0].id = id)), 'cells[0]']),
  ...PATH_LIKE.filter((k) => k !== '\uFEFF').map((key): [string, string, string] => [`a checkpoint key ${JSON.stringify(key)}`, edited((r) => void (r.runs[0].checkpoints[0].key = key)), 'runs[0].checkpoints[0].key: ']),
  ['a model key "runs/../../x"', edited((r) => void (r.model.key = 'runs/../../x')), 'model.key: a relative storage path'],
  ['a model key with an empty segment', edited((r) => void (r.model.key = 'models//x')), 'model.key: a relative storage path'],
  ['a markdown note over 1 MB', edited((r) => void (r.cells[4].markdown = 'x'.repeat(1_000_001))), 'cells[4]'],
  ['the root is null', 'null', '(root): expected a JSON object'],
  ['every field under "__proto__"', `{"__proto__": ${VALID_TEXT}}`, 'schemaVersion: expected 1, got undefined'],
];

describe('parseNotebook: malformed categories beyond notebook.test.ts', () => {
  it(`rejects ${BAD.length} malformed notebooks cleanly`, () => {
    forEachCase(BAD, ([, text, expected]) => expectCleanRejection(() => parseNotebook(FILE, text), FILE, `${FILE}: ${expected}`));
  });

  it('accepts 3 odd but valid files: a leading BOM, U+FFFD and NUL in free text, "../" in a note', () => {
    checkNotebook(parseNotebook(FILE, `\uFEFF${VALID_TEXT}`));
    checkNotebook(
      parseNotebook(
        FILE,
        edited((r) => void (r.title = 'caf\uFFFD \u0000')),
      ),
    );
    checkNotebook(
      parseNotebook(
        FILE,
        edited((r) => void (r.cells[4].markdown = '[x](../../etc/passwd)')),
      ),
    );
  });
});

describe('parseNotebook fuzzing', () => {
  it('the valid notebook parses (the base of every mutation)', () => {
    checkNotebook(parseNotebook(FILE, VALID_TEXT));
  });

  it('300 arbitrary texts (JSON and not): a notebook or a clean DataFormatError', () => {
    const texts = fc.oneof(
      fc.string({ maxLength: 60 }),
      fc.string({ unit: 'binary', maxLength: 60 }),
      fc.jsonValue({ maxDepth: 3 }).map((v) => JSON.stringify(v) ?? ''),
    );
    fc.assert(
      fc.property(texts, (text) => {
        expectCleanOutcome(() => parseNotebook(FILE, text), FILE, checkNotebook);
      }),
      fuzzParams(300),
    );
  });

  it('500 JSON mutations of a valid notebook (delete, replace, duplicate ids, rename keys): a notebook or a clean error', () => {
    const valid = JSON.parse(VALID_TEXT) as unknown;
    const outcomes = { ok: 0, refused: 0 };
    fc.assert(
      fc.property(jsonMutationsArb(), (mutations) => {
        const text = toJsonText(applyJsonMutations(valid, mutations));
        const out = expectCleanOutcome(() => parseNotebook(FILE, text), FILE, checkNotebook);
        outcomes[out.ok ? 'ok' : 'refused']++;
      }),
      fuzzParams(500),
    );
    expect(outcomes.ok).toBeGreaterThan(0);
    expect(outcomes.refused).toBeGreaterThan(0);
  });

  it('300 byte mutations of a valid notebook file, decoded leniently (truncate, flip, insert, delete, BOM): a notebook or a clean error', () => {
    fc.assert(
      fc.property(byteMutationsArb(VALID_BYTES.length), (mutations) => {
        const text = lenientText(applyByteMutations(VALID_BYTES, mutations));
        expectCleanOutcome(() => parseNotebook(FILE, text), FILE, checkNotebook);
      }),
      fuzzParams(300),
    );
  });
});
