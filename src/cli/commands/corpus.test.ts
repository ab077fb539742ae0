import { strToU8, zipSync } from 'fflate';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ManifestPackage } from '../../core/corpus/corpusManifest';
import { buildMo } from '../../core/corpus/moFixture.testutil';
import { ConfigError } from '../../core/errors';
import { lareqaFile, runCli } from './cli.testutil';
import { runCorpusBuild, type CorpusBuildConfig } from './corpus';
import { aptPackageFetcher, type PackageFetcher } from './corpusPackages';

const SHA = 'a'.repeat(64);
const PACKAGES: ManifestPackage[] = [
  { name: 'libreoffice-l10n-de', version: '4:7.4.7-1', sha256: SHA, licence: 'MPL-2.0', licenceName: 'Mozilla Public License 2.0', licenceFile: 'usr/share/doc/libreoffice-l10n-de/copyright', kind: 'libreoffice-ui', languages: ['de'] },
  { name: 'unicode-cldr-core', version: '41-0.1', sha256: SHA, licence: 'Unicode-DFS-2016', licenceName: 'Unicode License', licenceFile: 'usr/share/doc/unicode-cldr-core/copyright', kind: 'cldr', languages: ['en', 'de'] },
  { name: 'libreoffice-help-en-us', version: '4:7.4.7-1', sha256: SHA, licence: 'MPL-2.0', licenceName: 'Mozilla Public License 2.0', licenceFile: 'usr/share/doc/libreoffice-help-en-us/copyright', kind: 'libreoffice-help', languages: ['en'] },
  { name: 'libreoffice-help-de', version: '4:7.4.7-1', sha256: SHA, licence: 'MPL-2.0', licenceName: 'Mozilla Public License 2.0', licenceFile: 'usr/share/doc/libreoffice-help-de/copyright', kind: 'libreoffice-help', languages: ['de'] },
];

let tmp: string;
let config: CorpusBuildConfig;
let fetcher: PackageFetcher;

async function put(file: string, data: string | Uint8Array): Promise<void> {
  await mkdir(path.dirname(file), { recursive: true });
  await writeFile(file, data);
}

