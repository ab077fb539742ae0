import { afterEach, describe, expect, it } from 'vitest';
import { fullResult } from '../../core/testing/fullResult.testutil';
import { EvaluationSchema, type Evaluation, type RunRecord } from '../../core/experiment/notebook';
import { TrainEventSchema } from '../../core/experiment/protocol';
import { packEvaluationMessage } from '../../core/experiment/evaluationMessage';
import { useAppStore } from '../store/store';
import { onTrainEvent } from './runs';

const RUN_ID = 'r1';

function startRun(): void {
  useAppStore.setState({ runs: [{ id: RUN_ID, name: 'Hybrid', status: 'running', logs: [], evaluations: [], checkpoints: [] } as unknown as RunRecord], runtime: {} });
}

/** What the training worker posts for `e`, as the page's client hands it on (structured-cloned, validated). */
function evaluationEvent(e: Evaluation) {
  return TrainEventSchema.parse(structuredClone({ type: 'train/evaluation', runId: RUN_ID, evaluation: packEvaluationMessage(e) }));
}

const run = () => useAppStore.getState().runs.find((r) => r.id === RUN_ID)!;

/** Counts the page's other tasks (a setImmediate loop) until `done()` holds. */
async function tasksUntil(done: () => boolean): Promise<number> {
  let ticks = 0;
  while (!done()) {
    await new Promise((resolve) => setImmediate(resolve));
    if (++ticks > 100_000) throw new Error('never done');
  }
  return ticks;
}

describe('a full evaluation arriving from a training worker (issue 20)', () => {
  afterEach(() => useAppStore.setState({ runs: [], runtime: {} }));

  it('is unpacked over many short tasks, then stored exactly as the worker made it', async () => {
    startRun();
    const e: Evaluation = { step: 40, kind: 'full', result: fullResult({ seed: 1 }) };
    onTrainEvent(evaluationEvent(e));
    expect(run().evaluations).toEqual([]);
    // 264 cells, 8 per task: other tasks run in between instead of waiting for one long one
    const interleaved = await tasksUntil(() => run().evaluations.length === 1);
    expect(interleaved).toBeGreaterThanOrEqual(264 / 8);
    expect(JSON.stringify(run().evaluations[0])).toBe(JSON.stringify(EvaluationSchema.parse(e)));
  });

  it("holds the run's later events until the evaluation is stored, so the run never reads done without it", async () => {
    startRun();
    const seen: string[] = [];
    const unsubscribe = useAppStore.subscribe((s) => {
      const r = s.runs.find((x) => x.id === RUN_ID);
      const state = `${r?.status}:${r?.evaluations.length}`;
      if (seen.at(-1) !== state) seen.push(state);
    });
    onTrainEvent(evaluationEvent({ step: 40, kind: 'full', result: fullResult({ seed: 2, questions: 200 }) }));
    onTrainEvent({ type: 'train/ended', runId: RUN_ID, reason: 'done', step: 40 });
    expect(run().status).toBe('running');
    await tasksUntil(() => run().status === 'done');
    unsubscribe();
    expect(seen).toEqual(['running:1', 'done:1']);
  });

  it('drops an evaluation whose packed data does not fit its grammar, saying which cell, and goes on', async () => {
    startRun();
    const event = evaluationEvent({ step: 40, kind: 'full', result: fullResult({ seed: 3, questions: 20, languages: ['de', 'en'] }) });
    if (event.type !== 'train/evaluation') throw new Error(event.type);
    event.evaluation.perQuery!.cells.mono['en->en'] = '1 2';
    onTrainEvent(event);
    onTrainEvent({ type: 'train/ended', runId: RUN_ID, reason: 'done', step: 40 });
    await tasksUntil(() => run().status === 'done');
    expect(run().evaluations).toEqual([]);
    expect(useAppStore.getState().runtime[RUN_ID]?.storageError).toMatch(/^evaluation dropped: per_query\.mono\.en->en: 2 values for 20 queries/);
  });
});
