/**
 * `xlir corpus build`: extracts openly licensed English↔X translation pairs from the pinned Debian
 * packages of `corpus/manifest.json` (LibreOffice UI catalogues and help, Unicode CLDR, Firefox ESR, iso-codes), cleans them, removes any
 * pair that overlaps the evaluation data, and writes `pairs.<x>.tsv`, `corpus.json` and `NOTICE.md`.
 */
import type { Command } from 'commander';
import { existsSync } from 'node:fs';
import { readdir, readFile, stat, writeFile } from 'node:fs/promises';
import { makeDirs, probeWritableDir } from '../diskWrites';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { alignByKey } from '../../core/corpus/alignByKey';
import { buildLanguageCorpus, type RawPair } from '../../core/corpus/buildLanguageCorpus';
import { joinCldrKeywords, parseCldrAnnotations } from '../../core/corpus/cldrAnnotations';
import { parseCldrDisplayNames } from '../../core/corpus/cldrDisplayNames';
import { CORPUS_LANGUAGES, isCorpusLanguage, parseCorpusManifest, type CorpusLanguage, type CorpusManifest, type ManifestPackage } from '../../core/corpus/corpusManifest';
import { renderCorpusNotice, sumCounts, type CorpusReport, type LanguageCounts } from '../../core/corpus/corpusReport';
import { firefoxCatalogue, langpackLocale, readFirefoxLocaleFiles } from '../../core/corpus/firefoxCatalogue';
import { buildEvalIndex, DEFAULT_EVAL_OVERLAP_OPTIONS } from '../../core/corpus/evalOverlap';
import { collectLineTexts, collectSquadTexts, EVAL_FOLDER_FORMATS } from '../../core/corpus/evalTexts';
import { parseHelpParagraphs } from '../../core/corpus/helpParagraphs';
import { ISO_CODES_DOMAINS, ISO_CODES_LOCALE_DIR, ISO_CODES_LOCALES, isoCodesPairs } from '../../core/corpus/isoCodes';
import { parseMo } from '../../core/corpus/parseMo';
import { parseJsonText } from '../../core/data/parseJsonText';
import { ConfigError, DataFormatError } from '../../core/errors';
import { resolveDataDir } from '../dataDir';
import { parseCodeList, parsePositiveInt } from '../options';
import { createOutput, textTable } from '../output';
import { aptPackageFetcher, sha256File, type PackageFetcher } from './corpusPackages';

/** The manifest shipped with the repository. */
export const DEFAULT_MANIFEST = fileURLToPath(new URL('../../../corpus/manifest.json', import.meta.url));
export const DEFAULT_CACHE = path.join(os.homedir(), '.cache', 'xlir', 'debs');

/** Paths inside the extracted packages. */
const LIBREOFFICE_RESOURCE_DIR = 'usr/lib/libreoffice/program/resource';
const CLDR_COMMON_DIR = 'usr/share/unicode/cldr/common';
const LIBREOFFICE_HELP_DIR = 'usr/share/libreoffice/help';
const FIREFOX_DIR = 'usr/lib/firefox-esr';
/** The zips of `firefox-esr` holding en-US strings, with the prefix that makes their paths match a langpack's. */
const FIREFOX_ENGLISH_ZIPS = [
  { file: 'omni.ja', prefix: '' },
  { file: 'browser/omni.ja', prefix: 'browser/' },
] as const;
const FIREFOX_LANGPACK_DIR = 'browser/extensions';

export interface CorpusBuildConfig {
  outDir: string;
  manifestFile: string;
  /** evaluation data folder (xquad-r/, mlqa-r/, xquad/, tatoeba/) */
  dataDir: string;
  languages: CorpusLanguage[];
  maxPairsPerLanguage: number | null;
}

export interface CorpusBuildDeps {
  fetcher: PackageFetcher;
  log: (line: string) => void;
}

