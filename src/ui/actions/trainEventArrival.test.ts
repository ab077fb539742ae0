import { describe, expect, it } from 'vitest';
import { fullResult } from '../../core/testing/fullResult.testutil';
import { EvaluationSchema } from '../../core/experiment/notebook';
import { packEvaluationMessage } from '../../core/experiment/evaluationMessage';
import { DataFormatError } from '../../core/errors';
import { checkPerQuery, parseTrainEvent } from './trainEventArrival';

const message = () => packEvaluationMessage(EvaluationSchema.parse({ step: 4, kind: 'full', result: fullResult({ seed: 3, questions: 20, languages: ['de', 'en'] }) }));
const event = (evaluation: unknown) => structuredClone({ type: 'train/evaluation', runId: 'r1', evaluation });

describe('a train/evaluation message off the wire (issue 20, item 9: its per-query ids are checked in a task of their own)', () => {
  it('validates the summary at once and hands the per-query data on as it came', () => {
    const m = message();
    const bad = { ...m, perQuery: { ...m.perQuery!, ids: { queries: { 'xquad-r': { en: [''] } }, candidates: {} } } };
    const parsed = parseTrainEvent(event(bad));
    expect(parsed.success).toBe(true);
    expect(parsed.data?.type === 'train/evaluation' && parsed.data.evaluation.perQuery).toEqual(bad.perQuery);
    // which the controller's check then refuses, naming the field
    expect(() => checkPerQuery(bad.perQuery)).toThrow(DataFormatError);
    expect(() => checkPerQuery(bad.perQuery)).toThrow(/^train\/evaluation message: perQuery\.ids\.queries\.xquad-r\.en: a list of non-empty ids$/);
  });

  it('refuses a bad summary in the message task, as before', () => {
    const m = message();
    const parsed = parseTrainEvent(event({ ...m, result: { ...m.result, dataset: 'nope' } }));
    expect(parsed.success).toBe(false);
  });

  it('a well-formed message checks out unchanged, and other events parse as before', () => {
    const m = message();
    const parsed = parseTrainEvent(event(m));
    expect(parsed.success && parsed.data.type === 'train/evaluation' && checkPerQuery(parsed.data.evaluation.perQuery)).toEqual(m.perQuery);
    expect(checkPerQuery(null)).toBeNull();
    expect(parseTrainEvent({ type: 'train/phase', runId: 'r1', phase: 'training', detail: '' }).success).toBe(true);
    expect(parseTrainEvent({ type: 'train/evaluation', runId: 'r1' }).success).toBe(false);
  });
});
