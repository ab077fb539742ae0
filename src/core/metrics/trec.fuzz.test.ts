/**
 * Bad-input suite (issue 8) for TREC qrels and run files: the categories `trec.test.ts` does not cover
 * (truncated lines, huge and non-decimal numbers, non-finite scores, NUL separators, duplicates), then
 * fast-check fuzzing of arbitrary text and of line, field and byte mutations of valid files. Every input
 * must give qrels / a run that `evaluateTrec` scores to finite numbers, or a DataFormatError naming the
 * file and the line.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { applyByteMutations, byteMutationsArb, expectCleanOutcome, expectCleanRejection, fuzzParams, lenientText, PATH_LIKE, utf8, forEachCase } from '../testing/fuzz.testutil';
import { evaluateTrec, parseQrels, parseRun, TREC_MEASURES, type Qrels, type TrecRun } from './trec';

const QRELS = 'test.qrels';
const RUN = 'test.run';

const VALID_QRELS = ['q1 0 d1 1', 'q1 0 d2 0', 'q1 0 d3 2', 'q2 0 d1 1', 'q3 0 d4 0'].join('\n') + '\n';
const VALID_RUN = ['q1 Q0 d1 1 0.9 t', 'q1 Q0 d2 2 0.5 t', 'q1 Q0 d3 3 0.5 t', 'q2 Q0 d4 1 -1.5e-3 t', 'q2 Q0 d1 2 -2 t', 'q9 Q0 d1 1 3 t'].join('\n') + '\n';

function checkQrels(q: Qrels): void {
  for (const docs of q.values()) for (const level of docs.values()) expect(Number.isSafeInteger(level)).toBe(true);
}

function checkRun(r: TrecRun): void {
  for (const { docs, scores } of r.values()) {
    expect(docs.length).toBe(scores.length);
    expect(new Set(docs).size).toBe(docs.length);
    expect(scores.every(Number.isFinite)).toBe(true);
  }
}

/** What the parsed files are for: every measure a finite number, the rank-based ones in [0, 1]. */
function checkScores(q: Qrels, r: TrecRun): void {
  const e = evaluateTrec(q, r);
  for (const k of TREC_MEASURES) expect(Number.isFinite(e.measures[k]), k).toBe(true);
  for (const m of e.perQuery.values()) for (const k of ['map', 'recip_rank', 'recall_1', 'recall_10'] as const) expect(m[k] >= 0 && m[k] <= 1, k).toBe(true);
}

const BAD_QRELS: [string, string, string][] = [
  ['a relevance level in exponent form', 'q1 0 d1 1e3\n', 'line 1, rel: expected an integer relevance level, got "1e3"'],
  ['a relevance level "1.0"', 'q1 0 d1 1.0\n', 'line 1, rel: expected an integer relevance level'],
  ['a relevance level of 2^64', 'q1 0 d1 18446744073709551616\n', 'line 1, rel: relevance level "18446744073709551616" is too large'],
  ['a relevance level of 400 digits (Infinity)', `q1 0 d1 ${'9'.repeat(400)}\n`, 'line 1, rel: relevance level "9999999999999999999999999999999999999999" is too large'],
  ['a hexadecimal relevance level', 'q1 0 d1 0x1\n', 'line 1, rel: expected an integer relevance level, got "0x1"'],
  ['a relevance level "NaN"', 'q1 0 d1 NaN\n', 'line 1, rel: expected an integer relevance level, got "NaN"'],
  ['a truncated last line', `${VALID_QRELS}q4 0 d`, 'line 6: expected 4 fields "qid 0 docid rel", got 3'],
  ['five fields', 'q1 0 d1 1 extra\n', 'line 1: expected 4 fields'],
  ['NUL as the separator', 'q1\u00000\u0000d1\u00001\n', 'line 1: expected 4 fields "qid 0 docid rel", got 1'],
  ['old Mac line ends (CR only)', 'q1 0 d1 1\rq1 0 d2 1\r', 'line 1: expected 4 fields "qid 0 docid rel", got 8'],
  ['a judgement repeated after CRLF lines', 'q1 0 d1 1\r\nq2 0 d1 1\r\nq1 0 d1 0\r\n', 'line 3: query "q1" judges document "d1" twice'],
  ['a judgement repeated with another level', 'q1 0 ../x 1\nq1 0 ../x 2\n', 'line 2: query "q1" judges document "../x" twice'],
];