async function readManifest(file: string): Promise<CorpusManifest> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    throw new ConfigError(`cannot read manifest ${file} (${(err as NodeJS.ErrnoException).code ?? String(err)})`);
  }
  return parseCorpusManifest(parseJsonText(text, file), file);
}

/** Pairs of every `.mo` catalogue of a LibreOffice l10n package: (msgid, first msgstr). */
async function readLibreOfficeUi(root: string, pkg: ManifestPackage): Promise<RawPair[]> {
  const base = path.join(root, LIBREOFFICE_RESOURCE_DIR);
  const dirs = existsSync(base) ? (await readdir(base)).sort() : [];
  if (dirs.length === 0) throw new DataFormatError(`${pkg.name}=${pkg.version}`, LIBREOFFICE_RESOURCE_DIR, 'holds no resource folder');
  const pairs: RawPair[] = [];
  for (const dir of dirs) {
    const mdir = path.join(base, dir, 'LC_MESSAGES');
    if (!existsSync(mdir)) continue;
    for (const name of (await readdir(mdir)).filter((n) => n.endsWith('.mo')).sort()) {
      const file = path.join(mdir, name);
      for (const e of parseMo(await readFile(file), file)) {
        const x = e.msgstr[0] ?? '';
        if (x !== '') pairs.push({ en: e.msgid, x, source: 'libreoffice-ui' });
      }
    }
  }
  return pairs;
}

async function readIfExists(file: string): Promise<string | null> {
  return existsSync(file) ? readFile(file, 'utf8') : null;
}

interface CldrLocale {
  /** cp → annotation name (annotations + annotationsDerived) */
  names: Map<string, string>;
  /** display-name key → name */
  display: Map<string, string>;
  /** cp → joined keyword list (annotations only; the derived lists are formulaic combinations) */
  keywords: Map<string, string>;
}

/** CLDR annotation names and keywords (by cp) and display names of one locale. */
async function readCldrLocale(root: string, locale: string): Promise<CldrLocale> {
  const common = path.join(root, CLDR_COMMON_DIR);
  const names = new Map<string, string>();
  let keywords = new Map<string, string>();
  for (const folder of ['annotations', 'annotationsDerived']) {
    const xml = await readIfExists(path.join(common, folder, `${locale}.xml`));
    if (xml === null) continue;
    const parsed = parseCldrAnnotations(xml);
    for (const [cp, name] of parsed.names) names.set(cp, name);
    if (folder === 'annotations') keywords = joinCldrKeywords(parsed.keywords);
  }
  const main = await readIfExists(path.join(common, 'main', `${locale}.xml`));
  return { names, display: main === null ? new Map() : parseCldrDisplayNames(main), keywords };
}

async function readCldr(root: string, languages: readonly CorpusLanguage[]): Promise<Map<CorpusLanguage, RawPair[]>> {
  const en = await readCldrLocale(root, 'en');
  if (en.names.size === 0) throw new DataFormatError(path.join(CLDR_COMMON_DIR, 'annotations', 'en.xml'), 'annotation', 'no English annotation names found');
  const out = new Map<CorpusLanguage, RawPair[]>();
  for (const lang of languages) {
    const x = await readCldrLocale(root, lang);
    out.set(lang, [
      ...alignByKey(en.names, x.names).map(([a, b]): RawPair => ({ en: a, x: b, source: 'cldr-annotations' })),
      ...alignByKey(en.display, x.display).map(([a, b]): RawPair => ({ en: a, x: b, source: 'cldr-display-names' })),
      ...alignByKey(en.keywords, x.keywords).map(([a, b]): RawPair => ({ en: a, x: b, source: 'cldr-keywords' })),
    ]);
  }
  return out;
}

