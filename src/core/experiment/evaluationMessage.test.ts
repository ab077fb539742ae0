import { describe, expect, it } from 'vitest';
import { fullResult } from '../testing/fullResult.testutil';
import { EvaluationSchema, type Evaluation } from './notebook';
import { TrainEventSchema } from './protocol';
import { packEvaluationMessage, unpackEvaluationMessage, type EvaluationMessage } from './evaluationMessage';
import { PackedCellError } from './packedEvaluations';
import { packPerQuerySteps, runSteps } from './perQueryTransfer';

/** What the page stored before: the worker's object, structured-cloned and parsed with EvaluationSchema. */
const storedBefore = (e: Evaluation) => EvaluationSchema.parse(structuredClone(e));

/** The message as the page receives it: structured-cloned, then validated by the client (TrainEventSchema). */
function received(m: EvaluationMessage): EvaluationMessage {
  const event = TrainEventSchema.parse(structuredClone({ type: 'train/evaluation', runId: 'r1', evaluation: m }));
  if (event.type !== 'train/evaluation') throw new Error(event.type);
  return event.evaluation;
}

const noPause = { cellsPerSlice: 8, pause: async () => {} };

/** Same keys in the same order, and every number the same double (Object.is: -0 and NaN included). */
function expectIdentical(actual: unknown, expected: unknown, path = '$'): void {
  if (typeof expected !== 'object' || expected === null) {
    if (!Object.is(actual, expected)) throw new Error(`${path}: ${String(actual)} is not ${String(expected)}`);
    return;
  }
  expect(typeof actual, path).toBe('object');
  expect(Array.isArray(actual), path).toBe(Array.isArray(expected));
  const ka = Object.keys(actual as object);
  const ke = Object.keys(expected);
  if (ka.join('\n') !== ke.join('\n')) throw new Error(`${path}: keys ${ka.slice(0, 5).join(', ')}… are not ${ke.slice(0, 5).join(', ')}… (in this order)`);
  for (const k of ke) expectIdentical((actual as Record<string, unknown>)[k], (expected as Record<string, unknown>)[k], `${path}.${k}`);
}

describe('the train/evaluation message (issue 20)', () => {
  it('round-trips a full XQuAD-R evaluation bit-identically, key order included, as a few hundred strings', async () => {
    const e: Evaluation = { step: 100, kind: 'full', result: fullResult({ seed: 1 }) };
    const message = packEvaluationMessage(EvaluationSchema.parse(e));
    // the per-query data travels as strings only: one per cell, ids once
    const cells = message.perQuery!.cells;
    expect(Object.keys(cells.cross)).toHaveLength(110);
    for (const group of [cells.mono, cells.cross, cells.multi, cells.rank_distance!, cells.top_retrieved!.mono, cells.top_retrieved!.cross]) {
      for (const text of Object.values(group)) expect(typeof text).toBe('string');
    }
    expect(message.result).not.toHaveProperty('per_query');
    expect(message.result).not.toHaveProperty('top_retrieved');
    const unpacked = await unpackEvaluationMessage(received(message), noPause);
    expectIdentical(unpacked, storedBefore(e));
  });

  it('round-trips a sampled evaluation whose cross cells hold a subset of the queries (gaps)', async () => {
    const e: Evaluation = { step: 20, kind: 'sampled', result: fullResult({ seed: 2, questions: 300, languages: ['ar', 'de', 'en', 'zh'], crossKeep: 0.1 }) };
    const message = packEvaluationMessage(e);
    expect(Object.values(message.perQuery!.cells.cross).some((text) => /(^| )-\d+( |$)/.test(text))).toBe(true);
    expectIdentical(await unpackEvaluationMessage(received(message), noPause), storedBefore(e));
  });

  it('sends a result without per-query data without any', async () => {
    const { per_query: _pq, top_retrieved: _top, ...summary } = fullResult({ seed: 3, questions: 5, languages: ['en'] });
    const e = { step: 5, kind: 'full' as const, result: summary };
    const message = packEvaluationMessage(e);
    expect(message.perQuery).toBeNull();
    expectIdentical(await unpackEvaluationMessage(received(message), noPause), storedBefore(e));
  });

  it('unpacks at most cellsPerSlice cells between two pauses (the page: one task per slice)', async () => {
    const message = received(packEvaluationMessage({ step: 100, kind: 'full', result: fullResult({ seed: 4 }) }));
    // 11 mono + 110 cross + 11 multi + 11 rank distance + 121 first-retrieved cells
    const cells = 264;
    const pauses: number[] = [];
    await unpackEvaluationMessage(message, { cellsPerSlice: 8, pause: async (done) => void pauses.push(done) });
    const slices = [0, ...pauses, cells].map((d, i, all) => (i === 0 ? 0 : d - all[i - 1]!)).slice(1);
    expect(Math.max(...slices)).toBeLessThanOrEqual(8);
    expect(pauses.length).toBe(Math.floor(cells / 8));
  });

  it('refuses a cell that does not fit its grammar, naming it', async () => {
    const message = received(packEvaluationMessage({ step: 1, kind: 'full', result: fullResult({ seed: 5, questions: 20, languages: ['de', 'en'] }) }));
    const bad = { ...message, perQuery: { ...message.perQuery!, cells: { ...message.perQuery!.cells, cross: { ...message.perQuery!.cells.cross, 'en->de': '1 2 3' } } } };
    await expect(unpackEvaluationMessage(bad, noPause)).rejects.toThrow(PackedCellError);
    await expect(unpackEvaluationMessage(bad, noPause)).rejects.toMatchObject({ field: 'cross.en->de' });
    const outOfRange = { ...message, perQuery: { ...message.perQuery!, cells: { ...message.perQuery!.cells, multi: { ...message.perQuery!.cells.multi, en: message.perQuery!.cells.multi.en!.replace(/^\S+/, '1.5') } } } };
    await expect(unpackEvaluationMessage(outOfRange, noPause)).rejects.toMatchObject({ field: 'multi.en' });
  });

  it('refuses to pack what would not come back as it is, rather than reorder or round it', () => {
    const r = fullResult({ seed: 6, questions: 4, languages: ['de', 'en'], topRetrieved: false });
    const reversed = Object.fromEntries(Object.entries(r.per_query.multi.en!).reverse());
    expect(() => runSteps(packPerQuerySteps({ ...r, per_query: { ...r.per_query, multi: { ...r.per_query.multi, en: reversed } } }))).toThrow(/earlier cell/);
    const negativeZero = { ...r.per_query.rank_distance!.de!, [Object.keys(r.per_query.rank_distance!.de!)[0]!]: -0 };
    expect(() => runSteps(packPerQuerySteps({ ...r, per_query: { ...r.per_query, rank_distance: { ...r.per_query.rank_distance, de: negativeZero } } }))).toThrow(/-0/);
    const foreign = { ...r.per_query.mono['en->en'], 'de:x': 0.5 };
    expect(() => runSteps(packPerQuerySteps({ ...r, per_query: { ...r.per_query, mono: { ...r.per_query.mono, 'en->en': foreign } } }))).toThrow(/not "en:/);
  });
});
