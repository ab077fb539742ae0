import { afterEach, describe, expect, it } from 'vitest';
import type { RunRecord } from '../../core/experiment/notebook';
import type { TrainCommand } from '../../core/experiment/protocol';
import type { LoadedFiles } from './data';
import { useAppStore } from '../store/store';
import { RunController } from './runController';
import { EvaluationSchema } from '../../core/experiment/notebook';
import { packEvaluationMessage } from '../../core/experiment/evaluationMessage';
import { fullResult } from '../../core/testing/fullResult.testutil';

const RUN_ID = 'r1';
const files = { dataset: 'xquad-r', languages: ['en'], files: [] } as unknown as LoadedFiles;

/** A controller over the app's store with fake workers: records what each worker was sent. */
function setUp() {
  const sent: TrainCommand[] = [];
  const controller = new RunController({
    store: useAppStore,
    createWorker: () => ({ send: (c) => sent.push(c), terminate: () => {} }),
    datasetFiles: async () => ({ files: { train: files, eval: files }, transfer: [] }),
    deleteCheckpointFolder: async () => {},
  });
  useAppStore.setState({
    runs: [{ id: RUN_ID, name: 'Hybrid', status: 'running', error: null, config: {}, logs: [], evaluations: [], checkpoints: [{ step: 10, key: 'runs/r1/step-10' }] } as unknown as RunRecord],
    runtime: {},
  });
  return { controller, sent };
}

const run = () => useAppStore.getState().runs.find((r) => r.id === RUN_ID)!;
const settle = () => new Promise((resolve) => setTimeout(resolve, 0));

describe('RunController: a failed worker (issue 22: typed error codes)', () => {
  afterEach(() => useAppStore.setState({ runs: [], runtime: {} }));

  it('resumes the run from its last checkpoint when the GPU device was lost (code DEVICE_LOST)', async () => {
    const { controller, sent } = setUp();
    controller.onTrainEvent({ type: 'train/failed', runId: RUN_ID, error: { name: 'DeviceLost', code: 'DEVICE_LOST', message: 'the GPU device was lost (destroyed)' } });
    await settle();
    expect(run().status).toBe('queued');
    expect(useAppStore.getState().runtime[RUN_ID]?.autoResumes).toBe(1);
    expect(useAppStore.getState().runtime[RUN_ID]?.recovered).toMatch(/resumed from checkpoint @10$/);
    expect(sent.map((c) => (c.type === 'train/start' ? c.resumeFrom : c.type))).toEqual(['runs/r1/step-10']);
  });

  it('resumes after a crashed worker (code WORKER_CRASHED)', async () => {
    const { controller, sent } = setUp();
    controller.onTrainEvent({ type: 'train/failed', runId: RUN_ID, error: { name: 'WorkerError', code: 'WORKER_CRASHED', message: 'training worker crashed: out of memory' } });
    await settle();
    expect(sent).toHaveLength(1);
  });

  it('records any other failure, whatever its message says', async () => {
    const { controller, sent } = setUp();
    controller.onTrainEvent({ type: 'train/failed', runId: RUN_ID, error: { name: 'Error', code: 'INTERNAL', message: 'the device was lost, said a library' } });
    await settle();
    expect([run().status, run().error]).toEqual(['failed', 'the device was lost, said a library']);
    expect(sent).toHaveLength(0);
  });

  it('stops resuming after three losses in a row without a new checkpoint', async () => {
    const { controller, sent } = setUp();
    for (let i = 0; i < 4; i++) {
      controller.onTrainEvent({ type: 'train/failed', runId: RUN_ID, error: { name: 'DeviceLost', code: 'DEVICE_LOST', message: 'lost' } });
      await settle();
    }
    expect(sent).toHaveLength(3);
    expect(run().status).toBe('failed');
  });

  it('drops an evaluation whose per-query ids do not fit their schema, naming the field, and trains on', async () => {
    const { controller } = setUp();
    const m = packEvaluationMessage(EvaluationSchema.parse({ step: 4, kind: 'full', result: fullResult({ seed: 3, questions: 20, languages: ['de', 'en'] }) }));
    const bad = { ...m, perQuery: { ...m.perQuery!, ids: { queries: { 'xquad-r': { en: [''] } }, candidates: {} } } };
    controller.onTrainEvent({ type: 'train/evaluation', runId: RUN_ID, evaluation: bad });
    await expect.poll(() => useAppStore.getState().runtime[RUN_ID]?.storageError).toMatch(/^evaluation dropped: train\/evaluation message: perQuery\.ids\.queries\.xquad-r\.en: a list of non-empty ids$/);
    expect(run().evaluations).toEqual([]);
    expect(run().status).toBe('running');
  });

  it('fails the run on a step log that does not fit its schema, naming the field', () => {
    const { controller } = setUp();
    controller.onTrainEvent({ type: 'train/steps', runId: RUN_ID, logs: [{ step: 'one' }], stepsPerSecond: null });
    expect(run().status).toBe('failed');
    expect(run().error).toMatch(/^step log: step: /);
  });
});
