import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { createDefaultNotebook, type RunRecord } from '../../core/experiment/notebook';
import { parseRunConfigJson } from '../../core/experiment/runConfig';
import { replacingNeedsConfirmation, workSnapshot, type NotebookParts } from './unsavedWork';

const tiny = parseRunConfigJson(readFileSync(new URL('../../../experiments/tiny.json', import.meta.url), 'utf8'), 'tiny.json');
const RUN: RunRecord = {
  id: 'r1',
  name: 'r1',
  config: tiny,
  backend: 'auto',
  sampledEvalEvery: 0,
  status: 'running',
  error: null,
  createdAt: '2026-01-01T00:00:00.000Z',
  logs: [],
  evaluations: [],
  checkpoints: [],
};
const fresh = (): NotebookParts => ({ ...createDefaultNotebook(), study: null });

describe('replacingNeedsConfirmation', () => {
  it('does not ask on a fresh notebook, saved or not', () => {
    const nb = fresh();
    expect(replacingNeedsConfirmation(nb, null)).toBe(false);
    expect(replacingNeedsConfirmation(nb, workSnapshot(nb))).toBe(false);
  });

  it('asks when runs, a retitled notebook or a note of ones own are in no file', () => {
    const nb = fresh();
    expect(replacingNeedsConfirmation({ ...nb, runs: [RUN] }, null)).toBe(true);
    expect(replacingNeedsConfirmation({ ...nb, runs: [RUN] }, workSnapshot(nb))).toBe(true);
    expect(replacingNeedsConfirmation({ ...nb, title: 'τ sweep' }, workSnapshot(nb))).toBe(true);
    expect(replacingNeedsConfirmation({ ...nb, cells: [...nb.cells, { kind: 'note', id: 'n2', markdown: 'τ = 0.1 looked better' }] }, workSnapshot(nb))).toBe(true);
    // an empty note is no work
    expect(replacingNeedsConfirmation({ ...nb, cells: [...nb.cells, { kind: 'note', id: 'n2', markdown: ' ' }] }, null)).toBe(false);
  });

  it('does not ask once the work is saved (or was just opened), and asks again after the next change', () => {
    const nb = { ...fresh(), runs: [RUN] };
    const saved = workSnapshot(nb);
    expect(replacingNeedsConfirmation(nb, saved)).toBe(false);
    // a training step replaces the runs array
    expect(replacingNeedsConfirmation({ ...nb, runs: [{ ...RUN, logs: [] }] }, saved)).toBe(true);
    expect(replacingNeedsConfirmation({ ...nb, figures: { ...nb.figures, smoothing: 0.5 } }, saved)).toBe(true);
  });

  it('does not count loading the data (which records the files hashes) as work', () => {
    const nb = { ...fresh(), runs: [RUN] };
    const saved = workSnapshot(nb);
    expect(replacingNeedsConfirmation({ ...nb, data: { ...nb.data, files: { 'xquad-r/en.json': '0'.repeat(64) } } }, saved)).toBe(false);
    expect(replacingNeedsConfirmation({ ...nb, data: { ...nb.data, eval: { ...nb.data.eval, languages: ['en'] } } }, saved)).toBe(true);
  });
});
