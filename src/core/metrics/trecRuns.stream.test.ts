import { describe, expect, it } from 'vitest';
import type { RetrievalDataset } from '../data/types';
import { CancelledError } from '../errors';
import { evaluateRetrieval, type RetrievalEmbeddings } from './evaluateRetrieval';
import { SETTINGS } from './resultSchema';
import { createRng } from './rng';
import { createLoopScorer } from './scorer';
import { relevantInCell, trecCells, type RunDepth } from './trecExport';
import { estimateTrecBytes, lastRelevantRanks, trecFileChunks, trecRunFiles, type TrecFileChunk, type TrecStreamOptions } from './trecRuns';
import { coarseCase } from './trecCases.testutil';

/** Like {@link coarseCase} but with float embeddings: scores print as real models' do (17 digits). */
function floatCase(seed: number): { dataset: RetrievalDataset; embeddings: RetrievalEmbeddings } {
  const { dataset } = coarseCase(seed);
  const rng = createRng(seed + 1);
  const dim = 8;
  const random = (n: number) => Float32Array.from({ length: n * dim }, () => rng.float() - 0.5);
  return { dataset, embeddings: { queries: random(dataset.queries.length), candidates: random(dataset.candidates.length), dim } };
}

async function collect(chunks: AsyncIterable<TrecFileChunk>) {
  const files = new Map<string, { parts: Uint8Array[]; last: boolean; counts?: TrecFileChunk['counts'] }>();
  for await (const c of chunks) {
    const key = `${c.setting}/${c.name}.${c.file}`;
    const f = files.get(key) ?? { parts: [], last: false };
    expect(f.last, `${key} goes on after its last chunk`).toBe(false);
    f.parts.push(c.bytes);
    f.last = c.last;
    if (c.counts) f.counts = c.counts;
    files.set(key, f);
  }
  const text = (parts: Uint8Array[]) => new TextDecoder().decode(Uint8Array.from(parts.flatMap((p) => [...p])));
  return new Map([...files].map(([k, f]) => [k, { text: text(f.parts), chunks: f.parts.length, last: f.last, counts: f.counts }]));
}

describe('trecFileChunks', () => {
  it.each<[string, RunDepth, Partial<TrecStreamOptions>]>([
    ['exact, scores kept per language, 2 kB chunks', 'exact', { chunkBytes: 2000 }],
    ['exact, scores recomputed per cell', 'exact', { scoreCacheBytes: 0, queryChunk: 37 }],
    ['top 7, one chunk per file', 7, { queryChunk: 64 }],
    ['all', 'all', { chunkBytes: 50_000, queryChunk: 5 }],
  ])('streams the same bytes as trecRunFiles, file by file (%s)', async (_, depth, extra) => {
    const { dataset, embeddings } = coarseCase(5);
    const options = { depth, tag: 't', scorer: createLoopScorer, ...extra };
    const whole = await trecRunFiles(dataset, embeddings, SETTINGS, options);
    const streamed = await collect(trecFileChunks(dataset, embeddings, SETTINGS, options));
    expect(streamed.size).toBe(2 * whole.length);
    for (const f of whole) {
      const qrels = streamed.get(`${f.setting}/${f.name}.qrels`)!;
      const run = streamed.get(`${f.setting}/${f.name}.run`)!;
      expect(qrels.text).toBe(new TextDecoder().decode(f.qrels));
      expect(run.text).toBe(new TextDecoder().decode(f.run));
      expect(run.last && qrels.last).toBe(true);
      expect(run.counts).toEqual({ queries: f.queries, runLines: f.runLines });
      if (extra.chunkBytes === 2000 && f.run.length > 4000) expect(run.chunks).toBeGreaterThan(1);
    }
  });

  it('makes cells one query language at a time and stops with a CancelledError when asked', async () => {
    const { dataset, embeddings } = coarseCase(6);
    const order: string[] = [];
    for await (const c of trecFileChunks(dataset, embeddings, SETTINGS, { depth: 7, tag: 't', scorer: createLoopScorer })) if (c.file === 'run') order.push(`${c.cell}/${c.cells} ${c.name}`);
    expect(order).toEqual(['0/9 de-de', '1/9 de-en', '2/9 de-es', '3/9 multi-de', '4/9 en-en', '5/9 en-de', '6/9 en-es', '7/9 multi-en', '8/9 es-es', '9/9 es-de', '10/9 es-en', '11/9 multi-es'].map((s, i) => s.replace(/^\d+\/9/, `${i}/12`)));
    let made = 0;
    const run = async () => {
      for await (const _ of trecFileChunks(dataset, embeddings, SETTINGS, { depth: 7, tag: 't', scorer: createLoopScorer, shouldStop: () => made >= 3 })) made++;
    };
    await expect(run()).rejects.toThrow(CancelledError);
    expect(made).toBe(3);
  });
});

describe('estimateTrecBytes', () => {
  it('is within 20% of the real size when ranks are known (from an evaluation), and no lower without them', async () => {
    const { dataset, embeddings } = floatCase(7);
    const result = await evaluateRetrieval(dataset, embeddings, { scorer: createLoopScorer });
    const mean = (xs: string[]) => xs.reduce((n, x) => n + x.length, 0) / xs.length;
    const ids = { query: mean(dataset.queries.map((q) => q.id)), candidate: mean(dataset.candidates.map((c) => c.id)) };
    for (const depth of ['exact', 'all', 50] as RunDepth[]) {
      const files = await trecRunFiles(dataset, embeddings, SETTINGS, { depth, tag: 'xlir', scorer: createLoopScorer });
      const real = files.reduce((n, f) => n + f.qrels.length + f.run.length, 0);
      const cells = SETTINGS.flatMap((setting) =>
        trecCells(dataset, setting).map((cell) => ({
          pool: cell.poolLangs.reduce((n, l) => n + dataset.candidates.filter((c) => c.lang === l).length, 0),
          relevant: cell.queries.reduce((n, q) => n + relevantInCell(dataset, cell, q).length, 0),
          queries: cell.queries.length,
          ranks: lastRelevantRanks(result, setting, cell.key)!,
        })),
      );
      const known = estimateTrecBytes(
        cells.map(({ ranks, ...c }) => ({ ...c, lastRelevantRanks: ranks })),
        depth,
        ids,
        'xlir',
      );
      const bound = estimateTrecBytes(
        cells.map(({ ranks: _r, ...c }) => c),
        depth,
        ids,
        'xlir',
      );
      expect(known / real, `depth ${depth}`).toBeGreaterThan(0.8);
      expect(known / real, `depth ${depth}`).toBeLessThan(1.2);
      expect(bound).toBeGreaterThanOrEqual(known);
      if (depth === 'exact') expect(bound).toBeGreaterThan(real);
    }
  });
});
