import { beforeAll, describe, expect, it, vi } from 'vitest';
import { WorkerEventSchema, type WorkerCommand, type WorkerEvent } from '../src/core/experiment/protocol';
import { parseRunConfig } from '../src/core/experiment/runConfig';
import { TEST_RUN_CONFIG } from '../src/core/testing/runConfigFixture.testutil';

/** Checkpoint reads wait until the test releases them (the worker reads OPFS in the browser). */
const reads: { key: string; release: (files: Map<string, Uint8Array>) => void }[] = [];
vi.mock('../src/storage/opfsCheckpoints', () => ({
  readCheckpointFolder: (key: string) => new Promise((resolve) => reads.push({ key, release: resolve })),
}));
vi.mock('./wasmAssets', () => ({ WASM_PATHS: {} }));

/** The worker's global scope: what it posts is recorded (validated as the page would). */
const posted: WorkerEvent[] = [];
const scope: { onmessage: ((msg: { data: unknown }) => void) | null; postMessage: (m: unknown) => void } = {
  onmessage: null,
  postMessage: (m) => posted.push(WorkerEventSchema.parse(structuredClone(m))),
};

beforeAll(async () => {
  vi.stubGlobal('self', scope);
  await import('./compute.worker');
}, 60_000);

const send = (command: WorkerCommand) => scope.onmessage!({ data: structuredClone(command) });
const settle = () => new Promise((resolve) => setTimeout(resolve, 20));
const answered = () => posted.map((e) => ('requestId' in e ? e.requestId : null));

describe('the compute worker (issue 22: one request at a time)', () => {
  it('answers a request that arrives during an asynchronous one only after it, in arrival order', async () => {
    send({ type: 'model/inspect', requestId: 'inspect', key: 'runs/r/step-1' });
    await settle();
    expect(reads.map((r) => r.key)).toEqual(['runs/r/step-1']);
    // answered at once, without waiting for anything, when handled
    send({ type: 'batch/texts', requestId: 'batch', config: parseRunConfig(TEST_RUN_CONFIG, 'test'), step: 1 });
    await settle();
    expect(answered()).toEqual([]);
    reads[0]!.release(new Map());
    await settle();
    expect(answered()).toEqual(['inspect', 'batch']);
    expect(posted.every((e) => e.type === 'error')).toBe(true);
  });
});
