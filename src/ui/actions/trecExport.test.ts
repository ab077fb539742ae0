import { unzipSync, zipSync } from 'fflate';
import { describe, expect, it } from 'vitest';
import { handDataset } from '../../core/metrics/handDataset';
import { SETTINGS } from '../../core/metrics/resultSchema';
import { createLoopScorer } from '../../core/metrics/scorer';
import { trecRunFiles } from '../../core/metrics/trecRuns';
import { trecZipEntries, TREC_TAG } from './trecExport';

const HAND = handDataset('mlqa-r', {
  en: { sentences: ['e0', 'e1', 'e2'], questions: [['q1', 0], ['q2', 2], ['q3', 1]] },
  de: { sentences: ['d0', 'd1'], questions: [['q1', 1], ['q2', 0]] },
});
const EMB = { queries: Float32Array.from([1, 0, 0, 1, 1, 0, 0, 1, 1, 2]), candidates: Float32Array.from([2, 0, 0, 2, 1, 0, 0, 1, 1, 1]), dim: 2 };

describe('trecZipEntries', () => {
  it('lays out <setting>/<cell>.qrels|.run and a README saying how to score them, surviving a zip round trip', async () => {
    const files = await trecRunFiles(HAND, EMB, SETTINGS, { depth: 'exact', tag: TREC_TAG, scorer: createLoopScorer });
    const info = { run: 'hybrid α=0.5', step: 40, dataset: 'mlqa-r', languages: ['de', 'en'], depth: 'exact' as const, summary: 'bert, 2 layers' };
    const unzipped = unzipSync(zipSync(trecZipEntries(info, files)));
    expect(Object.keys(unzipped).sort()).toEqual([
      'README.txt',
      'cross/de-en.qrels', 'cross/de-en.run', 'cross/en-de.qrels', 'cross/en-de.run',
      'mono/de-de.qrels', 'mono/de-de.run', 'mono/en-en.qrels', 'mono/en-en.run',
      'multi/multi-de.qrels', 'multi/multi-de.run', 'multi/multi-en.qrels', 'multi/multi-en.run',
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
