import { InvalidArgumentError, type Command } from 'commander';
import { datasetStats, type DatasetStats } from '../../core/data/datasetStats';
import { DATASET_LANGUAGES, DATASET_NAMES, isLang, type DatasetName, type Lang } from '../../core/data/languages';
import { expectedSha256 } from '../../core/data/sources';
import { ConfigError } from '../../core/errors';
import { resolveDataDir } from '../dataDir';
import { loadDatasetFromDir } from '../loadDataset';
import { parseChoice } from '../options';
import { createOutput } from '../output';

/** Parses `--languages en,de` into language codes (checked against the dataset once it is known). */
function parseLanguages(value: string): Lang[] {
  const langs = value.split(',').map((s) => s.trim());
  for (const lang of langs) {
    if (!isLang(lang)) throw new InvalidArgumentError(`--languages takes comma-separated language codes (got "${lang}" in "${value}")`);
  }
  return langs as Lang[];
}

function formatStats(stats: DatasetStats, dir: string): string {
  const row = (label: string, c: { questions: number; paragraphs: number; candidates: number }, sha = '') =>
    `${label.padEnd(6)}${String(c.questions).padStart(10)}${String(c.paragraphs).padStart(12)}${String(c.candidates).padStart(12)}  ${sha}`.trimEnd();
  const lines = [`${stats.dataset} from ${dir}`, `${'lang'.padEnd(6)}${'questions'.padStart(10)}${'paragraphs'.padStart(12)}${'candidates'.padStart(12)}  sha256`];
  for (const [lang, counts] of Object.entries(stats.languages)) {
    const sha = stats.files[`${stats.dataset}/${lang}.json`] ?? '';
    const note = sha === expectedSha256(stats.dataset, lang as Lang) ? '' : ' (differs from the published file)';
    lines.push(row(lang, counts, sha + note));
  }
  lines.push(row('total', stats.totals));
  return lines.join('\n');
}

export function registerData(program: Command): void {
  const data = program.command('data').description('inspect the retrieval datasets (XQuAD-R, MLQA-R)');
  data
    .command('stats')
    .description('per-language questions, paragraphs and candidate sentences of a dataset, with the SHA-256 of each file')
    .requiredOption('--dataset <name>', `dataset (${DATASET_NAMES.join(', ')})`, parseChoice('--dataset', DATASET_NAMES))
    .option('--data <dir>', 'dataset folder (default: XLIR_DATA_DIR, else ../shared/data)')
    .option('--languages <list>', 'comma-separated languages to load (default: all of the dataset)', parseLanguages)
    .action(async (opts: { dataset: DatasetName; data?: string; languages?: Lang[] }, cmd: Command) => {
      const out = createOutput(Boolean(cmd.optsWithGlobals().json));
      const allowed = DATASET_LANGUAGES[opts.dataset];
      const bad = opts.languages?.find((l) => !allowed.includes(l));
      if (bad) throw new InvalidArgumentError(`--languages: ${opts.dataset} has no language "${bad}" (it has ${allowed.join(', ')})`);
      const dir = resolveDataDir(opts.data);
      if (dir === null) throw new ConfigError('no dataset folder: pass --data DIR or set XLIR_DATA_DIR (../shared/data does not exist)');
      const dataset = await loadDatasetFromDir(dir, opts.dataset, opts.languages);
      out.result(datasetStats(dataset), (stats) => formatStats(stats, dir));
    });
}
