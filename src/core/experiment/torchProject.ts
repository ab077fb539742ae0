/**
 * The PyTorch project of a run (issue 24): a small, readable, runnable folder that trains the same run on
 * a GPU cluster with torch alone (transformers / accelerate optional). `xlir export-torch` and the app's
 * "Export for PyTorch" both call {@link torchProject}; the Python sources live as real files in
 * `torch-project/` and are passed in by the caller (read from disk by the CLI, bundled `?raw` by the app),
 * so this module stays pure.
 *
 * What makes the two trainers agree (checked by src/cli/commands/exportTorch.test.ts):
 *  - the training examples (hard negatives, validation split) are chosen here by `createRunSampler` and
 *    written out with their TEXTS and the TOKEN IDS our tokenizer gives them (prefixes included), so
 *    no Python tokenizer is needed and the ids are identical;
 *  - passages are written once per distinct text; the sampler's and InfoNCE's "same text" tests become
 *    "same index";
 *  - the sampler is ported bit for bit (torch-project/sampler.py); the first `recordBatches` batches of
 *    our sampler are written to data/batches.json, and `python sampler.py --check` replays them;
 *  - the start weights are the run's own (`modelFiles`: the encoder's `exportModel()` before training,
 *    the tokenizer included) under init/.
 * The run's `backwardChunkRows` (xlir's chunked backward, a memory setting) is ignored, and the README says
 * so: train.py backpropagates the whole batch, which gives the same loss and gradients.
 */
import { z } from 'zod';
import { DATASET_NAMES, LANGUAGES } from '../data/languages';
import { ConfigError, type SerializedError } from '../errors';
import type { RetrievalDataset } from '../data/types';
import type { Tokenizer } from '../model/types';
import { createRunSampler } from '../train/runSampler';
import { createTrainingEncoder, type TrainingEncoderSources } from '../train/trainingEncoder';
import { PASSAGE_PREFIX, QUERY_PREFIX } from '../train/textPrefixes';
import { RunConfigSchema, type RunConfig } from './runConfig';

/** The project's format tag, in its config.json. */
export const TORCH_PROJECT_FORMAT = 'xlir-torch-project/1';

/** The files of `torch-project/` that make up every exported project, copied as they are. */
export const TORCH_PROJECT_SOURCES = ['README.md', 'requirements.txt', 'train.py', 'model.py', 'sampler.py', 'losses.py', 'safetensors_io.py', 'embed.py', 'data.py'] as const;
export type TorchProjectSource = (typeof TORCH_PROJECT_SOURCES)[number];

/** Batches of our sampler recorded for the port check, unless the caller says otherwise. */
export const DEFAULT_RECORDED_BATCHES = 200;

/** What {@link torchProject} writes a project from. */
export interface TorchProjectInput {
  /** the run (validated) */
  config: RunConfig;
  /** `config.data.train.dataset`, loaded with the training languages */
  trainDataset: RetrievalDataset;
  /** `config.data.eval.dataset` for embed.py's embeddings file; null leaves data/eval.json out */
  evalDataset: RetrievalDataset | null;
  /** the run's tokenizer (the one its encoder was built with) */
  tokenizer: Pick<Tokenizer, 'encode' | 'padId'>;
  /** the start checkpoint: file path (`/`-separated) → bytes, as `saveEncoderCheckpoint` writes it */
  modelFiles: Readonly<Record<string, Uint8Array>>;
  /** the texts of {@link TORCH_PROJECT_SOURCES} */
  sources: Readonly<Record<TorchProjectSource, string>>;
  /** batches of the sampler to record in data/batches.json (default min(steps, {@link DEFAULT_RECORDED_BATCHES})) */
  recordBatches?: number;
  /** the exporting code's version, recorded in config.json */
  codeVersion: string;
}

const encoder = new TextEncoder();
const jsonBytes = (value: unknown) => encoder.encode(`${JSON.stringify(value)}\n`);

/** Token ids of one text as the run's encoder sees it: special tokens added, truncated to maxLength. */
function idsOf(tokenizer: TorchProjectInput['tokenizer'], text: string, maxLength: number): number[] {
  const b = tokenizer.encode([text], maxLength);
  const out: number[] = [];
  for (let t = 0; t < b.seqLen; t++) if (b.attentionMask[t] === 1) out.push(b.inputIds[t]!);
  return out;
}

