import { describe, expect, it } from 'vitest';
import type { RetrievalResult } from './resultSchema';
import { significanceKey, type SignificanceSettings } from './significanceKey';

type Compared = Pick<RetrievalResult, 'dataset' | 'per_query'>;

const SETTINGS: SignificanceSettings = { seed: 20240819, permutations: 10_000, resamples: 10_000, level: 0.95 };

function result(shift = 0, rankDistance = true): Compared {
  const cell = (base: number) => ({ 'en:q1': base, 'en:q2': 0.5 + shift, 'de:q1': 0.25 });
  return {
    dataset: 'xquad-r',
    per_query: {
      mono: { 'en->en': cell(1), 'de->de': cell(0.75) },
      cross: { 'en->de': cell(0.125) },
      multi: { en: cell(0.375) },
      ...(rankDistance ? { rank_distance: { en: { 'en:q1': 2, 'en:q2': 0 } } } : {}),
    },
  };
}

describe('significanceKey', () => {
  it('is the same for equal inputs, built separately, and pinned across versions', () => {
    const key = significanceKey(result(), result(0.125), SETTINGS);
    expect(significanceKey(result(), result(0.125), { ...SETTINGS })).toBe(key);
    expect(key).toMatch(/^sig1-[0-9a-f]{16}$/);
    // a notebook saved by this version must find its entries again: the key of these inputs is fixed
    expect(key).toBe(KEY_OF_FIXTURE);
  });

  it('ignores the order of the second result’s keys (its values are looked up by query id)', () => {
    const b = result(0.125);
    const reordered: Compared = {
      dataset: b.dataset,
      per_query: {
        ...b.per_query,
        mono: { 'de->de': b.per_query.mono['de->de']!, 'en->en': Object.fromEntries(Object.entries(b.per_query.mono['en->en']!).reverse()) },
      },
    };
    expect(significanceKey(result(), reordered, SETTINGS)).toBe(significanceKey(result(), b, SETTINGS));
  });

  it('changes with any input the tests depend on', () => {
    const base = significanceKey(result(), result(0.125), SETTINGS);
    const a = result();
    const variants: [string, string][] = [
      ['swapped', significanceKey(result(0.125), result(), SETTINGS)],
      ['one AP of a', significanceKey({ ...a, per_query: { ...a.per_query, cross: { 'en->de': { ...a.per_query.cross['en->de']!, 'de:q1': 0.2500001 } } } }, result(0.125), SETTINGS)],
      ['one AP of b', significanceKey(result(), result(0.1250001), SETTINGS)],
      ['a query id', significanceKey({ ...a, per_query: { ...a.per_query, multi: { en: { 'en:q1': 0.375, 'en:q3': 0.5, 'de:q1': 0.25 } } } }, result(0.125), SETTINGS)],
      ['query order of a', significanceKey({ ...a, per_query: { ...a.per_query, multi: { en: Object.fromEntries(Object.entries(a.per_query.multi.en!).reverse()) } } }, result(0.125), SETTINGS)],
      ['no rank distance', significanceKey(result(0, false), result(0.125), SETTINGS)],
      ['dataset', significanceKey({ ...a, dataset: 'mlqa-r' }, result(0.125), SETTINGS)],
      ['seed', significanceKey(result(), result(0.125), { ...SETTINGS, seed: 1 })],
      ['permutations', significanceKey(result(), result(0.125), { ...SETTINGS, permutations: 9_999 })],
      ['resamples', significanceKey(result(), result(0.125), { ...SETTINGS, resamples: 10_001 })],
      ['level', significanceKey(result(), result(0.125), { ...SETTINGS, level: 0.9 })],
    ];
    for (const [what, key] of variants) expect(key, what).not.toBe(base);
    expect(new Set(variants.map(([, k]) => k)).size).toBe(variants.length);
  });

  it('tells a query missing from the second result from one that is present', () => {
    const b = result(0.125);
    const { 'en:q2': _dropped, ...rest } = b.per_query.multi.en!;
    const missing: Compared = { ...b, per_query: { ...b.per_query, multi: { en: rest } } };
    expect(significanceKey(result(), missing, SETTINGS)).not.toBe(significanceKey(result(), b, SETTINGS));
  });
});

const KEY_OF_FIXTURE = 'sig1-3bc84d02dba59911';
