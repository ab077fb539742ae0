/**
 * Bad-input suite (issue 8) for the embeddings file of `xlir evaluate` / `xlir export-trec`: the
 * categories `embeddingsFile.test.ts` does not cover (NaN / Infinity, deep nesting, mismatched
 * dimensions, wrong language codes, path-like and prefix-less ids, `__proto__`), then fast-check fuzzing
 * of arbitrary values and of mutations of a valid file. Every input must give finite matrices of the
 * dataset's shape, or a DataFormatError naming the file and the field.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { XQUAD_R_LANGUAGES } from '../data/languages';
import { applyJsonMutations, DEEP_ARRAY, expectCleanOutcome, expectCleanRejection, fuzzParams, jsonMutationsArb, nastyJsonValue, PATH_LIKE, forEachCase } from '../testing/fuzz.testutil';
import { embeddingsFromJson, embeddingsFromJsonText } from './embeddingsFile';
import type { RetrievalEmbeddings } from './evaluateRetrieval';
import { handDataset } from './handDataset';

const FILE = 'runs/r1/embeddings.json';
const DS = handDataset('xquad-r', {
  en: {
    sentences: ['e0', 'e1'],
    questions: [
      ['q1', 0],
      ['q2', 1],
    ],
  },
  de: { sentences: ['d0', 'd1'], questions: [['q1', 1]] },
});
const LANGS = XQUAD_R_LANGUAGES;

function valid(): { queries: Record<string, unknown>; candidates: Record<string, unknown> } {
  return {
    queries: { 'de:q1': [1, 0, 0], 'en:q1': [0, 1, 0], 'en:q2': [0, 0, 1] },
    candidates: { 'de:0:0:0': [1, 1, 0], 'de:0:0:1': [0, 1, 1], 'en:0:0:0': [0.5, -0.5, 0], 'en:0:0:1': [1e-30, 3e38, -3e38] },
  };
}

function checkEmbeddings(e: RetrievalEmbeddings): void {
  expect(Number.isSafeInteger(e.dim) && e.dim > 0).toBe(true);
  expect(e.queries.length).toBe(DS.queries.length * e.dim);
  expect(e.candidates.length).toBe(DS.candidates.length * e.dim);
  expect([...e.queries, ...e.candidates].every(Number.isFinite)).toBe(true);
}

const run = (json: unknown) => () => embeddingsFromJson(json, FILE, DS, LANGS);
const withQuery = (id: string, v: unknown) => {
  const j = valid();
  j.queries[id] = v;
  return j;
};
const withCandidate = (id: string, v: unknown) => {
  const j = valid();
  j.candidates[id] = v;
  return j;
};

const BAD: [string, unknown, string][] = [
  ['a NaN value', withQuery('en:q1', [0, NaN, 0]), 'queries["en:q1"][1]: expected a finite number, got NaN'],
  ['an Infinity value', withQuery('en:q1', [0, Infinity, 0]), 'queries["en:q1"][1]: expected a finite number, got Infinity'],
  ['a -Infinity value', withCandidate('en:0:0:1', [-Infinity, 0, 0]), 'candidates["en:0:0:1"][0]: expected a finite number, got -Infinity'],
  ['a value beyond float32 (1e39)', withCandidate('en:0:0:1', [0, 1e39, 0]), 'candidates["en:0:0:1"][1]: 1e+39 is outside the float32 range'],
  ['a number as a string', withQuery('de:q1', ['1', 0, 0]), 'queries["de:q1"][0]: expected a finite number, got "1"'],
  ['a null value', withQuery('de:q1', [null, 0, 0]), 'queries["de:q1"][0]: expected a finite number, got null'],
  ['a nested array value', withQuery('de:q1', [[1], 0, 0]), 'queries["de:q1"][0]: expected a finite number, got [1]'],
  ['a value nested 20 000 arrays deep', withQuery('de:q1', [DEEP_ARRAY, 0, 0]), 'queries["de:q1"][0]: expected a finite number, got an array nested too deeply to show'],
  ['a vector nested 20 000 arrays deep', withQuery('de:q1', DEEP_ARRAY), 'queries["en:q1"]: vector has 3 values, the first one had 1'],
  ['candidates of another dimension than queries', { ...valid(), candidates: Object.fromEntries(Object.keys(valid().candidates).map((k) => [k, [1, 2]])) }, 'candidates["de:0:0:0"]: vector has 2 values, the first one had 3'],
  ['a 10^6-value vector among 3-value ones', withQuery('en:q1', new Array(1_000_000).fill(0)), 'queries["en:q1"]: vector has 1000000 values, the first one had 3'],
  ['an empty first vector', withQuery('de:q1', []), 'queries["de:q1"]: empty vector'],
  ['a vector as an object', withQuery('de:q1', { 0: 1, 1: 0, 2: 0 }), 'queries["de:q1"]: expected an array of numbers'],
  // before the fix, "arx" lost its last character and passed as a query of the unloaded language "ar"
  ['an id without a ":" ("arx", ar not loaded)', withQuery('arx', [0, 0, 0]), 'queries["arx"]: unknown id: not a query of xquad-r'],
  ['a language code "xx"', withQuery('xx:q1', [0, 0, 0]), 'queries["xx:q1"]: unknown id'],
  ['a language code "EN"', withQuery('EN:q1', [0, 0, 0]), 'queries["EN:q1"]: unknown id'],
  ['a language of another dataset ("ro")', withCandidate('ro:0:0:0', [0, 0, 0]), 'candidates["ro:0:0:0"]: unknown id: not a candidate of xquad-r'],
  ...PATH_LIKE.map((id): [string, unknown, string] => [`a path-like id ${JSON.stringify(id)}`, withQuery(id, [0, 0, 0]), `queries["${id}"]: unknown id`]),
  ['an id with a trailing NUL', withQuery('en:q1\u0000', [0, 0, 0]), 'queries["en:q1\u0000"]: unknown id'],
  ['a "__proto__" id', { ...valid(), queries: JSON.parse('{"__proto__": [1, 2, 3], "de:q1": [1, 0, 0], "en:q1": [0, 1, 0], "en:q2": [0, 0, 1]}') }, 'queries["__proto__"]: unknown id'],
  ['queries missing', { candidates: valid().candidates }, 'queries: expected an object mapping canonical ids'],
  ['queries as an array', { ...valid(), queries: [[1, 0, 0]] }, 'queries: expected an object mapping canonical ids'],
  ['an extra key at the root', { ...valid(), dim: 3 }, 'dim: unexpected key'],
  ['an empty key at the root', { ...valid(), '': 1 }, '"": unexpected key'],
  ['the root is a string', 'embeddings', '(root): expected an object'],
];

describe('embeddingsFromJson: malformed categories beyond embeddingsFile.test.ts', () => {
  it(`rejects ${BAD.length} malformed embeddings files cleanly`, () => {
    forEachCase(BAD, ([, json, expected]) => expectCleanRejection(run(json), FILE, `${FILE}: ${expected}`));
  });

  it('accepts 2 odd but valid files: ids of an unloaded language, float32 extremes', () => {
    checkEmbeddings(embeddingsFromJson(withQuery('ar:q1', [9, 9, 9]), FILE, DS, LANGS));
    const e = embeddingsFromJson(withCandidate('en:0:0:0', [3.4e38, -3.4e38, 1e-45]), FILE, DS, LANGS);
    checkEmbeddings(e);
  });
});

/** issue 21: file texts, through embeddingsFromJsonText: a repeated id would silently keep the last vector. */
const VALID_TEXT = JSON.stringify(valid());
const BAD_TEXT: [string, string, string][] = [
  ['a query id twice', VALID_TEXT.replace('{"de:q1":[1,0,0],', '{"de:q1":[0,0,1],"de:q1":[1,0,0],'), 'queries["de:q1"]: appears twice in the same object'],
  ['a candidate id twice, far apart', VALID_TEXT.replace('"en:0:0:1":[1e-30,3e+38,-3e+38]}', '"en:0:0:1":[1e-30,3e+38,-3e+38],"de:0:0:0":[0,0,1]}'), 'candidates["de:0:0:0"]: appears twice in the same object'],
  ['an id twice, once with an escaped colon', VALID_TEXT.replace('{"de:q1":[1,0,0],', '{"de:q1":[1,0,0],"de\\u003aq1":[0,0,1],'), 'queries["de:q1"]: appears twice in the same object'],
  ['"queries" twice at the root', VALID_TEXT.replace('{"queries":', '{"queries":{},"queries":'), 'queries: appears twice in the same object'],
  ['a syntax error on line 2', '{"queries": {},\n "candidates": {,}}', '(json): not valid JSON at line 2 column 17 '],
];

