import { unzipSync, zipSync } from 'fflate';
import { describe, expect, it } from 'vitest';
import { handDataset, HAND_EN_DE } from '../../core/metrics/handDataset';
import { SETTINGS } from '../../core/metrics/resultSchema';
import { createLoopScorer } from '../../core/metrics/scorer';
import type { Lang } from '../../core/data/languages';
import { datasetStats } from '../../core/data/datasetStats';
import { evaluateRetrieval } from '../../core/metrics/evaluateRetrieval';
import { createRng } from '../../core/metrics/rng';
import { trecFileChunks, trecRunFiles } from '../../core/metrics/trecRuns';
import { questionIdsOf } from '../../core/figures/parallelExample';
import type { RunRecord } from '../../core/experiment/notebook';
import { parseRunConfigJson } from '../../core/experiment/runConfig';
import { readFileSync } from 'node:fs';
import { formatBytes, trecExportEstimate, trecExportNeedsConfirmation, trecReadme, trecZipEntries, TrecZipWriter, TREC_TAG } from './trecExport';

const HAND = HAND_EN_DE;
const EMB = { queries: Float32Array.from([1, 0, 0, 1, 1, 0, 0, 1, 1, 2]), candidates: Float32Array.from([2, 0, 0, 2, 1, 0, 0, 1, 1, 1]), dim: 2 };

describe('trecZipEntries', () => {
  it('lays out <setting>/<cell>.qrels|.run and a README saying how to score them, surviving a zip round trip', async () => {
    const files = await trecRunFiles(HAND, EMB, SETTINGS, { depth: 'exact', tag: TREC_TAG, scorer: createLoopScorer });
    const info = { run: 'hybrid α=0.5', step: 40, dataset: 'mlqa-r', languages: ['de', 'en'], depth: 'exact' as const, summary: 'bert, 2 layers' };
    const unzipped = unzipSync(zipSync(trecZipEntries(info, files)));
    expect(Object.keys(unzipped).sort()).toEqual([
      'README.txt',
      'cross/de-en.qrels',
      'cross/de-en.run',
      'cross/en-de.qrels',
      'cross/en-de.run',
      'mono/de-de.qrels',
      'mono/de-de.run',
      'mono/en-en.qrels',
      'mono/en-en.run',
      'multi/multi-de.qrels',
      'multi/multi-de.run',
      'multi/multi-en.qrels',
      'multi/multi-en.run',
    ]);
    const text = (p: string) => new TextDecoder().decode(unzipped[p]);
    expect(text('cross/en-de.qrels')).toBe('en:q1 0 de:0:0:1 1\nen:q2 0 de:0:0:0 1\n');
    expect(text('multi/multi-en.run').split('\n')[0]).toBe('en:q1 Q0 de:0:0:0 1 2 xlir');
    const readme = text('README.txt');
    expect(readme).toContain('run "hybrid α=0.5" at step 40');
    expect(readme).toContain('trec_eval -m map mono/de-de.qrels mono/de-de.run');
    expect(readme).toContain('xlir eval --qrels mono/de-de.qrels --run mono/de-de.run');
    expect(readme).toContain('multi/multi-en: 3 queries, 15 run lines');
  });
});

/** Two languages of 300 sentences, 150 questions each, random embeddings: pools above 100, rankings cut at `exact`. */
function randomCase(seed: number) {
  const rng = createRng(seed);
  const spec = Object.fromEntries((['de', 'en'] as Lang[]).map((lang) => [lang, { sentences: Array.from({ length: 300 }, (_, i) => `${lang}${i}`), questions: Array.from({ length: 150 }, (_, i) => [`q${i}`, rng.int(300)] as [string, number]) }]));
  const dataset = handDataset('xquad-r', spec);
  const dim = 8;
  const random = (n: number) => Float32Array.from({ length: n * dim }, () => rng.float() - 0.5);
  return { dataset, embeddings: { queries: random(dataset.queries.length), candidates: random(dataset.candidates.length), dim } };
}

