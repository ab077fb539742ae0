import { InvalidArgumentError, type Command } from 'commander';
import { DATASET_LANGUAGES, DATASET_NAMES, type DatasetName, type Lang } from '../../core/data/languages';
import type { RetrievalDataset } from '../../core/data/types';
import { ConfigError } from '../../core/errors';
import { evaluateRetrieval } from '../../core/metrics/evaluateRetrieval';
import { withLanguageProbe } from '../../core/metrics/languageProbe';
import { RetrievalResultSchema, type RetrievalResult } from '../../core/metrics/resultSchema';
import { SCORER_NAMES, SCORERS, type ScorerName } from '../../core/metrics/scorer';
import { BACKEND_PREFERENCES, type BackendPreference } from '../../core/model/backend';
import { resolveDataDir } from '../dataDir';
import { loadDatasetFromDir } from '../loadDataset';
import { flagErrorsAsUsage, parseChoice, parseLanguageList, parsePositiveInt } from '../options';
import { createOutput } from '../output';
import { initCliBackend, THREADS_OPTION_HELP } from '../wasmThreads';
import { PRODUCT_CHOICES, type ProductChoice, PRODUCTS_OPTION_HELP } from '../nativeProducts';
import { readEmbeddingsFile, writeTextFile } from '../trecFiles';
import { BUILTIN_CHECKPOINT_PREFIX, checkpointArgSource } from '../pretrainedModel';
import { loadTokenizer } from '../../core/model/tokenizer';
import type { TrainableEncoder } from '../../core/model/types';
import { EMBED_BATCH_SIZE, loadCheckpointForEmbedding, type CheckpointEmbedSettings } from '../../core/train/checkpointEmbedSettings';
import { embedAndEvaluate } from '../../core/train/embedAndEvaluate';
import { embedDataset, type DatasetEmbeddings } from '../../core/train/embedDataset';
import { createProgress, embedProgressText } from '../progressBar';

export interface DatasetOptions {
  dataset: DatasetName;
  data?: string;
  languages?: Lang[];
}

/** Loads the dataset named by the shared `--dataset / --data / --languages` options. */
export async function loadForCommand(opts: DatasetOptions): Promise<RetrievalDataset> {
  const allowed = DATASET_LANGUAGES[opts.dataset];
  const bad = opts.languages?.find((l) => !allowed.includes(l));
  if (bad) throw new InvalidArgumentError(`--languages: ${opts.dataset} has no language "${bad}" (it has ${allowed.join(', ')})`);
  const dir = resolveDataDir(opts.data);
  if (dir === null) throw new ConfigError('no dataset folder: pass --data DIR or set XLIR_DATA_DIR (../shared/data does not exist)');
  return loadDatasetFromDir(dir, opts.dataset, opts.languages);
}

/** Adds the dataset options shared by `evaluate` and `export-trec`. */
export function withDatasetOptions(cmd: Command): Command {
  return cmd
    .requiredOption('--dataset <name>', `dataset (${DATASET_NAMES.join(', ')})`, parseChoice('--dataset', DATASET_NAMES))
    .option('--data <dir>', 'dataset folder (default: XLIR_DATA_DIR, else ../shared/data)')
    .option('--languages <list>', 'comma-separated languages to load (default: all; the multilingual pool is these languages)', parseLanguageList);
}

/** Adds the scoring options shared by `evaluate` and `export-trec`. */
export function withScoringOptions(cmd: Command): Command {
  return cmd
    .option('--backend <name>', `TF.js backend for the score blocks (${BACKEND_PREFERENCES.join(', ')})`, parseChoice('--backend', BACKEND_PREFERENCES), 'wasm')
    .option('--threads <n>', THREADS_OPTION_HELP, parsePositiveInt('--threads'))
    .option('--products <where>', PRODUCTS_OPTION_HELP, parseChoice('--products', PRODUCT_CHOICES), 'auto')
    .option('--scorer <name>', `score blocks with TF.js matMul or plain loops (${SCORER_NAMES.join(', ')})`, parseChoice('--scorer', SCORER_NAMES), 'tf')
    .option('--query-chunk <n>', 'query rows per score block (memory: n × #candidates × 4 bytes)', parsePositiveInt('--query-chunk'), 256);
}

export interface ScoringOptions {
  backend: BackendPreference;
  /** wasm threads (src/cli/wasmThreads.ts); default every core */
  threads?: number;
  /** where the wasm backend's products run (src/cli/nativeProducts.ts) */
  products: ProductChoice;
  scorer: ScorerName;
  queryChunk: number;
}

