import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { createDefaultNotebook, lastLoggedStep, latestCheckpoint, notebookFileName, parseNotebook, serializeNotebook, type Notebook, type RunRecord } from './notebook';
import { DataFormatError } from '../errors';
import { TIE_BREAK } from '../metrics/resultSchema';
import { parseRunConfigJson } from './runConfig';
import { packPerQuery } from './studyResults';

const tiny = parseRunConfigJson(readFileSync(new URL('../../../experiments/tiny.json', import.meta.url), 'utf8'), 'tiny.json');

function sampleRun(id: string): RunRecord {
  return {
    id,
    name: `hybrid α=0.5 (${id})`,
    config: { ...tiny, steps: 30 },
    backend: 'webgpu',
    sampledEvalEvery: 2,
    status: 'done',
    error: null,
    createdAt: '2025-11-24T12:00:00.000Z',
    logs: [1, 2, 3].map((step) => ({
      step,
      loss: Math.LN10 / step,
      retrieval_loss: 1 / 3 + step,
      adv_loss: null,
      disc_acc: null,
      disc_chance: null,
      lambda: null,
      lr: 3e-4 * (step / 3),
      grad_norm: 0.5 + step,
      seconds: 0.61 * step,
      batch: { kind: step % 2 ? 'mono' : 'cross', pairs: (step % 2 ? { 'de->de': 16 } : { 'en->de': 7, 'ar->zh': 9 }) as Record<string, number> },
    })),
    evaluations: [
      {
        step: 3,
        kind: 'full',
        result: {
          schemaVersion: 1,
          dataset: 'xquad-r',
          languages: ['de', 'en'],
          files: { 'xquad-r/en.json': '7b0954f39297c27a31fef610f0883337dd2907fa8699151dc922afdd0fa12ffe' },
          dim: 32,
          tie_break: TIE_BREAK,
          mono: { map: 0.1, recall_1: 0.05, cells: { 'en->en': { map: 0.1, recall_1: 0.05, n: 2 } } },
          cross: { map: 0.07, recall_1: 0.02, cells: { 'en->de': { map: 0.07, recall_1: 0.02, n: 2 } } },
          multi: { map: 0.03, recall_10: 0.1, rank_distance: 4000.5, per_language: { en: { map: 0.03, recall_10: 0.1, rank_distance: 4000.5, n: 2 } } },
          per_query: { mono: { 'en->en': { 'en:q1': 0.5, 'en:q2': 1 / 3 } }, cross: { 'en->de': { 'en:q1': 0.25, 'en:q2': 1 } }, multi: { en: { 'en:q1': 0.1, 'en:q2': 0.2 } } },
        },
      },
      {
        step: 2,
        kind: 'sampled',
        result: {
          schemaVersion: 1,
          dataset: 'xquad-r',
          languages: ['en'],
          files: {},
          dim: 32,
          tie_break: TIE_BREAK,
          mono: { map: 0.1, recall_1: 0.05, cells: { 'en->en': { map: 0.1, recall_1: 0.05, n: 2 } } },
          cross: { map: 0, recall_1: 0, cells: {} },
          multi: { map: 0.03, recall_10: 0.1, rank_distance: 0, per_language: { en: { map: 0.03, recall_10: 0.1, rank_distance: 0, n: 2 } } },
        },
      },
    ],
    checkpoints: [{ step: 3, key: `runs/${id}/step-3` }],
  };
}

function sample(): Notebook {
  const nb = createDefaultNotebook();
  nb.title = 'Hybrid vs adversarial — «tiny»';
  nb.cells.splice(1, 0, { kind: 'note', id: 'n-1', markdown: '# Hypothesis\n\n<script>alert(1)</script> *α* = 0.5' });
  nb.runs.push(sampleRun('r1'), sampleRun('r2'));
  nb.figures.hiddenRunIds = ['r2'];
  return nb;
}

