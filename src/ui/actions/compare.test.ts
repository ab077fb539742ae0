import { afterEach, describe, expect, it, vi } from 'vitest';
import { fullResult } from '../../core/testing/fullResult.testutil';
import { unpackComparedResult, type ComparedResult } from '../../core/experiment/comparedResult';
import type { Evaluation } from '../../core/experiment/notebook';
import type { ResultsComparison } from '../../core/experiment/protocol';
import { COMPARISON_SETTINGS } from '../../core/metrics/compareRetrieval';
import { significanceKey } from '../../core/metrics/significanceKey';
import { useAppStore } from '../store/store';
import type { StatsInputs, StatsRequest } from '../workers/statsWorkerClient';

/** The stats worker's client, faked: keys are hashed "in the worker" from what the page posted. */
const calls = vi.hoisted(() => ({ key: [] as unknown[], compare: [] as unknown[] }));
vi.mock('../workers/statsWorkerClient', () => ({
  StatsWorkerClient: class {
    async key(inputs: StatsInputs): Promise<string> {
      calls.key.push(inputs);
      return significanceKey(unpackComparedResult(inputs.a), unpackComparedResult(inputs.b), inputs.settings);
    }
    compare(request: StatsRequest): Promise<ResultsComparison> {
      calls.compare.push(request);
      return new Promise(() => {});
    }
  },
}));
const { requestComparison } = await import('./compare');

const setting = { mapA: 0.5, mapB: 0.25, diff: 0.25, p: 0.01, ci: [0.1, 0.4] as [number, number], cells: {} };
const COMPARISON = { dataset: 'xquad-r', permutations: 10, resamples: 10, level: 0.95, mono: setting, cross: setting, multi: setting } as ResultsComparison;

const full = (seed: number): Evaluation => ({ step: 40, kind: 'full', result: fullResult({ seed, questions: 100, languages: ['de', 'en', 'zh'] }) });

async function settled(figure: string) {
  await vi.waitFor(() => expect(['done', 'failed']).toContain(useAppStore.getState().comparisons[figure]?.state));
  return useAppStore.getState().comparisons[figure];
}

describe("the Results cell's paired tests (issue 20: cache keys are hashed in the stats worker)", () => {
  afterEach(() => {
    useAppStore.setState({ comparisons: {}, significance: {} });
    calls.key.length = 0;
    calls.compare.length = 0;
  });

  it('posts both results packed, asks the worker for the key, and serves a cached test (a reload) without computing', async () => {
    const [a, b] = [full(1), full(2)];
    // the notebook's cache, as a reload restores it: keyed by the hash of the results themselves
    const key = significanceKey(a.result as never, b.result as never, COMPARISON_SETTINGS);
    useAppStore.setState({ significance: { [key]: { figure: 'a@full40|b@full40', ...COMPARISON_SETTINGS, comparison: COMPARISON } } });
    requestComparison('a@full40|b@full40', a, b);
    expect(await settled('a@full40|b@full40')).toEqual({ state: 'done', comparison: COMPARISON, cached: true });
    expect(calls.key).toHaveLength(1);
    const posted = calls.key[0] as StatsInputs;
    expect([posted.a.form, posted.b.form]).toEqual(['packed', 'packed']);
    // strings, not per-query objects
    expect(JSON.stringify(posted.a)).not.toContain('"de:');
    expect(calls.compare).toEqual([]);
  });

  it('computes a test the cache lacks in the stats worker, under the key the worker gave', async () => {
    const [a, b] = [full(3), full(4)];
    requestComparison('a@full40|b@full40', a, b);
    expect(useAppStore.getState().comparisons['a@full40|b@full40']).toEqual({ state: 'running' });
    await vi.waitFor(() => expect(calls.compare).toHaveLength(1));
    const request = calls.compare[0] as StatsRequest & { a: ComparedResult };
    expect(request.key).toBe(significanceKey(a.result as never, b.result as never, COMPARISON_SETTINGS));
    expect(request.a.form).toBe('packed');
    // asked again while it runs (a re-render), nothing new starts
    requestComparison('a@full40|b@full40', a, b);
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(calls.key).toHaveLength(1);
  });
});
