/**
 * The texts of a heatmap cell's drill-down: for each listed query, its question, the gold answer
 * sentence in the cell's candidate language, and the sentence the model ranked first there.
 */
import type { Lang } from '../data/languages';
import type { RetrievalDataset } from '../data/types';
import { ConfigError } from '../errors';

export interface DrilldownText {
  queryId: string;
  question: string;
  gold: { id: string; text: string } | null;
  retrieved: { id: string; text: string } | null;
}

/** Rows asked at most per request (the drill-down shows a page of queries, not the whole cell). */
export const MAX_DRILLDOWN_ROWS = 200;

/**
 * @param retrievedIds first-ranked candidate id per query (same order as `queryIds`), or null when unknown
 * @throws ConfigError naming an id the dataset does not hold, or too many rows
 */
export function drilldownTexts(dataset: RetrievalDataset, candidateLang: Lang, queryIds: readonly string[], retrievedIds: readonly (string | null)[]): DrilldownText[] {
  if (queryIds.length > MAX_DRILLDOWN_ROWS) throw new ConfigError(`a drill-down asks for at most ${MAX_DRILLDOWN_ROWS} queries (got ${queryIds.length})`);
  const queries = new Map(dataset.queries.map((q) => [q.id, q]));
  const candidateIndex = new Map(dataset.candidates.map((c, i) => [c.id, i]));
  const candidate = (i: number | undefined) => (i === undefined ? null : { id: dataset.candidates[i]!.id, text: dataset.candidates[i]!.text });
  return queryIds.map((id, k) => {
    const q = queries.get(id);
    if (!q) throw new ConfigError(`${dataset.name}: no query "${id}" in the loaded data`);
    const retrievedId = retrievedIds[k] ?? null;
    if (retrievedId !== null && !candidateIndex.has(retrievedId)) throw new ConfigError(`${dataset.name}: no candidate "${retrievedId}" in the loaded data`);
    return {
      queryId: id,
      question: q.text,
      gold: candidate(dataset.answersByQuestion.get(q.questionId)?.get(candidateLang)),
      retrieved: retrievedId === null ? null : candidate(candidateIndex.get(retrievedId)),
    };
  });
}
