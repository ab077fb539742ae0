/**
 * Builds a small {@link RetrievalDataset} from a compact description, for tests and worked examples of
 * the metrics: one article with one paragraph per language, sentences as candidates, questions pointing at
 * the sentence that holds their answer. Ids follow the canonical scheme of `data/types.ts`.
 */
import type { DatasetName, Lang } from '../data/languages';
import type { Candidate, Paragraph, Query, RetrievalDataset } from '../data/types';

export interface HandLanguage {
  sentences: string[];
  /** `[questionId, index of the answer sentence]`, in file order */
  questions: [string, number][];
}

/** @param spec languages in any order; they are laid out alphabetically like the parser does */
export function handDataset(name: DatasetName, spec: Partial<Record<Lang, HandLanguage>>): RetrievalDataset {
  const languages = (Object.keys(spec) as Lang[]).sort();
  const candidates: Candidate[] = [];
  const queries: Query[] = [];
  const paragraphs: Paragraph[] = [];
  const answersByQuestion = new Map<string, Map<Lang, number>>();
  for (const lang of languages) {
    const { sentences, questions } = spec[lang]!;
    const paragraph = paragraphs.length;
    const first = candidates.length;
    paragraphs.push({ lang, articleIndex: 0, paragraphIndex: 0, title: 'T', context: sentences.join(' '), firstCandidate: first, candidateCount: sentences.length });
    sentences.forEach((text, s) => candidates.push({ id: `${lang}:0:0:${s}`, lang, articleIndex: 0, paragraphIndex: 0, sentenceIndex: s, text, paragraph }));
    for (const [questionId, s] of questions) {
      if (s < 0 || s >= sentences.length) throw new RangeError(`handDataset: ${lang} question ${questionId} points at sentence ${s} of ${sentences.length}`);
      queries.push({ id: `${lang}:${questionId}`, lang, questionId, text: `${questionId}?`, answer: first + s, paragraph });
      let byLang = answersByQuestion.get(questionId);
      if (!byLang) answersByQuestion.set(questionId, (byLang = new Map()));
      byLang.set(lang, first + s);
    }
  }
  return { name, languages, files: languages.map((l) => ({ name: `${name}/${l}.json`, sha256: '0'.repeat(64), bytes: 0 })), queries, candidates, paragraphs, answersByQuestion };
}

/**
 * The tests' shared two-language pool: English with three sentences and questions q1–q3, German with two
 * sentences and q1–q2 (q3 has no German answer, so en→de has two queries).
 */
export const HAND_EN_DE: RetrievalDataset = handDataset('mlqa-r', {
  en: {
    sentences: ['e0', 'e1', 'e2'],
    questions: [
      ['q1', 0],
      ['q2', 2],
      ['q3', 1],
    ],
  },
  de: {
    sentences: ['d0', 'd1'],
    questions: [
      ['q1', 1],
      ['q2', 0],
    ],
  },
});