/** The result without its per-query APs: what `--json` prints. */
export function resultSummary(result: RetrievalResult) {
  const { per_query: _perQuery, ...summary } = result;
  return summary;
}

function formatSummary(r: RetrievalResult, counts: { queries: number; candidates: number }, out: string | undefined): string {
  const f = (x: number | null) => (x === null ? 'n/a   ' : x.toFixed(4));
  const nCells = (c: Record<string, unknown>) => Object.keys(c).length;
  return [
    `${r.dataset}: ${r.languages.length} languages (${r.languages.join(' ')}), ${counts.queries} queries, ${counts.candidates} candidates, dim ${r.dim}`,
    `mono   mAP ${f(r.mono.map)}  R@1  ${f(r.mono.recall_1)}  (macro over ${nCells(r.mono.cells)} cells)`,
    `cross  mAP ${f(r.cross.map)}  R@1  ${f(r.cross.recall_1)}  (macro over ${nCells(r.cross.cells)} cells)`,
    `multi  mAP ${f(r.multi.map)}  R@10 ${f(r.multi.recall_10)}  rank distance ${r.multi.rank_distance.toFixed(1)}  (macro over ${nCells(r.multi.per_language)} query languages)`,
    ...(r.probe ? [`language-ID probe: held-out accuracy ${f(r.probe.accuracy)} (majority ${f(r.probe.majority)}; ${r.probe.n_test} held-out of ${r.probe.n_train + r.probe.n_test} queries)`] : []),
    ...(out !== undefined ? [`wrote ${out}`] : []),
  ].join('\n');
}

export interface EmbedWithCheckpointOptions {
  /** texts per forward pass (default 64) */
  batchSize?: number;
  /** an explicit `--max-length`; default: the checkpoint's own (checkpointEmbedSettings) */
  maxLength?: number;
  /** where the settings line and the progress go (default process.stderr; null: silent) */
  progress?: (NodeJS.WritableStream & { isTTY?: boolean; columns?: number }) | null;
}

/**
 * Loads a checkpoint folder (HF layout or a run's `checkpoints/step-N`) or a pretrained built-in
 * (`builtin:multilingual`) with the length and pooling the checkpoint's own files state
 * (`checkpointEmbedSettings`, shared with the app's worker), states them on stderr, and runs `use` with a
 * progress bar for the embedding.
 */
async function withCheckpoint<T>(
  dataset: RetrievalDataset,
  dir: string,
  opts: EmbedWithCheckpointOptions,
  use: (encoder: TrainableEncoder, settings: CheckpointEmbedSettings, onEmbedded: (done: number) => void, embeddingDone: () => void) => Promise<T>,
): Promise<T> {
  const { encoder, settings } = await flagErrorsAsUsage('--max-length', () =>
    loadCheckpointForEmbedding(checkpointArgSource(dir), {
      loadTokenizer,
      ...(opts.maxLength !== undefined ? { maxLength: opts.maxLength, maxLengthName: '--max-length' } : {}),
      batchSize: opts.batchSize ?? EMBED_BATCH_SIZE,
    }),
  );
  const stream = opts.progress === undefined ? process.stderr : opts.progress;
  const total = dataset.queries.length + dataset.candidates.length;
  try {
    stream?.write(`embedding ${total.toLocaleString('en')} texts, at most ${settings.maxLength} tokens each (${settings.maxLengthFrom}), ${encoder.pooling} pooling, batches of ${settings.batchSize}\n`);
    const progress = stream ? createProgress<{ step: number }>({ total, start: 0, stream, now: () => performance.now(), describe: embedProgressText }) : null;
    let done = false;
    const embeddingDone = () => {
      if (!done) progress?.done();
      done = true;
    };
    const out = await use(encoder, settings, (n) => progress?.update({ step: n }), embeddingDone);
    embeddingDone();
    return out;
  } finally {
    encoder.dispose();
  }
}

/** Embeds the dataset with a checkpoint (see {@link withCheckpoint}), showing progress on stderr. */
export function embedWithCheckpoint(dataset: RetrievalDataset, dir: string, opts: EmbedWithCheckpointOptions = {}): Promise<DatasetEmbeddings> {
  return withCheckpoint(dataset, dir, opts, (encoder, settings, onEmbedded) => embedDataset(encoder, dataset, { batchSize: settings.batchSize, maxLength: settings.maxLength, onProgress: onEmbedded }));
}

