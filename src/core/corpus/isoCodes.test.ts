import { describe, expect, it } from 'vitest';
import { CORPUS_LANGUAGES } from './corpusManifest';
import { ISO_CODES_DOMAINS, ISO_CODES_LOCALES, isoCodesPairs } from './isoCodes';
import { buildMo } from './moFixture.testutil';
import { normalizePair } from './normalizePair';
import { parseMo } from './parseMo';

describe('isoCodesPairs', () => {
  it('pairs msgid with msgstr of an iso-codes catalogue, skipping the header, plurals and empty translations', () => {
    const mo = buildMo([
      ['', 'Project-Id-Version: iso_3166-1\nContent-Type: text/plain; charset=UTF-8\n'],
      ['Germany', 'Германия'],
      ['Korea, Republic of', 'Корея, Республика'],
      ['Nowhere', ''],
      ['%d country\u0000%d countries', '%d страна\u0000%d страны'],
      ['Peru', 'Перу'],
    ]);
    expect(isoCodesPairs(parseMo(mo, 'iso_3166-1.mo'))).toEqual([
      ['Germany', 'Германия'],
      ['Korea, Republic of', 'Корея, Республика'],
      ['Peru', 'Перу'],
    ]);
  });

  it('leaves identical names to the pair cleaner', () => {
    const [pair] = isoCodesPairs(parseMo(buildMo([['Latin', 'Latin']])));
    expect(normalizePair(...pair!)).toEqual({ ok: false, reason: 'untranslated' });
  });
});

describe('iso-codes locales and domains', () => {
  it('maps every corpus language to a locale folder (zh to zh_CN) and reads no legacy duplicate', () => {
    expect(Object.keys(ISO_CODES_LOCALES).sort()).toEqual([...CORPUS_LANGUAGES].sort());
    expect(ISO_CODES_LOCALES.zh).toBe('zh_CN');
    for (const legacy of ['iso_3166', 'iso_3166_2', 'iso_639', 'iso_639_3', 'iso_639_5']) expect(ISO_CODES_DOMAINS).not.toContain(legacy);
  });
});
