/**
 * The sampled evaluation a run makes during training for its live heatmap (issue 20, item 9). Embedding
 * the whole evaluation set (~14k texts for XQuAD-R) every few steps made browser training ~10× slower than
 * the CLI, so the sample bounds BOTH sides of the retrieval problem:
 *   - queries: a fixed seeded sample of question ids, in every loaded language;
 *   - candidates: the relevant sentences of those questions (every language, so every mono / cross / multi
 *     cell has its answers) plus a fixed seeded sample of other sentences per language, to fill the budget.
 * Texts embedded per sampled evaluation (queries + candidates) never exceed `maxTexts`.
 *
 * The pools are far smaller than the real ones, so the sampled mAP is an ESTIMATE that runs higher than the
 * full figure (fewer distractors); it tracks the trend during training. The full evaluation at the end of
 * a run (notes/paper-method.md §2.2–2.3) is the exact one. The sample depends on the dataset and the seed
 * only, never on the run, so sampled heatmaps of different runs compare query for query.
 */
import { ConfigError } from '../errors';
import type { Candidate, Paragraph, Query, RetrievalDataset } from '../data/types';
import type { Lang } from '../data/languages';
import { deriveSeed, Mulberry32 } from '../metrics/rng';

export interface SampledEvaluationOptions {
  /** question ids to sample (each in every language that has it); lowered when `maxTexts` needs it */
  questions: number;
  /** most texts (queries + candidates) embedded per sampled evaluation */
  maxTexts: number;
  /** the sample's seed (the same for every run, so sampled figures compare) */
  seed: number;
}

/** The app's sample: ≤ 1,000 texts, e.g. 24 questions × 11 languages and ~40 distractors per language for XQuAD-R. */
export const SAMPLED_EVALUATION: Readonly<SampledEvaluationOptions> = Object.freeze({ questions: 24, maxTexts: 1000, seed: 20 });

export interface SampledEvaluationSet {
  /** a valid dataset in canonical order: the sampled queries and candidates, paragraphs re-indexed */
  dataset: RetrievalDataset;
  /** question ids sampled */
  questions: number;
  queries: number;
  /** candidates relevant to a sampled question (in any language) */
  relevant: number;
  /** other candidates, sampled per language */
  distractors: number;
  /** queries + candidates: what one sampled evaluation embeds (≤ maxTexts) */
  texts: number;
}

/** The first `k` of a seeded shuffle of `items` (a copy; `items` is left as it is). */
function seededSample<T>(items: readonly T[], k: number, seed: number): T[] {
  return new Mulberry32(seed).shuffle([...items]).slice(0, k);
}

/**
 * @param dataset the evaluation dataset (canonical order)
 * @returns the sampled sub-dataset and its counts; deterministic in (dataset, options)
 * @throws ConfigError when `maxTexts` cannot hold one question in every language plus one candidate per language
 */
