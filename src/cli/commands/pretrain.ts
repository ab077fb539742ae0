/**
 * `xlir pretrain`: translation-pair contrastive pretraining (src/core/train/pretrainLoop.ts) on the corpus
 * of `xlir corpus build`, into a run folder:
 *   config.json        the pretraining config (experiments/pretrain/*.json)
 *   corpus.json        the corpus folder and the SHA-256 of each language's pairs as read
 *   tokenizer/         the WordPiece tokenizer trained on the corpus at the start (reused on resume)
 *   log.jsonl          one step log per line
 *   checkpoints/step-N/  HF-layout model (a checkpoint folder any command loads) + optimizer + pretrain.json
 * `--resume DIR` continues from the latest checkpoint, bit for bit on cpu/wasm; `--export DIR` writes the
 * final model as a checkpoint folder (`--fp16`: half-precision weights, as shipped in public/models/).
 */
import { InvalidArgumentError, type Command } from 'commander';
import { createHash } from 'node:crypto';
import { appendFile, readdir, readFile, writeFile } from 'node:fs/promises';
import { makeDirs, probeWritableDir } from '../diskWrites';
import path from 'node:path';
import { gunzipSync } from 'node:zlib';
import { pairsFileName, parsePairsTsv, type ParallelPairs } from '../../core/data/parallelCorpus';
import { CheckpointError, ConfigError } from '../../core/errors';
import { readJsonFile } from '../trecFiles';
import { parsePretrainConfig, parsePretrainConfigJson, type PretrainConfig } from '../../core/experiment/pretrainConfig';
import { memorySource } from '../../core/model/checkpointSource';
import { toFloat16 } from '../../core/model/float16';
import { loadEncoderCheckpoint } from '../../core/model/loadEncoderCheckpoint';
import { readSafetensors, toFloat32, writeSafetensors, type WritableTensor } from '../../core/model/safetensors';
import { saveEncoderCheckpoint } from '../../core/model/saveEncoderCheckpoint';
import { decodeUtf8Text } from '../../core/textDecoding';
import { DEFAULT_EMBED_MAX_LENGTH } from '../../core/train/checkpointEmbedSettings';
import { loadTokenizer, TOKENIZER_CONFIG_FILE, TOKENIZER_FILE } from '../../core/model/tokenizer';
import type { TransformerEncoder } from '../../core/model/encoder';
import { buildPretrainTokenizer, createPretrainEncoder, frozenWhilePretraining } from '../../core/train/pretrainEncoder';
import { runPretraining, type PretrainStepLog } from '../../core/train/pretrainLoop';
import { MODEL_FILE } from '../../core/train/trainingCheckpoint';
import { TrainingDivergedError } from '../../core/train/trainLoop';
import { parseChoice, parsePositiveInt } from '../options';
import { createOutput } from '../output';
import { recordProducts, productsOf } from '../productsRecord';
import { backendSummary, initCliBackend, THREADS_OPTION_HELP } from '../wasmThreads';
import { PRODUCT_CHOICES, type ProductChoice, PRODUCTS_OPTION_HELP } from '../nativeProducts';
import { createProgress, formatDuration } from '../progressBar';
import { checkpointDir, exists, latestCheckpoint, readCheckpoint, writeCheckpoint } from '../runDir';
import { TRAIN_BACKENDS } from './train';

interface PretrainOptions {
  /** wasm threads (src/cli/wasmThreads.ts); default every core */
  threads?: number;
  /** where the wasm backend's products run (src/cli/nativeProducts.ts) */
  products: ProductChoice;
  config?: string;
  corpus?: string;
  out?: string;
  resume?: string;
  steps?: number;
  until?: number;
  export?: string;
  fp16: boolean;
  initOnly: boolean;
  backend: (typeof TRAIN_BACKENDS)[number];
}

const CONFIG_FILE = 'config.json';
const CORPUS_FILE = 'corpus.json';
const TOKENIZER_DIR = 'tokenizer';
const LOG_FILE = 'log.jsonl';

const sha256 = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex');

/**
 * Reads `pairs.<lang>.tsv` (or `.tsv.gz`) of each language from a corpus folder.
 * @returns the pairs (at most `limit` per language) and the SHA-256 of each file's decompressed text
 */
/**
 * sentence_bert_config.json's max_seq_length of an exported model: the length whoever embeds with it uses
 * (`checkpointEmbedSettings`). Pretraining pairs are short (64 tokens); a bag embeds longer texts just as
 * well, and 128 is the length the model card's scores were measured with.
 */
