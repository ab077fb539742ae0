import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { DataFormatError } from '../errors';
import type { RetrievalResult } from '../metrics/resultSchema';
import { fullResult } from '../testing/fullResult.testutil';
import { createDefaultNotebook, NOTEBOOK_FILE_VERSION, parseNotebook, serializeNotebook, type Notebook, type RunRecord } from './notebook';
import { apToken } from './packedEvaluations';
import { parseRunConfigJson } from './runConfig';

const tiny = parseRunConfigJson(readFileSync(new URL('../../../experiments/tiny.json', import.meta.url), 'utf8'), 'tiny.json');
/**
 * A full XQuAD-R evaluation (11 languages × 1190 questions) shaped like the shipped model's (`xlir evaluate
 * --checkpoint builtin:multilingual`), every first-retrieved id in its cell's candidate language (the
 * packing's common case, so the size below measures it).
 */
const fullXquad = (seed: number, questions?: number) => fullResult({ seed, questions, sortedIds: true, foreignTopIds: false });

function run(id: string, result: RetrievalResult, sampled?: RetrievalResult): RunRecord {
  return {
    id,
    name: id,
    config: tiny,
    backend: 'auto',
    sampledEvalEvery: 50,
    status: 'done',
    error: null,
    createdAt: '2026-01-01T00:00:00.000Z',
    logs: [],
    evaluations: [...(sampled ? [{ step: 50, kind: 'sampled' as const, result: sampled }] : []), { step: 100, kind: 'full', result }],
    checkpoints: [],
  };
}

const notebookOf = (runs: RunRecord[]): Notebook => ({ ...createDefaultNotebook(), runs });

describe('notebook files with per-query data', () => {
  it('keep ten runs with full XQuAD-R evaluations an emailable file (under 16 MB: 15.2 MB; 173 MB as version 1 wrote them)', { timeout: 120_000 }, () => {
    const result = fullXquad(1);
    const nb = notebookOf(Array.from({ length: 10 }, (_, i) => run(`r${i}`, result)));
    const text = serializeNotebook(nb);
    expect(JSON.parse(text).schemaVersion).toBe(NOTEBOOK_FILE_VERSION);
    expect(text.length).toBeLessThan(16e6);
    // the same content as the version-1 file wrote it (one number per line)
    expect(JSON.stringify(nb, null, 1).length).toBeGreaterThan(10 * text.length);
  });

  it('round-trip without loss: the same values, cell mAPs recomputed from them equal the saved ones, the text re-serializes identically', { timeout: 60_000 }, () => {
    const full = fullXquad(2, 150);
    // a sampled evaluation holds a subset of the questions: its cells are mostly gaps
    const pick = (cells: Record<string, Record<string, number>>) => Object.fromEntries(Object.entries(cells).map(([c, v]) => [c, Object.fromEntries(Object.entries(v).filter((_, i) => i % 10 === 3))]));
    const sampled: RetrievalResult = { ...full, per_query: { mono: pick(full.per_query.mono), cross: pick(full.per_query.cross), multi: pick(full.per_query.multi) }, top_retrieved: undefined };
    delete sampled.top_retrieved;
    const nb = notebookOf([run('a', full, sampled)]);
    const text = serializeNotebook(nb);
    const back = parseNotebook('n.xlir.json', text);
    expect(serializeNotebook(back)).toBe(text);
    const [s, f] = back.runs[0]!.evaluations;
    expect(s!.result.per_query).toEqual(sampled.per_query);
    expect(s!.result.top_retrieved).toBeUndefined();
    expect(f!.result.top_retrieved).toEqual(full.top_retrieved);
    expect(f!.result.per_query!.rank_distance).toEqual(full.per_query.rank_distance);
    for (const setting of ['mono', 'cross', 'multi'] as const) {
      for (const [cell, values] of Object.entries(full.per_query[setting])) {
        const stored = f!.result.per_query![setting][cell]!;
        expect(Object.keys(stored)).toEqual(Object.keys(values));
        for (const [q, v] of Object.entries(values)) expect(stored[q]).toBe(v);
        const values2 = Object.values(stored);
        const recomputed = values2.reduce((a, b) => a + b, 0) / values2.length;
        const saved = setting === 'multi' ? f!.result.multi.per_language[cell]!.map : f!.result[setting].cells[cell]!.map;
        // (the same values; only the order of summation may differ)
        expect(Math.abs(recomputed - saved)).toBeLessThan(1e-12);
      }
    }
  });

  it('writes a notebook without per-query data as version 1, unchanged, and still reads version-1 files with them', () => {
    const r = fullXquad(3, 4);
    const { per_query: _pq, top_retrieved: _top, ...summary } = r;
    const plain = notebookOf([run('a', summary as RetrievalResult)]);
    expect(serializeNotebook(plain)).toBe(JSON.stringify(plain, null, 1) + '\n');
    const v1 = JSON.stringify(notebookOf([run('a', r)]), null, 1);
    const opened = parseNotebook('old.xlir.json', v1);
    expect(opened.runs[0]!.evaluations[0]!.result.per_query).toEqual(r.per_query);
    expect(JSON.parse(serializeNotebook(opened)).schemaVersion).toBe(2);
  });

  it('packs APs as ranks where they are 1/k, else as the shortest decimal of the double', () => {
    expect([1, 0.5, 1 / 3, 1 / 1190, 0.1, 0.0008545281489141111, 0.2500001, 3e-7, 0].map(apToken)).toEqual(['1', '2', '3', '1190', '10', '0.0008545281489141111', '0.2500001', '3e-7', '0']);
  });

  it('names the file and the packed cell that does not fit its query list', () => {
    const text = serializeNotebook(notebookOf([run('a', fullXquad(4, 3))]));
    const raw = JSON.parse(text);
    raw.runs[0].evaluations[0].result.per_query_packed.cross['en->de'] = '1 2';
    expect(() => parseNotebook('n.xlir.json', JSON.stringify(raw))).toThrow(DataFormatError);
    expect(() => parseNotebook('n.xlir.json', JSON.stringify(raw))).toThrow(/^n\.xlir\.json: runs\[0\]\.evaluations\[0\]\.result\.per_query_packed\.cross\.en->de: 2 values for 3 queries/);
    raw.runs[0].evaluations[0].result.per_query_packed.cross['en->de'] = '1 x 2';
    expect(() => parseNotebook('n.xlir.json', JSON.stringify(raw))).toThrow(/cross\.en->de: value 1 \("x"\)/);
    raw.runs[0].evaluations[0].result.per_query_packed.cross['en->de'] = '1 -5';
    expect(() => parseNotebook('n.xlir.json', JSON.stringify(raw))).toThrow(/"-5" runs past the 3 queries/);
    raw.runs[0].evaluations[0].result.per_query_packed.cross['en->de'] = '1 2 3';
    raw.runs[0].evaluations[0].result.per_query_packed.top_retrieved.cross['en->de'] = '0 zz 1';
    expect(() => parseNotebook('n.xlir.json', JSON.stringify(raw))).toThrow(/top_retrieved\.cross\.en->de: value 1 \("zz"\)/);
    raw.ids.queries = { 'xquad-r': { en: [1] } };
    expect(() => parseNotebook('n.xlir.json', JSON.stringify(raw))).toThrow(/ids\.queries\.xquad-r\.en\[0\]/);
  });
});
