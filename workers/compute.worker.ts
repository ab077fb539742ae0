/// <reference lib="webworker" />
// Thin adapter: validates commands, calls src/core, posts typed events (house rule 9).
import { drilldownTexts } from '../src/core/figures/drilldownTexts';
import { WorkerCommandSchema, type WorkerCommand, type WorkerEvent } from '../src/core/experiment/protocol';
import * as tf from '@tensorflow/tfjs';
import { initBackend, isBackendPreference, type BackendName } from '../src/core/model/backend';
import { padMultipleFor } from '../src/core/model/backendNames';
import { matmulSmoke } from '../src/core/model/matmulSmoke';
import { serializeError } from '../src/core/errors';
import { WASM_PATHS } from './wasmAssets';
import { parseDataset } from '../src/core/data/parseDataset';
import { datasetStats } from '../src/core/data/datasetStats';
import type { RetrievalDataset } from '../src/core/data/types';
import type { DatasetName, Lang } from '../src/core/data/languages';
import { parallelExample, questionIdsOf } from '../src/core/figures/parallelExample';
import { ConfigError, DataFormatError } from '../src/core/errors';
import { parseRunConfig } from '../src/core/experiment/runConfig';
import { batchTexts } from '../src/core/figures/batchTexts';
import { memorySource } from '../src/core/model/checkpointSource';
import { loadEncoderCheckpoint } from '../src/core/model/loadEncoderCheckpoint';
import { loadTokenizer } from '../src/core/model/tokenizer';
import { parseManifest, MANIFEST_FILE } from '../src/core/train/trainingCheckpoint';
import { readCheckpointFolder } from '../src/storage/opfsCheckpoints';
import { evaluateEncoder } from './evaluateEncoder';
import { embedDataset } from '../src/core/train/embedDataset';
import { checkpointEmbedSettings } from '../src/core/train/checkpointEmbedSettings';
import { trecFileChunks } from '../src/core/metrics/trecRuns';

const post = (event: WorkerEvent) => self.postMessage(event);

/**
 * TREC exports in flight, by requestId: whether the page asked to cancel, and the waiter for its answer to
 * the last chunk sent (`model/export-trec-next`).
 */
const trecExports = new Map<string, { cancelled: boolean; answer: ((cancel: boolean) => void) | null }>();

/** Resolves with the page's answer to the chunk just sent: true to stop. */
function nextAnswer(requestId: string): Promise<boolean> {
  const state = trecExports.get(requestId)!;
  if (state.cancelled) return Promise.resolve(true);
  return new Promise((resolve) => {
    state.answer = resolve;
  });
}

/** The datasets last loaded by `data/load`, by name, for the Data cell's parallel view. */
const datasets = new Map<string, RetrievalDataset>();
/** Their files, to re-parse a subset of languages for an evaluation. */
const datasetFiles = new Map<string, { name: string; bytes: Uint8Array }[]>();

async function parseSubset(name: DatasetName, languages: Lang[]): Promise<RetrievalDataset> {
  return parseDataset(name, datasetFiles.get(name) ?? [], { languages });
}

/**
 * Requests are handled one at a time, in arrival order: an evaluation switches the global TF.js backend
 * to the checkpoint's for its whole (async) duration, so a request interleaved with it would run on the
 * wrong backend, or switch it back under the evaluation (issue 22). The one exception is the page's
 * answer to a TREC chunk (`model/export-trec-next`): the export in progress waits for it.
 */
let queue: Promise<void> = Promise.resolve();

self.onmessage = (msg: MessageEvent<unknown>) => {
  const parsed = WorkerCommandSchema.safeParse(msg.data);
  if (!parsed.success) {
    post({ type: 'error', error: { name: 'ProtocolError', code: 'INTERNAL', message: `invalid worker command: ${parsed.error.message}` } });
    return;
  }
  const command = parsed.data;
  if (command.type === 'model/export-trec-next') {
    answerTrecChunk(command);
    return;
  }
  // registered on arrival, so that a cancel sent while the export waits its turn is not lost
  if (command.type === 'model/export-trec') trecExports.set(command.requestId, { cancelled: false, answer: null });
  queue = queue
    .then(() => handle(command))
    // handle() posts its own errors; this is a failure to post one, and the requests behind it must still run
    .catch((err: unknown) => console.error('compute worker: could not post an answer', err));
};

