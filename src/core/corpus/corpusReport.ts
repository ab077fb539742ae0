/**
 * What `xlir corpus build` records about a corpus (`corpus.json`) and the human notice rendered from it
 * (`NOTICE.md`): sources, licences, counts, the evaluation-overlap report and the output file hashes.
 */
import type { CorpusLanguage, ManifestPackage, PairSource } from './corpusManifest';
import { PAIR_SOURCES } from './corpusManifest';
import type { CorpusPair } from './dedupePairs';
import type { RemovalReason } from './buildLanguageCorpus';
import { REMOVAL_REASONS } from './buildLanguageCorpus';

export interface LanguageCounts {
  /** lines written */
  pairs: number;
  /** lines written per source */
  bySource: Record<PairSource, number>;
  /** raw pairs read per source */
  extracted: Record<PairSource, number>;
  removed: Record<RemovalReason, number>;
}

export interface OutputFileInfo {
  sha256: string;
  bytes: number;
  lines?: number;
}

export interface CorpusReport {
  schemaVersion: 1;
  manifest: { file: string; sha256: string };
  options: { languages: CorpusLanguage[]; maxPairsPerLanguage: number | null; evalOverlap: { threshold: number; n: number } };
  packages: ManifestPackage[];
  evalData: { files: { path: string; sha256: string; texts: number }[]; distinctTexts: number; missingFolders: string[] };
  languages: Partial<Record<CorpusLanguage, LanguageCounts>>;
  totals: LanguageCounts;
  /** a few removed pairs per language and reason */
  overlapExamples: Partial<Record<CorpusLanguage, { evalExact: CorpusPair[]; evalNear: CorpusPair[] }>>;
  /** output file name → hash and size; NOTICE.md included, corpus.json itself not */
  files: Record<string, OutputFileInfo>;
}

/** Sums per-language counts. */
export function sumCounts(all: readonly LanguageCounts[]): LanguageCounts {
  const zero = <K extends string>(keys: readonly K[]) => Object.fromEntries(keys.map((k) => [k, 0])) as Record<K, number>;
  const total: LanguageCounts = { pairs: 0, bySource: zero(PAIR_SOURCES), extracted: zero(PAIR_SOURCES), removed: zero(REMOVAL_REASONS) };
  for (const c of all) {
    total.pairs += c.pairs;
    for (const s of PAIR_SOURCES) {
      total.bySource[s] += c.bySource[s];
      total.extracted[s] += c.extracted[s];
    }
    for (const r of REMOVAL_REASONS) total.removed[r] += c.removed[r];
  }
  return total;
}

const SOURCE_TITLES: Record<PairSource, string> = {
  'libreoffice-ui': 'LibreOffice UI (.mo)',
  'cldr-annotations': 'CLDR annotations',
  'cldr-display-names': 'CLDR display names',
  'libreoffice-help': 'LibreOffice help',
  firefox: 'Firefox ESR (.ftl, .properties)',
  'iso-codes': 'iso-codes (.mo)',
  'cldr-keywords': 'CLDR annotation keywords',
};

function table(header: string[], rows: (string | number)[][]): string {
  const line = (cells: (string | number)[]) => `| ${cells.join(' | ')} |`;
  return [line(header), line(header.map((_, i) => (i === 0 ? '---' : '---:'))), ...rows.map(line)].join('\n');
}

/**
 * @param report everything but NOTICE.md's own entry in `files` may be filled
 * @returns the Markdown text of NOTICE.md
 */