/** Pairs of the iso-codes catalogues ({@link ISO_CODES_DOMAINS}) of each language: (msgid, msgstr). */
async function readIsoCodes(root: string, pkg: ManifestPackage, languages: readonly CorpusLanguage[]): Promise<Map<CorpusLanguage, RawPair[]>> {
  const out = new Map<CorpusLanguage, RawPair[]>();
  for (const lang of languages) {
    const where = path.join(ISO_CODES_LOCALE_DIR, ISO_CODES_LOCALES[lang], 'LC_MESSAGES');
    const files = ISO_CODES_DOMAINS.map((d) => path.join(root, where, `${d}.mo`)).filter((f) => existsSync(f));
    if (files.length === 0) throw new DataFormatError(`${pkg.name}=${pkg.version}`, where, `holds none of ${ISO_CODES_DOMAINS.map((d) => `${d}.mo`).join(', ')}`);
    const pairs: RawPair[] = [];
    for (const file of files) {
      for (const [en, x] of isoCodesPairs(parseMo(await readFile(file), file))) pairs.push({ en, x, source: 'iso-codes' });
    }
    out.set(lang, pairs);
  }
  return out;
}

async function listFiles(dir: string, suffix: string): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true });
  return entries
    .filter((e) => e.isFile() && e.name.endsWith(suffix))
    .map((e) => path.relative(dir, path.join(e.parentPath, e.name)).split(path.sep).join('/'))
    .sort();
}

/** Help paragraphs of a `libreoffice-help-<x>` package, keyed by `page#id` (page relative to `<locale>/text/`). */
async function readHelp(root: string, pkg: ManifestPackage): Promise<Map<string, string>> {
  const base = path.join(root, LIBREOFFICE_HELP_DIR);
  const locales = existsSync(base) ? (await readdir(base)).filter((d) => existsSync(path.join(base, d, 'text'))).sort() : [];
  if (locales.length !== 1) throw new DataFormatError(`${pkg.name}=${pkg.version}`, LIBREOFFICE_HELP_DIR, `holds ${locales.length} locale folders with text/, expected 1`);
  const dir = path.join(base, locales[0]!);
  const out = new Map<string, string>();
  for (const page of await listFiles(path.join(dir, 'text'), '.html')) {
    for (const [id, text] of parseHelpParagraphs(await readFile(path.join(dir, 'text', page), 'utf8'))) out.set(`${page}#${id}`, text);
  }
  return out;
}

/** The en-US strings of `firefox-esr`, keyed as by {@link firefoxCatalogue}. */
async function readFirefoxEnglish(root: string, pkg: ManifestPackage): Promise<Map<string, string>> {
  const files = new Map<string, string>();
  for (const { file, prefix } of FIREFOX_ENGLISH_ZIPS) {
    const zip = path.join(root, FIREFOX_DIR, file);
    if (!existsSync(zip)) throw new DataFormatError(`${pkg.name}=${pkg.version}`, path.join(FIREFOX_DIR, file), 'missing');
    for (const [name, text] of readFirefoxLocaleFiles(await readFile(zip), 'en-US', prefix)) files.set(name, text);
  }
  if (files.size === 0) throw new DataFormatError(`${pkg.name}=${pkg.version}`, FIREFOX_DIR, 'no en-US .ftl or .properties files in omni.ja');
  return firefoxCatalogue(files);
}

/** The strings of the one langpack `.xpi` of a `firefox-esr-l10n-<x>` package, keyed as by {@link firefoxCatalogue}. */
async function readFirefoxLangpack(root: string, pkg: ManifestPackage): Promise<Map<string, string>> {
  const dir = path.join(root, FIREFOX_DIR, FIREFOX_LANGPACK_DIR);
  const xpis = existsSync(dir) ? (await readdir(dir)).filter((n) => n.startsWith('langpack-') && n.endsWith('.xpi')).sort() : [];
  const where = path.join(FIREFOX_DIR, FIREFOX_LANGPACK_DIR);
  if (xpis.length !== 1) throw new DataFormatError(`${pkg.name}=${pkg.version}`, where, `holds ${xpis.length} langpack-*.xpi files, expected 1`);
  const file = path.join(dir, xpis[0]!);
  const zip = await readFile(file);
  const files = readFirefoxLocaleFiles(zip, langpackLocale(zip, `${pkg.name}=${pkg.version}: ${path.join(where, xpis[0]!)}`));
  return firefoxCatalogue(files);
}

