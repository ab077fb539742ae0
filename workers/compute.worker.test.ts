import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { beforeAll, describe, expect, it, vi } from 'vitest';
import { WorkerEventSchema, type WorkerCommand, type WorkerEvent } from '../src/core/experiment/protocol';
import { parseRunConfig } from '../src/core/experiment/runConfig';
import { initBackend } from '../src/core/model/backend';
import { TEST_RUN_CONFIG } from '../src/core/testing/runConfigFixture.testutil';
import { sharedFixture } from '../src/core/testing/sharedData.testutil';
import { makeToyFiles } from '../src/core/train/toyDataset.testutil';

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

describe('the compute worker evaluating a checkpoint (issue 22)', () => {
  it('embeds a folder that states no length by the rule of `xlir evaluate`, min(limit, 128), not by the notebook', async () => {
    // tiny-xlmr: a bare HF folder (no manifest, no sentence_bert_config.json) whose positions allow 64 tokens
    const dir = sharedFixture('tiny-xlmr');
    const names = ['config.json', 'model.safetensors', 'tokenizer.json', 'tokenizer_config.json', 'special_tokens_map.json'];
    const files = new Map(await Promise.all(names.map(async (name) => [name, new Uint8Array(await readFile(path.join(dir, name)))] as const)));
    await initBackend('cpu');
    send({ type: 'data/load', requestId: 'load', dataset: 'mlqa-r', languages: ['de', 'en'], files: makeToyFiles({ languages: ['de', 'en'], paragraphs: 3, seed: 1 }).map((f) => ({ name: f.name, bytes: new Uint8Array(f.bytes) })) });
    send({ type: 'model/evaluate', requestId: 'evaluate', key: 'imports/tiny-xlmr', dataset: 'mlqa-r', languages: ['de', 'en'] });
    await vi.waitFor(() => expect(reads.map((r) => r.key)).toContain('imports/tiny-xlmr'));
    reads.find((r) => r.key === 'imports/tiny-xlmr')!.release(files);
    const reply = await vi.waitFor(
      () => {
        const event = posted.find((e) => 'requestId' in e && e.requestId === 'evaluate');
        if (!event) throw new Error('no answer yet');
        return event;
      },
      { timeout: 60_000, interval: 50 },
    );
    if (reply.type !== 'model/evaluated') throw new Error(`expected model/evaluated, got ${JSON.stringify(reply)}`);
    expect(reply.summary).toContain('embedded with at most 64 tokens (the default min(64, 128) (the checkpoint states no length))');
  }, 90_000);
});
