import { readdir, readFile, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { XQUAD_R_LANGUAGES } from '../../core/data/languages';
import { sha256Hex } from '../../core/data/sha256';
import type { RetrievalDataset } from '../../core/data/types';
import { evaluateRetrieval } from '../../core/metrics/evaluateRetrieval';
import { compareDocIds } from '../../core/metrics/docIdOrder';
import { RetrievalResultSchema } from '../../core/metrics/resultSchema';
import { createRng } from '../../core/metrics/rng';
import { initBackend } from '../../core/model/backend';
import { sharedDataDir } from '../../core/testing/sharedData.testutil';
import { loadDatasetFromDir } from '../loadDataset';
import { HAND_EMBEDDINGS, HAND_FILES, runCli as run, writeHandDataDir } from './cli.testutil';

describe('xlir evaluate', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await writeHandDataDir('xlir-evaluate-');
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });
  afterEach(() => {
    vi.restoreAllMocks();
  });
  const args = (...more: string[]) => ['evaluate', '--dataset', 'mlqa-r', '--data', dir, '--languages', 'en,de', ...more];

  it('writes a result that passes the schema, with the hand-computed figures and the file hashes', async () => {
    const out = path.join(dir, 'out', 'result.json');
    const r = await run(args('--embeddings', path.join(dir, 'emb.json'), '--out', out));
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const result = RetrievalResultSchema.parse(JSON.parse(await readFile(out, 'utf8')));
    expect(result.files).toEqual({
      'mlqa-r/de.json': await sha256Hex(new TextEncoder().encode(HAND_FILES.de)),
      'mlqa-r/en.json': await sha256Hex(new TextEncoder().encode(HAND_FILES.en)),
    });
    expect(result.cross.cells).toEqual({ 'de->en': { map: 0.75, recall_1: 0.5, n: 2 }, 'en->de': { map: 0.5, recall_1: 0, n: 2 } });
    expect(result.mono.map).toBeCloseTo((0.5 + 2 / 3) / 2, 12);
    expect(result.multi.rank_distance).toBeCloseTo((2.5 + 5 / 3) / 2, 12);
    expect(result.per_query.mono['en->en']).toEqual({ 'en:q1': 0.5, 'en:q2': 1, 'en:q3': 0.5 });
    expect(r.stdout.split('\n')).toEqual([
      'mlqa-r: 2 languages (de en), 5 queries, 5 candidates, dim 2',
      'mono   mAP 0.5833  R@1  0.1667  (macro over 2 cells)',
      'cross  mAP 0.6250  R@1  0.2500  (macro over 2 cells)',
      'multi  mAP 0.3958  R@10 1.0000  rank distance 2.1  (macro over 2 query languages)',
      // the language-ID probe on the query embeddings, trained on two questions and tested on the third (issue 23, item 5)
      'language-ID probe: held-out accuracy 0.5000 (majority 0.5000; 2 held-out of 5 queries)',
      `wrote ${out}`,
      '',
    ]);
  });

  it('prints the result without per-query APs with --json, and the loop scorer agrees', async () => {
    const out = path.join(dir, 'loop.json');
    const r = await run(['--json', ...args('--embeddings', path.join(dir, 'emb.json'), '--out', out, '--scorer', 'loop', '--query-chunk', '1')]);
    expect(r.code).toBe(0);
    const printed = JSON.parse(r.stdout) as Record<string, unknown>;
    expect(printed.per_query).toBeUndefined();
    expect(printed.out).toBe(out);
    const { per_query: _p, ...summary } = JSON.parse(await readFile(out, 'utf8')) as Record<string, unknown>;
    expect(printed).toEqual({ out, ...summary });
  });

  it.each([
    ['a missing embedding, naming the first missing id', (e: typeof HAND_EMBEDDINGS) => delete (e.candidates as Record<string, unknown>)['en:0:0:1'], 'candidates["en:0:0:1"]: missing embedding'],
    ['an unknown id', (e: typeof HAND_EMBEDDINGS) => ((e.queries as Record<string, unknown>)['en:q7'] = [0, 0]), 'queries["en:q7"]: unknown id: not a query of mlqa-r'],
    ['a vector of another length', (e: typeof HAND_EMBEDDINGS) => (e.queries['en:q2'] = [0, 1, 2]), 'queries["en:q2"]: vector has 3 values, the first one had 2'],
    ['a value that is not a number', (e: typeof HAND_EMBEDDINGS) => ((e.candidates as Record<string, unknown>)['de:0:0:0'] = [2, null]), 'candidates["de:0:0:0"][1]: expected a finite number, got null'],
  ])('exits 1 on %s', async (_what, spoil, message) => {
    const e = structuredClone(HAND_EMBEDDINGS);
    spoil(e);
    const file = path.join(dir, 'bad.json');
    await writeFile(file, JSON.stringify(e));
    const r = await run(args('--embeddings', file, '--out', path.join(dir, 'never.json')));
    expect(r.code).toBe(1);
    expect(r.stderr).toBe(`xlir: ${file}: ${message}\n`);
  });

  it('exits 1 naming the line and column of an embeddings file that is not JSON', async () => {
    const file = path.join(dir, 'broken.json');
    await writeFile(file, '{"queries": {\n  "de:q1": [1, 0],,\n}}');
    const r = await run(args('--embeddings', file, '--out', path.join(dir, 'never.json')));
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^xlir: /);
    expect(r.stderr).toContain(`xlir: ${file}: (json): not valid JSON at line 2 column 19 (position 32): `);
  });

  it('exits 1 naming a missing embeddings file, and 2 on a usage error', async () => {
    const missing = path.join(dir, 'nope.json');
    const r = await run(args('--embeddings', missing, '--out', path.join(dir, 'never.json')));
    expect(r.code).toBe(1);
    expect(r.stderr).toBe(`xlir: cannot read embeddings file ${missing} (ENOENT)\n`);
    const u = await run(['evaluate', '--data', dir, '--embeddings', missing]);
    expect(u.code).toBe(2);
    expect(u.stderr).toBe("xlir: required option '--dataset <name>' not specified\n");
  });

  it('prints the scores without --out (issue 20, item 13), writing no file', async () => {
    const before = await readdir(dir);
    const r = await run(args('--embeddings', path.join(dir, 'emb.json')));
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout.split('\n')).toEqual([
      'mlqa-r: 2 languages (de en), 5 queries, 5 candidates, dim 2',
      'mono   mAP 0.5833  R@1  0.1667  (macro over 2 cells)',
      'cross  mAP 0.6250  R@1  0.2500  (macro over 2 cells)',
      'multi  mAP 0.3958  R@10 1.0000  rank distance 2.1  (macro over 2 query languages)',
      // the language-ID probe on the query embeddings, trained on two questions and tested on the third (issue 23, item 5)
      'language-ID probe: held-out accuracy 0.5000 (majority 0.5000; 2 held-out of 5 queries)',
      '',
    ]);
    const j = await run(['--json', ...args('--embeddings', path.join(dir, 'emb.json'))]);
    expect(j.code).toBe(0);
    const printed = JSON.parse(j.stdout) as Record<string, unknown>;
    expect(printed).not.toHaveProperty('out');
    expect(printed).not.toHaveProperty('per_query');
    expect(printed.cross).toMatchObject({ cells: { 'de->en': { map: 0.75, recall_1: 0.5, n: 2 } } });
    expect(await readdir(dir)).toEqual(before);
  });
});