/** Every evaluation text of the data folder, with the files read (paths relative to the folder). */
async function readEvalTexts(dataDir: string): Promise<{ texts: string[]; files: CorpusReport['evalData']['files']; missingFolders: string[] }> {
  const texts: string[] = [];
  const files: CorpusReport['evalData']['files'] = [];
  const missingFolders: string[] = [];
  for (const [folder, format] of Object.entries(EVAL_FOLDER_FORMATS)) {
    const dir = path.join(dataDir, folder);
    if (!existsSync(dir)) {
      missingFolders.push(folder);
      continue;
    }
    const names = (await readdir(dir)).filter((n) => (format === 'squad' ? n.endsWith('.json') : n.startsWith('tatoeba.'))).sort();
    for (const name of names) {
      const file = path.join(dir, name);
      const text = await readFile(file, 'utf8');
      let found: string[];
      if (format === 'squad') {
        found = collectSquadTexts(parseJsonText(text, file), file);
      } else {
        found = collectLineTexts(text);
      }
      texts.push(...found);
      files.push({ path: `${folder}/${name}`, sha256: await sha256File(file), texts: found.length });
    }
  }
  if (files.length === 0) throw new ConfigError(`no evaluation data in ${dataDir} (expected ${Object.keys(EVAL_FOLDER_FORMATS).join(', ')}); pass --data DIR or set XLIR_DATA_DIR`);
  return { texts, files, missingFolders };
}

async function fileInfo(file: string, lines?: number) {
  const info = { sha256: await sha256File(file), bytes: (await stat(file)).size };
  return lines === undefined ? info : { ...info, lines };
}

/**
 * Builds the corpus into `config.outDir`.
 * @returns the report also written as `corpus.json`
 * @throws ConfigError for a missing, unavailable or mismatching package; DataFormatError for a bad file
 */