/**
 * @returns the project's files, path (`/`-separated, relative) → bytes
 * @throws ConfigError when the datasets do not match the config or a source file is missing
 */
export function torchProject(input: TorchProjectInput): Record<string, Uint8Array> {
  const { config, trainDataset, evalDataset, tokenizer } = input;
  if (trainDataset.name !== config.data.train.dataset) throw new ConfigError(`the training dataset is ${config.data.train.dataset}, but ${trainDataset.name} was given`);
  if (evalDataset && evalDataset.name !== config.data.eval.dataset) throw new ConfigError(`the evaluation dataset is ${config.data.eval.dataset}, but ${evalDataset.name} was given`);
  for (const name of TORCH_PROJECT_SOURCES) if (typeof input.sources[name] !== 'string') throw new ConfigError(`torch-project/${name} is missing`);
  if (!input.modelFiles['model.safetensors'] || !input.modelFiles['config.json']) throw new ConfigError('the start checkpoint needs model.safetensors and config.json');
  const maxLength = config.model.maxLength;
  // the training set and the sampler exactly as runTraining builds them
  const { set, sampler } = createRunSampler(config, trainDataset);

  // queries and distinct passage texts, numbered in order of first use
  const queryIndex = new Map<number, number>();
  const queries: { id: string; lang: string; text: string; ids: number[] }[] = [];
  const passageIndex = new Map<string, number>();
  const passages: { text: string; ids: number[] }[] = [];
  const query = (qi: number) => {
    let i = queryIndex.get(qi);
    if (i === undefined) {
      const q = trainDataset.queries[qi]!;
      i = queries.length;
      queries.push({ id: q.id, lang: q.lang, text: q.text, ids: idsOf(tokenizer, QUERY_PREFIX + q.text, maxLength) });
      queryIndex.set(qi, i);
    }
    return i;
  };
  const passage = (ci: number) => {
    const text = trainDataset.candidates[ci]!.text;
    let i = passageIndex.get(text);
    if (i === undefined) {
      i = passages.length;
      passages.push({ text, ids: idsOf(tokenizer, PASSAGE_PREFIX + text, maxLength) });
      passageIndex.set(text, i);
    }
    return i;
  };
  const groups = set.groups.map((g) => ({
    questionId: g.questionId,
    examples: g.examples.map((e) => ({ lang: e.lang, query: query(e.query), positive: passage(e.positive), negative: passage(e.negative) })),
    // the answers of the question in every loaded language: no other triplet of the batch may use them
    relevant: [...(trainDataset.answersByQuestion.get(g.questionId)?.values() ?? [])].map(passage),
  }));

  // our sampler's batches, in the exported numbering
  const recorded = Math.min(config.steps, input.recordBatches ?? DEFAULT_RECORDED_BATCHES);
  const batches = Array.from({ length: recorded }, (_, s) => {
    const b = sampler.next(s);
    return { record: b.record, triplets: b.triplets.map((t) => [queryIndex.get(t.query)!, passage(t.positive), passage(t.negative)]) };
  });

  const files: Record<string, Uint8Array> = {};
  for (const name of TORCH_PROJECT_SOURCES) files[name] = encoder.encode(name === 'README.md' ? readmeHeader(config) + input.sources[name] : input.sources[name]);
  files['config.json'] = encoder.encode(
    `${JSON.stringify(
      {
        format: TORCH_PROJECT_FORMAT,
        codeVersion: input.codeVersion,
        run: config,
        model: { init: 'init', pooling: config.model.pooling, maxLength, freezeEmbeddings: config.model.freezeEmbeddings, prefixes: { query: QUERY_PREFIX, passage: PASSAGE_PREFIX } },
        data: {
          train: { dataset: trainDataset.name, languages: set.languages, files: trainDataset.files, triplets: set.groups.reduce((n, g) => n + g.examples.length, 0), questions: set.groups.length },
          eval: evalDataset ? { dataset: evalDataset.name, languages: evalDataset.languages, files: evalDataset.files } : null,
        },
      },
      null,
      2,
    )}\n`,
  );
  files['data/train.json'] = jsonBytes({ languages: set.languages, padId: tokenizer.padId, maxLength, queries, passages, groups });
  files['data/batches.json'] = jsonBytes({ steps: recorded, batches });
  if (evalDataset) {
    files['data/eval.json'] = jsonBytes({
      dataset: evalDataset.name,
      languages: evalDataset.languages,
      padId: tokenizer.padId,
      maxLength,
      queries: evalDataset.queries.map((q) => ({ id: q.id, text: q.text, ids: idsOf(tokenizer, QUERY_PREFIX + q.text, maxLength) })),
      candidates: evalDataset.candidates.map((c) => ({ id: c.id, text: c.text, ids: idsOf(tokenizer, PASSAGE_PREFIX + c.text, maxLength) })),
    });
  }
  for (const [name, bytes] of Object.entries(input.modelFiles)) files[`init/${name}`] = bytes;
  return files;
}