const EXPORT_MAX_SEQ_LENGTH = DEFAULT_EMBED_MAX_LENGTH;

export async function readCorpus(dir: string, languages: readonly string[], limit?: number): Promise<{ corpus: ParallelPairs[]; hashes: Record<string, string> }> {
  const corpus: ParallelPairs[] = [];
  const hashes: Record<string, string> = {};
  for (const lang of languages) {
    const plain = path.join(dir, pairsFileName(lang));
    let bytes: Uint8Array;
    let file = plain;
    if (await exists(plain)) {
      bytes = new Uint8Array(await readFile(plain));
    } else if (await exists(`${plain}.gz`)) {
      file = `${plain}.gz`;
      bytes = gunzipSync(await readFile(file));
    } else {
      throw new ConfigError(`the corpus folder ${dir} has no ${pairsFileName(lang)}[.gz] (build it with: xlir corpus build --out ${dir})`);
    }
    hashes[lang] = sha256(bytes);
    corpus.push(parsePairsTsv(new TextDecoder('utf-8', { fatal: true }).decode(bytes), lang, file, limit));
  }
  return { corpus, hashes };
}

/** The model files of an encoder with every weight in half precision (config and tokenizer unchanged). */
export function halfPrecisionFiles(files: ReadonlyMap<string, Uint8Array>): Map<string, Uint8Array> {
  const out = new Map(files);
  const weights = files.get(MODEL_FILE);
  if (!weights) throw new CheckpointError(`no ${MODEL_FILE} to convert`);
  const half: Record<string, WritableTensor> = {};
  for (const [name, t] of readSafetensors(weights, MODEL_FILE).tensors) half[name] = { dtype: 'F16', shape: t.shape, data: toFloat16(toFloat32(t, MODEL_FILE, name)) };
  out.set(MODEL_FILE, writeSafetensors(half, { format: 'pt' }));
  return out;
}

async function writeFolder(dir: string, files: ReadonlyMap<string, Uint8Array>): Promise<void> {
  await makeDirs(dir);
  for (const [name, bytes] of files) {
    const file = path.join(dir, name);
    await makeDirs(path.dirname(file));
    await writeFile(file, bytes);
  }
}

