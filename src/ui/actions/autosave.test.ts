import { afterEach, describe, expect, it, vi } from 'vitest';
import { readFileSync } from 'node:fs';
import { createDefaultNotebook, validateNotebook, type Notebook, type RunRecord } from '../../core/experiment/notebook';
import { fullResult } from '../../core/testing/fullResult.testutil';
import { parseRunConfigJson } from '../../core/experiment/runConfig';
import { DataFormatError } from '../../core/errors';
import { TIE_BREAK } from '../../core/metrics/resultSchema';
import { stepLog } from '../../core/testing/stepLog.testutil';
import { useAppStore } from '../store/store';
import { autosaveLabel, NotebookAutosave, startAutosave, type KeyValueStore } from './autosave';

class MemoryStore implements KeyValueStore {
  readonly map = new Map<string, unknown>();
  writes: string[][] = [];
  failNext: Error | null = null;
  async getMany(keys: string[]) {
    return keys.map((k) => structuredClone(this.map.get(k)));
  }
  async setMany(entries: [string, unknown][]) {
    if (this.failNext) {
      const e = this.failNext;
      this.failNext = null;
      throw e;
    }
    this.writes.push(entries.map(([k]) => k));
    for (const [k, v] of entries) this.map.set(k, structuredClone(v));
  }
  async delMany(keys: string[]) {
    for (const k of keys) this.map.delete(k);
  }
}

const tiny = parseRunConfigJson(readFileSync(new URL('../../../experiments/tiny.json', import.meta.url), 'utf8'), 'tiny.json');

function run(id: string, steps: number): RunRecord {
  return {
    id,
    name: id,
    config: tiny,
    backend: 'auto',
    sampledEvalEvery: 0,
    status: 'running',
    error: null,
    createdAt: '2025-11-24T00:00:00.000Z',
    logs: Array.from({ length: steps }, (_, i) => stepLog(i + 1, { seconds: i, batch: { kind: 'mono', pairs: { 'en->en': 16 } } })),
    evaluations: [],
    checkpoints: [],
  };
}