/** What {@link exportTorchProject} needs besides the config: the data, the model's files and the sources. */
export interface ExportTorchProjectDeps extends Omit<TorchProjectInput, 'config' | 'tokenizer' | 'modelFiles'> {
  /** where the run's model comes from (the pretrained built-in's files, a `model.checkpoint` folder) */
  model: Omit<TrainingEncoderSources, 'trainDataset' | 'resume'>;
}

/**
 * The project of a run from its config, as `xlir export-torch` and the app's export make it: the run's
 * encoder is built exactly as training builds it (`createTrainingEncoder`: tokenizer, seeded init or
 * shipped weights), its start checkpoint and tokenizer go into the project, and it is disposed.
 * Needs an initialised TF.js backend (the weights pass through tf.Variables).
 */
export async function exportTorchProject(config: RunConfig, deps: ExportTorchProjectDeps): Promise<Record<string, Uint8Array>> {
  const { model: modelSources, ...rest } = deps;
  const model = await createTrainingEncoder(config, { trainDataset: deps.trainDataset, ...modelSources });
  try {
    const tokenizer = model.encoder.tokenizer;
    if (!tokenizer) throw new ConfigError("the run's encoder has no tokenizer");
    return torchProject({ ...rest, config, tokenizer, modelFiles: await model.exportModel() });
  } finally {
    model.encoder.dispose();
  }
}

function readmeHeader(config: RunConfig): string {
  const model = config.model.builtin ?? config.model.checkpoint;
  return [
    `<!-- written by xlir export-torch: the run below; the rest of this file is torch-project/README.md -->`,
    `**This run:** ${config.strategy.kind} on ${config.data.train.dataset} (${config.data.train.languages.join(', ')}), model ${model}, ${config.steps} steps of batch ${config.batchSize}, seed ${config.seed}${config.description ? ` — ${config.description}` : ''}`,
    // a memory setting of xlir's trainer, not of the run's maths: said, so that nobody looks for it in train.py
    ...(config.backwardChunkRows !== undefined
      ? [
          '',
          `xlir trained it with the backward in chunks of ${config.backwardChunkRows} sequences (\`backwardChunkRows\` in config.json, to fit the browser's memory); train.py ignores that setting and backpropagates the whole batch: the same loss and gradients up to float rounding.`,
        ]
      : []),
    '',
    '',
  ].join('\n');
}

const DatasetFilesSchema = z
  .object({
    dataset: z.enum(DATASET_NAMES),
    languages: z.array(z.enum(LANGUAGES)),
    files: z.array(z.object({ name: z.string(), bytes: z.instanceof(Uint8Array) }).strict()),
  })
  .strict();

/**
 * The app's request to its PyTorch-export worker (one request per worker): the run's config and the loaded
 * training and evaluation files, which the worker parses as the run worker does.
 */
export const TorchExportRequestSchema = z
  .object({
    type: z.literal('torch/export'),
    config: RunConfigSchema,
    train: DatasetFilesSchema,
    eval: DatasetFilesSchema,
  })
  .strict();
export type TorchExportRequest = z.infer<typeof TorchExportRequestSchema>;

/** The worker's answer: the project as one zip (transferred), or the error. */
export type TorchExportEvent = { type: 'torch/exported'; zip: Uint8Array; files: number } | { type: 'error'; error: SerializedError };
