/**
 * The PyTorch export (issue 24) against `xlir train`, with Debian's PyTorch on CPU:
 *  - the ported sampler replays xlir's batch sequence for every sampler, bit for bit;
 *  - from the same weights and batches, the exported train.py and `xlir train` log the same losses per step.
 *    Tolerance: 1e-5 on the first loss, 1e-4 on the next steps. Both compute in float32 and differ only in
 *    the order of summation (TF.js cpu kernels vs torch's), about 1e-7 relative per operation; measured
 *    differences are ~1e-6 after 4 AdamW steps. Anything wrong in what is computed (an example, τ, a mask,
 *    the prefixes, the learning rate, λ) moves the loss by 1e-2 or more. Dropout is 0: TF.js and torch draw
 *    different masks from the same seed;
 *  - round trip: train.py's checkpoint is evaluated by `xlir evaluate --checkpoint`, its embed.py output by
 *    `xlir evaluate --embeddings`, and the app's loader (the compute worker's: memorySource →
 *    loadCheckpointForEmbedding) embeds like embed.py.
 * Without Python + torch the tests fail naming `apt-get install python3-torch` (never skip).
 */
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { StepLog } from '../../core/experiment/runLog';
import { initBackend } from '../../core/model/backend';
import { memorySource } from '../../core/model/checkpointSource';
import { loadTokenizer } from '../../core/model/tokenizer';
import { loadCheckpointForEmbedding } from '../../core/train/checkpointEmbedSettings';
import { PASSAGE_PREFIX, QUERY_PREFIX } from '../../core/train/textPrefixes';
import { makeToyFiles } from '../../core/train/toyDataset.testutil';
import { readStepLog } from '../runDir';
import { runCli } from './cli.testutil';
import { findTorchPython, runPython, TORCH_INSTALL_HINT } from './torchPython.testutil';

const BASE = {
  schemaVersion: 1,
  seed: 11,
  model: { builtin: 'tiny', pooling: 'mean', maxLength: 16, freezeEmbeddings: false, vocabSize: 1000 },
  data: { train: { dataset: 'mlqa-r', languages: ['de', 'en', 'es'] }, eval: { dataset: 'xquad-r', languages: ['de', 'en'] } },
  strategy: { kind: 'hybrid', alpha: 0.5 },
  steps: 4,
  batchSize: 4,
  tau: 0.05,
  lr: 5e-3,
  weightDecay: 0.01,
  epsilon: 1e-8,
  warmupSteps: 1,
  clipNorm: 1,
  dropout: 0,
  checkpointEvery: 4,
  evalEvery: 0,
};

let root: string;
let data: string;
/** null until beforeAll; a test that needs it throws the reason when it is missing */
let python: string | Error;

function needPython(): string {
  if (python instanceof Error) throw python;
  return python;
}

async function writeConfig(name: string, config: object): Promise<string> {
  const file = path.join(root, `${name}.json`);
  await writeFile(file, JSON.stringify(config));
  return file;
}

/** `xlir export-torch` of a config into root/<name>-project. */
async function exportRun(name: string, config: object, extra: string[] = []): Promise<string> {
  const out = path.join(root, `${name}-project`);
  const r = await runCli(['export-torch', '--config', await writeConfig(name, config), '--out', out, '--data', data, ...extra]);
  expect(r.stderr).toBe('');
  expect(r.code).toBe(0);
  return out;
}

async function pythonLog(dir: string): Promise<StepLog[]> {
  return (await readFile(path.join(dir, 'log.jsonl'), 'utf8'))
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as StepLog);
}

/** `xlir train` and `python train.py` of the same config; returns both step logs. */
async function trainBoth(name: string, config: object): Promise<{ xlir: StepLog[]; torch: StepLog[]; project: string }> {
  const py = needPython();
  const project = await exportRun(name, config);
  const xlirRun = path.join(root, `${name}-xlir`);
  const r = await runCli(['train', '--config', path.join(root, `${name}.json`), '--out', xlirRun, '--data', data, '--backend', 'cpu', '--no-eval']);
  expect(r.stderr).not.toMatch(/internal error/);
  expect(r.code).toBe(0);
  const torchRun = path.join(root, `${name}-torch`);
  await runPython(py, ['train.py', '--out', torchRun, '--device', 'cpu'], project);
  return { xlir: await readStepLog(xlirRun), torch: await pythonLog(torchRun), project };
}

function expectSameSteps(xlir: StepLog[], torch: StepLog[]): void {
  expect(torch.map((l) => l.step)).toEqual(xlir.map((l) => l.step));
  xlir.forEach((a, i) => {
    const b = torch[i]!;
    const tol = i === 0 ? 1e-5 : 1e-4;
    expect(b.batch).toEqual(a.batch);
    expect(b.lr).toBe(a.lr);
    expect(Math.abs(b.retrieval_loss - a.retrieval_loss), `retrieval loss at step ${a.step}: xlir ${a.retrieval_loss}, torch ${b.retrieval_loss}`).toBeLessThanOrEqual(tol);
    expect(Math.abs(b.loss - a.loss), `loss at step ${a.step}`).toBeLessThanOrEqual(tol);
    expect(Math.abs(b.grad_norm - a.grad_norm) / a.grad_norm, `gradient norm at step ${a.step}`).toBeLessThanOrEqual(1e-4);
    if (a.adv_loss !== null) {
      expect(b.lambda).toBeCloseTo(a.lambda!, 12);
      expect(Math.abs(b.adv_loss! - a.adv_loss), `adversarial loss at step ${a.step}`).toBeLessThanOrEqual(tol);
      expect(b.disc_acc).toBeCloseTo(a.disc_acc!, 6);
    }
  });
}

