import { beforeAll, describe, expect, it, vi } from 'vitest';
import { fullResult } from '../src/core/testing/fullResult.testutil';
import { armMeanResult, packResult, type StudyArm } from '../src/core/experiment/studyResults';
import type { ComparedResult } from '../src/core/experiment/comparedResult';
import { packPerQuerySteps, runSteps } from '../src/core/experiment/perQueryTransfer';
import { StatsEventSchema, type StatsCommand, type StatsEvent } from '../src/core/experiment/statsProtocol';
import { compareRetrieval } from '../src/core/metrics/compareRetrieval';
import type { RetrievalResult } from '../src/core/metrics/resultSchema';
import { createRng } from '../src/core/metrics/rng';
import { significanceKey } from '../src/core/metrics/significanceKey';

/** The worker's global scope: what it posts is recorded (validated as the page would). */
const posted: StatsEvent[] = [];
const scope: { onmessage: ((msg: { data: unknown }) => void) | null; postMessage: (m: unknown) => void } = {
  onmessage: null,
  postMessage: (m) => posted.push(StatsEventSchema.parse(structuredClone(m))),
};

beforeAll(async () => {
  vi.stubGlobal('self', scope);
  await import('./stats.worker');
});

/** Sends a command as the page does (structured-cloned) and returns what the worker answered. */
function send(command: StatsCommand): StatsEvent[] {
  posted.length = 0;
  scope.onmessage!({ data: structuredClone(command) });
  return [...posted];
}

/** How the page posts a run's evaluation: its summary and its packed per-query data. */
function packed(r: RetrievalResult): ComparedResult {
  const { per_query: _pq, top_retrieved: _top, ...summary } = r;
  return { form: 'packed', result: summary, perQuery: runSteps(packPerQuerySteps({ dataset: r.dataset, per_query: r.per_query }))! };
}

const SETTINGS = { seed: 7, permutations: 200, resamples: 200, level: 0.95 };

describe('the stats worker (issue 20: cache keys are hashed here, not on the page)', () => {
  it('answers stats/key with the key of the results the page holds, so keys cached before still hit', () => {
    const a = fullResult({ seed: 1 });
    const b = fullResult({ seed: 2 });
    const [event] = send({ type: 'stats/key', requestId: 'k0', a: packed(a), b: packed(b), ...SETTINGS });
    expect(event).toEqual({ type: 'stats/keyed', requestId: 'k0', key: significanceKey(a, b, SETTINGS) });
  });

  it('keys a study arm from its packed seed mean as the page did from the unpacked one', () => {
    const arm = (seed: number) => ({ mean: packResult(fullResult({ seed, questions: 40, languages: ['de', 'en', 'es'], topRetrieved: false })) }) as StudyArm;
    const [a, b] = [arm(3), arm(4)];
    const [event] = send({ type: 'stats/key', requestId: 'k1', a: { form: 'study', result: a.mean as never }, b: { form: 'study', result: b.mean as never }, ...SETTINGS });
    expect(event).toEqual({ type: 'stats/keyed', requestId: 'k1', key: significanceKey(armMeanResult(a) as RetrievalResult, armMeanResult(b) as RetrievalResult, SETTINGS) });
  });

  it('runs the paired tests on the unpacked results: the same comparison as on the results themselves', () => {
    const a = fullResult({ seed: 5, questions: 60, languages: ['de', 'en', 'zh'] });
    const b = fullResult({ seed: 6, questions: 60, languages: ['de', 'en', 'zh'] });
    const events = send({ type: 'stats/compare', requestId: 's0', a: packed(a), b: packed(b), ...SETTINGS });
    const done = events.at(-1)!;
    expect(events.slice(0, -1).every((e) => e.type === 'stats/progress')).toBe(true);
    expect(done).toEqual({ type: 'stats/compared', requestId: 's0', comparison: compareRetrieval(a, b, { rng: createRng(SETTINGS.seed), permutations: 200, resamples: 200, level: 0.95 }) });
  });

  it('answers a packed cell that does not fit its grammar with an error naming it', () => {
    const a = packed(fullResult({ seed: 8, questions: 10, languages: ['en'] }));
    if (a.form !== 'packed') throw new Error(a.form);
    const bad: ComparedResult = { ...a, perQuery: { ...a.perQuery, cells: { ...a.perQuery.cells, multi: { en: '1 2' } } } };
    const [event] = send({ type: 'stats/key', requestId: 'k2', a: bad, b: a, ...SETTINGS });
    expect(event).toMatchObject({ type: 'error', requestId: 'k2', error: { code: 'DATA_FORMAT' } });
    expect(event?.type === 'error' && event.error.message).toMatch(/result a: per_query\.multi\.en: 2 values for 10 queries/);
  });
});
