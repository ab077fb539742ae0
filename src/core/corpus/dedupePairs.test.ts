import { describe, expect, it } from 'vitest';
import { dedupePairs } from './dedupePairs';

describe('dedupePairs', () => {
  it('keeps the first of each exact (en, x) pair and counts the rest', () => {
    const pairs = [
      { en: 'Save', x: 'Speichern', source: 'libreoffice-ui' },
      { en: 'Save', x: 'Sichern', source: 'libreoffice-ui' },
      { en: 'Save', x: 'Speichern', source: 'cldr' },
      { en: 'save', x: 'Speichern', source: 'cldr' },
      { en: 'Save', x: 'Sichern', source: 'libreoffice-ui' },
    ];
    const { pairs: kept, removed } = dedupePairs(pairs);
    expect(kept).toEqual([pairs[0], pairs[1], pairs[3]]);
    expect(removed).toBe(2);
  });
});
