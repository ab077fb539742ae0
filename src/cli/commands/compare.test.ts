import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '../../core/model/backend';
import { compareRetrieval, sequentialCellTests } from '../../core/metrics/compareRetrieval';
import { evaluateRetrieval } from '../../core/metrics/evaluateRetrieval';
import { handDataset } from '../../core/metrics/handDataset';
import { createRng } from '../../core/metrics/rng';
import { runCli } from './cli.testutil';

const HAND = handDataset('mlqa-r', {
  en: {
    sentences: ['e0', 'e1', 'e2', 'e3'],
    questions: [
      ['q1', 0],
      ['q2', 2],
      ['q3', 1],
      ['q4', 3],
    ],
  },
  de: {
    sentences: ['d0', 'd1', 'd2', 'd3'],
    questions: [
      ['q1', 1],
      ['q2', 0],
      ['q3', 3],
      ['q4', 2],
    ],
  },
});
const vectors = (n: number, seed: number) => Float32Array.from({ length: n * 3 }, (_, i) => Math.sin(seed * 7.3 + i * 1.9));

describe('xlir compare', () => {
  let dir = '';
  const files = { a: '', b: '' };
  beforeAll(async () => {
    await initBackend('cpu');
    dir = await mkdtemp(path.join(tmpdir(), 'xlir-compare-'));
    for (const [name, seed] of [
      ['a', 1],
      ['b', 2],
    ] as const) {
      const r = await evaluateRetrieval(HAND, { queries: vectors(HAND.queries.length, seed), candidates: vectors(HAND.candidates.length, seed + 10), dim: 3 });
      files[name] = path.join(dir, `${name}.json`);
      await writeFile(files[name], JSON.stringify(r));
    }
  });

  it('prints the same comparison as compareRetrieval with the same seed, and a readable summary', async () => {
    const json = await runCli(['--json', 'compare', files.a, files.b, '--permutations', '500', '--seed', '3']);
    expect(json.code).toBe(0);
    const got = JSON.parse(json.stdout);
    const read = async (f: string) => JSON.parse(await readFile(f, 'utf8'));
    const want = compareRetrieval(await read(files.a), await read(files.b), { rng: createRng(3), permutations: 500, resamples: 500 });
    const sequential = sequentialCellTests(await read(files.a), await read(files.b), { rng: createRng(3) });
    expect(got).toEqual(JSON.parse(JSON.stringify({ ...want, sequential })));
    // four queries a cell: every cell is enumerated exactly, so no Monte-Carlo error
    expect(Object.values(got.sequential.pairs.cells).every((c) => (c as { exact: boolean }).exact)).toBe(true);
    const text = await runCli(['compare', files.a, files.b, '--permutations', '200']);
    expect(text.code).toBe(0);
    expect(text.stdout).toMatch(/^mlqa-r: .* − .* \(paired randomization per query in a cell, per question in a setting; 200 permutations/);
    expect(text.stdout).toMatch(/\n {2}cross .* p \d\.\d{4} {2}cells significant after Holm \(α 0\.05\): \d+ up, \d+ down of 2/);
    expect(text.stdout).toMatch(/\n {4}pair heatmap {2}\d+ up, \d+ down of 4; every decision resolved \(permutations 16; MC se of p ≤ 0\.0 where p ≤ 0\.1\)/);
    expect(text.stdout).toMatch(/\n {2}rank distance \d+\.\d vs \d+\.\d {2}Δ [+-]\d+\.\d \[-?\d+\.\d, -?\d+\.\d\] {2}p \d\.\d{4} {2}query languages significant after Holm \(α 0\.05\): \d+ up, \d+ down of 2/);
  });

  it('names the file and the field of a broken result, and refuses a bad --alpha', async () => {
    const broken = path.join(dir, 'broken.json');
    await writeFile(broken, JSON.stringify({ ...JSON.parse(await readFile(files.a, 'utf8')), dim: -1 }));
    const r = await runCli(['compare', broken, files.b]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(`${broken}: dim:`);
    const bad = await runCli(['compare', files.a, files.b, '--alpha', '2']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('--alpha must be a number in (0, 1)');
  });
});