describe('notebook file', () => {
  it('round-trips exactly: parse(serialize(x)) equals x and re-serializes to the same bytes', () => {
    const nb = sample();
    const text = serializeNotebook(nb);
    const back = parseNotebook('study.xlir.json', text);
    expect(back).toEqual(nb);
    expect(serializeNotebook(back)).toBe(text);
  });

  it('keeps unknown keys of the notebook and of run records through parse and save (issue 21)', () => {
    // sample() has per-query data, so this also goes through the packed (version 2) file form
    for (const withPerQuery of [true, false]) {
      const nb = sample();
      if (!withPerQuery) for (const run of nb.runs) for (const e of run.evaluations) delete e.result.per_query;
      const raw = JSON.parse(serializeNotebook(nb)) as Record<string, unknown> & { runs: Record<string, unknown>[] };
      raw.futureSetting = { colour: 'teal', levels: [1, 2] };
      raw.runs[1]!.notes = 'seed 2 was on a busy machine';
      const back = parseNotebook('new-app.xlir.json', JSON.stringify(raw)) as Notebook & Record<string, unknown>;
      expect(back.futureSetting).toEqual({ colour: 'teal', levels: [1, 2] });
      expect((back.runs[1] as RunRecord & Record<string, unknown>).notes).toBe('seed 2 was on a busy machine');
      const again = JSON.parse(serializeNotebook(back)) as typeof raw;
      expect(again.futureSetting).toEqual({ colour: 'teal', levels: [1, 2] });
      expect(again.runs[1]!.notes).toBe('seed 2 was on a busy machine');
      expect(again.runs[0]).not.toHaveProperty('notes');
    }
  });

  it('keeps per-query APs where present and accepts evaluations without them', () => {
    const back = parseNotebook('a.xlir.json', serializeNotebook(sample()));
    expect(back.runs[0]!.evaluations[0]!.result.per_query!.cross['en->de']).toEqual({ 'en:q1': 0.25, 'en:q2': 1 });
    expect(back.runs[0]!.evaluations[1]!.result.per_query).toBeUndefined();
  });

  it('validates evaluation results with the evaluator schema', () => {
    const raw = JSON.parse(serializeNotebook(sample()));
    raw.runs[0].evaluations[0].result.mono.cells['en->en'].map = 1.5;
    expect(() => parseNotebook('e.json', JSON.stringify(raw))).toThrow(/e\.json: runs\[0\]\.evaluations\[0\]\.result\.mono\.cells\.en->en\.map/);
  });

  it('writes keys in schema order whatever order the object had', () => {
    const nb = sample();
    const shuffled = Object.fromEntries(Object.entries(nb).reverse()) as Notebook;
    expect(serializeNotebook(shuffled)).toBe(serializeNotebook(nb));
  });

  it('names the file and the field of the first problem', () => {
    const raw = JSON.parse(serializeNotebook(sample()));
    raw.runs[1].logs[2].loss = 'NaN';
    const err = (() => {
      try {
        parseNotebook('broken.xlir.json', JSON.stringify(raw));
      } catch (e) {
        return e;
      }
    })();
    expect(err).toBeInstanceOf(DataFormatError);
    expect((err as DataFormatError).file).toBe('broken.xlir.json');
    expect((err as DataFormatError).field).toBe('runs[1].logs[2].loss');
  });

  it('rejects bad JSON, other versions, duplicate ids, missing fixed cells and foreign languages', () => {
    expect(() => parseNotebook('x.json', '{"schemaVersion":1,')).toThrow(/^x\.json: \(json\): not valid JSON/);
    expect(() => parseNotebook('x.json', '[]')).toThrow(/x\.json: \(root\): expected a JSON object/);
    expect(() => parseNotebook('x.json', '{"schemaVersion":3}')).toThrow(/schemaVersion: version 3 is newer than this app reads \(2\)/);
    expect(() => parseNotebook('x.json', '{"cells":[]}')).toThrow(/schemaVersion: expected 1, got undefined/);
    const dupCell = JSON.parse(serializeNotebook(sample()));
    dupCell.cells[1].id = 'data';
    expect(() => parseNotebook('d.json', JSON.stringify(dupCell))).toThrow(/d\.json: cells\[1\]\.id: cell id "data" appears twice/);
    const noRuns = JSON.parse(serializeNotebook(sample()));
    noRuns.cells = noRuns.cells.filter((c: { kind: string }) => c.kind !== 'runs');
    expect(() => parseNotebook('d.json', JSON.stringify(noRuns))).toThrow(/cells: needs exactly one "runs" cell, found 0/);
    const lang = JSON.parse(serializeNotebook(sample()));
    lang.data.eval = { dataset: 'mlqa-r', languages: ['en', 'el'] };
    expect(() => parseNotebook('d.json', JSON.stringify(lang))).toThrow(/data\.eval\.languages\[1\]: mlqa-r has no language "el"/);
    const cfg = JSON.parse(serializeNotebook(sample()));
    cfg.runs[0].config.data.eval.dataset = 'mlqa-r';
    expect(() => parseNotebook('d.json', JSON.stringify(cfg))).toThrow(/runs\[0\]\.config\.data\.eval\.dataset: evaluation data must not be the training data/);
    const dupRun = JSON.parse(serializeNotebook(sample()));
    dupRun.runs[1].id = 'r1';
    expect(() => parseNotebook('d.json', JSON.stringify(dupRun))).toThrow(/runs\[1\]\.id: run id "r1" appears twice/);
  });

  it('refuses to write an invalid notebook', () => {
    const nb = sample();
    nb.figures.pngScale = 0;
    expect(() => serializeNotebook(nb)).toThrow(/notebook: figures\.pngScale/);
  });

  it('holds an optional study shown by at most one study cell, and round-trips it exactly', () => {
    const nb = sample();
    const result = nb.runs[0]!.evaluations[0]!.result;
    const { per_query, ...summary } = result;
    nb.cells.unshift({ kind: 'study', id: 'study' });
    nb.study = {
      summary: 'Three seeds.',
      directions: [
        {
          id: 'mlqa-xquad',
          label: 'MLQA-R → XQuAD-R',
          differences: [['hybrid-0.5', 'hybrid-0.5']],
          arms: [{ arm: 'hybrid-0.5', label: 'Hybrid', setting: 'τ 0.1', seeds: [{ seed: 1, config: tiny, runId: 'r1', result: summary }], mean: { ...summary, per_query_packed: packPerQuery(per_query!) } }],
        },
      ],
    };
    const text = serializeNotebook(nb);
    const back = parseNotebook('study.xlir.json', text);
    expect(back).toEqual(nb);
    expect(serializeNotebook(back)).toBe(text);
    const { study: _study, ...noStudy } = JSON.parse(text) as Notebook;
    expect(() => parseNotebook('s.xlir.json', JSON.stringify(noStudy))).toThrow(/^s\.xlir\.json: study: the notebook has a "study" cell but no study/);
    const twice = JSON.parse(text) as Notebook;
    twice.cells.push({ kind: 'study', id: 'study-2' });
    expect(() => parseNotebook('s.xlir.json', JSON.stringify(twice))).toThrow(/cells: at most one "study" cell, found 2/);
    const badPacked = JSON.parse(text) as { study: { directions: { arms: { mean: { per_query_packed: { mono: Record<string, unknown> } } }[] }[] } };
    badPacked.study.directions[0]!.arms[0]!.mean.per_query_packed.mono['en->en'] = '0.5 2';
    expect(() => parseNotebook('s.xlir.json', JSON.stringify(badPacked))).toThrow(/study\.directions\[0\]\.arms\[0\]\.mean\.per_query_packed\.mono\.en->en: value 1 \("2"\)/);
  });

  it('derives a file name from the title', () => {
    expect(notebookFileName('Hybrid vs. Adversarial (tiny)!')).toBe('hybrid-vs-adversarial-tiny.xlir.json');
    expect(notebookFileName('«»')).toBe('notebook.xlir.json');
  });
});

describe('run progress', () => {
  it('resumes from the checkpoint with the highest step, whatever order they were recorded in', () => {
    const run = sampleRun('r1');
    run.checkpoints = [
      { step: 200, key: 'runs/r1/step-200' },
      { step: 400, key: 'runs/r1/step-400' },
      { step: 100, key: 'runs/r1/step-100' },
    ];
    expect(latestCheckpoint(run)).toEqual({ step: 400, key: 'runs/r1/step-400' });
    run.checkpoints = [];
    expect(latestCheckpoint(run)).toBeNull();
  });

  it('reports the step of the last log line, 0 before the first step', () => {
    const run = sampleRun('r1');
    expect(lastLoggedStep(run)).toBe(3);
    run.logs = [];
    expect(lastLoggedStep(run)).toBe(0);
  });
});
