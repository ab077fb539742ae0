import { copyFile, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli as run } from './cli.testutil';
import type { EmbedReport } from './embed';

const XLMR = fileURLToPath(new URL('../../../../shared/fixtures/tiny-xlmr/', import.meta.url)).replace(/\/$/, '');

describe('xlir embed', () => {
  let tmp: string;
  beforeAll(async () => {
    tmp = await mkdtemp(path.join(os.tmpdir(), 'xlir-embed-'));
  });
  afterAll(async () => {
    await rm(tmp, { recursive: true, force: true });
  });

  it('prints reference embeddings as JSON (--json, cpu)', async () => {
    const ref = JSON.parse(await readFile(path.join(XLMR, 'reference_outputs.json'), 'utf8')) as { inputs: string[]; cls_l2_normalized: number[][] };
    const args = ['--json', 'embed', '--checkpoint', XLMR, '--pooling', 'cls', '--backend', 'cpu', ...ref.inputs.flatMap((t) => ['--text', t])];
    const r = await run(args);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const report = JSON.parse(r.stdout) as EmbedReport;
    expect(report).toMatchObject({ checkpoint: XLMR, pooling: 'cls', dim: 32 });
    expect(report.embeddings.map((e) => e.text)).toEqual(ref.inputs);
    report.embeddings.forEach((e, i) => e.vector.forEach((x, j) => expect(Math.abs(x - ref.cls_l2_normalized[i]![j]!)).toBeLessThan(1e-4)));
  });

  it('prints one line per vector in text mode, mean pooling by default', async () => {
    const r = await run(['embed', '--checkpoint', XLMR, '--text', 'Hello world!', '--backend', 'cpu']);
    expect(r.code).toBe(0);
    const lines = r.stdout.trim().split('\n');
    expect(lines[0]).toBe(`${XLMR}: mean pooling, dim 32, L2-normalised`);
    expect(lines[1]).toBe('"Hello world!"');
    expect(lines[2]!.trim().split(' ')).toHaveLength(32);
  });

  it.each<[string, string[], number, string]>([
    ['no --text', ['embed', '--checkpoint', XLMR], 2, 'xlir: give at least one --text\n'],
    ['a bad pooling', ['embed', '--checkpoint', XLMR, '--text', 'a', '--pooling', 'max'], 2, '--pooling must be one of mean, cls (got "max")'],
    ['a --max-length beyond the positions', ['embed', '--checkpoint', XLMR, '--text', 'a', '--backend', 'cpu', '--max-length', '65'], 2, "--max-length 65 is more than the 64 tokens this model's positions allow"],
    ['a missing folder', ['embed', '--checkpoint', '/nonexistent/model', '--text', 'a', '--backend', 'cpu'], 1, 'xlir: cannot read checkpoint folder /nonexistent/model (ENOENT)\n'],
  ])('fails with %s', async (_label, args, code, message) => {
    const r = await run(args);
    expect(r.code).toBe(code);
    expect(r.stderr).toContain(message);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
  });

  it('explains a folder without tokenizer.json', async () => {
    for (const f of ['config.json', 'model.safetensors']) await copyFile(path.join(XLMR, f), path.join(tmp, f));
    await writeFile(path.join(tmp, 'vocab.txt'), 'a\n');
    const r = await run(['embed', '--checkpoint', tmp, '--text', 'a', '--backend', 'cpu']);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('no tokenizer.json');
  });
});