export async function runCorpusBuild(config: CorpusBuildConfig, deps: CorpusBuildDeps): Promise<CorpusReport> {
  // before minutes of downloads: an output folder that cannot hold files fails now
  await probeWritableDir(config.outDir);
  const { log } = deps;
  const started = Date.now();
  const since = () => `${((Date.now() - started) / 1000).toFixed(1)}s`;
  const manifest = await readManifest(config.manifestFile);
  const wanted = new Set<string>(config.languages);
  const forWanted = (p: ManifestPackage) => p.languages.some((l) => wanted.has(l));
  // English-only packages (the English help) come along when a package of their kind does.
  const packages = manifest.packages.filter((p) => forWanted(p) || (p.languages.includes('en') && manifest.packages.some((q) => q.kind === p.kind && forWanted(q))));
  for (const lang of config.languages) {
    if (!packages.some((p) => p.kind === 'cldr' || p.languages.includes(lang))) {
      throw new ConfigError(`${config.manifestFile} has no package for language "${lang}"`);
    }
  }
  const raw = new Map<CorpusLanguage, RawPair[]>(config.languages.map((l) => [l, []]));
  const roots = new Map<ManifestPackage, string>();
  for (const pkg of packages) roots.set(pkg, await deps.fetcher.fetch(pkg));
  log(`${packages.length} packages ready (${since()})`);
  const enHelpPkg = packages.find((p) => p.kind === 'libreoffice-help' && p.languages.includes('en'));
  const enHelp = enHelpPkg ? await readHelp(roots.get(enHelpPkg)!, enHelpPkg) : new Map<string, string>();
  const enFirefoxPkg = packages.find((p) => p.kind === 'firefox' && p.languages.includes('en'));
  const enFirefox = enFirefoxPkg ? await readFirefoxEnglish(roots.get(enFirefoxPkg)!, enFirefoxPkg) : new Map<string, string>();
  for (const pkg of packages) {
    const root = roots.get(pkg)!;
    const langs = config.languages.filter((l) => pkg.languages.includes(l));
    if (pkg.kind === 'libreoffice-ui') {
      const pairs = await readLibreOfficeUi(root, pkg);
      for (const l of langs) raw.get(l)!.push(...pairs);
      log(`${pkg.name}: ${pairs.length} catalogue entries (${since()})`);
    } else if (pkg.kind === 'cldr') {
      const byLang = await readCldr(root, langs);
      for (const [l, pairs] of byLang) raw.get(l)!.push(...pairs);
      log(`${pkg.name}: ${[...byLang].map(([l, p]) => `${l} ${p.length}`).join(', ')} aligned names (${since()})`);
    } else if (pkg.kind === 'iso-codes') {
      const byLang = await readIsoCodes(root, pkg, langs);
      for (const [l, pairs] of byLang) raw.get(l)!.push(...pairs);
      log(`${pkg.name}: ${[...byLang].map(([l, p]) => `${l} ${p.length}`).join(', ')} catalogue entries (${since()})`);
    } else if (pkg.kind === 'firefox') {
      if (pkg === enFirefoxPkg) continue;
      if (enFirefoxPkg === undefined) throw new ConfigError(`${config.manifestFile}: ${pkg.name} needs the English Firefox package (kind firefox, languages ["en"])`);
      const pairs = alignByKey(enFirefox, await readFirefoxLangpack(root, pkg)).map(([a, b]): RawPair => ({ en: a, x: b, source: 'firefox' }));
      for (const l of langs) raw.get(l)!.push(...pairs);
      log(`${pkg.name}: ${pairs.length} strings aligned with ${enFirefoxPkg.name} (${since()})`);
    } else if (pkg !== enHelpPkg) {
      if (enHelpPkg === undefined) throw new ConfigError(`${config.manifestFile}: ${pkg.name} needs an English help package (kind libreoffice-help, languages ["en"])`);
      const pairs = alignByKey(enHelp, await readHelp(root, pkg)).map(([a, b]): RawPair => ({ en: a, x: b, source: 'libreoffice-help' }));
      for (const l of langs) raw.get(l)!.push(...pairs);
      log(`${pkg.name}: ${pairs.length} paragraphs aligned with ${enHelpPkg.name} (${since()})`);
    }
  }
  const evalData = await readEvalTexts(config.dataDir);
  const index = buildEvalIndex(evalData.texts);
  log(`evaluation data: ${evalData.files.length} files, ${index.exact.size} distinct texts, ${index.keys.length} indexed for near duplicates (${since()})`);

  await makeDirs(config.outDir);
  const languages: CorpusReport['languages'] = {};
  const overlapExamples: CorpusReport['overlapExamples'] = {};
  const files: CorpusReport['files'] = {};
  for (const lang of config.languages) {
    const built = buildLanguageCorpus(raw.get(lang)!, index, config.maxPairsPerLanguage ?? Infinity);
    const counts: LanguageCounts = { pairs: built.lines.length, bySource: built.kept, extracted: built.extracted, removed: built.removed };
    languages[lang] = counts;
    overlapExamples[lang] = built.overlapExamples;
    const name = `pairs.${lang}.tsv`;
    const file = path.join(config.outDir, name);
    await writeFile(file, built.lines.length ? `${built.lines.join('\n')}\n` : '');
    files[name] = await fileInfo(file, built.lines.length);
    log(`${lang}: ${built.lines.length} pairs (removed: eval exact ${built.removed.evalExact}, near ${built.removed.evalNear}, duplicates ${built.removed.duplicate}) (${since()})`);
  }
  const report: CorpusReport = {
    schemaVersion: 1,
    manifest: { file: path.basename(config.manifestFile), sha256: await sha256File(config.manifestFile) },
    options: {
      languages: config.languages,
      maxPairsPerLanguage: config.maxPairsPerLanguage,
      evalOverlap: { threshold: DEFAULT_EVAL_OVERLAP_OPTIONS.threshold, n: DEFAULT_EVAL_OVERLAP_OPTIONS.n },
    },
    packages,
    evalData: { files: evalData.files, distinctTexts: index.exact.size, missingFolders: evalData.missingFolders },
    languages,
    totals: sumCounts(Object.values(languages)),
    overlapExamples,
    files,
  };
  const noticeFile = path.join(config.outDir, 'NOTICE.md');
  await writeFile(noticeFile, renderCorpusNotice(report));
  files['NOTICE.md'] = await fileInfo(noticeFile);
  await writeFile(path.join(config.outDir, 'corpus.json'), `${JSON.stringify(report, null, 2)}\n`);
  log(`wrote ${Object.keys(files).length + 1} files to ${config.outDir} (${since()})`);
  return report;
}

