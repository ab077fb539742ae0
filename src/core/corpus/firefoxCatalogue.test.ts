import { strToU8, zipSync } from 'fflate';
import { describe, expect, it } from 'vitest';
import { DataFormatError } from '../errors';
import { alignByKey } from './alignByKey';
import { firefoxCatalogue, isFirefoxText, langpackLocale, localeNeutralPath, readFirefoxLocaleFiles } from './firefoxCatalogue';

const BRAND_EN = '-brand-short-name = Firefox\n';
const TABS_EN = `tab-close = Close tab
    .accesskey = C
tab-count =
    { $n ->
        [one] One tab
       *[other] { $n } tabs
    }
search-empty = No results for “<span data-l10n-name="query"></span>”
tab-width =
    .style = width: 34em
about = About { -brand-short-name }
only-en = Only in English
`;
const TABS_TH = `tab-close = ปิดแท็บ
    .accesskey = ป
tab-count = { $n } แท็บ
search-empty = ไม่มีผลลัพธ์สำหรับ “<span data-l10n-name="query"></span>”
tab-width =
    .style = width: 40em
about = เกี่ยวกับ { -brand-short-name }
`;
const PROPS_EN = 'downloads=#1 download;#1 downloads\nsave.label=Save\nsave.accesskey=S\nintl.accept_languages=en-US, en\nhelp.url=https://support.mozilla.org/\n';
const PROPS_TH = 'downloads=#1 การดาวน์โหลด\nsave.label=\\u0e1a\\u0e31\\u0e19\\u0e17\\u0e36\\u0e01\nsave.accesskey=บ\nintl.accept_languages=th, en-US, en\nhelp.url=https://support.mozilla.org/th/\n';

/** The en-US side as `firefox-esr` ships it: toolkit strings in omni.ja, browser strings in browser/omni.ja. */
function englishZips(): { omni: Uint8Array; browserOmni: Uint8Array } {
  return {
    omni: zipSync({
      'localization/en-US/toolkit/tabs.ftl': strToU8(TABS_EN),
      'chrome/en-US/locale/en-US/global/dl.properties': strToU8(PROPS_EN),
      'chrome/toolkit/content/global/x.js': strToU8('// not a localisation file'),
      'localization/de/toolkit/tabs.ftl': strToU8('tab-close = Tab schließen\n'),
    }),
    browserOmni: zipSync({ 'localization/en-US/branding/brand.ftl': strToU8(BRAND_EN) }),
  };
}

function langpack(manifest: unknown = { langpack_id: 'th' }): Uint8Array {
  return zipSync({
    'manifest.json': strToU8(JSON.stringify(manifest)),
    'localization/th/toolkit/tabs.ftl': strToU8(TABS_TH),
    'chrome/th/locale/th/global/dl.properties': strToU8(PROPS_TH),
    'browser/localization/th/branding/brand.ftl': strToU8(BRAND_EN),
  });
}

describe('localeNeutralPath', () => {
  it('replaces locale folders, not file names', () => {
    expect(localeNeutralPath('chrome/en-US/locale/en-US/global/en-US', 'en-US')).toBe('chrome/@/locale/@/global/en-US');
    expect(localeNeutralPath('browser/localization/th/browser/th.ftl', 'th')).toBe('browser/localization/@/browser/th.ftl');
  });
});

describe('readFirefoxLocaleFiles and langpackLocale', () => {
  it('reads the .ftl and .properties files of one locale from a zip, keyed by locale-neutral path', () => {
    const { omni, browserOmni } = englishZips();
    expect([...readFirefoxLocaleFiles(omni, 'en-US').keys()]).toEqual(['chrome/@/locale/@/global/dl.properties', 'localization/@/toolkit/tabs.ftl']);
    expect([...readFirefoxLocaleFiles(browserOmni, 'en-US', 'browser/').keys()]).toEqual(['browser/localization/@/branding/brand.ftl']);
    expect(readFirefoxLocaleFiles(langpack(), 'th').get('localization/@/toolkit/tabs.ftl')).toBe(TABS_TH);
  });

  it('takes the locale from the langpack manifest and names the file and field when it is missing', () => {
    expect(langpackLocale(langpack(), 'th.xpi')).toBe('th');
    expect(() => langpackLocale(langpack({ name: 'x' }), 'th.xpi')).toThrow(DataFormatError);
    expect(() => langpackLocale(langpack({ langpack_id: 'not a locale' }), 'th.xpi')).toThrow(/^th\.xpi\/manifest\.json: langpack_id: must be a locale code/);
    expect(() => langpackLocale(zipSync({ 'a.txt': strToU8('x') }), 'bad.xpi')).toThrow(/^bad\.xpi: manifest\.json: missing/);
  });
});

describe('firefoxCatalogue', () => {
  it('aligns English and a langpack on path, id and attribute, leaving out access keys, CSS, URLs and locale lists', () => {
    const { omni, browserOmni } = englishZips();
    const en = firefoxCatalogue(new Map([...readFirefoxLocaleFiles(omni, 'en-US'), ...readFirefoxLocaleFiles(browserOmni, 'en-US', 'browser/')]));
    const pack = langpack();
    const th = firefoxCatalogue(readFirefoxLocaleFiles(pack, langpackLocale(pack, 'th.xpi')));
    expect([...en]).toEqual([
      ['chrome/@/locale/@/global/dl.properties#downloads', '#1 downloads'],
      ['chrome/@/locale/@/global/dl.properties#save.label', 'Save'],
      ['localization/@/toolkit/tabs.ftl#tab-close', 'Close tab'],
      ['localization/@/toolkit/tabs.ftl#tab-count', '$n tabs'],
      ['localization/@/toolkit/tabs.ftl#search-empty', 'No results for “$query”'],
      ['localization/@/toolkit/tabs.ftl#about', 'About Firefox'],
      ['localization/@/toolkit/tabs.ftl#only-en', 'Only in English'],
    ]);
    expect(alignByKey(en, th)).toEqual([
      ['#1 downloads', '#1 การดาวน์โหลด'],
      ['Save', 'บันทึก'],
      ['Close tab', 'ปิดแท็บ'],
      ['$n tabs', '$n แท็บ'],
      ['No results for “$query”', 'ไม่มีผลลัพธ์สำหรับ “$query”'],
      ['About Firefox', 'เกี่ยวกับ Firefox'],
    ]);
  });

  it('tells text from keys and values that are no text', () => {
    expect(isFirefoxText('menu.label', 'Menu')).toBe(true);
    expect(isFirefoxText('menu.accesskey', 'M')).toBe(false);
    expect(isFirefoxText('findCmd.commandkey', 'f')).toBe(false);
    expect(isFirefoxText('dialog.style', 'min-width: 30em')).toBe(false);
    expect(isFirefoxText('dialog-width', '30em')).toBe(false);
    expect(isFirefoxText('panel', 'width: 20ch; height: 3em')).toBe(false);
    expect(isFirefoxText('link', 'https://example.org/x')).toBe(false);
    expect(isFirefoxText('languages', 'ar, en-US, en')).toBe(false);
    expect(isFirefoxText('limit', 'The limit is 100000px wide.')).toBe(true);
  });
});
