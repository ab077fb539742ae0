/**
 * The parallel view of the Data cell: one question id with its question and answer sentence in every
 * loaded language that has it (XQuAD-R: all 11; MLQA-R: 2–4), in canonical language order.
 */
import { ConfigError } from '../errors';
import type { Lang } from '../data/languages';
import type { RetrievalDataset } from '../data/types';

export interface ParallelEntry {
  lang: Lang;
  /** canonical query id */
  queryId: string;
  question: string;
  /** canonical candidate id of the answer sentence */
  answerId: string;
  answer: string;
}

export interface ParallelExampleView {
  questionId: string;
  /** the article title (English in every language file) */
  title: string;
  entries: ParallelEntry[];
}

/** @returns the question ids in order of first appearance (the parallel view's navigation order) */
export function questionIdsOf(dataset: RetrievalDataset): string[] {
  return [...dataset.answersByQuestion.keys()];
}

/**
 * @throws ConfigError when the dataset has no question `questionId`
 */
export function parallelExample(dataset: RetrievalDataset, questionId: string): ParallelExampleView {
  const answers = dataset.answersByQuestion.get(questionId);
  if (!answers) throw new ConfigError(`${dataset.name}: no question "${questionId}"`);
  const entries: ParallelEntry[] = [];
  let title = '';
  for (const q of dataset.queries) {
    if (q.questionId !== questionId) continue;
    const a = answers.get(q.lang);
    if (a === undefined) continue;
    const cand = dataset.candidates[a]!;
    title ||= dataset.paragraphs[q.paragraph]?.title ?? '';
    entries.push({ lang: q.lang, queryId: q.id, question: q.text, answerId: cand.id, answer: cand.text });
  }
  entries.sort((x, y) => (x.lang < y.lang ? -1 : x.lang > y.lang ? 1 : 0));
  return { questionId, title, entries };
}
