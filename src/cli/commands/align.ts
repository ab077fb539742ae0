/**
 * `xlir align`: how well an encoder aligns languages, before any fine-tuning. For each non-English
 * language of the dataset, question translation retrieval P@1: does a question's nearest English question
 * (both with the "Query: " prefix) have its id? On XQuAD-R all 1,190 questions are parallel, so chance is
 * 1/1190 per language (src/core/metrics/translationRetrieval.ts).
 */
import type { Command } from 'commander';
import type { RetrievalDataset } from '../../core/data/types';
import { questionTranslationRetrieval } from '../../core/metrics/translationRetrieval';
import { EMBED_BATCH_SIZE } from '../../core/train/checkpointEmbedSettings';
import { BUILTIN_CHECKPOINT_PREFIX } from '../pretrainedModel';
import { parsePositiveInt } from '../options';
import { createOutput } from '../output';
import { initCliBackend } from '../wasmThreads';
import { embedWithCheckpoint, loadForCommand, withDatasetOptions, type DatasetOptions } from './evaluate';

interface AlignOptions extends DatasetOptions {
  checkpoint: string;
  batchSize: number;
  maxLength?: number;
}

export function registerAlign(program: Command): void {
  withDatasetOptions(
    program
      .command('align')
      .description('question translation retrieval P@1 (each language → English) of an encoder: its cross-lingual alignment, zero-shot')
      .requiredOption('--checkpoint <dir>', `encoder checkpoint folder, or ${BUILTIN_CHECKPOINT_PREFIX}multilingual for the shipped model`)
      .option('--batch-size <n>', 'texts per forward pass', parsePositiveInt('--batch-size'), EMBED_BATCH_SIZE)
      .option(
        '--max-length <n>',
        "most tokens per text, special tokens included (default: the checkpoint's own, as xlir evaluate: its run manifest's maxLength or sentence_bert_config.json's max_seq_length, else min(128, the model limit))",
        parsePositiveInt('--max-length'),
      ),
  ).action(async (opts: AlignOptions, cmd: Command) => {
    const out = createOutput(Boolean(cmd.optsWithGlobals().json));
    await initCliBackend('wasm');
    const dataset = await loadForCommand(opts);
    // only the questions are embedded: the candidates play no part
    const questions: RetrievalDataset = { ...dataset, candidates: [] };
    const embeddings = await embedWithCheckpoint(questions, opts.checkpoint, { batchSize: opts.batchSize, ...(opts.maxLength ? { maxLength: opts.maxLength } : {}) });
    const perLanguage = questionTranslationRetrieval(dataset, embeddings.queries, embeddings.dim);
    const mean = perLanguage.reduce((s, r) => s + r.precisionAt1, 0) / perLanguage.length;
    out.result({ dataset: dataset.name, checkpoint: opts.checkpoint, meanPrecisionAt1: mean, perLanguage }, (r) =>
      [
        `${r.dataset}: question → English translation P@1 (chance 1/n)`,
        ...r.perLanguage.map((l) => `${l.lang}  ${l.precisionAt1.toFixed(4)}  (n ${l.n}, chance ${l.chance.toExponential(2)})`),
        `mean over ${r.perLanguage.length} languages  ${r.meanPrecisionAt1.toFixed(4)}`,
      ].join('\n'),
    );
  });
}
