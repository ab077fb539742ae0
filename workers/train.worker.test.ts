/**
 * The training worker takes the chunked backward from the run config it is sent (issue 25): a
 * `train/start` whose config sets `backwardChunkRows` trains through gradientCache.ts in chunks of that
 * many sequences, and says so; one without it backpropagates the whole batch.
 */
import { beforeEach, describe, expect, it, vi } from 'vitest';
import type { TrainCommand, TrainEvent } from '../src/core/experiment/protocol';
import { parseRunConfig } from '../src/core/experiment/runConfig';
import { TEST_RUN_CONFIG } from '../src/core/testing/runConfigFixture.testutil';
import { makeToyFiles } from '../src/core/train/toyDataset.testutil';

/** The chunk size of every chunked backward the worker's run made. */
const chunkSizes: number[] = [];
vi.mock('../src/core/train/gradientCache', async (importOriginal) => {
  const real = await importOriginal<typeof import('../src/core/train/gradientCache')>();
  return {
    ...real,
    chunkedGradients: (...args: Parameters<typeof real.chunkedGradients>) => {
      chunkSizes.push(args[2]);
      return real.chunkedGradients(...args);
    },
  };
});
// browser storage: checkpoints are kept in memory here
vi.mock('../src/storage/opfsCheckpoints', () => ({
  writeCheckpointFolder: async () => {},
  readCheckpointFolder: async () => new Map(),
  deleteCheckpointFolder: async () => {},
  describeStorageError: (err: unknown) => String(err),
}));
// the runs here use the cpu backend: the wasm binaries are named (setWasmPaths wants all three), never loaded
vi.mock('./wasmAssets', () => ({ WASM_PATHS: Object.fromEntries(['tfjs-backend-wasm.wasm', 'tfjs-backend-wasm-simd.wasm', 'tfjs-backend-wasm-threaded-simd.wasm'].map((f) => [f, `unused/${f}`])) }));

const posted: TrainEvent[] = [];
const scope: { onmessage: ((msg: { data: unknown }) => Promise<void>) | null; postMessage: (m: unknown) => void } = {
  onmessage: null,
  postMessage: (m) => posted.push(structuredClone(m) as TrainEvent),
};

const files = (languages: ('de' | 'en')[], seed: number) => makeToyFiles({ languages, paragraphs: 6, seed }).map((f) => ({ name: f.name, bytes: new Uint8Array(f.bytes) }));

/** Starts a fresh worker (one run per worker) on a 2-step run of the tiny model; resolves with its events. */
async function trainInWorker(backwardChunkRows?: number): Promise<TrainEvent[]> {
  vi.resetModules();
  vi.stubGlobal('self', scope);
  await import('./train.worker');
  posted.length = 0;
  const config = parseRunConfig({ ...TEST_RUN_CONFIG, steps: 2, batchSize: 3, warmupSteps: 0, checkpointEvery: 2, ...(backwardChunkRows !== undefined ? { backwardChunkRows } : {}) }, 'test');
  const start: TrainCommand = {
    type: 'train/start',
    runId: 'r1',
    config,
    model: { kind: 'builtin', config: 'tiny' },
    train: { name: 'mlqa-r', languages: ['en', 'de'], files: files(['de', 'en'], 1) },
    eval: { name: 'xquad-r', languages: ['en'], files: files(['en'], 2) },
    sampledEvalEvery: 0,
    backend: 'cpu',
    resumeFrom: null,
    checkpointRoot: 'runs/r1',
  };
  await scope.onmessage!({ data: structuredClone(start) });
  const end = posted.find((e) => e.type === 'train/ended' || e.type === 'train/failed');
  if (end?.type !== 'train/ended') throw new Error(`the run did not end: ${JSON.stringify(end ?? posted.at(-1))}`);
  vi.unstubAllGlobals();
  return [...posted];
}

beforeEach(() => {
  chunkSizes.length = 0;
});

describe('the training worker and the chunked backward (issue 25)', () => {
  it("trains in chunks of the config's backwardChunkRows, and says so while starting", async () => {
    const events = await trainInWorker(2);
    expect(chunkSizes).toEqual([2, 2]);
    const details = events.flatMap((e) => (e.type === 'train/phase' ? [e.detail] : []));
    expect(details.some((d) => d.endsWith('; backward in chunks of 2 sequences'))).toBe(true);
    expect(events.find((e) => e.type === 'train/ended')).toMatchObject({ reason: 'done', step: 2 });
  }, 120_000);

  it('backpropagates the whole batch when the config has no backwardChunkRows', async () => {
    const events = await trainInWorker();
    expect(chunkSizes).toEqual([]);
    expect(events.some((e) => e.type === 'train/phase' && e.detail.includes('backward in chunks'))).toBe(false);
    expect(events.find((e) => e.type === 'train/ended')).toMatchObject({ reason: 'done', step: 2 });
  }, 120_000);
});
