/**
 * `xlir memory`: the memory a fine-tuning run will need (weights, gradients, Adam moments, an
 * activation estimate, where each lives), printed before anything is loaded. A checkpoint folder is
 * read through config.json and the safetensors header only, so a 2 GB model answers at once.
 */
import { InvalidArgumentError, type Command } from 'commander';
import { builtinEncoderConfig, BUILTIN_MODELS, type BuiltinModel } from '../../core/model/builtinConfigs';
import { DEFAULT_BUILTIN_VOCAB_SIZE } from '../../core/model/builtinTokenizer/buildBuiltinTokenizer';
import { SPECIAL_TOKENS } from '../../core/model/builtinTokenizer/trainWordPiece';
import { checkpointMemoryInputs, memoryReport, type CheckpointMemoryInputs, type MemoryReport } from '../../core/model/memoryReport';
import { maxSequenceLength } from '../../core/model/positionIds';
import { parseChoice, parsePositiveInt } from '../options';
import { createOutput } from '../output';
import { BUILTIN_CHECKPOINT_PREFIX, checkpointArgSource } from '../pretrainedModel';

/** `--embeddings`: word embeddings held frozen in JS memory, or trained on the accelerator. */
export const EMBEDDING_MODES = ['frozen', 'trained'] as const;
type EmbeddingMode = (typeof EMBEDDING_MODES)[number];

/** Default tokens per sequence, capped by the model's positions. */
const DEFAULT_SEQ_LEN = 128;
const DEFAULT_BATCH_SIZE = 32;

interface MemoryOptions {
  checkpoint?: string;
  builtin?: BuiltinModel;
  vocabSize?: number;
  batchSize: number;
  seqLen?: number;
  embeddings?: EmbeddingMode;
  pruneTo?: number;
}

/** What `xlir memory --json` prints. */
export interface MemoryCommandReport extends Omit<MemoryReport, 'lines'> {
  /** the checkpoint folder, or `builtin:<name>` */
  model: string;
  lines: string[];
}

export function registerMemory(program: Command): void {
  program
    .command('memory')
    .description('the memory a fine-tuning run needs (weights, gradients, Adam moments, activation estimate), before it starts')
    .option('--checkpoint <dir>', `an HF checkpoint folder, or ${BUILTIN_CHECKPOINT_PREFIX}multilingual (reads config.json and the safetensors header only)`)
    .option('--builtin <name>', `a random-init built-in model (${BUILTIN_MODELS.join(', ')})`, parseChoice('--builtin', BUILTIN_MODELS))
    .option('--vocab-size <n>', `vocabulary of a built-in model's tokenizer (default ${DEFAULT_BUILTIN_VOCAB_SIZE})`, parsePositiveInt('--vocab-size'))
    .option('--batch-size <n>', 'sequences encoded per step (a batch of N query–passage pairs encodes 2N)', parsePositiveInt('--batch-size'), DEFAULT_BATCH_SIZE)
    .option('--seq-len <n>', `tokens per sequence (default ${DEFAULT_SEQ_LEN}, or the model's limit when smaller)`, parsePositiveInt('--seq-len'))
    .option('--embeddings <mode>', `word embeddings ${EMBEDDING_MODES.join(' or ')} (default: frozen above 8 M parameters, as the loader does)`, parseChoice('--embeddings', EMBEDDING_MODES))
    .option('--prune-to <rows>', 'vocabulary rows kept by pruning to the run’s texts', parsePositiveInt('--prune-to'))
    .action(async (opts: MemoryOptions, cmd: Command) => {
      const out = createOutput(Boolean(cmd.optsWithGlobals().json));
      if ((opts.checkpoint === undefined) === (opts.builtin === undefined)) throw new InvalidArgumentError('give exactly one of --checkpoint DIR and --builtin NAME');
      if (opts.checkpoint !== undefined && opts.vocabSize !== undefined) throw new InvalidArgumentError('--vocab-size applies to --builtin only (a checkpoint brings its vocabulary)');
      let inputs: CheckpointMemoryInputs;
      let model: string;
      if (opts.checkpoint !== undefined) {
        const source = checkpointArgSource(opts.checkpoint);
        inputs = await checkpointMemoryInputs(source);
        model = source.name;
      } else {
        const vocabSize = opts.vocabSize ?? DEFAULT_BUILTIN_VOCAB_SIZE;
        const padTokenId = SPECIAL_TOKENS.indexOf('[PAD]');
        if (vocabSize <= SPECIAL_TOKENS.length) throw new InvalidArgumentError(`--vocab-size must be more than the ${SPECIAL_TOKENS.length} special tokens (got ${vocabSize})`);
        inputs = { config: builtinEncoderConfig(opts.builtin!, { vocabSize, padTokenId }), withPooler: false, headParameters: 0 };
        model = `builtin:${opts.builtin}`;
      }
      const limit = maxSequenceLength(inputs.config);
      if (opts.seqLen !== undefined && opts.seqLen > limit) throw new InvalidArgumentError(`--seq-len ${opts.seqLen} is more than the ${limit} tokens this model's positions allow`);
      if (opts.pruneTo !== undefined && opts.pruneTo > inputs.config.vocabSize) {
        throw new InvalidArgumentError(`--prune-to ${opts.pruneTo} is more than the ${inputs.config.vocabSize} rows of the vocabulary`);
      }
      const report = memoryReport(inputs.config, {
        batchSize: opts.batchSize,
        seqLen: opts.seqLen ?? Math.min(DEFAULT_SEQ_LEN, limit),
        freezeEmbeddings: opts.embeddings === undefined ? undefined : opts.embeddings === 'frozen',
        pruneTo: opts.pruneTo,
        withPooler: inputs.withPooler,
        headParameters: inputs.headParameters,
      });
      const result: MemoryCommandReport = { model, ...report };
      out.result(result, (r) => [`${r.model}`, ...r.lines.map((l) => `  ${l}`)].join('\n'));
    });
}
