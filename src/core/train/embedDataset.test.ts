import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { CancelledError } from '../errors';
import { initBackend } from '../model/backend';
import { BagOfTokensEncoder } from './bagOfTokensEncoder.testutil';
import { embedDataset } from './embedDataset';
import { makeToyDataset } from './toyDataset.testutil';
import { requestStopAsMessage } from '../testing/stopMessage.testutil';

beforeAll(async () => {
  await initBackend('cpu');
});

const dataset = await makeToyDataset({ languages: ['de', 'en'], paragraphs: 12, seed: 4 });

describe('embedDataset', () => {
  it('embeds queries with "Query: " and candidates with "Passage: ", in dataset order, whatever the batch size', async () => {
    const encoder = new BagOfTokensEncoder({ seed: 3 });
    const progress: number[] = [];
    const out = await embedDataset(encoder, dataset, { batchSize: 7, maxLength: 32, onProgress: (done) => progress.push(done) });
    expect(out.dim).toBe(16);
    expect(out.queries.length).toBe(dataset.queries.length * 16);
    expect(out.candidates.length).toBe(dataset.candidates.length * 16);
    expect(progress.at(-1)).toBe(dataset.queries.length + dataset.candidates.length);
    // row i is the embedding of text i with its prefix, computed alone
    const single = (text: string) => Array.from(tf.tidy(() => encoder.embed(encoder.tokenize([text], 32), { training: false })).dataSync());
    for (const i of [0, 5, dataset.queries.length - 1]) {
      const row = Array.from(out.queries.subarray(i * 16, (i + 1) * 16));
      single(`Query: ${dataset.queries[i]!.text}`).forEach((x, k) => expect(row[k]).toBeCloseTo(x, 5));
    }
    for (const i of [0, 9, dataset.candidates.length - 1]) {
      const row = Array.from(out.candidates.subarray(i * 16, (i + 1) * 16));
      single(`Passage: ${dataset.candidates[i]!.text}`).forEach((x, k) => expect(row[k]).toBeCloseTo(x, 5));
      // the prefix matters: without it the vector differs
      expect(single(dataset.candidates[i]!.text)).not.toEqual(single(`Passage: ${dataset.candidates[i]!.text}`));
    }
    const other = await embedDataset(encoder, dataset, { batchSize: 64, maxLength: 32 });
    Array.from(other.candidates).forEach((x, k) => expect(out.candidates[k]).toBeCloseTo(x, 5));
    // batches padded to a multiple of 16 tokens (as on GPU backends) give the same vectors
    const padded = await embedDataset(encoder, dataset, { batchSize: 7, maxLength: 32, padMultiple: 16 });
    Array.from(padded.queries).forEach((x, k) => expect(out.queries[k]).toBeCloseTo(x, 5));
    Array.from(padded.candidates).forEach((x, k) => expect(out.candidates[k]).toBeCloseTo(x, 5));
    encoder.dispose();
  });

  it('can be cancelled between batches', async () => {
    const encoder = new BagOfTokensEncoder({ seed: 3 });
    let polls = 0;
    await expect(embedDataset(encoder, dataset, { batchSize: 4, maxLength: 32, shouldStop: () => ++polls > 2 })).rejects.toThrow(CancelledError);
    encoder.dispose();
  });

  it('sees a stop request sent as a task (as a worker message is) after batch k, and stops within one more batch', async () => {
    // The stop arrives the way a worker's message does: as a task, not a microtask. Before issue 20 item 7
    // the loop only awaited microtasks (backend reads), so the request landed after every batch had run.
    const encoder = new BagOfTokensEncoder({ seed: 3 });
    const embed = encoder.embed.bind(encoder);
    let batches = 0;
    encoder.embed = (...args) => {
      batches++;
      return embed(...args);
    };
    const total = Math.ceil(dataset.queries.length / 4) + Math.ceil(dataset.candidates.length / 4);
    const k = 3;
    let stop = false;
    const run = embedDataset(encoder, dataset, {
      batchSize: 4,
      maxLength: 32,
      shouldStop: () => stop,
      onProgress: () => {
        if (batches === k) requestStopAsMessage(() => (stop = true));
      },
    });
    await expect(run).rejects.toThrow(CancelledError);
    expect(total).toBeGreaterThan(k + 5);
    expect(batches).toBeLessThanOrEqual(k + 1);
    encoder.dispose();
  });
});