const BAD_RUNS: [string, string, string][] = [
  ['a score "Infinity"', 'q1 Q0 d1 1 Infinity t\n', 'line 1, score: expected a finite number, got "Infinity"'],
  ['a score "-Infinity"', 'q1 Q0 d1 1 -Infinity t\n', 'line 1, score: expected a finite number'],
  ['a score 1e400 (parses to Infinity)', 'q1 Q0 d1 1 1e400 t\n', 'line 1, score: expected a finite number, got "1e400"'],
  ['a score "inf"', 'q1 Q0 d1 1 inf t\n', 'line 1, score: expected a finite number, got "inf"'],
  ['a hexadecimal score', 'q1 Q0 d1 1 0x10 t\n', 'line 1, score: expected a finite number, got "0x10"'],
  ['a decimal comma', 'q1 Q0 d1 1 0,5 t\n', 'line 1, score: expected a finite number, got "0,5"'],
  ['a score of "."', 'q1 Q0 d1 1 . t\n', 'line 1, score: expected a finite number'],
  ['a rank "NaN"', 'q1 Q0 d1 NaN 0.5 t\n', 'line 1, rank: expected a number, got "NaN"'],
  ['a truncated last line', `${VALID_RUN}q2 Q0 d9 3 0.`, 'line 7: expected 6 fields "qid Q0 docid rank score tag", got 5'],
  ['seven fields', 'q1 Q0 d1 1 0.5 t x\n', 'line 1: expected 6 fields'],
  ['a document retrieved twice, far apart', 'q1 Q0 d1 1 0.5 t\nq2 Q0 d1 1 0.5 t\nq1 Q0 d1 9 0.1 t\n', 'line 3: query "q1" retrieves document "d1" twice'],
  ['a qrels file given as the run', VALID_QRELS, 'line 1: expected 6 fields "qid Q0 docid rank score tag", got 4'],
];

describe('TREC files: malformed categories beyond trec.test.ts', () => {
  it(`rejects ${BAD_QRELS.length} malformed qrels and ${BAD_RUNS.length} malformed runs cleanly`, () => {
    forEachCase(BAD_QRELS, ([, text, expected]) => expectCleanRejection(() => parseQrels(text, QRELS), QRELS, `${QRELS}: ${expected}`), 'qrels, ');
    forEachCase(BAD_RUNS, ([, text, expected]) => expectCleanRejection(() => parseRun(text, RUN), RUN, `${RUN}: ${expected}`), 'run, ');
  });

  it('accepts 4 odd but valid files: a BOM, path-like and NUL ids, no-break spaces, a -0 level', () => {
    const q = parseQrels(
      `\uFEFFq1 0 d1 1\n${PATH_LIKE.filter((id) => id.trim() !== '')
        .map((id) => `q2 0 ${id} 1`)
        .join('\n')}\nq3\u00a00\u00a0d1\u00a0-0\n`,
      QRELS,
    );
    expect([...q.keys()]).toEqual(['q1', 'q2', 'q3']);
    expect([...q.get('q2')!.keys()]).toEqual(PATH_LIKE.filter((id) => id.trim() !== ''));
    checkQrels(q);
    const r = parseRun('\uFEFFq2 Q0 a\u0000b 1 1 t\nq2 Q0 ../x 2 -0 t\n', RUN);
    checkRun(r);
    checkScores(q, r);
  });
});

