/**
 * Per-language size of a loaded dataset, as printed by `xlir data stats` and shown by the UI; the counts
 * are the ones PROVENANCE.md §1–§2 tabulates (questions, paragraphs, candidate sentences).
 */
import type { DatasetName, Lang } from './languages';
import type { RetrievalDataset } from './types';

export interface LanguageCounts {
  questions: number;
  paragraphs: number;
  candidates: number;
}

export interface DatasetStats {
  dataset: DatasetName;
  /** file name (`xquad-r/en.json`) → lower-case hex SHA-256 */
  files: Record<string, string>;
  /** per loaded language, alphabetical */
  languages: Partial<Record<Lang, LanguageCounts>>;
  totals: LanguageCounts;
}

/** Counts questions, paragraphs and candidates per language of `dataset`. */
export function datasetStats(dataset: RetrievalDataset): DatasetStats {
  const languages: Partial<Record<Lang, LanguageCounts>> = {};
  for (const lang of dataset.languages) languages[lang] = { questions: 0, paragraphs: 0, candidates: 0 };
  for (const q of dataset.queries) languages[q.lang]!.questions++;
  for (const p of dataset.paragraphs) languages[p.lang]!.paragraphs++;
  for (const c of dataset.candidates) languages[c.lang]!.candidates++;
  return {
    dataset: dataset.name,
    files: Object.fromEntries(dataset.files.map((f) => [f.name, f.sha256])),
    languages,
    totals: { questions: dataset.queries.length, paragraphs: dataset.paragraphs.length, candidates: dataset.candidates.length },
  };
}
