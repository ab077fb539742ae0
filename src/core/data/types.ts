/**
 * The in-memory form of a LAReQA-style retrieval dataset (XQuAD-R, MLQA-R), shared by the evaluator,
 * the samplers and the UI. Everything is in canonical order: languages alphabetically, then file order.
 *
 * Canonical ids (used in files, exports and the CLI):
 *  - query     `"{lang}:{question_id}"`
 *  - candidate `"{lang}:{article_index}:{paragraph_index}:{sentence_index}"` (0-based, file order)
 */
import type { DatasetName, Lang } from './languages';

export interface Candidate {
  /** canonical candidate id */
  id: string;
  lang: Lang;
  articleIndex: number;
  paragraphIndex: number;
  sentenceIndex: number;
  /** `context[start:end]` of the sentence break (not the `sentences` field; see PROVENANCE.md quirks) */
  text: string;
  /** index into {@link RetrievalDataset.paragraphs} */
  paragraph: number;
}

export interface Query {
  /** canonical query id */
  id: string;
  lang: Lang;
  /** the id shared by the translations of one question (SQuAD / MLQA qas id) */
  questionId: string;
  text: string;
  /** index into {@link RetrievalDataset.candidates} of the sentence containing `answers[0].answer_start` */
  answer: number;
  /** index into {@link RetrievalDataset.paragraphs} */
  paragraph: number;
}

export interface Paragraph {
  lang: Lang;
  articleIndex: number;
  paragraphIndex: number;
  /** English article title (titles are English in every language file) */
  title: string;
  context: string;
  /** candidates of this paragraph are `candidates[firstCandidate .. firstCandidate + candidateCount)` */
  firstCandidate: number;
  candidateCount: number;
}

export interface DatasetFile {
  /** file name as loaded, e.g. `xquad-r/en.json` */
  name: string;
  /** lower-case hex SHA-256 of the file's bytes */
  sha256: string;
  bytes: number;
}

export interface RetrievalDataset {
  name: DatasetName;
  /** languages present, alphabetical */
  languages: Lang[];
  files: DatasetFile[];
  queries: Query[];
  candidates: Candidate[];
  paragraphs: Paragraph[];
  /**
   * questionId → (lang → index into `candidates` of that language's answer sentence). The relevant
   * set of a query in a pool is the entries of its question id whose language is in the pool.
   */
  answersByQuestion: Map<string, Map<Lang, number>>;
}