export function registerPretrain(program: Command): void {
  program
    .command('pretrain')
    .description('pretrain a multilingual encoder on translation pairs (xlir corpus build) with an in-batch contrastive loss')
    .option('--config <file>', 'pretraining config JSON (experiments/pretrain/*.json); not with --resume')
    .option('--corpus <dir>', 'corpus folder with pairs.<lang>.tsv[.gz] (default for --resume: the one the run recorded)')
    .option('--out <dir>', 'new run folder to create')
    .option('--resume <dir>', 'continue the run in this folder from its latest checkpoint')
    .option('--steps <n>', 'total steps, overriding the config (the LR schedule follows it)', parsePositiveInt('--steps'))
    .option('--until <n>', 'stop after this step with a checkpoint, keeping the schedule of the full run', parsePositiveInt('--until'))
    .option('--export <dir>', 'write the final model as a checkpoint folder (HF layout with tokenizer; other files in the folder are kept); with --resume of a finished run, exports it')
    .option('--fp16', 'with --export: store the weights in half precision', false)
    .option('--init-only', 'with --export: write the untrained model (the corpus tokenizer and the seeded random init), the control of a pretrained one', false)
    .option('--backend <name>', `TF.js backend (${TRAIN_BACKENDS.join(', ')})`, parseChoice('--backend', TRAIN_BACKENDS), 'wasm')
    .option('--threads <n>', THREADS_OPTION_HELP, parsePositiveInt('--threads'))
    .option('--products <where>', PRODUCTS_OPTION_HELP, parseChoice('--products', PRODUCT_CHOICES), 'auto')
    .action(async (opts: PretrainOptions, cmd: Command) => {
      const out = createOutput(Boolean(cmd.optsWithGlobals().json));
      if (opts.resume && opts.config) throw new InvalidArgumentError('--resume continues a run with its own config.json; do not pass --config');
      if (!opts.resume && !(opts.config && opts.out && opts.corpus)) throw new InvalidArgumentError('pass --config FILE --corpus DIR --out RUNDIR (a new run) or --resume RUNDIR');
      if ((opts.fp16 || opts.initOnly) && !opts.export) throw new InvalidArgumentError(`${opts.fp16 ? '--fp16' : '--init-only'} applies to --export DIR`);
      if (opts.initOnly && opts.resume) throw new InvalidArgumentError('--init-only starts a new run; it does not resume one');
      const runDir = path.resolve(opts.resume ?? opts.out!);
      const backend = await initCliBackend(opts.backend, opts.threads, {}, opts.products);

      let config: PretrainConfig;
      let corpusDir: string;
      if (opts.resume) {
        config = parsePretrainConfig(await readJsonFile(path.join(runDir, CONFIG_FILE), 'pretraining config'), path.join(runDir, CONFIG_FILE));
        const recorded = (await readJsonFile(path.join(runDir, CORPUS_FILE), 'corpus record')) as { dir?: unknown };
        if (typeof recorded.dir !== 'string') throw new ConfigError(`${path.join(runDir, CORPUS_FILE)}: dir: expected the corpus folder`);
        corpusDir = path.resolve(opts.corpus ?? recorded.dir);
      } else {
        const file = path.resolve(opts.config!);
        const bytes = await readFile(file).catch((err: NodeJS.ErrnoException) => Promise.reject(new ConfigError(`cannot read the config ${file} (${err.code ?? String(err)})`)));
        config = parsePretrainConfigJson(decodeUtf8Text(bytes, file), file);
        corpusDir = path.resolve(opts.corpus!);
        if (await exists(runDir)) {
          if ((await readdir(runDir)).length > 0) throw new ConfigError(`${runDir} already exists and is not empty; pass --resume ${runDir} to continue it, or choose another --out`);
        }
        // before minutes of reading the corpus: a folder that cannot hold files fails now (and /proc would hang)
        await probeWritableDir(runDir);
      }
      if (opts.export) await probeWritableDir(path.resolve(opts.export));
      if (opts.steps !== undefined) {
        config = parsePretrainConfig({ ...config, steps: opts.steps }, '--steps');
        // a resumed run keeps its new length for the next resume (the schedule runs over it from here on)
        if (opts.resume) await writeFile(path.join(runDir, CONFIG_FILE), `${JSON.stringify(config, null, 2)}\n`);
      }
      if (opts.until !== undefined && opts.until > config.steps) throw new InvalidArgumentError(`--until ${opts.until} is past the run's ${config.steps} steps`);

      const t0 = performance.now();
      const { corpus, hashes } = await readCorpus(corpusDir, config.corpus.languages, config.corpus.maxPairsPerLanguage);
      out.info(`corpus ${corpusDir}: ${corpus.map((p) => `${p.lang} ${p.english.length}`).join(', ')} pairs`);

      let encoder: TransformerEncoder;
      let tokenizerFiles: Record<string, unknown>;
      const resume = opts.resume ? await latestCheckpoint(runDir) : null;
      const resumeFrom = resume ? await readCheckpoint(resume.dir, resume.step) : undefined;
      if (resume && resumeFrom) {
        const source = memorySource(resume.dir, new Map(Object.entries(resumeFrom.files)));
        encoder = await loadEncoderCheckpoint(source, { loadTokenizer: (s) => loadTokenizer(s), pooling: config.model.pooling, freezeEmbeddings: false, dropout: config.dropout });
        tokenizerFiles = {};
        for (const name of [TOKENIZER_FILE, TOKENIZER_CONFIG_FILE]) tokenizerFiles[name] = resumeFrom.files[name];
        out.info(`resuming ${runDir} from step ${resume.step} of ${config.steps}`);
      } else {
        const tok = buildPretrainTokenizer(config, corpus);
        out.info(`tokenizer: ${tok.tokenizer.vocabSize} WordPiece ids trained on the corpus in ${formatDuration((performance.now() - t0) / 1000)}`);
        await makeDirs(path.join(runDir, TOKENIZER_DIR));
        await writeFile(path.join(runDir, CONFIG_FILE), `${JSON.stringify(config, null, 2)}\n`);
        await writeFile(path.join(runDir, CORPUS_FILE), `${JSON.stringify({ dir: corpusDir, sha256: hashes }, null, 2)}\n`);
        for (const [name, json] of Object.entries(tok.files)) await writeFile(path.join(runDir, TOKENIZER_DIR, name), `${JSON.stringify(json)}\n`);
        encoder = createPretrainEncoder(config, tok.tokenizer).encoder;
        tokenizerFiles = tok.files;
      }
      const productsNote = await recordProducts(runDir, resume?.step ?? 0, productsOf(backend));
      if (productsNote) out.info(productsNote);
      out.info(`backend ${backendSummary(backend)}; ${config.model.numLayers} layers, H ${config.model.hiddenSize}, vocabulary ${encoder.config.vocabSize}; ${config.steps} steps of ${config.batchSize} pairs → ${runDir}`);

      // Overwrites the model's files and leaves the rest of the folder (a model card, evaluation results) alone.
      const writeModel = async (dir: string) => {
        const files = await saveEncoderCheckpoint(encoder, tokenizerFiles, { maxSeqLength: EXPORT_MAX_SEQ_LENGTH });
        await writeFolder(dir, opts.fp16 ? halfPrecisionFiles(files) : files);
      };
      if (opts.initOnly) {
        const dir = path.resolve(opts.export!);
        await writeModel(dir);
        encoder.dispose();
        out.result({ runDir, exported: dir, step: 0 }, (s) => `untrained model (step 0) exported to ${s.exported}`);
        return;
      }
      const exportModel = async () => Object.fromEntries(await saveEncoderCheckpoint(encoder, tokenizerFiles, { maxSeqLength: EXPORT_MAX_SEQ_LENGTH }));
      const progress = createProgress<PretrainStepLog>({
        total: config.steps,
        start: resume?.step ?? 0,
        stream: process.stderr,
        now: () => performance.now(),
        describe: (log, total, rate) => `step ${log.step}/${total}  ${rate.toFixed(2)} steps/s  ETA ${formatDuration(rate > 0 ? (total - log.step) / rate : Number.NaN)}  loss ${log.loss.toFixed(4)}  lr ${log.lr.toExponential(2)}  ${log.lang}`,
      });
      if (resume) {
        // log lines after the checkpoint belong to steps that will run again
        const logFile = path.join(runDir, LOG_FILE);
        const kept = ((await exists(logFile)) ? (await readFile(logFile, 'utf8')).split('\n') : []).filter((l) => {
          if (!l.trim()) return false;
          try {
            return (JSON.parse(l) as { step: number }).step <= resume.step;
          } catch {
            return false; // a half-written last line
          }
        });
        await writeFile(logFile, kept.map((l) => `${l}\n`).join(''));
      }
      let stopRequested = false;
      const onSigint = () => {
        stopRequested = true;
        progress.note('stopping after this step and writing a checkpoint');
      };
      process.once('SIGINT', onSigint);
      const started = performance.now();
      try {
        const result = await runPretraining(config, {
          corpus,
          corpusHashes: hashes,
          encoder,
          frozen: frozenWhilePretraining(config),
          now: () => Date.now(),
          exportModel,
          ...(resumeFrom ? { resumeFrom } : {}),
          ...(opts.until !== undefined ? { stopAtStep: opts.until } : {}),
          shouldStop: () => stopRequested,
          onStep: async (log) => {
            await appendFile(path.join(runDir, LOG_FILE), `${JSON.stringify(log)}\n`);
            progress.update(log);
          },
          onCheckpoint: async (ckpt) => {
            await writeCheckpoint(runDir, ckpt);
          },
        });
        progress.done();
        let exported: string | null = null;
        if (opts.export) {
          exported = path.resolve(opts.export);
          await writeModel(exported);
        }
        const seconds = (performance.now() - started) / 1000;
        out.result(
          {
            runDir,
            status: result.status,
            step: result.step,
            steps: config.steps,
            startStep: result.startStep,
            seconds,
            stepsPerSecond: (result.step - result.startStep) / seconds,
            firstLoss: result.firstLoss,
            lastLoss: result.lastLoss,
            checkpoint: checkpointDir(runDir, result.step),
            exported,
          },
          (s) =>
            [
              `${s.status} at step ${s.step}/${s.steps} in ${formatDuration(s.seconds)} (${s.stepsPerSecond.toFixed(2)} steps/s on ${backend.backend})`,
              `loss ${s.firstLoss.toFixed(4)} (first 50 steps) → ${s.lastLoss.toFixed(4)} (last 50 steps)`,
              `checkpoint ${s.checkpoint}${s.exported ? `\nmodel exported to ${s.exported}${opts.fp16 ? ' (F16)' : ''}` : ''}`,
            ].join('\n'),
        );
      } catch (err) {
        progress.done();
        if (err instanceof TrainingDivergedError && err.lastCheckpointStep !== null) out.info(`the last good checkpoint is ${checkpointDir(runDir, err.lastCheckpointStep)}`);
        throw err;
      } finally {
        process.removeListener('SIGINT', onSigint);
        encoder.dispose();
      }
    });
}
