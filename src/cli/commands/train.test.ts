import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { makeToyFiles } from '../../core/train/toyDataset.testutil';
import { main } from '../main';
import { listCheckpoints, readEvalLog, readStepLog } from '../runDir';
import { loadDatasetFromDir } from '../loadDataset';
import { parseRetrievalResult } from '../../core/metrics/resultSchema';
import { buildTrainingSet } from '../../core/train/examples';

/** Runs the CLI, returning exit code, stdout and stderr; `onStderr` sees each write to process.stderr as it happens. */
async function run(args: string[], onStderr?: (text: string) => void) {
  let stdout = '';
  let stderr = '';
  const spy = vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
    stdout += String(chunk);
    return true;
  });
  // progress goes to process.stderr (not a TTY under vitest: plain lines)
  const errSpy = vi.spyOn(process.stderr, 'write').mockImplementation((chunk: string | Uint8Array) => {
    stderr += String(chunk);
    onStderr?.(String(chunk));
    return true;
  });
  const err = new Writable({
    write(chunk, _enc, cb) {
      stderr += String(chunk);
      cb();
    },
  });
  try {
    const code = await main(args, err);
    return { code, stdout, stderr };
  } finally {
    spy.mockRestore();
    errSpy.mockRestore();
  }
}

describe('xlir train', () => {
  let root: string;
  let data: string;
  let configFile: string;
  const config = {
    schemaVersion: 1,
    seed: 3,
    model: { builtin: 'tiny', pooling: 'mean', maxLength: 16, freezeEmbeddings: false, vocabSize: 4000 },
    data: { train: { dataset: 'mlqa-r', languages: ['de', 'en'] }, eval: { dataset: 'xquad-r', languages: ['en'] } },
    strategy: { kind: 'hybrid', alpha: 0.5 },
    steps: 6,
    batchSize: 4,
    tau: 0.05,
    lr: 5e-3,
    weightDecay: 0.01,
    epsilon: 1e-8,
    warmupSteps: 1,
    clipNorm: 1,
    dropout: 0.1,
    checkpointEvery: 3,
    evalEvery: 3,
  };

  beforeAll(async () => {
    root = await mkdtemp(path.join(os.tmpdir(), 'xlir-train-'));
    data = path.join(root, 'data');
    await mkdir(path.join(data, 'mlqa-r'), { recursive: true });
    await mkdir(path.join(data, 'xquad-r'), { recursive: true });
    for (const f of makeToyFiles({ languages: ['de', 'en'], paragraphs: 12, seed: 1 })) await writeFile(path.join(data, 'mlqa-r', f.name), f.bytes);
    for (const f of makeToyFiles({ languages: ['en'], paragraphs: 6, seed: 2 })) await writeFile(path.join(data, 'xquad-r', f.name), f.bytes);
    configFile = path.join(root, 'run.json');
    await writeFile(configFile, JSON.stringify(config));
  });
  afterAll(async () => {
    await rm(root, { recursive: true, force: true });
  });

  it('trains, writes the run folder, evaluates and prints a --json summary', async () => {
    const out = path.join(root, 'run-a');
    const started = Date.now();
    const r = await run(['--json', 'train', '--config', configFile, '--out', out, '--data', data, '--backend', 'cpu']);
    expect(r.stderr).not.toMatch(/internal error/);
    expect(r.code).toBe(0);
    const summary = JSON.parse(r.stdout) as { status: string; step: number; checkpoint: string; eval: { step: number; metrics: Record<string, number> } };
    expect(summary).toMatchObject({ status: 'completed', step: 6, backend: 'cpu', checkpoint: path.join(out, 'checkpoints', 'step-6') });
    expect(summary.eval.step).toBe(6);
    expect(summary.eval.metrics['multi.map']).toBeGreaterThan(0);
    expect((await readStepLog(out)).map((l) => l.step)).toEqual([1, 2, 3, 4, 5, 6]);
    expect((await readEvalLog(out)).map((l) => l.step)).toEqual([3, 6]);
    expect(await listCheckpoints(out)).toEqual([3, 6]);
    // the checkpoint is stamped with the time it was written, not with time since the process started
    const created = Date.parse((JSON.parse(await readFile(path.join(out, 'checkpoints', 'step-6', 'manifest.json'), 'utf8')) as { created: string }).created);
    expect(created).toBeGreaterThanOrEqual(started);
    expect(created).toBeLessThanOrEqual(Date.now());
    const saved = JSON.parse(await readFile(path.join(out, 'config.json'), 'utf8')) as typeof config;
    expect(saved.steps).toBe(6);
    const result = JSON.parse(await readFile(path.join(out, 'eval', 'step-6.json'), 'utf8')) as { dataset: string };
    expect(result.dataset).toBe('xquad-r');
    expect(r.stderr).toMatch(/step 6\/6 .*steps\/s .*ETA .*loss/);
  });

  it('--until then --resume gives the same run as one go, bit for bit', async () => {
    const straight = path.join(root, 'run-straight');
    const split = path.join(root, 'run-split');
    expect((await run(['train', '--config', configFile, '--out', straight, '--data', data, '--backend', 'cpu', '--no-eval'])).code).toBe(0);
    const first = await run(['train', '--config', configFile, '--out', split, '--data', data, '--backend', 'cpu', '--no-eval', '--until', '4']);
    expect(first.code).toBe(0);
    expect(first.stdout).toMatch(/stopped at step 4\/6/);
    expect(await listCheckpoints(split)).toEqual([3, 4]);
    const second = await run(['train', '--resume', split, '--data', data, '--backend', 'cpu', '--no-eval']);
    expect(second.code).toBe(0);
    expect(second.stderr).toMatch(/resuming .* from step 4 of 6/);
    const strip = (logs: { seconds: number }[]) => logs.map(({ seconds: _s, ...rest }) => rest);
    expect(strip(await readStepLog(split))).toEqual(strip(await readStepLog(straight)));
    const model = (dir: string) => readFile(path.join(dir, 'checkpoints', 'step-6', 'model.safetensors'));
    expect((await model(split)).equals(await model(straight))).toBe(true);
  });

  it('--backward-chunk-rows backpropagates a few sequences at a time: the same run up to float rounding (issue 25)', async () => {
    const whole = path.join(root, 'run-whole');
    const chunked = path.join(root, 'run-chunked');
    expect((await run(['train', '--config', configFile, '--out', whole, '--data', data, '--backend', 'cpu', '--no-eval'])).code).toBe(0);
    const r = await run(['train', '--config', configFile, '--out', chunked, '--data', data, '--backend', 'cpu', '--no-eval', '--backward-chunk-rows', '2']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/backward in chunks of 2 sequences/);
    const [a, b] = [await readStepLog(whole), await readStepLog(chunked)];
    expect(b.map((l) => l.step)).toEqual(a.map((l) => l.step));
    b.forEach((l, i) => {
      expect(Math.abs(l.loss - a[i]!.loss)).toBeLessThan(1e-4);
      expect(Math.abs(l.grad_norm - a[i]!.grad_norm) / a[i]!.grad_norm).toBeLessThan(1e-3);
    });
    // the run folder records the setting, so the run says how it was trained (a whole-batch run has none)
    const recorded = async (dir: string) => (JSON.parse(await readFile(path.join(dir, 'config.json'), 'utf8')) as { backwardChunkRows?: number }).backwardChunkRows;
    expect(await recorded(chunked)).toBe(2);
    expect(await recorded(whole)).toBeUndefined();
    const bad = await run(['train', '--config', configFile, '--out', path.join(root, 'run-bad'), '--data', data, '--backward-chunk-rows', '0']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/--backward-chunk-rows/);
  });

  it('takes backwardChunkRows from the config; --backward-chunk-rows overrides it, also on --resume (issue 25)', async () => {
    const file = path.join(root, 'chunked.json');
    await writeFile(file, JSON.stringify({ ...config, backwardChunkRows: 3 }));
    const split = path.join(root, 'run-chunk-config');
    const first = await run(['train', '--config', file, '--out', split, '--data', data, '--backend', 'cpu', '--no-eval', '--until', '3']);
    expect(first.code, first.stderr).toBe(0);
    expect(first.stderr).toMatch(/backward in chunks of 3 sequences/);
    // a memory setting, not the maths: a resumed run may change it, and config.json then says so
    const second = await run(['train', '--resume', split, '--data', data, '--backend', 'cpu', '--no-eval', '--backward-chunk-rows', '5']);
    expect(second.code, second.stderr).toBe(0);
    expect(second.stderr).toMatch(/backward in chunks of 5 sequences/);
    expect((JSON.parse(await readFile(path.join(split, 'config.json'), 'utf8')) as { backwardChunkRows?: number }).backwardChunkRows).toBe(5);
    expect((await readStepLog(split)).map((l) => l.step)).toEqual([1, 2, 3, 4, 5, 6]);
    await writeFile(file, JSON.stringify({ ...config, backwardChunkRows: 0 }));
    const bad = await run(['train', '--config', file, '--out', path.join(root, 'run-chunk-bad'), '--data', data, '--backend', 'cpu', '--no-eval']);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toMatch(/chunked\.json: backwardChunkRows: /);
  });

  it('Ctrl-C during an evaluation stops within its first batch: no evaluation for that step, a checkpoint, status stopped (issue 22)', async () => {
    const out = path.join(root, 'run-sigint');
    const before = new Set(process.listeners('SIGINT'));
    let sent = false;
    const r = await run(['train', '--config', configFile, '--out', out, '--data', data, '--backend', 'cpu'], (text) => {
      if (sent || !/step 3: evaluating zero-shot/.test(text)) return;
      sent = true;
      // the command's own handler, as a Ctrl-C would call it (not vitest's)
      for (const listener of process.listeners('SIGINT')) if (!before.has(listener)) (listener as () => void)();
    });
    expect(sent).toBe(true);
    expect(r.code).toBe(0);
    expect(r.stderr).toMatch(/stopping after this step \(or this batch of an evaluation\)/);
    expect(r.stdout).toMatch(/stopped at step 3\/6/);
    expect(await readEvalLog(out)).toEqual([]);
    await expect(readFile(path.join(out, 'eval', 'step-3.json'))).rejects.toThrow(/ENOENT/);
    expect(await listCheckpoints(out)).toEqual([3]);
    expect(process.listeners('SIGINT').filter((l) => !before.has(l))).toEqual([]);
  });

  it('refuses bad invocations with a usage error and bad configs naming the file and field', async () => {
    expect((await run(['train', '--config', configFile, '--data', data])).code).toBe(2);
    expect((await run(['train', '--data', data, '--out', path.join(root, 'x')])).code).toBe(2);
    const both = await run(['train', '--config', configFile, '--resume', path.join(root, 'run-a')]);
    expect(both.code).toBe(2);
    expect(both.stderr).toMatch(/--resume continues a run with its own config\.json/);
    const existing = await run(['train', '--config', configFile, '--out', path.join(root, 'run-a'), '--data', data, '--backend', 'cpu']);
    expect(existing.code).toBe(1);
    expect(existing.stderr).toMatch(/already holds files/);
    const bad = path.join(root, 'bad.json');
    await writeFile(bad, JSON.stringify({ ...config, tau: 0 }));
    const r = await run(['train', '--config', bad, '--out', path.join(root, 'run-bad'), '--data', data, '--backend', 'cpu']);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/bad\.json: tau: /);
  });

  it('trains the pretrained built-in multilingual model from the shipped folder (public/models/multilingual), and resumes it', async () => {
    const { vocabSize: _v, ...model } = config.model;
    const cfg = path.join(root, 'run-multilingual.json');
    await writeFile(cfg, JSON.stringify({ ...config, model: { ...model, builtin: 'multilingual' }, steps: 3, checkpointEvery: 3, evalEvery: 0, lr: 2e-4 }));
    const out = path.join(root, 'run-multilingual');
    const r = await run(['--json', 'train', '--config', cfg, '--out', out, '--data', data, '--backend', 'cpu']);
    expect(r.stderr).not.toMatch(/internal error/);
    expect(r.code).toBe(0);
    expect(r.stderr).toMatch(/model multilingual \(pretrained\)/);
    const summary = JSON.parse(r.stdout) as { status: string; step: number; eval: { step: number; metrics: Record<string, number> } };
    expect(summary).toMatchObject({ status: 'completed', step: 3 });
    expect(summary.eval.metrics['multi.map']).toBeGreaterThan(0);
    // the run's model is the shipped tokenizer, fine-tuned
    const shipped = await readFile(path.resolve('public/models/multilingual/tokenizer.json'), 'utf8');
    expect(await readFile(path.join(out, 'checkpoints', 'step-3', 'tokenizer.json'), 'utf8')).toBe(shipped);
    const resumed = await run(['train', '--resume', out, '--data', data, '--backend', 'cpu', '--no-eval', '--steps', '4']);
    expect(resumed.code).toBe(0);
    expect(resumed.stderr).toMatch(/resuming .* from step 3 of 4/);
    const withVocab = path.join(root, 'run-multilingual-vocab.json');
    await writeFile(withVocab, JSON.stringify({ ...config, model: { ...config.model, builtin: 'multilingual' } }));
    const bad = await run(['train', '--config', withVocab, '--out', path.join(root, 'run-mv'), '--data', data, '--backend', 'cpu']);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toMatch(/run-multilingual-vocab\.json: model\.vocabSize: /);
  });

  it('with data.validationFraction, scores the held-out training questions only and writes validation/step-N.json', async () => {
    const cfg = path.join(root, 'run-val.json');
    await writeFile(cfg, JSON.stringify({ ...config, data: { ...config.data, validationFraction: 0.25 } }));
    const out = path.join(root, 'run-val');
    const r = await run(['--json', 'train', '--config', cfg, '--out', out, '--data', data, '--backend', 'cpu', '--no-eval']);
    expect(r.code).toBe(0);
    const summary = JSON.parse(r.stdout) as { validation: Record<string, number> | null; eval: unknown };
    expect(summary.eval).toBeNull();
    const result = parseRetrievalResult(await readFile(path.join(out, 'validation', 'step-6.json'), 'utf8'), 'validation');
    expect(result.dataset).toBe('mlqa-r');
    expect(result.languages).toEqual(['de', 'en']);
    expect(summary.validation!['mono.map']).toBe(result.mono.map);
    // the queries are the held-out question ids, in both languages: 12 toy paragraphs' questions × 0.25
    const ids = Object.keys(result.per_query.multi.en!).map((id) => id.slice(3));
    const dataset = await loadDatasetFromDir(data, 'mlqa-r', ['de', 'en']);
    const set = buildTrainingSet(dataset, { languages: ['de', 'en'], seed: config.seed, validationFraction: 0.25 });
    expect(ids.sort()).toEqual(set.validation.map((g) => g.questionId).sort());
    expect(ids.length).toBeGreaterThan(0);
    expect(set.groups.some((g) => ids.includes(g.questionId))).toBe(false);
  });
  it('grows a vocabSize too small for the training languages’ alphabet instead of failing at step 0, and says so (issue 20, item 1)', async () => {
    const file = path.join(root, 'small-vocab.json');
    await writeFile(file, JSON.stringify({ ...config, steps: 1, checkpointEvery: 1, model: { ...config.model, vocabSize: 200 } }));
    const out = path.join(root, 'run-small-vocab');
    const r = await run(['train', '--config', file, '--out', out, '--data', data, '--backend', 'cpu', '--no-eval']);
    expect(r.code).toBe(0);
    const grown = /tokenizer: vocabulary grown from vocabSize 200 to (\d+): the training languages need (\d+) special tokens and alphabet entries/.exec(r.stderr);
    expect(grown).not.toBeNull();
    const saved = JSON.parse(await readFile(path.join(out, 'checkpoints', 'step-1', 'config.json'), 'utf8')) as { vocab_size: number };
    expect(saved.vocab_size).toBe(Number(grown![1]));
    expect(Number(grown![1])).toBeGreaterThan(Number(grown![2]));
  });
});
