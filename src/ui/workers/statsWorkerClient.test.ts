import { describe, expect, it } from 'vitest';
import { CancelledError } from '../../core/errors';
import type { StatsCommand } from '../../core/experiment/statsProtocol';
import type { ResultsComparison } from '../../core/experiment/protocol';
import type { ComparedResult } from '../../core/experiment/comparedResult';
import { StatsWorkerClient, type StatsWorkerLike } from './statsWorkerClient';

/** A worker that records what it was sent and answers when the test says so. */
class FakeWorker implements StatsWorkerLike {
  onmessage: ((msg: MessageEvent<unknown>) => void) | null = null;
  onerror: ((ev: ErrorEvent) => void) | null = null;
  sent: StatsCommand[] = [];
  terminated = false;
  postMessage(message: StatsCommand): void {
    this.sent.push(message);
  }
  terminate(): void {
    this.terminated = true;
  }
  emit(data: unknown): void {
    this.onmessage?.({ data } as MessageEvent<unknown>);
  }
}

const setting = { mapA: 0.5, mapB: 0.25, diff: 0.25, p: 0.01, ci: [0.1, 0.4] as [number, number], cells: {} };
const COMPARISON = { dataset: 'xquad-r', permutations: 10, resamples: 10, level: 0.95, mono: setting, cross: setting, multi: setting } as ResultsComparison;
const SETTINGS = { seed: 1, permutations: 10, resamples: 10, level: 0.95 };
/** A stand-in result (the fake workers never read it). */
const R = (x: number) => ({ form: 'result', result: { x } }) as unknown as ComparedResult;

function client() {
  const workers: FakeWorker[] = [];
  const c = new StatsWorkerClient(() => {
    const w = new FakeWorker();
    workers.push(w);
    return w;
  });
  return { c, workers };
}