/** Embeds the dataset with a checkpoint and evaluates it (`embedAndEvaluate`, as `xlir train` and the app). */
export function evaluateWithCheckpoint(dataset: RetrievalDataset, dir: string, opts: EmbedWithCheckpointOptions & Pick<ScoringOptions, 'scorer' | 'queryChunk'>): Promise<RetrievalResult> {
  return withCheckpoint(dataset, dir, opts, (encoder, settings, onEmbedded, embeddingDone) =>
    embedAndEvaluate(encoder, dataset, {
      batchSize: settings.batchSize,
      maxLength: settings.maxLength,
      scorer: SCORERS[opts.scorer],
      queryChunk: opts.queryChunk,
      onProgress: (p) => (p.phase === 'embedding' ? onEmbedded(p.done) : embeddingDone()),
    }),
  );
}

/** Evaluates precomputed embeddings, with the language-ID probe that `embedAndEvaluate` adds to a checkpoint's. */
async function evaluateEmbeddingsFile(dataset: RetrievalDataset, file: string, opts: DatasetOptions & ScoringOptions): Promise<RetrievalResult> {
  const embeddings = await readEmbeddingsFile(file, dataset, DATASET_LANGUAGES[opts.dataset]);
  return withLanguageProbe(await evaluateRetrieval(dataset, embeddings, { scorer: SCORERS[opts.scorer], queryChunk: opts.queryChunk }), dataset, embeddings);
}

interface EvaluateOptions extends DatasetOptions, ScoringOptions {
  embeddings?: string;
  checkpoint?: string;
  batchSize: number;
  maxLength?: number;
  out?: string;
}

/**
 * `xlir evaluate --dataset xquad-r|mlqa-r [--data DIR] (--embeddings FILE.json | --checkpoint DIR) [--out RESULT.json]`:
 * the mono, cross and multi settings of `notes/paper-method.md` §2.2, from precomputed embeddings (dot
 * product) or by embedding the dataset with a checkpoint first; both go through the same evaluator.
 * The scores are printed either way (`--json`: without per-query APs); `--out` also writes the full result.
 */
export function registerEvaluate(program: Command): void {
  const cmd = program.command('evaluate').description('mono / cross / multi mAP, R@1, R@10 and rank distance on XQuAD-R or MLQA-R, from embeddings or a checkpoint');
  withScoringOptions(withDatasetOptions(cmd))
    .option('--embeddings <file>', 'JSON {"queries": {id: [floats]}, "candidates": {id: [floats]}} with canonical ids')
    .option('--checkpoint <dir>', `encoder checkpoint folder to embed the dataset with ("Query: " / "Passage: " prefixes), or ${BUILTIN_CHECKPOINT_PREFIX}multilingual for the shipped pretrained model, zero-shot`)
    .option('--batch-size <n>', 'texts per forward pass with --checkpoint', parsePositiveInt('--batch-size'), EMBED_BATCH_SIZE)
    .option(
      '--max-length <n>',
      "most tokens per text with --checkpoint, special tokens included (default: the checkpoint's own: its run manifest's maxLength or sentence_bert_config.json's max_seq_length, else min(128, the model limit))",
      parsePositiveInt('--max-length'),
    )
    .option('--out <file>', 'also write the full result JSON, per-query APs included (schema: core/metrics/resultSchema.ts)')
    .action(async (opts: EvaluateOptions, command: Command) => {
      const out = createOutput(Boolean(command.optsWithGlobals().json));
      if ((opts.embeddings === undefined) === (opts.checkpoint === undefined)) {
        throw new InvalidArgumentError('give exactly one of --embeddings FILE and --checkpoint DIR');
      }
      const dataset = await loadForCommand(opts);
      await initCliBackend(opts.backend, opts.threads, {}, opts.products);
      const result = RetrievalResultSchema.parse(opts.checkpoint !== undefined ? await evaluateWithCheckpoint(dataset, opts.checkpoint, opts) : await evaluateEmbeddingsFile(dataset, opts.embeddings!, opts));
      if (opts.out !== undefined) await writeTextFile(opts.out, `${JSON.stringify(result)}\n`);
      const counts = { queries: dataset.queries.length, candidates: dataset.candidates.length };
      out.result({ ...(opts.out !== undefined ? { out: opts.out } : {}), ...resultSummary(result) }, () => formatSummary(result, counts, opts.out));
    });
}
