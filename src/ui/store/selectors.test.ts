import { describe, expect, it } from 'vitest';
import { fullResult } from '../../core/testing/fullResult.testutil';
import { TEST_RUN_CONFIG } from '../../core/testing/runConfigFixture.testutil';
import { parseRunConfig } from '../../core/experiment/runConfig';
import type { RunRecord, StepLog } from '../../core/experiment/notebook';
import { addEvaluation, applyRunUpdates, RunUpdateBuffer } from '../actions/runUpdates';
import { latestEvaluation, resultRows, sameResultRows, selectBaselineRun, selectHeatmapRun } from './selectors';
import { DEFAULT_FIGURE_SETTINGS } from '../../core/experiment/notebook';

const config = parseRunConfig(TEST_RUN_CONFIG, 'test config');
const log = (step: number) => ({ step, loss: 1 }) as StepLog;

function record(id: string, seed: number): RunRecord {
  return {
    id,
    name: id,
    config,
    backend: 'auto',
    sampledEvalEvery: 0,
    status: 'running',
    error: null,
    createdAt: '2026-01-01T00:00:00.000Z',
    logs: [log(1)],
    evaluations: [{ step: 10, kind: 'full', result: fullResult({ seed, questions: 20, languages: ['de', 'en'] }) }],
    checkpoints: [],
  };
}

/** The store after one flush of step logs for run `id` (twice a second while it trains). */
function flushLogs(state: { runs: RunRecord[] }, id: string, step: number): { runs: RunRecord[] } {
  const buffer = new RunUpdateBuffer();
  buffer.addLogs(id, [log(step)]);
  return { runs: applyRunUpdates({ runs: state.runs, runtime: {} }, buffer.take()).runs! };
}

describe("the Results cell's memo inputs (issue 20)", () => {
  const figures = { ...DEFAULT_FIGURE_SETTINGS };
  const before = { runs: [record('a', 1), record('b', 2)], figures };

  it("stay the same while only the runs' logs grow, though the run records are replaced", () => {
    const after = { ...flushLogs(flushLogs(before, 'a', 2), 'b', 2), figures };
    // the records the memos used to depend on change on every flush...
    expect(selectHeatmapRun(after)).not.toBe(selectHeatmapRun(before));
    // ...what they read does not: the evaluations shown, the runs' names, the table rows
    const shown = (s: typeof before) => [latestEvaluation(selectHeatmapRun(s)!), latestEvaluation(selectBaselineRun(s, selectHeatmapRun(s))!)];
    expect(shown(after)[0]).toBe(shown(before)[0]);
    expect(shown(after)[1]).toBe(shown(before)[1]);
    expect(sameResultRows(resultRows(before.runs), resultRows(after.runs))).toBe(true);
  });

  it('change when an evaluation arrives or a run is renamed', () => {
    const evaluated = before.runs.map((r) => (r.id === 'a' ? { ...r, evaluations: addEvaluation(r.evaluations, { step: 20, kind: 'full', result: fullResult({ seed: 3, questions: 20, languages: ['de', 'en'] }) }) } : r));
    expect(sameResultRows(resultRows(before.runs), resultRows(evaluated))).toBe(false);
    const renamed = before.runs.map((r) => (r.id === 'b' ? { ...r, name: 'baseline' } : r));
    expect(sameResultRows(resultRows(before.runs), resultRows(renamed))).toBe(false);
  });
});
