import { InvalidArgumentError, type Command } from 'commander';
import { appendFile } from 'node:fs/promises';
import path from 'node:path';
import { candidatesOf } from '../../core/data/datasetView';
import { DATASET_LANGUAGES } from '../../core/data/languages';
import { ConfigError } from '../../core/errors';
import { tieBreakKeys } from '../../core/metrics/docIdOrder';
import { SETTINGS, type Setting } from '../../core/metrics/resultSchema';
import { SCORERS } from '../../core/metrics/scorer';
import { qrelsText, relevantInCell, runLines, trecCells, type RunDepth, type TrecCell } from '../../core/metrics/trecExport';
import { initBackend } from '../../core/model/backend';
import { parseChoice } from '../options';
import { createOutput } from '../output';
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
  lines = 0;
  constructor(readonly file: string) {}
  async add(text: string, lines: number): Promise<void> {
    this.buffer += text;
    this.lines += lines;
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
  const cmd = program
    .command('export-trec')
    .description('write TREC qrels (and, with --embeddings, runs) per cell of a setting, for trec_eval / ranx / xlir eval');
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
      const written: { cell: string; qrels: string; run?: string; queries: number; runLines?: number }[] = [];
      for (const cell of cells) {
        const file = path.join(opts.out, `${cell.name}.qrels`);
        await writeTextFile(file, qrelsText(dataset, cell));
        written.push({ cell: cell.name, qrels: file, queries: cell.queries.length });
      }
      if (opts.embeddings) {
        const embeddings = await readEmbeddingsFile(opts.embeddings, dataset, DATASET_LANGUAGES[opts.dataset]);
        if (opts.scorer === 'tf') await initBackend(opts.backend);
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

async function writeRuns(
  opts: ExportOptions,
  dataset: Awaited<ReturnType<typeof loadForCommand>>,
  cells: TrecCell[],
  embeddings: Awaited<ReturnType<typeof readEmbeddingsFile>>,
): Promise<number[]> {
  const { dim } = embeddings;
  const nC = dataset.candidates.length;
  const candidateIds = dataset.candidates.map((c) => c.id);
  const tieKeys = tieBreakKeys(candidateIds);
  const files = cells.map((cell) => new BufferedFile(path.join(opts.out, `${cell.name}.run`)));
  for (const f of files) await writeTextFile(f.file, '');
  const pools = cells.map((cell) => cell.poolLangs.map((lang) => {
    const r = candidatesOf(dataset, lang);
    return [r.start, r.end] as [number, number];
  }));
  const members = cells.map((cell) => new Set(cell.queries.map((q) => q.id)));
  const scorer = SCORERS[opts.scorer](embeddings.candidates, nC, dim);
  try {
    for (const lang of dataset.languages) {
      const mine = cells.map((cell, i) => (cell.queryLang === lang ? i : -1)).filter((i) => i >= 0);
      if (mine.length === 0) continue;
      const start = dataset.queries.findIndex((q) => q.lang === lang);
      let end = start;
      while (end < dataset.queries.length && dataset.queries[end]!.lang === lang) end++;
      for (let c0 = start; c0 < end; c0 += opts.queryChunk) {
        const rows = Math.min(opts.queryChunk, end - c0);
        const block = await scorer.score(embeddings.queries.subarray(c0 * dim, (c0 + rows) * dim), rows);
        for (let r = 0; r < rows; r++) {
          const query = dataset.queries[c0 + r]!;
          for (const i of mine) {
            if (!members[i]!.has(query.id)) continue;
            const { text, lines } = runLines({
              queryId: query.id,
              row: block,
              rowOffset: r * nC,
              pool: pools[i]!,
              relevant: relevantInCell(dataset, cells[i]!, query),
              tieKeys,
              candidateIds,
              depth: opts.depth,
              tag: opts.tag,
            });
            await files[i]!.add(text, lines);
          }
        }
      }
    }
  } finally {
    scorer.dispose();
  }
  for (const f of files) await f.flush();
  return files.map((f) => f.lines);
}