beforeAll(async () => {
  root = await mkdtemp(path.join(os.tmpdir(), 'xlir-export-torch-'));
  data = path.join(root, 'data');
  await mkdir(path.join(data, 'mlqa-r'), { recursive: true });
  await mkdir(path.join(data, 'xquad-r'), { recursive: true });
  for (const f of makeToyFiles({ languages: ['de', 'en', 'es'], paragraphs: 16, seed: 5 })) await writeFile(path.join(data, 'mlqa-r', f.name), f.bytes);
  for (const f of makeToyFiles({ languages: ['de', 'en'], paragraphs: 6, seed: 6 })) await writeFile(path.join(data, 'xquad-r', f.name), f.bytes);
  try {
    python = findTorchPython();
  } catch (err) {
    python = err as Error;
  }
  await initBackend('cpu');
}, 120_000);

afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

// Python processes (torch import, two-process training) run beside the other test files under `npm test`
describe('xlir export-torch', { timeout: 240_000 }, () => {
  it('finds Python with PyTorch, or fails naming the package to install', () => {
    expect(() => findTorchPython({ XLIR_PYTHON: path.join(os.tmpdir(), 'no-such-python') })).toThrow(TORCH_INSTALL_HINT);
    needPython();
  });

  it('writes a readable project: the sources, the run, the data with token ids, the start checkpoint', async () => {
    const dir = await exportRun('layout', BASE);
    const files = (await readdir(dir, { recursive: true })).map((f) => f.split(path.sep).join('/')).sort();
    for (const f of [
      'README.md',
      'requirements.txt',
      'train.py',
      'model.py',
      'sampler.py',
      'losses.py',
      'safetensors_io.py',
      'embed.py',
      'config.json',
      'data/train.json',
      'data/eval.json',
      'data/batches.json',
      'init/model.safetensors',
      'init/config.json',
      'init/tokenizer.json',
    ]) {
      expect(files).toContain(f);
    }
    const project = JSON.parse(await readFile(path.join(dir, 'config.json'), 'utf8')) as { format: string; run: { seed: number; strategy: unknown } };
    expect(project.format).toBe('xlir-torch-project/1');
    expect(project.run).toMatchObject({ seed: 11, strategy: { kind: 'hybrid', alpha: 0.5 } });
    const train = JSON.parse(await readFile(path.join(dir, 'data', 'train.json'), 'utf8')) as { languages: string[]; queries: { text: string; ids: number[] }[] };
    expect(train.languages).toEqual(['de', 'en', 'es']);
    expect(train.queries[0]!.ids.length).toBeGreaterThan(2);
    expect(train.queries[0]!.ids.length).toBeLessThanOrEqual(16);
    expect(await readFile(path.join(dir, 'README.md'), 'utf8')).toMatch(/^<!-- written by xlir export-torch[\s\S]*hybrid on mlqa-r \(de, en, es\)[\s\S]*# An XLIR Lab run, as a PyTorch project/);
    // a second export into the same folder is refused
    const again = await runCli(['export-torch', '--config', path.join(root, 'layout.json'), '--out', dir, '--data', data]);
    expect(again.code).toBe(2);
    expect(again.stderr).toMatch(/is not empty/);
  });

  it.each([
    ['hybrid', { kind: 'hybrid', alpha: 0.3, alphaEnd: 0.9 }],
    ['xy', { kind: 'xy' }],
    ['xx-mono', { kind: 'xx-mono' }],
    ['xx', { kind: 'xx' }],
  ])("the ported %s sampler replays xlir's batch sequence (60 batches, several epochs)", async (name, strategy) => {
    const py = needPython();
    const dir = await exportRun(`sampler-${name}`, { ...BASE, strategy, steps: 60, batchSize: 5 }, ['--batches', '60']);
    const batches = JSON.parse(await readFile(path.join(dir, 'data', 'batches.json'), 'utf8')) as { batches: { triplets: number[][] }[] };
    expect(batches.batches).toHaveLength(60);
    const { stdout } = await runPython(py, ['sampler.py', '--check'], dir);
    expect(stdout).toMatch(/60 batches identical to xlir's/);
  });

  it('the port check fails when the recorded sequence differs', async () => {
    const py = needPython();
    const dir = path.join(root, 'sampler-xy-project');
    const file = path.join(dir, 'data', 'batches.json');
    const batches = JSON.parse(await readFile(file, 'utf8')) as { batches: { triplets: number[][] }[] };
    batches.batches[7]!.triplets.reverse();
    await writeFile(file, JSON.stringify(batches));
    await expect(runPython(py, ['sampler.py', '--check'], dir)).rejects.toThrow(/sampler differs from xlir at step 8/);
  });

  it('hybrid batches: train.py and xlir train start from the same weights and batches and log the same losses', async () => {
    const { xlir, torch } = await trainBoth('hybrid', BASE);
    expect(xlir).toHaveLength(4);
    expectSameSteps(xlir, torch);
  });

  it('adversarial: the discriminator, gradient reversal and λ schedule agree too', async () => {
    const strategy = { kind: 'adversarial', lambdaMax: 0.5, discriminatorHidden: 16, sampler: 'xx', discriminatorDropout: 0, discriminatorLr: 2e-3, weight: 0.5 };
    const { xlir, torch } = await trainBoth('adversarial', { ...BASE, strategy, seed: 12 });
    expect(xlir[0]!.adv_loss).not.toBeNull();
    expectSameSteps(xlir, torch);
  });

  it('two processes (torch.distributed, gloo on CPU: the torchrun path) train the same as one', async () => {
    const py = needPython();
    const project = path.join(root, 'hybrid-project');
    const out = path.join(root, 'hybrid-torch-2proc');
    // the variables torchrun sets; a port from the test's own range, so parallel runs do not collide
    const port = String(20_000 + (process.pid % 20_000));
    await Promise.all([0, 1].map((rank) => runPython(py, ['train.py', '--out', out, '--device', 'cpu'], project, { MASTER_ADDR: '127.0.0.1', MASTER_PORT: port, WORLD_SIZE: '2', RANK: String(rank), LOCAL_RANK: String(rank) })));
    const one = await pythonLog(path.join(root, 'hybrid-torch'));
    const two = await pythonLog(out);
    expectSameSteps(one, two);
  });

  it('round trip: the PyTorch checkpoint and its embeddings file evaluate in the CLI, and load in the app', async () => {
    const py = needPython();
    const project = path.join(root, 'hybrid-project');
    const ckpt = path.join(root, 'hybrid-torch', 'checkpoints', 'step-4');
    const emb = path.join(root, 'hybrid-embeddings.json');
    await runPython(py, ['embed.py', '--checkpoint', ckpt, '--out', emb, '--device', 'cpu'], project);

    const byCheckpoint = path.join(root, 'by-checkpoint.json');
    const byEmbeddings = path.join(root, 'by-embeddings.json');
    const a = await runCli(['evaluate', '--dataset', 'xquad-r', '--languages', 'de,en', '--data', data, '--checkpoint', ckpt, '--out', byCheckpoint]);
    expect(a.stderr).toBe('');
    expect(a.code).toBe(0);
    const b = await runCli(['evaluate', '--dataset', 'xquad-r', '--languages', 'de,en', '--data', data, '--embeddings', emb, '--out', byEmbeddings]);
    expect(b.stderr).toBe('');
    expect(b.code).toBe(0);
    type Headline = { mono: { map: number }; cross: { map: number }; multi: { map: number } };
    const ra = JSON.parse(await readFile(byCheckpoint, 'utf8')) as Headline;
    const rb = JSON.parse(await readFile(byEmbeddings, 'utf8')) as Headline;
    expect(ra.mono.map).toBeGreaterThan(0);
    for (const s of ['mono', 'cross', 'multi'] as const) expect(Math.abs(ra[s].map - rb[s].map), s).toBeLessThan(1e-3);

    // the app's path: the folder's files in memory (as a picked folder is stored), the compute worker's loader
    const files = new Map<string, Uint8Array>();
    for (const rel of await readdir(ckpt, { recursive: true })) {
      const full = path.join(ckpt, rel);
      if ((await readFile(full).catch(() => null)) !== null) files.set(rel.split(path.sep).join('/'), await readFile(full));
    }
    const { encoder, settings } = await loadCheckpointForEmbedding(memorySource('picked folder', files), { loadTokenizer: (s) => loadTokenizer(s) });
    try {
      expect(settings.maxLength).toBe(16);
      const vectors = JSON.parse(await readFile(emb, 'utf8')) as { queries: Record<string, number[]>; candidates: Record<string, number[]> };
      const evalData = JSON.parse(await readFile(path.join(project, 'data', 'eval.json'), 'utf8')) as { queries: { id: string; text: string }[]; candidates: { id: string; text: string }[] };
      const q = evalData.queries.slice(0, 5);
      const c = evalData.candidates.slice(0, 5);
      const texts = [...q.map((x) => QUERY_PREFIX + x.text), ...c.map((x) => PASSAGE_PREFIX + x.text)];
      const ours = tf.tidy(() => encoder.embed(encoder.tokenize(texts, settings.maxLength), { training: false }).arraySync());
      const theirs = [...q.map((x) => vectors.queries[x.id]!), ...c.map((x) => vectors.candidates[x.id]!)];
      ours.forEach((row, i) => row.forEach((v, k) => expect(Math.abs(v - theirs[i]![k]!)).toBeLessThan(1e-5)));
    } finally {
      encoder.dispose();
    }
  });
});
