import { describe, expect, it } from 'vitest';
import { createDefaultNotebook, parseNotebook, serializeNotebook } from './notebook';
import { SIGNIFICANCE_CACHE_LIMIT, cacheSignificance, hasSignificanceFor, type SignificanceCacheEntry } from './significanceCache';

const cell = { n: 3, mapA: 0.5, mapB: 0.25, diff: 0.25, p: 0.02, pHolm: 0.04, ci: [0.1, 0.4] as [number, number] };
const setting = { mapA: 0.5, mapB: 0.25, diff: 0.25, p: 0.01, ci: [0.1, 0.4] as [number, number], cells: { 'en->de': cell } };
const entry = (figure: string): SignificanceCacheEntry => ({
  figure,
  seed: 20240819,
  permutations: 10_000,
  resamples: 10_000,
  level: 0.95,
  comparison: { dataset: 'xquad-r', permutations: 10_000, resamples: 10_000, level: 0.95, mono: setting, cross: setting, multi: setting },
});
const key = (i: number) => `sig1-${i.toString(16).padStart(16, '0')}`;

describe('significance cache', () => {
  it('round-trips through a saved notebook', () => {
    const significance = cacheSignificance({}, key(1), entry('run-a@full100|run-b@full100'));
    const nb = { ...createDefaultNotebook(), significance };
    const text = serializeNotebook(nb);
    const back = parseNotebook('nb.xlir.json', text);
    expect(back.significance).toEqual(significance);
    expect(serializeNotebook(back)).toBe(text);
  });

  it('reads notebooks without it, and refuses malformed keys naming the field', () => {
    expect(parseNotebook('old.xlir.json', serializeNotebook(createDefaultNotebook())).significance).toBeUndefined();
    const bad = JSON.parse(serializeNotebook(createDefaultNotebook()));
    bad.significance = { 'not-a-key': entry('x') };
    expect(() => parseNotebook('bad.xlir.json', JSON.stringify(bad))).toThrow(/significance/);
  });

  it('keeps the newest entries, a re-cached key counting as new', () => {
    let cache = {};
    for (let i = 0; i < SIGNIFICANCE_CACHE_LIMIT + 5; i++) cache = cacheSignificance(cache, key(i), entry(`f${i}`));
    expect(Object.keys(cache)).toHaveLength(SIGNIFICANCE_CACHE_LIMIT);
    expect(Object.keys(cache)[0]).toBe(key(5));
    cache = cacheSignificance(cache, key(5), entry('f5 again'));
    expect(Object.keys(cache).at(-1)).toBe(key(5));
    expect(Object.keys(cache)).toHaveLength(SIGNIFICANCE_CACHE_LIMIT);
    expect(hasSignificanceFor(cache, 'f5 again')).toBe(true);
    expect(hasSignificanceFor(cache, 'f4')).toBe(false);
  });
});