/** FNV-1a of a string, to seed one random vector per distinct text. */
function fnv1a(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 0x01000193);
  return h >>> 0;
}

/**
 * "Perfect" embeddings for a sentence-only encoder: every candidate gets a random unit vector determined
 * by its text (so duplicate strings get identical vectors, as they would from a real encoder), and every
 * query gets exactly its answer sentence's vector.
 */
function perfectEmbeddings(ds: RetrievalDataset, dim: number) {
  const candidates = new Float32Array(ds.candidates.length * dim);
  ds.candidates.forEach((c, j) => {
    const rng = createRng(fnv1a(c.text));
    let norm = 0;
    for (let k = 0; k < dim; k++) {
      const x = rng.float() - 0.5;
      candidates[j * dim + k] = x;
      norm += x * x;
    }
    for (let k = 0; k < dim; k++) candidates[j * dim + k]! /= Math.sqrt(norm);
  });
  const queries = new Float32Array(ds.queries.length * dim);
  ds.queries.forEach((q, i) => queries.set(candidates.subarray(q.answer * dim, (q.answer + 1) * dim), i * dim));
  return { queries, candidates, dim };
}

describe('evaluateRetrieval on the real XQuAD-R', () => {
  it('gives mono AP 1 to every query with perfect embeddings, except where a duplicate answer string with a larger id ties first', async () => {
    await initBackend('wasm');
    const ds = await loadDatasetFromDir(sharedDataDir('xquad-r'), 'xquad-r');
    const r = await evaluateRetrieval(ds, perfectEmbeddings(ds, 32));
    // With identical vectors the answer ties with every other candidate of its language holding the same
    // string, and trec_eval order puts the larger id first, so AP = 1 / (1 + #such duplicates with a larger
    // id). Other candidates are different random unit vectors, far below the self-similarity of 1. Several
    // questions sharing one answer sentence is no problem: each still ranks its own answer first.
    const sameText = new Map<string, string[]>();
    for (const c of ds.candidates) {
      const key = `${c.lang}\u0000${c.text}`;
      sameText.set(key, [...(sameText.get(key) ?? []), c.id]);
    }
    let imperfect = 0;
    for (const lang of XQUAD_R_LANGUAGES) {
      const aps: number[] = [];
      for (const q of ds.queries.filter((x) => x.lang === lang)) {
        const answer = ds.candidates[q.answer]!;
        const ahead = sameText.get(`${lang}\u0000${answer.text}`)!.filter((id) => compareDocIds(id, answer.id) > 0).length;
        const expected = 1 / (1 + ahead);
        if (ahead > 0) imperfect++;
        expect(r.per_query.mono[`${lang}->${lang}`]![q.id]).toBe(expected);
        aps.push(expected);
      }
      expect(r.mono.cells[`${lang}->${lang}`]!.map).toBeCloseTo(aps.reduce((a, b) => a + b, 0) / aps.length, 12);
      expect(r.mono.cells[`${lang}->${lang}`]!.n).toBe(1190);
    }
    // The files do hold answer sentences that occur twice in their language (see PROVENANCE §6 quirks):
    // one query of 13,090 (tr, answer sentence "I.", which also occurs as tr:43:2:2).
    expect(imperfect).toBeGreaterThan(0);
    expect(r.mono.map).toBeLessThan(1);
    expect(r.mono.map).toBeGreaterThan(0.99);
    expect(Object.keys(r.cross.cells)).toHaveLength(110);
    expect(r.cross.cells['en->de']!.n).toBe(1190);
    expect(r.multi.per_language.th!.n).toBe(1190);
  });
});