beforeAll(async () => {
  tmp = await mkdtemp(path.join(os.tmpdir(), 'xlir-corpus-'));
  const lo = path.join(tmp, 'pkg', 'lo-de');
  await put(
    path.join(lo, 'usr/lib/libreoffice/program/resource/de/LC_MESSAGES/sw.mo'),
    buildMo([
      ['', 'Project-Id-Version: x\n'],
      ['STR_SAVE\u0004~Save', '~Speichern'],
      ['STR_SAVE2\u0004_Save', '_Speichern'], // a duplicate after normalisation
      ['STR_FILES\u0004%1 file\u0000%1 files', '%1 Datei\u0000%1 Dateien'],
      ['STR_PDF\u0004PDF', 'PDF'], // untranslated
      ['STR_Q\u0004How many points did the Panthers defense surrender?', 'Wie viele Punkte?'], // an evaluation question
      ['STR_T\u0004Tom wants water now.', 'Tom will jetzt Wasser.'], // near an evaluation sentence
      ['STR_TAB\u0004Line\tbreak\nhere', 'Zeilen\tumbruch\nhier'],
    ]),
  );
  const cldr = path.join(tmp, 'pkg', 'cldr', 'usr/share/unicode/cldr/common');
  const ann = (items: [string, string][]) => `<ldml><annotations>${items.map(([cp, n]) => `<annotation cp="${cp}" type="tts">${n}</annotation>`).join('')}</annotations></ldml>`;
  await put(
    path.join(cldr, 'annotations/en.xml'),
    ann([
      ['😀', 'grinning face'],
      ['&amp;', 'ampersand'],
    ]),
  );
  await put(
    path.join(cldr, 'annotations/de.xml'),
    ann([
      ['😀', 'grinsendes Gesicht'],
      ['&amp;', 'Und-Zeichen'],
    ]),
  );
  await put(path.join(cldr, 'main/en.xml'), '<ldml><localeDisplayNames><territories><territory type="DE">Germany</territory></territories></localeDisplayNames></ldml>');
  await put(path.join(cldr, 'main/de.xml'), '<ldml><localeDisplayNames><territories><territory type="DE">Deutschland</territory></territories></localeDisplayNames></ldml>');
  const page = (paras: string) => `<html><body>${paras}</body></html>`;
  await put(path.join(tmp, 'pkg', 'help-en', 'usr/share/libreoffice/help/en-US/text/swriter/01/x.html'), page('<h1 id="hd_id1">Insert Section</h1><p id="par_id2">Choose <span>Insert</span>.</p><p id="par_id9">Only English.</p>'));
  await put(path.join(tmp, 'pkg', 'help-de', 'usr/share/libreoffice/help/de/text/swriter/01/x.html'), page('<h1 id="hd_id1">Bereich einfügen</h1><p id="par_id2">Wählen Sie <span>Einfügen</span>.</p>'));
  const data = path.join(tmp, 'data');
  await put(path.join(data, 'xquad-r', 'en.json'), lareqaFile(['The Panthers defense gave up just 308 points.'], [['q1', 0]]).replace('q1?', 'How many points did the Panthers defense surrender?'));
  await put(path.join(data, 'tatoeba', 'tatoeba.deu-eng.eng'), 'Tom wants water now!\n');
  const manifestFile = path.join(tmp, 'manifest.json');
  await put(manifestFile, JSON.stringify({ schemaVersion: 1, packages: PACKAGES }));
  config = { outDir: path.join(tmp, 'out'), manifestFile, dataDir: data, languages: ['de'], maxPairsPerLanguage: null };
  const roots: Record<string, string> = {
    'libreoffice-l10n-de': lo,
    'unicode-cldr-core': path.join(tmp, 'pkg', 'cldr'),
    'libreoffice-help-en-us': path.join(tmp, 'pkg', 'help-en'),
    'libreoffice-help-de': path.join(tmp, 'pkg', 'help-de'),
  };
  fetcher = { fetch: async (pkg) => roots[pkg.name]! };
});

afterAll(async () => {
  await rm(tmp, { recursive: true, force: true });
});