/** Field-level edits of a whitespace-separated file: replace a field, drop or repeat a line, drop a field. */
type LineEdit = { op: 'field'; line: number; field: number; value: string } | { op: 'dropLine' | 'repeatLine' | 'dropField'; line: number; field: number };
const TOKENS = ['', '0', '-1', '1.5', '1e3', '1e400', '-1e400', 'NaN', 'Infinity', '9'.repeat(400), '0x1f', '+7', '-0', 'q1', 'd1', 'Q0', ...PATH_LIKE, 'a b', '\t', '\r'];
const lineEditArb: fc.Arbitrary<LineEdit[]> = fc.array(
  fc.oneof(
    fc.record({ op: fc.constant('field' as const), line: fc.nat(20), field: fc.nat(7), value: fc.oneof(fc.constantFrom(...TOKENS), fc.string({ maxLength: 4 })) }),
    fc.record({ op: fc.constantFrom('dropLine' as const, 'repeatLine' as const, 'dropField' as const), line: fc.nat(20), field: fc.nat(7) }),
  ),
  { minLength: 1, maxLength: 3 },
);

function applyLineEdits(text: string, edits: readonly LineEdit[]): string {
  const lines = text.split('\n').map((l) => l.split(' '));
  for (const e of edits) {
    const i = e.line % lines.length;
    const fields = lines[i]!;
    if (e.op === 'field') fields[e.field % fields.length] = e.value;
    else if (e.op === 'dropField') fields.splice(e.field % fields.length, 1);
    else if (e.op === 'dropLine') lines.splice(i, 1);
    else lines.splice(i + 1, 0, [...fields]);
    if (lines.length === 0) lines.push(['']);
  }
  return lines.map((f) => f.join(' ')).join('\n');
}

describe('TREC fuzzing', () => {
  it('the valid files parse and score (the bases of every mutation)', () => {
    const q = parseQrels(VALID_QRELS, QRELS);
    const r = parseRun(VALID_RUN, RUN);
    checkQrels(q);
    checkRun(r);
    checkScores(q, r);
  });

  const texts = fc.oneof(
    fc.string({ maxLength: 80 }),
    fc.string({ unit: 'binary', maxLength: 80 }),
    fc.array(fc.constantFrom(...TOKENS, ' ', '\n'), { maxLength: 30 }).map((t) => t.join(' ')),
  );

  it('300 arbitrary texts as qrels and 300 as runs: parsed files that score, or a clean DataFormatError', () => {
    fc.assert(
      fc.property(texts, (text) => {
        const q = expectCleanOutcome(() => parseQrels(text, QRELS), QRELS, checkQrels);
        const r = expectCleanOutcome(() => parseRun(text, RUN), RUN, checkRun);
        if (q.ok && r.ok) checkScores(q.value, r.value);
      }),
      fuzzParams(300),
    );
  });

  it('400 field / line mutations of valid qrels and runs (huge, non-finite, path-like tokens; dropped and repeated lines): files that score, or a clean error', () => {
    const outcomes = { ok: 0, refused: 0 };
    fc.assert(
      fc.property(lineEditArb, lineEditArb, (qEdits, rEdits) => {
        const q = expectCleanOutcome(() => parseQrels(applyLineEdits(VALID_QRELS, qEdits), QRELS), QRELS, checkQrels);
        const r = expectCleanOutcome(() => parseRun(applyLineEdits(VALID_RUN, rEdits), RUN), RUN, checkRun);
        if (q.ok && r.ok) checkScores(q.value, r.value);
        for (const o of [q, r]) outcomes[o.ok ? 'ok' : 'refused']++;
      }),
      fuzzParams(400),
    );
    expect(outcomes.ok).toBeGreaterThan(0);
    expect(outcomes.refused).toBeGreaterThan(0);
  });

  it('300 byte mutations of valid qrels and runs, decoded leniently: files that score, or a clean error', () => {
    const qBytes = utf8(VALID_QRELS);
    const rBytes = utf8(VALID_RUN);
    fc.assert(
      fc.property(byteMutationsArb(qBytes.length), byteMutationsArb(rBytes.length), (qm, rm) => {
        const q = expectCleanOutcome(() => parseQrels(lenientText(applyByteMutations(qBytes, qm)), QRELS), QRELS, checkQrels);
        const r = expectCleanOutcome(() => parseRun(lenientText(applyByteMutations(rBytes, rm)), RUN), RUN, checkRun);
        if (q.ok && r.ok) checkScores(q.value, r.value);
      }),
      fuzzParams(300),
    );
  });
});