function parseCorpusLanguages(value: string): CorpusLanguage[] {
  const langs = parseCodeList('--languages', isCorpusLanguage, `codes of ${CORPUS_LANGUAGES.join(', ')}`)(value);
  return [...new Set(langs)].sort();
}

function formatSummary(report: CorpusReport): string {
  const row = (l: string, c: LanguageCounts) => [
    l,
    c.pairs,
    c.bySource['libreoffice-ui'],
    c.bySource['cldr-annotations'],
    c.bySource['cldr-display-names'],
    c.bySource['libreoffice-help'],
    c.bySource.firefox,
    c.bySource['iso-codes'],
    c.bySource['cldr-keywords'],
    c.removed.evalExact,
    c.removed.evalNear,
  ];
  const header = ['lang', 'pairs', 'lo-ui', 'cldr-ann', 'cldr-names', 'lo-help', 'firefox', 'iso-codes', 'cldr-kw', 'eval-exact', 'eval-near'];
  return textTable([6, 9, 9, 10, 12, 9, 9, 11, 9, 12, 11], [header, ...Object.entries(report.languages).map(([l, c]) => row(l, c)), row('total', report.totals)]);
}

export function registerCorpus(program: Command): void {
  const corpus = program.command('corpus').description('build the parallel pretraining corpus from pinned Debian packages');
  corpus
    .command('build')
    .description('download the pinned packages, extract English-X pairs, remove evaluation overlap, and write pairs.<x>.tsv, corpus.json, NOTICE.md')
    .requiredOption('--out <dir>', 'output folder')
    .option('--cache <dir>', 'where .deb files are downloaded and extracted', DEFAULT_CACHE)
    .option('--manifest <file>', 'pinned package list', DEFAULT_MANIFEST)
    .option('--data <dir>', 'evaluation data folder to keep out (default: XLIR_DATA_DIR, else ../shared/data)')
    .option('--languages <list>', `comma-separated languages (default: ${CORPUS_LANGUAGES.join(',')})`, parseCorpusLanguages)
    .option('--max-pairs-per-language <n>', 'keep at most n pairs per language (a deterministic sample)', parsePositiveInt('--max-pairs-per-language'))
    .action(async (opts: { out: string; cache: string; manifest: string; data?: string; languages?: CorpusLanguage[]; maxPairsPerLanguage?: number }, cmd: Command) => {
      const out = createOutput(Boolean(cmd.optsWithGlobals().json));
      const dataDir = resolveDataDir(opts.data);
      if (dataDir === null) throw new ConfigError('no evaluation data folder: pass --data DIR or set XLIR_DATA_DIR (../shared/data does not exist)');
      const manifestFile = path.resolve(opts.manifest);
      const log = (line: string) => out.info(`corpus: ${line}`);
      const report = await runCorpusBuild(
        {
          outDir: path.resolve(opts.out),
          manifestFile,
          dataDir,
          languages: opts.languages ?? [...CORPUS_LANGUAGES],
          maxPairsPerLanguage: opts.maxPairsPerLanguage ?? null,
        },
        { fetcher: aptPackageFetcher(path.resolve(opts.cache), manifestFile, log), log },
      );
      out.result(report, formatSummary);
    });
}
