import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { unzipSync } from 'fflate';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { TorchExportEvent, TorchExportRequest } from '../src/core/experiment/torchProject';
import { parseRunConfig } from '../src/core/experiment/runConfig';
import { makeToyFiles } from '../src/core/train/toyDataset.testutil';
import { runCli } from '../src/cli/commands/cli.testutil';
import { TEST_RUN_CONFIG } from '../src/core/testing/runConfigFixture.testutil';

/** The worker's global scope: what it posts is recorded. */
const posted: TorchExportEvent[] = [];
let arrived: (() => void) | null = null;
const scope: { onmessage: ((msg: { data: unknown }) => Promise<void>) | null; postMessage: (m: unknown) => void } = {
  onmessage: null,
  postMessage: (m) => {
    posted.push(structuredClone(m) as TorchExportEvent);
    arrived?.();
  },
};

async function send(request: unknown): Promise<TorchExportEvent> {
  posted.length = 0;
  const done = new Promise<void>((resolve) => (arrived = resolve));
  await scope.onmessage!({ data: structuredClone(request) });
  await done;
  return posted[0]!;
}

const CONFIG = parseRunConfig(
  {
    ...TEST_RUN_CONFIG,
    seed: 4,
    model: { builtin: 'tiny', pooling: 'cls', maxLength: 12, freezeEmbeddings: false, vocabSize: 800 },
    data: { train: { dataset: 'mlqa-r', languages: ['de', 'en'] }, eval: { dataset: 'xquad-r', languages: ['en'] } },
    strategy: { kind: 'xy' },
    batchSize: 3,
  },
  'test',
);

const train = makeToyFiles({ languages: ['de', 'en'], paragraphs: 8, seed: 1 });
const evalFiles = makeToyFiles({ languages: ['en'], paragraphs: 4, seed: 2 });
let root: string;

beforeAll(async () => {
  vi.stubGlobal('self', scope);
  await import('./torchExport.worker');
  root = await mkdtemp(path.join(os.tmpdir(), 'xlir-torch-worker-'));
}, 60_000);
afterAll(async () => {
  vi.unstubAllGlobals();
  await rm(root, { recursive: true, force: true });
});

describe("the app's PyTorch export worker (issue 24)", () => {
  it('zips the same project, file for file, as xlir export-torch', async () => {
    const request: TorchExportRequest = {
      type: 'torch/export',
      config: CONFIG,
      train: { dataset: 'mlqa-r', languages: ['de', 'en'], files: train.map((f) => ({ name: f.name, bytes: new Uint8Array(f.bytes) })) },
      eval: { dataset: 'xquad-r', languages: ['en'], files: evalFiles.map((f) => ({ name: f.name, bytes: new Uint8Array(f.bytes) })) },
    };
    const event = await send(request);
    if (event.type !== 'torch/exported') throw new Error(`the worker failed: ${JSON.stringify(event)}`);
    const zipped = unzipSync(event.zip);
    expect(Object.keys(zipped)).toHaveLength(event.files);

    const data = path.join(root, 'data');
    for (const [dataset, files] of [
      ['mlqa-r', train],
      ['xquad-r', evalFiles],
    ] as const) {
      await mkdir(path.join(data, dataset), { recursive: true });
      for (const f of files) await writeFile(path.join(data, dataset, f.name), f.bytes);
    }
    await writeFile(path.join(root, 'run.json'), JSON.stringify(CONFIG));
    const out = path.join(root, 'cli-project');
    const r = await runCli(['export-torch', '--config', path.join(root, 'run.json'), '--out', out, '--data', data]);
    expect(r.stderr).toBe('');
    const cliFiles = (await readdir(out, { recursive: true, withFileTypes: true })).filter((e) => e.isFile()).map((e) => path.relative(out, path.join(e.parentPath, e.name)).split(path.sep).join('/'));
    expect(Object.keys(zipped).sort()).toEqual(cliFiles.sort());
    for (const name of cliFiles) expect(Buffer.from(zipped[name]!).equals(await readFile(path.join(out, name))), name).toBe(true);
  });

  it('answers a bad request with an error naming the field', async () => {
    const event = await send({ type: 'torch/export', config: { ...CONFIG, tau: 0 }, train: { dataset: 'mlqa-r', languages: [], files: [] }, eval: { dataset: 'xquad-r', languages: [], files: [] } });
    expect(event.type).toBe('error');
    if (event.type === 'error') expect(event.error.message).toMatch(/^PyTorch export request: config\.tau: /);
  });
});
