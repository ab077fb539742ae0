import { describe, expect, it } from 'vitest';
import type { RetrievalDataset } from '../data/types';
import { ConfigError } from '../errors';
import { evaluateRetrieval, type RetrievalEmbeddings } from './evaluateRetrieval';
import { HAND_EN_DE } from './handDataset';
import { SETTINGS } from './resultSchema';
import { createLoopScorer } from './scorer';
import { evaluateTrec, parseQrels, parseRun } from './trec';
import { qrelsText, trecCells } from './trecExport';
import { trecRunFiles, writeTrecRuns, type TrecRunFile } from './trecRuns';
import { coarseCase } from './trecCases.testutil';

const decode = (b: Uint8Array) => new TextDecoder().decode(b);

// The hand dataset of evaluateRetrieval.test.ts, with its tie-laden embeddings (dim 2).
const HAND = HAND_EN_DE;
const HAND_EMB: RetrievalEmbeddings = {
  queries: Float32Array.from([1, 0, 0, 1, 1, 0, 0, 1, 1, 2]),
  candidates: Float32Array.from([2, 0, 0, 2, 1, 0, 0, 1, 1, 1]),
  dim: 2,
};

/** Re-scores every file with the project's trec_eval and checks each cell mAP against evaluateRetrieval. */
async function expectSameMap(dataset: RetrievalDataset, embeddings: RetrievalEmbeddings, files: TrecRunFile[]): Promise<number> {
  const result = await evaluateRetrieval(dataset, embeddings, { scorer: createLoopScorer });
  let checked = 0;
  for (const f of files) {
    const scored = evaluateTrec(parseQrels(decode(f.qrels), `${f.name}.qrels`), parseRun(decode(f.run), `${f.name}.run`));
    const key = trecCells(dataset, f.setting).find((c) => c.name === f.name)!.key;
    const expected = f.setting === 'multi' ? result.multi.per_language[key]! : result[f.setting].cells[key]!;
    expect(scored.num_q).toBe(f.queries);
    expect(Math.abs(scored.measures.map - expected.map)).toBeLessThan(1e-6);
    for (const [qid, ap] of Object.entries(result.per_query[f.setting][key]!)) expect(Math.abs(scored.perQuery.get(qid)!.map - ap)).toBeLessThan(1e-6);
    checked++;
  }
  return checked;
}

describe('trecRunFiles', () => {
  it('on the hand dataset, re-scored by evaluateTrec, gives every cell mAP and per-query AP of evaluateRetrieval', async () => {
    const files = await trecRunFiles(HAND, HAND_EMB, SETTINGS, { depth: 'exact', tag: 'xlir', scorer: createLoopScorer });
    expect(files.map((f) => `${f.setting}/${f.name}`)).toEqual(['mono/de-de', 'mono/en-en', 'cross/de-en', 'cross/en-de', 'multi/multi-de', 'multi/multi-en']);
    expect(await expectSameMap(HAND, HAND_EMB, files)).toBe(6);
    const multiEn = files.find((f) => f.name === 'multi-en')!;
    // pools smaller than 100 are written whole; ties go to the larger id (as in the CLI test)
    expect(multiEn.runLines).toBe(15);
    expect(decode(multiEn.run).split('\n').slice(0, 3)).toEqual(['en:q1 Q0 de:0:0:0 1 2 xlir', 'en:q1 Q0 en:0:0:2 2 1 xlir', 'en:q1 Q0 en:0:0:0 3 1 xlir']);
    expect(decode(files[3]!.qrels)).toBe(qrelsText(HAND, trecCells(HAND, 'cross')[1]!));
  });

  it('at depth exact cuts pools larger than 100 yet keeps every cell mAP (many exact ties)', async () => {
    const { dataset, embeddings } = coarseCase(5);
    const files = await trecRunFiles(dataset, embeddings, SETTINGS, { depth: 'exact', tag: 't', scorer: createLoopScorer, queryChunk: 37 });
    expect(await expectSameMap(dataset, embeddings, files)).toBe(3 + 6 + 3);
    const multi = files.filter((f) => f.setting === 'multi');
    const full = multi.reduce((n, f) => n + f.queries * dataset.candidates.length, 0);
    const written = multi.reduce((n, f) => n + f.runLines, 0);
    expect(written).toBeLessThan(full);
    expect(written).toBeGreaterThanOrEqual(multi.reduce((n, f) => n + 100 * f.queries, 0));
    // line counts match the text
    for (const f of files) expect(decode(f.run).split('\n').length - 1).toBe(f.runLines);
  });

  it('one pass for several settings gives the same bytes as one setting at a time, at any depth and chunk', async () => {
    const { dataset, embeddings } = coarseCase(9);
    const all = await trecRunFiles(dataset, embeddings, SETTINGS, { depth: 7, tag: 'x', scorer: createLoopScorer, queryChunk: 64 });
    const one = (await Promise.all(SETTINGS.map((s) => trecRunFiles(dataset, embeddings, [s], { depth: 7, tag: 'x', scorer: createLoopScorer, queryChunk: 5 })))).flat();
    expect(one.map((f) => f.name)).toEqual(all.map((f) => f.name));
    one.forEach((f, i) => {
      expect(decode(f.run)).toBe(decode(all[i]!.run));
      expect(f.runLines).toBe(f.queries * 7);
    });
  });

  it('encodes runs of several megabytes as the same UTF-8 text the writer streams', async () => {
    const { dataset, embeddings } = coarseCase(2);
    // a long non-ASCII tag pushes the multi runs past the collector's 4 M-character pieces
    const tag = `ü${'x'.repeat(100)}`;
    const options = { depth: 'all' as const, tag, scorer: createLoopScorer };
    const files = await trecRunFiles(dataset, embeddings, ['multi'], options);
    const cells = trecCells(dataset, 'multi');
    const texts = cells.map(() => '');
    const progress: number[] = [];
    const counts = await writeTrecRuns(dataset, embeddings, cells, { ...options, onProgress: (done) => progress.push(done) }, (i, text) => {
      texts[i] += text;
    });
    expect(Math.max(...texts.map((t) => t.length))).toBeGreaterThan(1 << 22);
    files.forEach((f, i) => {
      expect(f.runLines).toBe(counts[i]);
      expect(decode(f.run)).toBe(texts[i]);
    });
    expect(progress[progress.length - 1]).toBe(dataset.queries.length);
  });

  it('rejects embeddings of the wrong shape and a tag with spaces', async () => {
    const opts = { depth: 'exact' as const, tag: 'xlir', scorer: createLoopScorer };
    await expect(trecRunFiles(HAND, { ...HAND_EMB, queries: HAND_EMB.queries.subarray(2) }, ['mono'], opts)).rejects.toThrow(ConfigError);
    await expect(trecRunFiles(HAND, { ...HAND_EMB, dim: 3 }, ['mono'], opts)).rejects.toThrow(/embeddings\.queries/);
    await expect(trecRunFiles(HAND, HAND_EMB, ['mono'], { ...opts, tag: 'my run' })).rejects.toThrow(/one word/);
  });
});