export function sampledEvaluationSet(dataset: RetrievalDataset, options: SampledEvaluationOptions = SAMPLED_EVALUATION): SampledEvaluationSet {
  const L = dataset.languages.length;
  const questionIds = [...new Set(dataset.queries.map((q) => q.questionId))];
  // Each question costs at most L queries and L relevant sentences; L slots stay for one distractor per
  // language, so every language keeps a candidate pool whatever the questions cover.
  const fits = Math.floor((options.maxTexts - L) / (2 * L));
  const Q = Math.min(options.questions, questionIds.length, fits);
  if (Q < 1 && questionIds.length > 0) {
    throw new ConfigError(`a sampled evaluation of ${dataset.name} needs maxTexts ≥ ${3 * L} for its ${L} languages (got ${options.maxTexts})`);
  }
  // questions: ids in order of first appearance, a seeded sample of them
  const kept = new Set(seededSample(questionIds, Math.max(Q, 0), deriveSeed(options.seed, 'sampled-evaluation', dataset.name, 'questions')));
  const queryIndices: number[] = [];
  dataset.queries.forEach((q, i) => {
    if (kept.has(q.questionId)) queryIndices.push(i);
  });
  const relevant = new Set<number>();
  for (const qid of kept) for (const c of dataset.answersByQuestion.get(qid)?.values() ?? []) relevant.add(c);

  // distractors: the budget left, shared evenly by the languages, a seeded sample of each language's others
  const perLanguage = Math.floor((options.maxTexts - queryIndices.length - relevant.size) / Math.max(L, 1));
  const others = new Map<Lang, number[]>(dataset.languages.map((l) => [l, []]));
  dataset.candidates.forEach((c, i) => {
    if (!relevant.has(i)) others.get(c.lang)?.push(i);
  });
  const candidateIndices = new Set(relevant);
  for (const [lang, pool] of others) {
    for (const i of seededSample(pool, perLanguage, deriveSeed(options.seed, 'sampled-evaluation', dataset.name, 'distractors', lang))) candidateIndices.add(i);
  }
  const distractors = candidateIndices.size - relevant.size;

  // Ascending original indices keep the canonical order (languages contiguous, file order within).
  const candidateOrder = [...candidateIndices].sort((a, b) => a - b);
  const newCandidate = new Map(candidateOrder.map((old, i) => [old, i]));
  const paragraphOrder = [...new Set([...candidateOrder.map((i) => dataset.candidates[i]!.paragraph), ...queryIndices.map((i) => dataset.queries[i]!.paragraph)])].sort((a, b) => a - b);
  const newParagraph = new Map(paragraphOrder.map((old, i) => [old, i]));

  const candidates: Candidate[] = candidateOrder.map((old) => {
    const c = dataset.candidates[old]!;
    return { ...c, paragraph: newParagraph.get(c.paragraph)! };
  });
  const paragraphs: Paragraph[] = paragraphOrder.map((old, p) => {
    // a paragraph's kept sentences are contiguous: its sentences were, and the order is kept
    const first = candidates.findIndex((c) => c.paragraph === p);
    const count = first < 0 ? 0 : candidates.slice(first).findIndex((c) => c.paragraph !== p);
    return { ...dataset.paragraphs[old]!, firstCandidate: Math.max(first, 0), candidateCount: first < 0 ? 0 : count < 0 ? candidates.length - first : count };
  });
  const queries: Query[] = queryIndices.map((old) => {
    const q = dataset.queries[old]!;
    return { ...q, answer: newCandidate.get(q.answer)!, paragraph: newParagraph.get(q.paragraph)! };
  });
  const answersByQuestion = new Map<string, Map<Lang, number>>();
  for (const qid of kept) {
    const answers = dataset.answersByQuestion.get(qid);
    if (answers) answersByQuestion.set(qid, new Map([...answers].map(([lang, c]) => [lang, newCandidate.get(c)!])));
  }
  return {
    dataset: { ...dataset, queries, candidates, paragraphs, answersByQuestion },
    questions: kept.size,
    queries: queries.length,
    relevant: relevant.size,
    distractors,
    texts: queries.length + candidates.length,
  };
}

/** `264 queries (24 questions × 11 languages) against 736 sentences`: what a sampled evaluation covers. */
export function sampledEvaluationSummary(s: Pick<SampledEvaluationSet, 'questions' | 'queries' | 'texts' | 'dataset'>): string {
  const n = (x: number) => x.toLocaleString('en');
  return `${n(s.queries)} queries (${n(s.questions)} questions × ${s.dataset.languages.length} languages) against ${n(s.texts - s.queries)} sentences`;
}

/**
 * The caption of an evaluation's figures: a sampled one says it is an estimate.
 * e.g. `sampled evaluation at step 150: an estimate on a fixed sample (≤ 1,000 texts); the full evaluation is exact`
 */
export function evaluationNote(e: { kind: 'sampled' | 'full'; step: number }, maxTexts = SAMPLED_EVALUATION.maxTexts): string {
  if (e.kind === 'full') return `full evaluation at step ${e.step}`;
  return `sampled evaluation at step ${e.step}: an estimate on a fixed sample of queries and smaller candidate pools (≤ ${maxTexts.toLocaleString('en')} texts; mAP runs high); the full evaluation is exact`;
}