describe('embeddingsFromJsonText: duplicate ids and syntax errors (issue 21)', () => {
  it(`rejects ${BAD_TEXT.length} malformed texts cleanly`, () => {
    forEachCase(BAD_TEXT, ([, text, expected]) => expectCleanRejection(() => embeddingsFromJsonText(text, FILE, DS, LANGS), FILE, `${FILE}: ${expected}`));
  });

  it('reads the valid text, and the same ids in the two different tables', () => {
    checkEmbeddings(embeddingsFromJsonText(VALID_TEXT, FILE, DS, LANGS));
    checkEmbeddings(embeddingsFromJsonText(JSON.stringify({ ...valid(), queries: { ...valid().queries, 'ar:0:0:0': [1, 2, 3] }, candidates: { ...valid().candidates, 'ar:0:0:0': [1, 2, 3] } }), FILE, DS, LANGS));
  });
});

describe('embeddingsFromJson fuzzing', () => {
  it('the valid file reads (the base of every mutation)', () => {
    checkEmbeddings(embeddingsFromJson(valid(), FILE, DS, LANGS));
  });

  it('200 arbitrary values (JSON, NaN, ±Infinity, deep arrays): matrices or a clean DataFormatError', () => {
    fc.assert(
      fc.property(nastyJsonValue({ nonJsonNumbers: true }), (json) => {
        expectCleanOutcome(run(json), FILE, checkEmbeddings);
      }),
      fuzzParams(200),
    );
  });

  it('500 mutations of a valid file (delete or rename ids, replace values incl. NaN / Infinity, duplicate entries): matrices or a clean error', () => {
    const base = valid();
    const outcomes = { ok: 0, refused: 0 };
    const keys = fc.oneof(fc.constantFrom(...PATH_LIKE, '__proto__', 'ar:q1', 'de:q2', 'en:0:0:2', 'enq1', 'zh:0:0:0'), fc.string({ maxLength: 6 }));
    fc.assert(
      fc.property(jsonMutationsArb({ values: nastyJsonValue({ nonJsonNumbers: true }), keys }), (mutations) => {
        const out = expectCleanOutcome(run(applyJsonMutations(base, mutations)), FILE, checkEmbeddings);
        outcomes[out.ok ? 'ok' : 'refused']++;
      }),
      fuzzParams(500),
    );
    expect(outcomes.ok).toBeGreaterThan(0);
    expect(outcomes.refused).toBeGreaterThan(0);
  });
});
