/**
 * Encode throughput of the demo model (built-in small, WordPiece 16,000 trained on XQuAD-R's texts,
 * random init: the speed does not depend on the weights) on real XQuAD-R questions and sentences, as
 * the evaluator embeds them (`embedDataset`: batches of `EMBED_BATCH_SIZE` sorted by token count, max 96
 * tokens). "none" runs the same loop in dataset order, to show what the length sort (bucketing) saves, and
 * "chars" sorts by characters instead (the evaluator's earlier order).
 */
import * as tf from '@tensorflow/tfjs';
import { resolveDataDir } from '../src/cli/dataDir';
import { loadDatasetFromDir } from '../src/cli/loadDataset';
import type { RetrievalDataset } from '../src/core/data/types';
import { builtinEncoderConfig } from '../src/core/model/builtinConfigs';
import { buildBuiltinTokenizer } from '../src/core/model/builtinTokenizer/buildBuiltinTokenizer';
import { TransformerEncoder } from '../src/core/model/encoder';
import { initEncoderWeights } from '../src/core/model/init';
import { EMBED_BATCH_SIZE } from '../src/core/train/checkpointEmbedSettings';
import { embedDataset } from '../src/core/train/embedDataset';
import { PASSAGE_PREFIX, QUERY_PREFIX } from '../src/core/train/textPrefixes';

export const ENCODE_BATCH = EMBED_BATCH_SIZE;
export const ENCODE_MAX_LENGTH = 96;

export const ENCODE_ORDERS = ['chars', 'none', 'tokens'] as const;
export type EncodeOrder = (typeof ENCODE_ORDERS)[number];
const ORDER_LABELS: Record<EncodeOrder, string> = {
  chars: 'sorted by characters',
  none: 'dataset order (no bucketing)',
  tokens: 'sorted by token count (embedDataset as shipped)',
};

export interface EncodeMeasurement {
  order: EncodeOrder;
  label: string;
  texts: number;
  /** median over runs */
  seconds: number;
  sentencesPerS: number;
  /** real (unpadded) tokens per second */
  tokensPerS: number;
  /** padded positions / all positions fed to the encoder */
  paddingFraction: number;
  runs: number[];
}

function sample<T>(xs: readonly T[], n: number): T[] {
  const step = xs.length / n;
  return Array.from({ length: Math.min(n, xs.length) }, (_, i) => xs[Math.floor(i * step)]!);
}

/** Token count of each text (special tokens included, truncated at ENCODE_MAX_LENGTH). */
function tokenCounts(encoder: TransformerEncoder, texts: readonly string[]): number[] {
  const out: number[] = [];
  for (let s = 0; s < texts.length; s += ENCODE_BATCH) {
    const t = encoder.tokenize(texts.slice(s, s + ENCODE_BATCH), ENCODE_MAX_LENGTH);
    for (let r = 0; r < t.batchSize; r++) {
      let n = 0;
      for (let c = 0; c < t.seqLen; c++) n += t.attentionMask[r * t.seqLen + c]!;
      out.push(n);
    }
  }
  return out;
}

/** The batches (index lists) of one text list; `tokens` replicates embedDataset's comparator. */
function batchesOf(texts: readonly string[], order: EncodeOrder, counts: readonly number[]): number[][] {
  const idx = texts.map((_, i) => i);
  if (order === 'chars') idx.sort((a, b) => texts[a]!.length - texts[b]!.length || a - b);
  if (order === 'tokens') idx.sort((a, b) => counts[a]! - counts[b]! || a - b);
  const out: number[][] = [];
  for (let s = 0; s < idx.length; s += ENCODE_BATCH) out.push(idx.slice(s, s + ENCODE_BATCH));
  return out;
}

async function embedBatches(encoder: TransformerEncoder, texts: readonly string[], batches: number[][]): Promise<void> {
  for (const rows of batches) {
    const tokens = encoder.tokenize(
      rows.map((i) => texts[i]!),
      ENCODE_MAX_LENGTH,
    );
    const emb = tf.tidy(() => encoder.embed(tokens, { training: false }));
    await emb.data();
    emb.dispose();
  }
}

/**
 * @param count texts of each kind (queries, candidates), sampled evenly over the dataset's languages
 */
export async function measureEncode(count: number, runs: number, log: (line: string) => void): Promise<{ tokenizerBuildMs: number; measurements: EncodeMeasurement[] }> {
  const dir = resolveDataDir();
  if (dir === null) throw new Error('no dataset folder: set XLIR_DATA_DIR or put the data in ../shared/data');
  const ds = await loadDatasetFromDir(dir, 'xquad-r');
  const t0 = performance.now();
  const built = buildBuiltinTokenizer([...ds.queries.map((q) => QUERY_PREFIX + q.text), ...ds.candidates.map((c) => PASSAGE_PREFIX + c.text)], { vocabSize: 16_000 });
  const tokenizerBuildMs = performance.now() - t0;
  const config = builtinEncoderConfig('small', { vocabSize: built.tokenizer.vocabSize, padTokenId: built.tokenizer.padId });
  const encoder = new TransformerEncoder({ config, weights: initEncoderWeights(config, 1), tokenizer: built.tokenizer, name: 'bench-encode' });
  const sub: RetrievalDataset = { ...ds, queries: sample(ds.queries, count), candidates: sample(ds.candidates, count) };
  // embedDataset embeds queries and candidates as two separately sorted lists
  const lists = [sub.queries.map((q) => QUERY_PREFIX + q.text), sub.candidates.map((c) => PASSAGE_PREFIX + c.text)];
  const total = lists[0]!.length + lists[1]!.length;
  const out: EncodeMeasurement[] = [];
  try {
    await embedBatches(encoder, lists[0]!, [lists[0]!.slice(0, ENCODE_BATCH).map((_, i) => i)]); // warm-up
    for (const order of ENCODE_ORDERS) {
      const times: number[] = [];
      let real = 0;
      let fed = 0;
      for (let r = 0; r < runs; r++) {
        const t = performance.now();
        if (order === 'tokens') {
          await embedDataset(encoder, sub, { batchSize: ENCODE_BATCH, maxLength: ENCODE_MAX_LENGTH });
        } else {
          for (const texts of lists) await embedBatches(encoder, texts, batchesOf(texts, order, []));
        }
        times.push((performance.now() - t) / 1000);
        log(`  encode ${order} run ${r + 1}: ${times[times.length - 1]!.toFixed(1)} s`);
      }
      for (const texts of lists) {
        const counts = tokenCounts(encoder, texts);
        for (const rows of batchesOf(texts, order, counts)) {
          const longest = Math.max(...rows.map((i) => counts[i]!));
          fed += longest * rows.length;
          for (const i of rows) real += counts[i]!;
        }
      }
      const sec = [...times].sort((a, b) => a - b)[times.length >> 1]!;
      out.push({ order, label: ORDER_LABELS[order], texts: total, seconds: sec, sentencesPerS: total / sec, tokensPerS: real / sec, paddingFraction: 1 - real / fed, runs: times });
    }
  } finally {
    encoder.dispose();
  }
  return { tokenizerBuildMs, measurements: out };
}
