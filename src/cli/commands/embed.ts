/**
 * `xlir embed`: loads an HF encoder checkpoint folder with its tokenizer and prints the pooled,
 * L2-normalised embedding of each `--text` (the same `embed()` the training loop uses, dropout off).
 */
import * as tf from '@tensorflow/tfjs';
import { InvalidArgumentError, type Command } from 'commander';
import { BACKEND_PREFERENCES, type BackendPreference } from '../../core/model/backend';
import { loadTokenizer } from '../../core/model/tokenizer';
import { POOLINGS, type Pooling } from '../../core/model/types';
import { loadCheckpointForEmbedding } from '../../core/train/checkpointEmbedSettings';
import { flagErrorsAsUsage, parseChoice, parsePositiveInt } from '../options';
import { createOutput } from '../output';
import { initCliBackend, THREADS_OPTION_HELP } from '../wasmThreads';
import { PRODUCT_CHOICES, type ProductChoice, PRODUCTS_OPTION_HELP } from '../nativeProducts';
import { BUILTIN_CHECKPOINT_PREFIX, checkpointArgSource } from '../pretrainedModel';

/** What `xlir embed --json` prints. */
export interface EmbedReport {
  checkpoint: string;
  pooling: Pooling;
  dim: number;
  embeddings: { text: string; vector: number[] }[];
}

const collect = (value: string, previous: string[] | undefined) => [...(previous ?? []), value];

export function registerEmbed(program: Command): void {
  program
    .command('embed')
    .description('embed texts with an HF encoder checkpoint folder (config.json, model.safetensors, tokenizer.json): pooled and L2-normalised')
    .requiredOption('--checkpoint <dir>', `checkpoint folder, or ${BUILTIN_CHECKPOINT_PREFIX}multilingual for the shipped pretrained model`)
    .option('--text <text>', 'a text to embed (repeat for several)', collect)
    .option('--pooling <mode>', `pooling (${POOLINGS.join(', ')}; default: the checkpoint's sentence-transformers pooling, else mean)`, parseChoice('--pooling', POOLINGS))
    .option('--max-length <n>', "most tokens per text, special tokens included (default: the checkpoint's own: its run manifest's maxLength or sentence_bert_config.json's max_seq_length, else the model's limit)", parsePositiveInt('--max-length'))
    .option('--backend <name>', `backend preference (${BACKEND_PREFERENCES.join(', ')})`, parseChoice('--backend', BACKEND_PREFERENCES), 'wasm')
    .option('--threads <n>', THREADS_OPTION_HELP, parsePositiveInt('--threads'))
    .option('--products <where>', PRODUCTS_OPTION_HELP, parseChoice('--products', PRODUCT_CHOICES), 'auto')
    .action(async (opts: { checkpoint: string; text?: string[]; pooling?: Pooling; maxLength?: number; backend: BackendPreference; threads?: number; products: ProductChoice }, cmd: Command) => {
      const out = createOutput(Boolean(cmd.optsWithGlobals().json));
      const texts = opts.text ?? [];
      if (texts.length === 0) throw new InvalidArgumentError('give at least one --text');
      await initCliBackend(opts.backend, opts.threads, {}, opts.products);
      const source = checkpointArgSource(opts.checkpoint);
      // the same settings as `xlir evaluate` and the app (checkpointEmbedSettings); a lone text defaults to the model's limit
      const { encoder, settings } = await flagErrorsAsUsage('--max-length', () =>
        loadCheckpointForEmbedding(source, {
          loadTokenizer,
          defaultMaxLength: 'limit',
          ...(opts.pooling ? { pooling: opts.pooling } : {}),
          ...(opts.maxLength !== undefined ? { maxLength: opts.maxLength, maxLengthName: '--max-length' } : {}),
        }),
      );
      try {
        const batch = encoder.tokenize(texts, settings.maxLength);
        const vectors = tf.tidy(() => encoder.embed(batch, { training: false }).arraySync());
        const report: EmbedReport = {
          checkpoint: source.name,
          pooling: encoder.pooling,
          dim: encoder.dim,
          embeddings: texts.map((text, i) => ({ text, vector: vectors[i]! })),
        };
        out.result(report, (r) => [`${r.checkpoint}: ${r.pooling} pooling, dim ${r.dim}, L2-normalised`, ...r.embeddings.flatMap((e) => [JSON.stringify(e.text), `  ${e.vector.map((x) => x.toFixed(6)).join(' ')}`])].join('\n'));
      } finally {
        encoder.dispose();
      }
    });
}
