import { mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { RetrievalResultSchema, type RetrievalResult, type Setting } from '../../core/metrics/resultSchema';
import { createRng } from '../../core/metrics/rng';
import { sharedDataDir } from '../../core/testing/sharedData.testutil';
import { loadDatasetFromDir } from '../loadDataset';
import { runCli as run, writeHandDataDir } from './cli.testutil';

/**
 * Exports every setting with runs, re-scores each cell with `xlir eval` and checks its mAP and per-query AP
 * against the `xlir evaluate` result, to 1e-6.
 */
async function checkRoundTrip(dir: string, base: string[], embeddings: string, result: RetrievalResult) {
  let cells = 0;
  for (const setting of ['mono', 'cross', 'multi'] as Setting[]) {
    const out = path.join(dir, `trec-${setting}`);
    const r = await run([...base, '--setting', setting, '--out', out, '--embeddings', embeddings]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const perQuery = result.per_query[setting];
    for (const key of Object.keys(perQuery)) {
      const stem = setting === 'multi' ? `multi-${key}` : key.replace('->', '-');
      const e = await run(['--json', 'eval', '--qrels', path.join(out, `${stem}.qrels`), '--run', path.join(out, `${stem}.run`)]);
      expect(e.code).toBe(0);
      const scored = JSON.parse(e.stdout) as { num_q: number; map: number; per_query: Record<string, { map: number }> };
      const expected = setting === 'multi' ? result.multi.per_language[key]!.map : result[setting].cells[key]!.map;
      expect(Math.abs(scored.map - expected)).toBeLessThan(1e-6);
      expect(scored.num_q).toBe(Object.keys(perQuery[key]!).length);
      for (const [qid, ap] of Object.entries(perQuery[key]!)) expect(Math.abs(scored.per_query[qid]!.map - ap)).toBeLessThan(1e-6);
      cells++;
    }
  }
  return cells;
}

describe('xlir export-trec', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await writeHandDataDir('xlir-export-');
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });
  afterEach(() => {
    vi.restoreAllMocks();
  });
  const base = () => ['export-trec', '--dataset', 'mlqa-r', '--data', dir, '--languages', 'en,de'];

  it('writes one qrels file per cell, skipping queries without an answer in the pool language', async () => {
    const out = path.join(dir, 'qrels-only');
    const r = await run(['--json', ...base(), '--setting', 'cross', '--out', out]);
    expect(r.code).toBe(0);
    expect((await readdir(out)).sort()).toEqual(['de-en.qrels', 'en-de.qrels']);
    expect(await readFile(path.join(out, 'en-de.qrels'), 'utf8')).toBe('en:q1 0 de:0:0:1 1\nen:q2 0 de:0:0:0 1\n');
    expect(JSON.parse(r.stdout)).toMatchObject({
      dataset: 'mlqa-r',
      setting: 'cross',
      files: [
        { cell: 'de-en', queries: 2 },
        { cell: 'en-de', queries: 2 },
      ],
    });
  });

  it('re-scored with xlir eval, the exported runs reproduce every cell mAP of xlir evaluate (hand data with ties)', async () => {
    const resultFile = path.join(dir, 'result.json');
    const ev = await run(['evaluate', '--dataset', 'mlqa-r', '--data', dir, '--languages', 'en,de', '--embeddings', path.join(dir, 'emb.json'), '--out', resultFile]);
    expect(ev.code).toBe(0);
    const result = RetrievalResultSchema.parse(JSON.parse(await readFile(resultFile, 'utf8')));
    expect(await checkRoundTrip(dir, base(), path.join(dir, 'emb.json'), result)).toBe(2 + 2 + 2);
  });

  it('writes the whole pool with --depth all and the top N with --depth N', async () => {
    const all = path.join(dir, 'all');
    expect((await run([...base(), '--setting', 'multi', '--out', all, '--embeddings', path.join(dir, 'emb.json'), '--depth', 'all'])).code).toBe(0);
    // multi-en: 3 queries × 5 candidates; ties broken by the larger id (en:q1 scores e0 = e2 = 1 → e2 first)
    const lines = (await readFile(path.join(all, 'multi-en.run'), 'utf8')).trimEnd().split('\n');
    expect(lines).toHaveLength(15);
    expect(lines.slice(0, 5)).toEqual(['en:q1 Q0 de:0:0:0 1 2 xlir', 'en:q1 Q0 en:0:0:2 2 1 xlir', 'en:q1 Q0 en:0:0:0 3 1 xlir', 'en:q1 Q0 en:0:0:1 4 0 xlir', 'en:q1 Q0 de:0:0:1 5 0 xlir']);
    const top = path.join(dir, 'top2');
    expect((await run([...base(), '--setting', 'multi', '--out', top, '--embeddings', path.join(dir, 'emb.json'), '--depth', '2', '--tag', 'mine'])).code).toBe(0);
    expect((await readFile(path.join(top, 'multi-de.run'), 'utf8')).trimEnd().split('\n')).toEqual(['de:q1 Q0 de:0:0:0 1 2 mine', 'de:q1 Q0 en:0:0:2 2 1 mine', 'de:q2 Q0 de:0:0:1 1 2 mine', 'de:q2 Q0 en:0:0:2 2 1 mine']);
  });

  it.each([
    ['malformed JSON', '{"queries": '],
    ['a missing query', JSON.stringify({ queries: { 'en:q1': [1, 0] }, candidates: {} })],
    ['a vector of the wrong length', JSON.stringify({ queries: { 'de:q1': [1, 0, 3], 'de:q2': [0, 1], 'en:q1': [1, 0], 'en:q2': [0, 1], 'en:q3': [1, 2] }, candidates: {} })],
  ])('validates the embeddings (%s) before writing anything: --out is left as it was', async (_what, text) => {
    const bad = path.join(dir, 'bad-emb.json');
    await writeFile(bad, text);
    const out = path.join(dir, 'trec-untouched');
    const r = await run([...base(), '--setting', 'cross', '--out', out, '--embeddings', bad]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^xlir: .*bad-emb\.json/);
    await expect(readdir(out)).rejects.toThrow(/ENOENT/);
  });

  it('exits 2 on a bad --setting or --depth', async () => {
    const r = await run([...base(), '--setting', 'both', '--out', dir]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('--setting must be one of mono, cross, multi (got "both")');
    const d = await run([...base(), '--setting', 'mono', '--out', dir, '--depth', '0']);
    expect(d.code).toBe(2);
    expect(d.stderr).toContain('--depth must be exact, all or a positive integer (got "0")');
  });
});