describe('StatsWorkerClient', () => {
  it('posts a request, forwards its progress and resolves with the comparison', async () => {
    const { c, workers } = client();
    const progress: [number, number][] = [];
    const done = c.compare({ slot: 'results', key: 'sig1-a', a: R(1), b: R(2), settings: SETTINGS, onProgress: (d, t) => progress.push([d, t]) });
    const [w] = workers;
    expect(w!.sent).toEqual([{ type: 'stats/compare', requestId: 's0', a: R(1), b: R(2), ...SETTINGS }]);
    w!.emit({ type: 'stats/progress', requestId: 's0', done: 1, total: 3 });
    w!.emit({ type: 'stats/progress', requestId: 's0', done: 2, total: 3 });
    w!.emit({ type: 'stats/compared', requestId: 's0', comparison: COMPARISON });
    await expect(done).resolves.toEqual(COMPARISON);
    expect(progress).toEqual([
      [1, 3],
      [2, 3],
    ]);
  });

  it('a newer request for the same figure cancels the running one: the worker is terminated and a fresh one runs the new request', async () => {
    const { c, workers } = client();
    const first = c.compare({ slot: 'results', key: 'sig1-a', a: R(1), b: R(2), settings: SETTINGS });
    const second = c.compare({ slot: 'results', key: 'sig1-b', a: R(3), b: R(4), settings: SETTINGS });
    await expect(first).rejects.toBeInstanceOf(CancelledError);
    expect(workers).toHaveLength(2);
    expect(workers[0]!.terminated).toBe(true);
    expect(workers[1]!.sent.map((m) => m.requestId)).toEqual(['s1']);
    // a late answer from the terminated worker is ignored
    workers[0]!.emit({ type: 'stats/compared', requestId: 's0', comparison: COMPARISON });
    workers[1]!.emit({ type: 'stats/compared', requestId: 's1', comparison: { ...COMPARISON, dataset: 'mlqa-r' } });
    await expect(second).resolves.toMatchObject({ dataset: 'mlqa-r' });
  });

  it('requests for other figures wait their turn and are not cancelled', async () => {
    const { c, workers } = client();
    const results = c.compare({ slot: 'results', key: 'sig1-a', a: R(1), b: R(2), settings: SETTINGS });
    const study = c.compare({ slot: 'study:x|y', key: 'sig1-b', a: R(3), b: R(4), settings: SETTINGS });
    const [w] = workers;
    expect(w!.sent.map((m) => m.requestId)).toEqual(['s0']);
    w!.emit({ type: 'stats/compared', requestId: 's0', comparison: COMPARISON });
    await expect(results).resolves.toEqual(COMPARISON);
    expect(w!.sent.map((m) => m.requestId)).toEqual(['s0', 's1']);
    w!.emit({ type: 'error', requestId: 's1', error: { name: 'ConfigError', code: 'CONFIG', message: 'the results have different cells' } });
    await expect(study).rejects.toThrow(/different cells/);
    expect(workers).toHaveLength(1);
  });

  it('a crashed worker fails its job and the next starts on a fresh worker', async () => {
    const { c, workers } = client();
    const first = c.compare({ slot: 'results', key: 'sig1-a', a: R(1), b: R(2), settings: SETTINGS });
    const second = c.compare({ slot: 'study:x|y', key: 'sig1-b', a: R(3), b: R(4), settings: SETTINGS });
    workers[0]!.onerror?.({ message: 'out of memory' } as ErrorEvent);
    await expect(first).rejects.toThrow(/crashed: out of memory/);
    expect(workers[1]!.sent.map((m) => m.requestId)).toEqual(['s1']);
    workers[1]!.emit({ type: 'stats/compared', requestId: 's1', comparison: COMPARISON });
    await expect(second).resolves.toEqual(COMPARISON);
  });

  it('computes cache keys in a second worker, which never waits behind the tests', async () => {
    const { c, workers } = client();
    const tests = c.compare({ slot: 'results', key: 'sig1-a', a: R(1), b: R(2), settings: SETTINGS });
    const key = c.key({ a: R(3), b: R(4), settings: SETTINGS });
    expect(workers).toHaveLength(2);
    const [testWorker, keyWorker] = workers;
    expect(testWorker!.sent.map((m) => m.type)).toEqual(['stats/compare']);
    expect(keyWorker!.sent).toEqual([{ type: 'stats/key', requestId: 'k1', a: R(3), b: R(4), ...SETTINGS }]);
    keyWorker!.emit({ type: 'stats/keyed', requestId: 'k1', key: 'sig1-0123456789abcdef' });
    await expect(key).resolves.toBe('sig1-0123456789abcdef');
    // the key instance is kept for the next key; an error answers that key only
    const bad = c.key({ a: R(5), b: R(6), settings: SETTINGS });
    keyWorker!.emit({ type: 'error', requestId: 'k2', error: { name: 'DataFormatError', code: 'DATA_FORMAT', message: 'result a: per_query.mono.en->en: 3 values for 2 queries' } });
    await expect(bad).rejects.toThrow(/3 values for 2 queries/);
    expect(workers).toHaveLength(2);
    testWorker!.emit({ type: 'stats/compared', requestId: 's0', comparison: COMPARISON });
    await expect(tests).resolves.toEqual(COMPARISON);
  });

  it('a crashed key worker fails the keys it owed; the next key starts a fresh one', async () => {
    const { c, workers } = client();
    const key = c.key({ a: R(1), b: R(2), settings: SETTINGS });
    workers[0]!.onerror?.({ message: 'out of memory' } as ErrorEvent);
    await expect(key).rejects.toThrow(/crashed: out of memory/);
    expect(workers[0]!.terminated).toBe(true);
    const again = c.key({ a: R(1), b: R(2), settings: SETTINGS });
    expect(workers).toHaveLength(2);
    workers[1]!.emit({ type: 'stats/keyed', requestId: 'k1', key: 'sig1-0123456789abcdef' });
    await expect(again).resolves.toBe('sig1-0123456789abcdef');
  });
});
