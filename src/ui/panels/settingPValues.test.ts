import { describe, expect, it } from 'vitest';
import { runningTestsLine, settingPValues, testsSource } from './settingPValues';

describe('settingPValues', () => {
  const setting = (p: number) => ({ mapA: 0, mapB: 0, diff: 0, p, ci: [0, 0] as [number, number], cells: {} });
  it('prints the three settings, and rank distance only when it was tested', () => {
    const c = { mono: setting(0.0001), cross: setting(0.22144), multi: setting(1) };
    expect(settingPValues(c)).toBe('mono 0.0001, cross 0.2214, multi 1.0000');
    const rank_distance = { meanA: 3, meanB: 4, diff: -1, p: 0.03, ci: [-2, -0.5] as [number, number], cells: {} };
    expect(settingPValues({ ...c, rank_distance })).toBe('mono 0.0001, cross 0.2214, multi 1.0000, rank distance 0.0300');
  });
});

describe('runningTestsLine and testsSource', () => {
  it('counts the tests done once the worker reports, and says when shown tests come from the notebook', () => {
    expect(runningTestsLine({}, 10_000)).toBe('Running paired randomization tests (10,000 permutations per cell) in the stats worker…');
    expect(runningTestsLine({ done: 37, total: 147 }, 10_000, 'Recomputing')).toBe('Recomputing paired randomization tests (10,000 permutations per cell) in the stats worker: 37 of 147 tests done…');
    expect(testsSource({ cached: true })).toBe(' (saved in the notebook; not recomputed)');
    expect(testsSource({})).toBe('');
  });
});
