import { InvalidArgumentError, type Command } from 'commander';
import { appendFile } from 'node:fs/promises';
import path from 'node:path';
import { DATASET_LANGUAGES } from '../../core/data/languages';
import { ConfigError } from '../../core/errors';
import { SETTINGS, type Setting } from '../../core/metrics/resultSchema';
import { SCORERS } from '../../core/metrics/scorer';
import { qrelsText, trecCells, type RunDepth, type TrecCell } from '../../core/metrics/trecExport';
import { writeTrecRuns } from '../../core/metrics/trecRuns';
import { parseChoice } from '../options';
import { createOutput } from '../output';
import { initCliBackend } from '../wasmThreads';
import { readEmbeddingsFile, writeTextFile } from '../trecFiles';
import { loadForCommand, withDatasetOptions, withScoringOptions, type DatasetOptions, type ScoringOptions } from './evaluate';

function parseDepth(value: string): RunDepth {
  if (value === 'exact' || value === 'all') return value;
  const n = Number(value);
  if (!Number.isInteger(n) || n <= 0) throw new InvalidArgumentError(`--depth must be exact, all or a positive integer (got "${value}")`);
  return n;
}

/** Appends to a file through a buffer so a long run file is not held in memory at once. */
class BufferedFile {
  private buffer = '';
  constructor(readonly file: string) {}
  async add(text: string): Promise<void> {
    this.buffer += text;
    if (this.buffer.length > 1 << 22) await this.flush();
  }
  async flush(): Promise<void> {
    if (this.buffer === '') return;
    try {
      await appendFile(this.file, this.buffer);
    } catch (err) {
      throw new ConfigError(`cannot write ${this.file} (${(err as NodeJS.ErrnoException).code ?? String(err)})`);
    }
    this.buffer = '';
  }
}

interface ExportOptions extends DatasetOptions, ScoringOptions {
  setting: Setting;
  out: string;
  embeddings?: string;
  depth: RunDepth;
  tag: string;
}

/**
 * `xlir export-trec --dataset … --setting mono|cross|multi --out DIR [--embeddings FILE]`: one qrels file per
 * cell (`en-de.qrels`, `multi-en.qrels`) and, with embeddings, one run file per cell (`en-de.run`); layout
 * and run depth in `core/metrics/trecExport.ts`.
 */
export function registerExportTrec(program: Command): void {
  const cmd = program.command('export-trec').description('write TREC qrels (and, with --embeddings, runs) per cell of a setting, for trec_eval / ranx / xlir eval');
  withScoringOptions(withDatasetOptions(cmd))
    .requiredOption('--setting <name>', `setting (${SETTINGS.join(', ')})`, parseChoice('--setting', SETTINGS))
    .requiredOption('--out <dir>', 'output folder (created if missing; files of the same names are overwritten)')
    .option('--embeddings <file>', 'embeddings JSON as for xlir evaluate; writes <cell>.run files too')
    .option('--depth <depth>', 'run depth per query: exact (down to the last relevant, at least 100; exact for map/recip_rank/recall/ndcg), all, or N', parseDepth, 'exact')
    .option('--tag <tag>', 'run tag (last column)', 'xlir')
    .action(async (opts: ExportOptions, command: Command) => {
      const out = createOutput(Boolean(command.optsWithGlobals().json));
      if (/\s/.test(opts.tag) || opts.tag === '') throw new InvalidArgumentError('--tag must be one word');
      const dataset = await loadForCommand(opts);
      const cells = trecCells(dataset, opts.setting);
      // Everything that can refuse the input is read and checked before the first file is written, so a
      // failed command leaves --out as it was (issue 21: qrels used to be written before the embeddings
      // were validated).
      const embeddings = opts.embeddings ? await readEmbeddingsFile(opts.embeddings, dataset, DATASET_LANGUAGES[opts.dataset]) : null;
      if (embeddings && opts.scorer === 'tf') await initCliBackend(opts.backend, opts.threads, {}, opts.products);
      const written: { cell: string; qrels: string; run?: string; queries: number; runLines?: number }[] = [];
      for (const cell of cells) {
        const file = path.join(opts.out, `${cell.name}.qrels`);
        await writeTextFile(file, qrelsText(dataset, cell));
        written.push({ cell: cell.name, qrels: file, queries: cell.queries.length });
      }
      if (embeddings) {
        const counts = await writeRuns(opts, dataset, cells, embeddings);
        written.forEach((w, i) => {
          w.run = path.join(opts.out, `${cells[i]!.name}.run`);
          w.runLines = counts[i];
        });
      }
      out.result({ dataset: dataset.name, setting: opts.setting, depth: opts.depth, files: written }, (r) =>
        [
          `${r.dataset} ${r.setting}: ${r.files.length} cells written to ${opts.out}${opts.embeddings ? ` (runs at depth ${r.depth})` : ''}`,
          ...r.files.map((w) => `  ${path.basename(w.qrels)}${w.run ? ` ${path.basename(w.run)} (${w.runLines} lines)` : ''}  ${w.queries} queries`),
        ].join('\n'),
      );
    });
}

/** Streams each cell's run lines into `<out>/<cell>.run` (`core/metrics/trecRuns.ts`). */
async function writeRuns(opts: ExportOptions, dataset: Awaited<ReturnType<typeof loadForCommand>>, cells: TrecCell[], embeddings: Awaited<ReturnType<typeof readEmbeddingsFile>>): Promise<number[]> {
  const files = cells.map((cell) => new BufferedFile(path.join(opts.out, `${cell.name}.run`)));
  for (const f of files) await writeTextFile(f.file, '');
  const counts = await writeTrecRuns(dataset, embeddings, cells, { depth: opts.depth, tag: opts.tag, scorer: SCORERS[opts.scorer], queryChunk: opts.queryChunk }, (i, text) => files[i]!.add(text));
  for (const f of files) await f.flush();
  return counts;
}