function answerTrecChunk(command: Extract<WorkerCommand, { type: 'model/export-trec-next' }>): void {
  const state = trecExports.get(command.requestId);
  if (!state) return;
  if (command.cancel) state.cancelled = true;
  const answer = state.answer;
  state.answer = null;
  answer?.(command.cancel);
}

async function handle(command: Exclude<WorkerCommand, { type: 'model/export-trec-next' }>): Promise<void> {
  try {
    switch (command.type) {
      case 'backend/init': {
        const info = await initBackend(command.preference, { wasmPaths: WASM_PATHS });
        const smoke = await matmulSmoke({ now: () => performance.now() });
        post({ type: 'backend/ready', requestId: command.requestId, info, smoke });
        break;
      }
      case 'data/load': {
        datasets.delete(command.dataset);
        const loaded = await parseDataset(command.dataset, command.files, { languages: command.languages });
        datasets.set(command.dataset, loaded);
        datasetFiles.set(command.dataset, command.files);
        const questionIds = questionIdsOf(loaded);
        const parallel = questionIds.length ? parallelExample(loaded, questionIds[0]!) : null;
        post({ type: 'data/loaded', requestId: command.requestId, stats: datasetStats(loaded), questionIds, parallel });
        break;
      }
      case 'data/parallel': {
        const dataset = datasets.get(command.dataset);
        if (!dataset) throw new DataFormatError(command.dataset, '(none)', 'this dataset is not loaded; load it in the Data cell first');
        post({ type: 'data/parallel', requestId: command.requestId, parallel: parallelExample(dataset, command.questionId) });
        break;
      }
      case 'data/drilldown': {
        const dataset = datasets.get(command.dataset);
        if (!dataset) throw new DataFormatError(command.dataset, '(none)', 'this dataset is not loaded; load it in the Data cell first');
        post({ type: 'data/drilldown', requestId: command.requestId, rows: drilldownTexts(dataset, command.candidateLang, command.queryIds, command.retrievedIds) });
        break;
      }
      case 'batch/texts': {
        const config = parseRunConfig(command.config, 'run config');
        const dataset = datasets.get(config.data.train.dataset);
        if (!dataset) throw new ConfigError(`load the training data (${config.data.train.dataset}) in the Data cell to see batch texts`);
        for (const lang of config.data.train.languages) {
          if (!dataset.languages.includes(lang)) throw new ConfigError(`the loaded ${dataset.name} lacks the run's training language "${lang}"; load it in the Data cell`);
        }
        const texts = batchTexts(config, dataset, command.step);
        post({ type: 'batch/texts', requestId: command.requestId, step: texts.step, kind: texts.record.kind, pairs: texts.record.pairs, triplets: texts.triplets });
        break;
      }
      case 'model/inspect':
      case 'model/evaluate':
      case 'model/export-trec': {
        const files = await readCheckpointFolder(command.key);
        const source = memorySource(command.key, files);
        // Embedding settings (length, pooling) from the checkpoint's own files, by the same rule as
        // `xlir evaluate` (a folder that states no length: min(its limit, 128)). Inspecting skips the checks
        // so that a checkpoint with disagreeing files can still be looked at.
        const settings = command.type === 'model/inspect' ? null : await checkpointEmbedSettings(source);
        const manifestBytes = files.get(MANIFEST_FILE);
        const manifest = settings ? settings.manifest : manifestBytes ? parseManifest(manifestBytes, command.key) : null;
        // Evaluate on the backend the checkpoint was trained (and evaluated) on, so the numbers match the run's.
        const previous = tf.getBackend() as BackendName;
        const wanted = command.type !== 'model/inspect' && manifest && isBackendPreference(manifest.backend) ? (manifest.backend as BackendName) : previous;
        if (wanted !== previous) await initBackend(wanted, { wasmPaths: WASM_PATHS });
        const pooling = settings ? settings.pooling : manifest?.config.model.pooling;
        const encoder = await loadEncoderCheckpoint(source, { loadTokenizer, ...(pooling ? { pooling } : {}) });
        try {
          const c = encoder.config;
          const summary = `${c.modelType}, ${c.numLayers} layers, H ${c.hiddenSize}, ${c.numHeads} heads, vocabulary ${c.vocabSize.toLocaleString('en')}, ${encoder.pooling} pooling${manifest ? `; saved by a run at step ${manifest.step}` : ''}`;
          if (command.type === 'model/inspect' || !settings) {
            const architecture = { hiddenSize: c.hiddenSize, intermediateSize: c.intermediateSize, numHeads: c.numHeads, numLayers: c.numLayers };
            post({ type: 'model/inspected', requestId: command.requestId, summary, runConfig: manifest?.config ?? null, runStep: manifest?.step ?? null, architecture });
            break;
          }
          const dataset = datasets.get(command.dataset);
          if (!dataset) throw new ConfigError(`load the evaluation data (${command.dataset}) in the Data cell first`);
          const missing = command.languages.filter((l) => !dataset.languages.includes(l));
          if (missing.length) throw new ConfigError(`the loaded ${command.dataset} lacks ${missing.join(', ')}; load them in the Data cell`);
          const view = dataset.languages.length === command.languages.length ? dataset : await parseSubset(command.dataset, command.languages);
          const embedded = `embedded with at most ${settings.maxLength} tokens (${settings.maxLengthFrom})`;
          if (command.type === 'model/export-trec') {
            const { requestId } = command;
            const state = trecExports.get(requestId)!;
            const shouldStop = () => state.cancelled;
            // The same embeddings and scorer as model/evaluate, so each re-scored cell gives the run's mAP.
            const embeddings = await embedDataset(encoder, view, {
              batchSize: settings.batchSize,
              maxLength: settings.maxLength,
              padMultiple: padMultipleFor(wanted),
              shouldStop,
              onProgress: (done, total) => post({ type: 'model/trec-progress', requestId, phase: 'embedding', done, total }),
            });
            // One chunk at a time, each after the page has written the last away: memory stays at a chunk.
            const files: { setting: (typeof command.settings)[number]; name: string; queries: number; runLines: number }[] = [];
            for await (const chunk of trecFileChunks(view, embeddings, command.settings, { depth: command.depth, tag: command.tag, shouldStop })) {
              if (chunk.counts) files.push({ setting: chunk.setting, name: chunk.name, ...chunk.counts });
              const event: WorkerEvent = { type: 'model/trec-chunk', requestId, ...chunk };
              self.postMessage(event, { transfer: [chunk.bytes.buffer] });
              if (await nextAnswer(requestId)) state.cancelled = true;
            }
            post({ type: 'model/trec-files', requestId, summary: `${summary}; ${embedded} and scored on ${wanted}`, depth: command.depth, files });
            break;
          }
          const result = await evaluateEncoder(encoder, view, { maxLength: settings.maxLength, batchSize: settings.batchSize, padMultiple: padMultipleFor(wanted) });
          post({ type: 'model/evaluated', requestId: command.requestId, summary: `${summary}; ${embedded}, evaluated on ${wanted}`, result });
        } finally {
          encoder.dispose();
          if (wanted !== previous) await initBackend(previous, { wasmPaths: WASM_PATHS });
        }
        break;
      }
    }
  } catch (err) {
    post({ type: 'error', requestId: command.requestId, error: serializeError(err) });
  } finally {
    if (command.type === 'model/export-trec') trecExports.delete(command.requestId);
  }
}