describe('TrecZipWriter', () => {
  it('streams a zip whose every entry, README included, is byte-identical to the zip made in memory', async () => {
    const { dataset, embeddings } = randomCase(3);
    const options = { depth: 'exact' as const, tag: TREC_TAG, scorer: createLoopScorer, chunkBytes: 4096 };
    const info = { run: 'r', step: 10, dataset: 'xquad-r', languages: ['de', 'en'], depth: 'exact' as const, summary: 'bert' };
    const whole = unzipSync(zipSync(trecZipEntries(info, await trecRunFiles(dataset, embeddings, SETTINGS, options))));
    const out: Uint8Array[] = [];
    let ended = false;
    const zip = new TrecZipWriter((bytes, final) => {
      out.push(bytes.slice());
      ended ||= final;
    });
    const files: { setting: (typeof SETTINGS)[number]; name: string; queries: number; runLines: number }[] = [];
    let chunks = 0;
    for await (const c of trecFileChunks(dataset, embeddings, SETTINGS, options)) {
      zip.add(c);
      chunks++;
      if (c.counts) files.push({ setting: c.setting, name: c.name, ...c.counts });
    }
    // the worker streams language by language; the README lists the cells setting by setting
    files.sort((a, b) => SETTINGS.indexOf(a.setting) - SETTINGS.indexOf(b.setting));
    zip.finish(trecReadme(info, files));
    expect(ended).toBe(true);
    expect(chunks).toBeGreaterThan(2 * files.length);
    const streamed = unzipSync(Uint8Array.from(out.flatMap((b) => [...b])));
    expect(Object.keys(streamed).sort()).toEqual(Object.keys(whole).sort());
    for (const [path, bytes] of Object.entries(whole)) expect(Buffer.from(streamed[path]!).equals(Buffer.from(bytes)), path).toBe(true);
  });

  it('refuses a file that begins before the previous one ended', () => {
    const zip = new TrecZipWriter(() => undefined);
    zip.add({ setting: 'mono', name: 'en-en', file: 'run', bytes: new Uint8Array([65]), last: false });
    expect(() => zip.add({ setting: 'mono', name: 'de-de', file: 'run', bytes: new Uint8Array([65]), last: true })).toThrow(/began before mono\/en-en\.run ended/);
  });
});

describe('trecExportEstimate', () => {
  it('is within 25% of the real size from the loaded data and the run evaluation (0.93), and above it without one', async () => {
    const { dataset, embeddings } = randomCase(4);
    const files = await trecRunFiles(dataset, embeddings, SETTINGS, { depth: 'exact', tag: TREC_TAG, scorer: createLoopScorer });
    const real = files.reduce((n, f) => n + f.qrels.length + f.run.length, 0);
    const result = await evaluateRetrieval(dataset, embeddings, { scorer: createLoopScorer });
    const tiny = parseRunConfigJson(readFileSync(new URL('../../../experiments/tiny.json', import.meta.url), 'utf8'), 'tiny.json');
    const run: RunRecord = {
      id: 'r',
      name: 'r',
      config: { ...tiny, data: { ...tiny.data, eval: { dataset: 'xquad-r', languages: ['de', 'en'] } } },
      backend: 'auto',
      sampledEvalEvery: 0,
      status: 'done',
      error: null,
      createdAt: '2026-01-01T00:00:00.000Z',
      logs: [],
      evaluations: [{ step: 10, kind: 'full', result }],
      checkpoints: [],
    };
    const split = { stats: datasetStats(dataset), questionIds: questionIdsOf(dataset) };
    const known = trecExportEstimate(run, split, 'exact');
    expect(known.ranksKnown).toBe(true);
    expect(known.bytes / real).toBeGreaterThan(0.75);
    expect(known.bytes / real).toBeLessThan(1.25);
    const unknown = trecExportEstimate({ ...run, evaluations: [] }, split, 'exact');
    expect(unknown.ranksKnown).toBe(false);
    expect(unknown.bytes).toBeGreaterThan(real);
  });

  it('asks above 500 MB and says sizes in words', () => {
    expect(trecExportNeedsConfirmation(499e6)).toBe(false);
    expect(trecExportNeedsConfirmation(6e9)).toBe(true);
    expect([999, 12_345, 3.4e8, 1.23e9].map(formatBytes)).toEqual(['999 B', '12 kB', '340 MB', '1.2 GB']);
  });
});