describe('NotebookAutosave', () => {
  it('writes only the pieces that changed and reads back the same notebook', async () => {
    const kv = new MemoryStore();
    const saver = new NotebookAutosave(kv);
    const nb: Notebook = { ...createDefaultNotebook(), runs: [run('a', 2), run('b', 1)] };
    expect((await saver.write(nb)).written.sort()).toEqual(['evals:a', 'evals:b', 'meta', 'run:a', 'run:b']);
    // One step of run b: only its record is rewritten.
    const next = { ...nb, runs: [nb.runs[0]!, { ...nb.runs[1]!, logs: run('b', 2).logs }] };
    expect((await saver.write(next)).written).toEqual(['run:b']);
    expect((await saver.write(next)).written).toEqual([]);
    expect(await new NotebookAutosave(kv).read()).toEqual(next);
  });

  it('removes the pieces of deleted runs and writes nothing after a read', async () => {
    const kv = new MemoryStore();
    const saver = new NotebookAutosave(kv);
    const nb: Notebook = { ...createDefaultNotebook(), runs: [run('a', 1), run('b', 1)] };
    await saver.write(nb);
    const out = await saver.write({ ...nb, runs: [nb.runs[0]!] });
    expect(out.deleted.sort()).toEqual(['evals:b', 'run:b']);
    expect([...kv.map.keys()].sort()).toEqual(['evals:a', 'meta', 'run:a']);
    const reader = new NotebookAutosave(kv);
    const restored = (await reader.read())!;
    expect((await reader.write(restored)).written).toEqual([]);
  });

  it('retries a failed write and reports invalid saved data naming the field', async () => {
    const kv = new MemoryStore();
    const saver = new NotebookAutosave(kv);
    const nb: Notebook = { ...createDefaultNotebook(), runs: [run('a', 1)] };
    kv.failNext = new DOMException('quota', 'QuotaExceededError');
    await expect(saver.write(nb)).rejects.toThrow('quota');
    expect((await saver.write(nb)).written.sort()).toEqual(['evals:a', 'meta', 'run:a']);
    (kv.map.get('run:a') as { logs: { loss: unknown }[] }).logs[0]!.loss = 'bad';
    const err = await new NotebookAutosave(kv).read().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(DataFormatError);
    expect((err as DataFormatError).field).toBe('runs[0].logs[0].loss');
    expect(await new NotebookAutosave(new MemoryStore()).read()).toBeNull();
  });

  it('writes a study once, keeps it across run changes, reads it back and deletes it when the notebook drops it', async () => {
    const kv = new MemoryStore();
    const saver = new NotebookAutosave(kv);
    const nb: Notebook = { ...createDefaultNotebook(), runs: [run('a', 1)] };
    const withStudy = { ...nb, cells: [{ kind: 'study' as const, id: 'study' }, ...nb.cells], study: validStudy() };
    expect((await saver.write(withStudy)).written.sort()).toEqual(['evals:a', 'meta', 'run:a', 'study']);
    expect((await saver.write({ ...withStudy, runs: [{ ...withStudy.runs[0]!, logs: run('a', 2).logs }] })).written).toEqual(['run:a']);
    const restored = (await new NotebookAutosave(kv).read())!;
    expect(restored.study).toEqual(withStudy.study);
    expect((await saver.write(nb)).deleted).toEqual(['study']);
    expect(kv.map.has('study')).toBe(false);
  });

  it('writes the significance cache as a piece of its own, only when it changes, and reads it back', async () => {
    const kv = new MemoryStore();
    const saver = new NotebookAutosave(kv);
    const nb: Notebook = { ...createDefaultNotebook(), runs: [run('a', 1)] };
    const setting = { mapA: 0.5, mapB: 0.25, diff: 0.25, p: 0.01, ci: [0.1, 0.4] as [number, number], cells: {} };
    const significance = {
      'sig1-0123456789abcdef': { figure: 'a@full1|b@full1', seed: 1, permutations: 10, resamples: 10, level: 0.95, comparison: { dataset: 'xquad-r', permutations: 10, resamples: 10, level: 0.95, mono: setting, cross: setting, multi: setting } },
    };
    const cached = { ...nb, significance };
    expect((await saver.write(cached)).written.sort()).toEqual(['evals:a', 'meta', 'run:a', 'significance']);
    expect((await saver.write({ ...cached, runs: [{ ...cached.runs[0]!, logs: run('a', 2).logs }] })).written).toEqual(['run:a']);
    expect((await new NotebookAutosave(kv).read())!.significance).toEqual(significance);
    expect((await saver.write(nb)).deleted).toEqual(['significance']);
  });

  it('stores per-query data packed (strings, not ~300k object entries) and reads it back exactly (issue 20)', async () => {
    const kv = new MemoryStore();
    const result = fullResult({ seed: 1, questions: 300, languages: ['ar', 'de', 'en', 'zh'] });
    const { per_query: _pq, top_retrieved: _top, ...summary } = result;
    const evaluations: RunRecord['evaluations'] = [
      { step: 5, kind: 'sampled', result: summary },
      { step: 10, kind: 'full', result },
    ];
    const nb: Notebook = { ...createDefaultNotebook(), runs: [{ ...run('a', 1), evaluations }] };
    await new NotebookAutosave(kv).write(nb);
    const piece = kv.map.get('evals:a') as Record<string, unknown>[];
    expect(piece[0]).toEqual(evaluations[0]);
    expect(Object.keys(piece[1]!)).toEqual(['packed']);
    expect(JSON.stringify(piece[1])).not.toContain('"ar:');
    const back = (await new NotebookAutosave(kv).read())!;
    expect(JSON.stringify(back.runs[0]!.evaluations)).toBe(JSON.stringify(validateNotebook('nb', nb).runs[0]!.evaluations));
  });

  it('reads evaluations autosaved as objects (before they were packed)', async () => {
    const kv = new MemoryStore();
    const result = fullResult({ seed: 2, questions: 20, languages: ['de', 'en'] });
    const nb: Notebook = { ...createDefaultNotebook(), runs: [{ ...run('a', 1), evaluations: [{ step: 10, kind: 'full', result }] }] };
    await new NotebookAutosave(kv).write(nb);
    kv.map.set('evals:a', structuredClone(nb.runs[0]!.evaluations));
    expect((await new NotebookAutosave(kv).read())!.runs[0]!.evaluations).toEqual(nb.runs[0]!.evaluations);
  });

  it('names the packed cell of an autosaved evaluation that does not fit its grammar', async () => {
    const kv = new MemoryStore();
    const nb: Notebook = { ...createDefaultNotebook(), runs: [{ ...run('a', 1), evaluations: [{ step: 10, kind: 'full', result: fullResult({ seed: 3, questions: 20, languages: ['de', 'en'] }) }] }] };
    await new NotebookAutosave(kv).write(nb);
    const piece = kv.map.get('evals:a') as { packed: { perQuery: { cells: { multi: Record<string, string> } } } }[];
    piece[0]!.packed.perQuery.cells.multi.de = '0.5';
    await expect(new NotebookAutosave(kv).read()).rejects.toThrow('runs[0].evaluations[0].packed.perQuery.cells.multi.de: 1 values for 20 queries');
  });
});

