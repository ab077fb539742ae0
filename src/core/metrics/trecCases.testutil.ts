/** Datasets and embeddings shared by the TREC run tests (`trecRuns.test.ts`, `trecRuns.stream.test.ts`). */
import type { Lang } from '../data/languages';
import type { RetrievalDataset } from '../data/types';
import type { RetrievalEmbeddings } from './evaluateRetrieval';
import { handDataset, type HandLanguage } from './handDataset';
import { createRng } from './rng';

/**
 * Three languages of 160 sentences and ~96 questions each (some questions lack a language, like MLQA-R),
 * coarse embeddings (components in {−1, 0, 1}) so scores tie often; pools of 160 and 480 exceed the 100-line
 * floor, so `exact` really cuts the rankings.
 */
export function coarseCase(seed: number): { dataset: RetrievalDataset; embeddings: RetrievalEmbeddings } {
  const rng = createRng(seed);
  const spec: Partial<Record<Lang, HandLanguage>> = {};
  for (const lang of ['de', 'en', 'es'] as Lang[]) {
    spec[lang] = {
      sentences: Array.from({ length: 160 }, (_, i) => `${lang}${i}`),
      questions: Array.from({ length: 120 }, (_, i) => [`q${i}`, rng.int(160)] as [string, number]).filter(() => rng.int(5) > 0),
    };
  }
  const dataset = handDataset('mlqa-r', spec);
  const dim = 6;
  const coarse = (n: number) => Float32Array.from({ length: n * dim }, () => rng.int(3) - 1);
  return { dataset, embeddings: { queries: coarse(dataset.queries.length), candidates: coarse(dataset.candidates.length), dim } };
}
