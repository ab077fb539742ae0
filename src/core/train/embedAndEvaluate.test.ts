import { beforeAll, describe, expect, it } from 'vitest';
import { CancelledError } from '../errors';
import { evaluateRetrieval } from '../metrics/evaluateRetrieval';
import { queryLanguageProbe } from '../metrics/languageProbe';
import { createLoopScorer } from '../metrics/scorer';
import { initBackend } from '../model/backend';
import { BagOfTokensEncoder } from './bagOfTokensEncoder.testutil';
import { EMBED_BATCH_SIZE } from './checkpointEmbedSettings';
import { embedAndEvaluate, type EvaluationProgress } from './embedAndEvaluate';
import { embedDataset } from './embedDataset';
import { makeToyDataset } from './toyDataset.testutil';

beforeAll(async () => {
  await initBackend('cpu');
});

// more texts than one default batch, so that the default batch size shows in the progress
const dataset = await makeToyDataset({ languages: ['de', 'en'], paragraphs: 24, seed: 5 });

describe('embedAndEvaluate', () => {
  it('gives the result of embedDataset then evaluateRetrieval, with batches of EMBED_BATCH_SIZE by default', async () => {
    const encoder = new BagOfTokensEncoder({ seed: 2 });
    const progress: EvaluationProgress[] = [];
    const result = await embedAndEvaluate(encoder, dataset, { maxLength: 24, onProgress: (p) => progress.push(p) });
    const embeddings = await embedDataset(encoder, dataset, { batchSize: EMBED_BATCH_SIZE, maxLength: 24 });
    const { probe, ...retrieval } = result;
    expect(retrieval).toEqual(await evaluateRetrieval(dataset, embeddings));
    // and the language-ID probe of the query embeddings (issue 23, item 5)
    expect(probe).toBeDefined();
    expect(probe).toEqual(queryLanguageProbe(dataset, embeddings.queries, embeddings.dim));
    const total = dataset.queries.length + dataset.candidates.length;
    expect(total).toBeGreaterThan(EMBED_BATCH_SIZE);
    expect(progress[0]).toEqual({ phase: 'embedding', done: Math.min(EMBED_BATCH_SIZE, dataset.queries.length), total });
    expect(progress.at(-2)).toEqual({ phase: 'embedding', done: total, total });
    expect(progress.at(-1)).toEqual({ phase: 'scoring' });
    // the scorer and the kept top-retrieved ids are passed through
    const loop = await embedAndEvaluate(encoder, dataset, { maxLength: 24, scorer: createLoopScorer, queryChunk: 5, keepTopRetrieved: true });
    expect(loop.mono.map).toBeCloseTo(result.mono.map!, 6);
    expect(loop.top_retrieved).toBeDefined();
    expect(result.top_retrieved).toBeUndefined();
    encoder.dispose();
  });

  it('stops within a batch of the embedding, and between score blocks, with a CancelledError', async () => {
    const encoder = new BagOfTokensEncoder({ seed: 2 });
    const embed = encoder.embed.bind(encoder);
    let batches = 0;
    encoder.embed = (...args) => {
      batches++;
      return embed(...args);
    };
    let stop = false;
    const run = embedAndEvaluate(encoder, dataset, { maxLength: 24, batchSize: 4, shouldStop: () => stop, onProgress: (p) => (stop ||= p.phase === 'embedding' && p.done >= 8) });
    await expect(run).rejects.toThrow(CancelledError);
    expect(batches).toBe(2);
    // a stop once scoring has begun: the scorer is asked for no block
    let blocks = 0;
    let scoring = false;
    const counting = (...args: Parameters<typeof createLoopScorer>) => {
      const s = createLoopScorer(...args);
      return { score: (q: Float32Array, rows: number) => (blocks++, s.score(q, rows)), dispose: () => s.dispose() };
    };
    const scored = embedAndEvaluate(encoder, dataset, { maxLength: 24, scorer: counting, queryChunk: 4, shouldStop: () => scoring, onProgress: (p) => (scoring = p.phase === 'scoring') });
    await expect(scored).rejects.toThrow(CancelledError);
    expect(blocks).toBe(0);
    encoder.dispose();
  });
});
