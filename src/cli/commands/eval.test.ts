import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { runCli as run } from './cli.testutil';

describe('xlir eval', () => {
  let dir: string;
  const file = (name: string) => path.join(dir, name);
  beforeAll(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'xlir-eval-'));
    // q1: relevant d2 (level 2) and d9; d2 ties d1 at .5 and wins (larger id); d9 at rank 3 → AP (1/1 + 2/3) / 2
    // q2: relevant x, not retrieved → 0; q3 only in the run → ignored
    await writeFile(file('a.qrels'), 'q1 0 d2 2\nq1 0 d9 1\nq1 0 d1 0\nq2 0 x 1\n');
    await writeFile(file('a.run'), 'q1 Q0 d1 1 0.5 t\nq1 Q0 d2 2 0.5 t\nq1 Q0 d9 3 0.25 t\nq1 Q0 d0 4 0.1 t\nq3 Q0 x 1 9 t\n');
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });
  afterEach(() => {
    vi.restoreAllMocks();
  });

  it('prints trec_eval-style lines over the queries of the qrels', async () => {
    const r = await run(['eval', '--qrels', file('a.qrels'), '--run', file('a.run')]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const ap1 = (1 + 2 / 3) / 2;
    const ndcg1 = (2 + 1 / Math.log2(4)) / (2 + 1 / Math.log2(3));
    expect(r.stdout).toBe(
      [
        'num_q                 \tall\t2',
        `map                   \tall\t${(ap1 / 2).toFixed(4)}`,
        'recip_rank            \tall\t0.5000',
        'recall_1              \tall\t0.2500',
        'recall_10             \tall\t0.5000',
        `ndcg_cut_10           \tall\t${(ndcg1 / 2).toFixed(4)}`,
        '',
      ].join('\n'),
    );
  });

  it('prints JSON with per-query measures with --json', async () => {
    const r = await run(['--json', 'eval', '--qrels', file('a.qrels'), '--run', file('a.run')]);
    expect(r.code).toBe(0);
    const j = JSON.parse(r.stdout) as Record<string, unknown> & { per_query: Record<string, Record<string, number>> };
    expect(Object.keys(j)).toEqual(['num_q', 'map', 'recip_rank', 'recall_1', 'recall_10', 'ndcg_cut_10', 'per_query']);
    expect(j.map).toBeCloseTo((1 + 2 / 3) / 4, 12);
    expect(Object.keys(j.per_query)).toEqual(['q1', 'q2']);
    expect(j.per_query.q1!.map).toBeCloseTo((1 + 2 / 3) / 2, 12);
    expect(j.per_query.q2).toEqual({ map: 0, recip_rank: 0, recall_1: 0, recall_10: 0, ndcg_cut_10: 0 });
  });

  it('exits 1 with one line naming the file and line of a malformed run, or a missing file', async () => {
    await writeFile(file('bad.run'), 'q1 Q0 d1 1 0.5 t\nq1 Q0 d2 2 high t\n');
    const r = await run(['eval', '--qrels', file('a.qrels'), '--run', file('bad.run')]);
    expect(r.code).toBe(1);
    expect(r.stderr).toBe(`xlir: ${file('bad.run')}: line 2, score: expected a finite number, got "high"\n`);
    const m = await run(['eval', '--qrels', file('none.qrels'), '--run', file('a.run')]);
    expect(m.code).toBe(1);
    expect(m.stderr).toBe(`xlir: cannot read qrels file ${file('none.qrels')} (ENOENT)\n`);
  });

  // issue 21: malformed encodings are named, never read as mojibake or as a string of NULs
  const utf16le = (t: string, bom: boolean) => Buffer.concat([bom ? Buffer.from([0xff, 0xfe]) : Buffer.alloc(0), Buffer.from(t, 'utf16le')]);
  const utf16be = (t: string) => Buffer.from(Buffer.from(t, 'utf16le').swap16());
  it.each([
    ['qrels in UTF-16LE with a BOM', 'u1.qrels', utf16le('q1 0 d2 2\n', true), 'qrels', 'encoding: is UTF-16LE, not UTF-8'],
    ['qrels in UTF-16LE without a BOM', 'u2.qrels', utf16le('q1 0 d2 2\n', false), 'qrels', 'encoding: is UTF-16LE, not UTF-8'],
    ['a run in UTF-16BE', 'u3.run', utf16be('q1 Q0 d1 1 0.5 t\n'), 'run', 'encoding: is UTF-16BE, not UTF-8'],
    ['a run with a Latin-1 doc id', 'u4.run', Buffer.from([...Buffer.from('q1 Q0 d'), 0xe9, ...Buffer.from(' 1 0.5 t\n')]), 'run', 'encoding: is not valid UTF-8 (first bad byte at offset 7)'],
  ])('exits 1 naming the encoding of %s', async (_label, name, bytes, which, message) => {
    await writeFile(file(name), bytes);
    const args = which === 'qrels' ? ['--qrels', file(name), '--run', file('a.run')] : ['--qrels', file('a.qrels'), '--run', file(name)];
    const r = await run(['eval', ...args]);
    expect(r.code).toBe(1);
    expect(r.stderr).toBe(`xlir: ${file(name)}: ${message}${message.startsWith('encoding: is UTF-16') ? ' (save the file as UTF-8)' : ''}\n`);
  });

  it('reads a qrels file that starts with a UTF-8 BOM', async () => {
    await writeFile(file('bom.qrels'), Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from('q1 0 d2 2\nq1 0 d9 1\nq1 0 d1 0\nq2 0 x 1\n')]));
    const r = await run(['eval', '--qrels', file('bom.qrels'), '--run', file('a.run')]);
    expect(r.code).toBe(0);
    expect(r.stdout).toBe((await run(['eval', '--qrels', file('a.qrels'), '--run', file('a.run')])).stdout);
  });

  it('exits 2 when an option is missing', async () => {
    const r = await run(['eval', '--qrels', file('a.qrels')]);
    expect(r.code).toBe(2);
    expect(r.stderr).toBe("xlir: required option '--run <file>' not specified\n");
  });
});