describe('xlir export-trec on the real XQuAD-R (en, de)', () => {
  let dir: string;
  afterAll(async () => {
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('reproduces every cell mAP of xlir evaluate through trec files, with many exact ties', async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'xlir-export-real-'));
    const ds = await loadDatasetFromDir(sharedDataDir('xquad-r/en.json', 'xquad-r/de.json'), 'xquad-r', ['en', 'de']);
    // Coarse embeddings (components in {−1, 0, 1}, dim 8) make many exact score ties. The answer sentences
    // of one question share a vector in every language and each query leans towards it, so the relevant
    // candidates rank high in every pool and the exact-depth runs stay short; other candidates are random,
    // equal texts getting equal vectors.
    const rng = createRng(11);
    const dim = 8;
    const coarse = () => Array.from({ length: dim }, () => rng.int(3) - 1);
    const byQuestion = new Map<string, number[]>();
    for (const q of ds.queries) if (!byQuestion.has(q.questionId)) byQuestion.set(q.questionId, coarse());
    const answerVector = new Map<number, number[]>();
    for (const q of ds.queries) if (!answerVector.has(q.answer)) answerVector.set(q.answer, byQuestion.get(q.questionId)!);
    const byText = new Map<string, number[]>();
    const candidates: Record<string, number[]> = {};
    ds.candidates.forEach((c, i) => {
      let v = answerVector.get(i) ?? byText.get(c.text);
      if (!v) v = coarse();
      byText.set(c.text, v);
      candidates[c.id] = v;
    });
    const queries: Record<string, number[]> = {};
    // Several questions can share one answer sentence; a query leans towards its answer's vector.
    for (const q of ds.queries) queries[q.id] = candidates[ds.candidates[q.answer]!.id]!.map((x) => 4 * x + rng.int(3) - 1);
    const emb = path.join(dir, 'emb.json');
    await writeFile(emb, JSON.stringify({ queries, candidates }));
    const resultFile = path.join(dir, 'result.json');
    const common = ['--dataset', 'xquad-r', '--languages', 'en,de'];
    const ev = await run(['evaluate', ...common, '--embeddings', emb, '--out', resultFile]);
    expect(ev.stderr).toBe('');
    const result = RetrievalResultSchema.parse(JSON.parse(await readFile(resultFile, 'utf8')));
    expect(await checkRoundTrip(dir, ['export-trec', ...common], emb, result)).toBe(2 + 2 + 2);
  });
});
