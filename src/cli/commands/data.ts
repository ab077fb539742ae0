import { InvalidArgumentError, type Command } from 'commander';
import { datasetStats, type DatasetStats } from '../../core/data/datasetStats';
import { DATASET_LANGUAGES, DATASET_NAMES, type DatasetName, type Lang } from '../../core/data/languages';
import { expectedSha256 } from '../../core/data/sources';
import { ConfigError } from '../../core/errors';
import { resolveDataDir } from '../dataDir';
import { loadDatasetFromDir } from '../loadDataset';
import { parseChoice, parseLanguageList } from '../options';
import { createOutput, textTable } from '../output';

function formatStats(stats: DatasetStats, dir: string): string {
  const row = (label: string, c: { questions: number; paragraphs: number; candidates: number }, sha = '') => [label, c.questions, c.paragraphs, c.candidates, `  ${sha}`];
  const languages = Object.entries(stats.languages).map(([lang, counts]) => {
    const sha = stats.files[`${stats.dataset}/${lang}.json`] ?? '';
    const note = sha === expectedSha256(stats.dataset, lang as Lang) ? '' : ' (differs from the published file)';
    return row(lang, counts, sha + note);
  });
  const table = textTable([6, 10, 12, 12, 0], [['lang', 'questions', 'paragraphs', 'candidates', '  sha256'], ...languages, row('total', stats.totals)]);
  return `${stats.dataset} from ${dir}\n${table}`;
}

export function registerData(program: Command): void {
  const data = program.command('data').description('inspect the retrieval datasets (XQuAD-R, MLQA-R)');
  data
    .command('stats')
    .description('per-language questions, paragraphs and candidate sentences of a dataset, with the SHA-256 of each file')
    .requiredOption('--dataset <name>', `dataset (${DATASET_NAMES.join(', ')})`, parseChoice('--dataset', DATASET_NAMES))
    .option('--data <dir>', 'dataset folder (default: XLIR_DATA_DIR, else ../shared/data)')
    .option('--languages <list>', 'comma-separated languages to load (default: all of the dataset)', parseLanguageList)
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