describe('startAutosave', () => {
  afterEach(() => vi.useRealTimers());

  it('says autosave is on from the moment it runs, before any change, and off once stopped', () => {
    useAppStore.setState({ autosave: { state: 'off' } });
    const stop = startAutosave(new NotebookAutosave(new MemoryStore()));
    expect(useAppStore.getState().autosave).toEqual({ state: 'on' });
    expect(autosaveLabel(useAppStore.getState().autosave)).toBe('autosave on');
    stop();
    expect(autosaveLabel(useAppStore.getState().autosave)).toBe('autosave off');
  });

  it('waits for a pause in changes, yet writes at least every maxWait while changes keep coming (a training run)', async () => {
    vi.useFakeTimers();
    const kv = new MemoryStore();
    const stop = startAutosave(new NotebookAutosave(kv), 800, 5000);
    const change = (i: number) => useAppStore.setState({ title: `change ${i}` });
    // A change every 500 ms for 12 s: a plain 800 ms debounce would never fire.
    const writtenAt: number[] = [];
    for (let i = 1; i <= 24; i++) {
      change(i);
      const before = kv.writes.length;
      await vi.advanceTimersByTimeAsync(500);
      if (kv.writes.length > before) writtenAt.push(i * 500);
    }
    expect(writtenAt).toEqual([5000, 10000]);
    expect(useAppStore.getState().autosave.state).toBe('pending');
    // Then a pause: the last change is written 800 ms after it.
    await vi.advanceTimersByTimeAsync(799 - 500);
    const beforePause = kv.writes.length;
    await vi.advanceTimersByTimeAsync(1);
    expect(kv.writes.length).toBe(beforePause + 1);
    expect(useAppStore.getState().autosave.state).toBe('saved');
    expect((await new NotebookAutosave(kv).read())!.title).toBe('change 24');
    stop();
  });
});

function validStudy(): NonNullable<Notebook['study']> {
  const result = {
    schemaVersion: 1 as const,
    dataset: 'xquad-r' as const,
    languages: ['en' as const],
    files: {},
    dim: 8,
    tie_break: TIE_BREAK,
    mono: { map: 0.5, recall_1: 0.5, cells: { 'en->en': { map: 0.5, recall_1: 0.5, n: 2 } } },
    cross: { map: null, recall_1: null, cells: {} },
    multi: { map: 0.5, recall_10: 1, rank_distance: 0, per_language: { en: { map: 0.5, recall_10: 1, rank_distance: 0, n: 2 } } },
  };
  return {
    summary: 'one arm, one seed',
    directions: [{ id: 'mlqa-xquad', label: 'MLQA-R → XQuAD-R', differences: [], arms: [{ arm: 'hybrid-0.5', label: 'Hybrid', setting: 'τ 0.05', seeds: [{ seed: 1, config: tiny, runId: 'a', result }], mean: result }] }],
  };
}