export function renderCorpusNotice(report: CorpusReport): string {
  const langs = Object.keys(report.languages) as CorpusLanguage[];
  const sources = PAIR_SOURCES.filter((s) => report.totals.extracted[s] > 0);
  const out: string[] = [];
  out.push('# English↔X translation pairs from Debian packages', '');
  out.push(
    'Built by `xlir corpus build` from the pinned packages below (`corpus/manifest.json` of XLIR Lab).',
    'Each `pairs.<lang>.tsv` holds one `english<TAB>translation` pair a line, normalised (NFC, mnemonic markers,',
    'placeholders and markup removed, single spaces), deduplicated, with evaluation text removed, and ordered by a hash',
    'of the line so that a build is byte-identical run to run. Meant for pretraining a multilingual sentence encoder.',
    '',
  );
  out.push('## Sources and licences', '');
  out.push(
    table(
      ['package', 'version', 'licence', 'licence text in the .deb', '.deb sha256'],
      report.packages.map((p) => [`\`${p.name}\``, p.version, `${p.licence} (${p.licenceName})`, `\`${p.licenceFile}\``, `\`${p.sha256}\``]),
    ),
    '',
  );
  out.push(
    'LibreOffice translations are © The Document Foundation and contributors, and Firefox ESR strings and language',
    'packs © Mozilla and contributors, both under the Mozilla Public License 2.0 (https://mozilla.org/MPL/2.0/);',
    'the pairs are covered works of that licence and stay under it. The CLDR data are',
    '© Unicode, Inc., under the Unicode License Agreement – Data Files and Software (https://www.unicode.org/copyright.html),',
    'whose copyright and permission notice must accompany copies: see the `copyright` file named above.',
    '',
  );
  if (report.packages.some((p) => p.kind === 'iso-codes')) {
    out.push(
      'The names of countries, subdivisions, languages, currencies and scripts and their translations come from the',
      'iso-codes project (https://salsa.debian.org/iso-codes-team/iso-codes) as packaged by Debian, © Alastair McKinstry,',
      'Christian Perrier, Tobias Quathamer and the translators, under the GNU Lesser General Public License 2.1 or later',
      '(LGPL-2.1+, https://www.gnu.org/licenses/old-licenses/lgpl-2.1.html); those pairs stay under it: see the `copyright` file named above.',
      '',
    );
  }
  out.push('## Pairs per language and source', '');
  const rows: (string | number)[][] = langs.map((l) => {
    const c = report.languages[l]!;
    return [l, ...sources.map((s) => c.bySource[s]), c.pairs];
  });
  rows.push(['**all**', ...sources.map((s) => report.totals.bySource[s]), report.totals.pairs]);
  out.push(table(['lang', ...sources.map((s) => SOURCE_TITLES[s]), 'pairs'], rows), '');
  out.push('## Pairs removed', '');
  out.push(
    'empty / noLetter / tooLong (> 300 characters) / untranslated (translation equals English) after normalisation;',
    'duplicate: same (English, translation) pair again; evalExact / evalNear: either side equals an evaluation text',
    `(case-insensitive) or has character ${report.options.evalOverlap.n}-gram Jaccard ≥ ${report.options.evalOverlap.threshold} with one; overMax: over --max-pairs-per-language.`,
    '',
  );
  const read = (c: LanguageCounts) => PAIR_SOURCES.reduce((sum, s) => sum + c.extracted[s], 0);
  const reasonRows: (string | number)[][] = langs.map((l) => [l, read(report.languages[l]!), ...REMOVAL_REASONS.map((r) => report.languages[l]!.removed[r])]);
  reasonRows.push(['**all**', read(report.totals), ...REMOVAL_REASONS.map((r) => report.totals.removed[r])]);
  out.push(table(['lang', 'read', ...REMOVAL_REASONS], reasonRows), '');
  out.push('## Evaluation overlap', '');
  out.push(
    `Evaluation texts (every question, context and sentence of XQuAD-R, MLQA-R and the Romanian XQuAD file, and every Tatoeba`,
    `test sentence): ${report.evalData.distinctTexts} distinct texts from ${report.evalData.files.length} files.` + (report.evalData.missingFolders.length ? ` Folders not found: ${report.evalData.missingFolders.join(', ')}.` : ''),
    `Pairs removed: ${report.totals.removed.evalExact} exact, ${report.totals.removed.evalNear} near duplicates.`,
    '',
  );
  const examples = langs.flatMap((l) => (['evalExact', 'evalNear'] as const).flatMap((r) => (report.overlapExamples[l]?.[r] ?? []).slice(0, 3).map((p) => `- ${l} ${r}: ${JSON.stringify(p.en)} ↔ ${JSON.stringify(p.x)}`)));
  if (examples.length) out.push('Examples:', '', ...examples, '');
  const pairFiles = Object.entries(report.files).filter(([name]) => name !== 'NOTICE.md');
  if (pairFiles.length) {
    out.push('## Files', '');
    out.push(
      table(
        ['file', 'lines', 'bytes', 'sha256'],
        pairFiles.map(([name, f]) => [name, f.lines ?? '', f.bytes, `\`${f.sha256}\``]),
      ),
      '',
    );
  }
  return out.join('\n');
}
