/**
 * Small read-only views over a {@link RetrievalDataset} for the trainer, the evaluator and the UI. They
 * rely on the canonical order of `types.ts` (languages alphabetical, so each language's candidates and
 * queries are one contiguous block).
 */
import { ConfigError } from '../errors';
import type { Lang } from './languages';
import type { Candidate, Query, RetrievalDataset } from './types';

/** A half-open index range `[start, end)`. */
export interface IndexRange {
  start: number;
  end: number;
}

function checkLoaded(dataset: RetrievalDataset, lang: Lang): void {
  if (!dataset.languages.includes(lang)) {
    throw new ConfigError(`${dataset.name}: language "${lang}" is not loaded (loaded: ${dataset.languages.join(', ')})`);
  }
}

/** First index in `items` (sorted by language) whose language is not before `lang`. */
function lowerBound(items: readonly { lang: Lang }[], lang: Lang, strict: boolean): number {
  let lo = 0;
  let hi = items.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    const l = items[mid]!.lang;
    if (l < lang || (strict && l === lang)) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

function rangeOf(items: readonly { lang: Lang }[], lang: Lang): IndexRange {
  return { start: lowerBound(items, lang, false), end: lowerBound(items, lang, true) };
}

/**
 * @returns the range of `dataset.candidates` in language `lang` (the monolingual pool of that language)
 * @throws ConfigError when `lang` is not loaded
 */
export function candidatesOf(dataset: RetrievalDataset, lang: Lang): IndexRange {
  checkLoaded(dataset, lang);
  return rangeOf(dataset.candidates, lang);
}

/**
 * @returns the queries in language `lang`, in file order
 * @throws ConfigError when `lang` is not loaded
 */
export function queriesOf(dataset: RetrievalDataset, lang: Lang): Query[] {
  checkLoaded(dataset, lang);
  const { start, end } = rangeOf(dataset.queries, lang);
  return dataset.queries.slice(start, end);
}

/**
 * The relevant set of a query in a pool of languages (`notes/paper-method.md` §2.2, PROVENANCE §6.3): the
 * answer sentences of its question id in every pool language that has the question.
 *
 * @param langs the languages of the candidate pool
 * @returns indices into `dataset.candidates`, ascending; empty when no pool language has the question
 *   (MLQA-R cross-lingual pairs)
 */
export function relevantIn(dataset: RetrievalDataset, query: Query, langs: readonly Lang[]): number[] {
  const byLang = dataset.answersByQuestion.get(query.questionId);
  if (!byLang) return [];
  const out: number[] = [];
  for (const [lang, answer] of byLang) if (langs.includes(lang)) out.push(answer);
  return out.sort((a, b) => a - b);
}

/**
 * @param paragraphIndex index into `dataset.paragraphs`
 * @returns the candidates (sentences) of that paragraph, in order
 */
export function paragraphSentences(dataset: RetrievalDataset, paragraphIndex: number): Candidate[] {
  const p = dataset.paragraphs[paragraphIndex];
  if (!p) throw new ConfigError(`${dataset.name}: no paragraph ${paragraphIndex} (there are ${dataset.paragraphs.length})`);
  return dataset.candidates.slice(p.firstCandidate, p.firstCandidate + p.candidateCount);
}