describe('corpus build', () => {
  it('aligns, cleans, dedupes, removes evaluation overlap and writes pairs, corpus.json and NOTICE.md', async () => {
    const logs: string[] = [];
    const report = await runCorpusBuild(config, { fetcher, log: (l) => logs.push(l) });
    const tsv = await readFile(path.join(config.outDir, 'pairs.de.tsv'), 'utf8');
    const lines = tsv.trimEnd().split('\n');
    expect([...lines].sort()).toEqual(
      [
        'Germany\tDeutschland',
        'Insert Section\tBereich einfügen',
        'Choose Insert.\tWählen Sie Einfügen.',
        'Line break here\tZeilen umbruch hier',
        'Save\tSpeichern',
        'ampersand\tUnd-Zeichen',
        'file\tDatei',
        'grinning face\tgrinsendes Gesicht',
      ].sort(),
    );
    expect(report.languages.de).toMatchObject({
      pairs: 8,
      bySource: { 'libreoffice-ui': 3, 'cldr-annotations': 2, 'cldr-display-names': 1, 'libreoffice-help': 2 },
      extracted: { 'libreoffice-ui': 7, 'cldr-annotations': 2, 'cldr-display-names': 1, 'libreoffice-help': 2 },
      removed: { untranslated: 1, duplicate: 1, evalExact: 1, evalNear: 1, overMax: 0 },
    });
    const saved = JSON.parse(await readFile(path.join(config.outDir, 'corpus.json'), 'utf8'));
    expect(saved.files['pairs.de.tsv']).toMatchObject({ lines: 8, bytes: Buffer.byteLength(tsv) });
    expect(saved.files['NOTICE.md'].sha256).toMatch(/^[0-9a-f]{64}$/);
    expect(saved.packages.map((p: ManifestPackage) => p.name)).toEqual(PACKAGES.map((p) => p.name));
    const notice = await readFile(path.join(config.outDir, 'NOTICE.md'), 'utf8');
    expect(notice).toContain('Mozilla Public License 2.0');
    expect(notice).toContain('usr/share/doc/unicode-cldr-core/copyright');
    expect(notice).toContain('1 exact, 1 near duplicates');
    expect(logs.some((l) => l.startsWith('de: 8 pairs'))).toBe(true);
  });

  it('is byte-identical run to run and caps deterministically', async () => {
    await runCorpusBuild(config, { fetcher, log: () => {} });
    const first = await readFile(path.join(config.outDir, 'corpus.json'), 'utf8');
    await runCorpusBuild(config, { fetcher, log: () => {} });
    expect(await readFile(path.join(config.outDir, 'corpus.json'), 'utf8')).toBe(first);
    const capped = { ...config, outDir: path.join(tmp, 'capped'), maxPairsPerLanguage: 2 };
    const report = await runCorpusBuild(capped, { fetcher, log: () => {} });
    expect(report.languages.de?.pairs).toBe(2);
    expect(report.languages.de?.removed.overMax).toBe(6);
    const all = (await readFile(path.join(config.outDir, 'pairs.de.tsv'), 'utf8')).split('\n');
    expect((await readFile(path.join(capped.outDir, 'pairs.de.tsv'), 'utf8')).split('\n').slice(0, 2)).toEqual(all.slice(0, 2));
  });

  it('aligns Firefox ESR strings of omni.ja and a langpack .xpi and lists the packages with their licence', async () => {
    const firefox: ManifestPackage[] = ['firefox-esr', 'firefox-esr-l10n-de'].map((name) => ({
      name,
      version: '153.8.0esr-1~deb12u1',
      sha256: SHA,
      licence: 'MPL-2.0',
      licenceName: 'Mozilla Public License 2.0',
      licenceFile: `usr/share/doc/${name}/copyright`,
      kind: 'firefox',
      languages: [name === 'firefox-esr' ? 'en' : 'de'],
    }));
    const en = path.join(tmp, 'pkg', 'firefox-en', 'usr/lib/firefox-esr');
    await put(path.join(en, 'omni.ja'), zipSync({ 'localization/en-US/toolkit/tabs.ftl': strToU8('tab-close = Close tab\n    .accesskey = C\nhow-many = How many points did the Panthers defense surrender?\n') }));
    await put(path.join(en, 'browser/omni.ja'), zipSync({ 'localization/en-US/browser/about.ftl': strToU8('-brand-short-name = Firefox\nabout = About { -brand-short-name }\n') }));
    const de = path.join(tmp, 'pkg', 'firefox-de', 'usr/lib/firefox-esr/browser/extensions/langpack-de@firefox-esr.mozilla.org.xpi');
    await put(
      de,
      zipSync({
        'manifest.json': strToU8(JSON.stringify({ langpack_id: 'de' })),
        'localization/de/toolkit/tabs.ftl': strToU8('tab-close = Tab schließen\n    .accesskey = s\nhow-many = Wie viele Punkte?\n'),
        'browser/localization/de/browser/about.ftl': strToU8('-brand-short-name = Firefox\nabout = Über { -brand-short-name }\n'),
      }),
    );
    const manifestFile = path.join(tmp, 'manifest-firefox.json');
    await put(manifestFile, JSON.stringify({ schemaVersion: 1, packages: firefox }));
    const roots: Record<string, string> = { 'firefox-esr': path.join(tmp, 'pkg', 'firefox-en'), 'firefox-esr-l10n-de': path.join(tmp, 'pkg', 'firefox-de') };
    const out = path.join(tmp, 'out-firefox');
    const logs: string[] = [];
    const report = await runCorpusBuild({ ...config, outDir: out, manifestFile }, { fetcher: { fetch: async (pkg) => roots[pkg.name]! }, log: (l) => logs.push(l) });
    expect((await readFile(path.join(out, 'pairs.de.tsv'), 'utf8')).trimEnd().split('\n').sort()).toEqual(['About Firefox\tÜber Firefox', 'Close tab\tTab schließen']);
    expect(report.languages.de).toMatchObject({ pairs: 2, bySource: { firefox: 2 }, extracted: { firefox: 3 }, removed: { evalExact: 1 } });
    expect(logs.some((l) => l.startsWith('firefox-esr-l10n-de: 3 strings aligned with firefox-esr ('))).toBe(true);
    const notice = await readFile(path.join(out, 'NOTICE.md'), 'utf8');
    expect(notice).toContain('| `firefox-esr-l10n-de` | 153.8.0esr-1~deb12u1 | MPL-2.0 (Mozilla Public License 2.0) |');
    expect(notice).toContain('Firefox ESR (.ftl, .properties)');
  });

  it('reads the iso-codes catalogues and aligns CLDR keyword lists one pair per character, after the other sources', async () => {
    const packages: ManifestPackage[] = [
      { ...PACKAGES[1]! },
      { name: 'iso-codes', version: '4.15.0-1', sha256: SHA, licence: 'LGPL-2.1+', licenceName: 'GNU Lesser General Public License 2.1 or later', licenceFile: 'usr/share/doc/iso-codes/copyright', kind: 'iso-codes', languages: ['de', 'zh'] },
    ];
    const iso = path.join(tmp, 'pkg', 'iso-codes');
    const mo = (pairs: [string, string][]) => buildMo([['', 'Project-Id-Version: iso-codes\n'], ...pairs]);
    await put(
      path.join(iso, 'usr/share/locale/de/LC_MESSAGES/iso_3166-1.mo'),
      mo([
        ['Germany', 'Deutschland'],
        ['France', 'Frankreich'],
        ['Peru', 'Peru'],
      ]),
    );
    await put(
      path.join(iso, 'usr/share/locale/de/LC_MESSAGES/iso_4217.mo'),
      mo([
        ['Euro', 'Euro'],
        ['US Dollar', 'US-Dollar'],
      ]),
    );
    await put(path.join(iso, 'usr/share/locale/de/LC_MESSAGES/iso_3166.mo'), mo([['Legacy Land', 'Altes Land']])); // a legacy duplicate, not read
    await put(path.join(iso, 'usr/share/locale/zh_CN/LC_MESSAGES/iso_639-3.mo'), mo([['German', '德语']]));
    const cldr = path.join(tmp, 'pkg', 'cldr-kw', 'usr/share/unicode/cldr/common');
    const ann = (items: string) => `<ldml><annotations>${items}</annotations></ldml>`;
    await put(path.join(cldr, 'annotations/en.xml'), ann('<annotation cp="😀">face | grin</annotation><annotation cp="😀" type="tts">grinning face</annotation><annotation cp="🐱">cat</annotation>'));
    await put(path.join(cldr, 'annotations/de.xml'), ann('<annotation cp="😀">Gesicht | grinsen</annotation><annotation cp="😀" type="tts">grinsendes Gesicht</annotation>'));
    await put(path.join(cldr, 'annotationsDerived/en.xml'), ann('<annotation cp="👋🏻">hand | wave</annotation>'));
    await put(path.join(cldr, 'annotationsDerived/de.xml'), ann('<annotation cp="👋🏻">Hand | winken</annotation>'));
    await put(path.join(cldr, 'main/en.xml'), '<ldml><localeDisplayNames><territories><territory type="DE">Germany</territory></territories></localeDisplayNames></ldml>');
    await put(path.join(cldr, 'main/de.xml'), '<ldml><localeDisplayNames><territories><territory type="DE">Deutschland</territory></territories></localeDisplayNames></ldml>');
    const manifestFile = path.join(tmp, 'manifest-iso.json');
    await put(manifestFile, JSON.stringify({ schemaVersion: 1, packages }));
    const roots: Record<string, string> = { 'unicode-cldr-core': path.join(tmp, 'pkg', 'cldr-kw'), 'iso-codes': iso };
    const out = path.join(tmp, 'out-iso');
    const logs: string[] = [];
    const report = await runCorpusBuild({ ...config, outDir: out, manifestFile, languages: ['de', 'zh'] }, { fetcher: { fetch: async (pkg) => roots[pkg.name]! }, log: (l) => logs.push(l) });
    expect((await readFile(path.join(out, 'pairs.de.tsv'), 'utf8')).trimEnd().split('\n').sort()).toEqual(
      ['France\tFrankreich', 'Germany\tDeutschland', 'US Dollar\tUS-Dollar', 'face, grin\tGesicht, grinsen', 'grinning face\tgrinsendes Gesicht'].sort(),
    );
    expect(report.languages.de).toMatchObject({
      pairs: 5,
      bySource: { 'cldr-annotations': 1, 'cldr-display-names': 1, 'iso-codes': 2, 'cldr-keywords': 1 },
      extracted: { 'cldr-annotations': 1, 'cldr-display-names': 1, 'iso-codes': 5, 'cldr-keywords': 1 },
      removed: { untranslated: 2, duplicate: 1 },
    });
    expect((await readFile(path.join(out, 'pairs.zh.tsv'), 'utf8')).trimEnd()).toBe('German\t德语');
    expect(logs.some((l) => l.startsWith('iso-codes: de 5, zh 1 catalogue entries ('))).toBe(true);
    const notice = await readFile(path.join(out, 'NOTICE.md'), 'utf8');
    expect(notice).toContain('| `iso-codes` | 4.15.0-1 | LGPL-2.1+ (GNU Lesser General Public License 2.1 or later) | `usr/share/doc/iso-codes/copyright` |');
    expect(notice).toContain('iso-codes project');
    expect(notice).toContain('| lang | CLDR annotations | CLDR display names | iso-codes (.mo) | CLDR annotation keywords | pairs |');

    await rm(path.join(iso, 'usr/share/locale/zh_CN'), { recursive: true });
    const err = await runCorpusBuild({ ...config, outDir: out, manifestFile, languages: ['zh'] }, { fetcher: { fetch: async (pkg) => roots[pkg.name]! }, log: () => {} }).catch((e: unknown) => e);
    expect((err as Error).message).toMatch(/iso-codes=4\.15\.0-1: usr\/share\/locale\/zh_CN\/LC_MESSAGES: holds none of iso_3166-1\.mo/);
  });

  it('refuses a cached .deb whose sha256 differs from the manifest, naming package, version and manifest', async () => {
    const cache = path.join(tmp, 'cache');
    await put(path.join(cache, 'libreoffice-l10n-de_4%3a7.4.7-1_all.deb'), 'not the pinned bytes');
    const apt = aptPackageFetcher(cache, '/repo/corpus/manifest.json', () => {});
    const err = await apt.fetch(PACKAGES[0]!).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ConfigError);
    expect((err as Error).message).toMatch(/^libreoffice-l10n-de=4:7\.4\.7-1: .* \/repo\/corpus\/manifest\.json pins a{64}/);
  });

  it('reports a bad manifest and a bad language as one-line CLI errors', async () => {
    const bad = path.join(tmp, 'bad.json');
    await writeFile(bad, JSON.stringify({ schemaVersion: 1, packages: [{ ...PACKAGES[0], sha256: 'xyz' }] }));
    const r = await runCli(['corpus', 'build', '--out', path.join(tmp, 'o'), '--manifest', bad, '--data', config.dataDir]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/bad\.json: packages\[0\]\.sha256: must be 64 lower-case hex digits/);
    const r2 = await runCli(['corpus', 'build', '--out', path.join(tmp, 'o'), '--languages', 'de,xx']);
    expect(r2.code).toBe(2);
    expect(r2.stderr).toContain('--languages');
  });
});
