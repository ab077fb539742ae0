/**
 * Training examples from a LAReQA-style dataset (notes/paper-method.md §1.1–§1.2): for each question and
 * language a triplet (question, answer sentence, hard negative), grouped by question id across languages
 * so an X-Y sampler can pick a query language and a passage language per question.
 *
 * Hard negatives (the paper does not say where d⁻ comes from, §1.1 "NOT FOUND"; OUR CHOICE): another
 * sentence of the answer's own paragraph, chosen by a seeded RNG. When the paragraph has no other
 * sentence with a different text, a sentence of another paragraph of the same language is taken and the
 * example records `negativeSource: 'other-paragraph'`.
 */
import { ConfigError } from '../errors';
import type { Lang } from '../data/languages';
import type { RetrievalDataset } from '../data/types';
import { deriveSeed, Mulberry32 } from '../metrics/rng';

export type NegativeSource = 'same-paragraph' | 'other-paragraph';

/** One language's triplet of a question; indices point into the dataset's arrays. */
export interface LanguageExample {
  lang: Lang;
  /** index into `dataset.queries` */
  query: number;
  /** index into `dataset.candidates`: the answer sentence */
  positive: number;
  /** index into `dataset.candidates`: the hard negative, same language as `positive` */
  negative: number;
  negativeSource: NegativeSource;
}

/** All training languages' examples of one question id. */
export interface QuestionGroup {
  questionId: string;
  /** one example per language holding the question, alphabetical by language */
  examples: LanguageExample[];
}

export interface TrainingSetOptions {
  /** languages to train on (each must be loaded in the dataset) */
  languages: readonly Lang[];
  /** run seed; hard negatives use `deriveSeed(seed, 'hard-negative', queryId)` */
  seed: number;
  /** fraction of question ids held out for validation, in [0, 1); default 0 */
  validationFraction?: number;
}

export interface TrainingSet {
  dataset: RetrievalDataset;
  /** training languages, alphabetical */
  languages: Lang[];
  /** groups used for training, in order of first appearance in `dataset.queries` */
  groups: QuestionGroup[];
  /** held-out groups (whole question ids, every language), same order */
  validation: QuestionGroup[];
  /** examples whose hard negative came from another paragraph, per language */
  otherParagraphNegatives: Partial<Record<Lang, number>>;
}

function negativeFor(dataset: RetrievalDataset, positive: number, rng: Mulberry32, paragraphsOfLang: readonly number[]): { negative: number; source: NegativeSource } {
  const pos = dataset.candidates[positive]!;
  const para = dataset.paragraphs[pos.paragraph]!;
  const inParagraph: number[] = [];
  for (let c = para.firstCandidate; c < para.firstCandidate + para.candidateCount; c++) {
    if (dataset.candidates[c]!.text !== pos.text) inParagraph.push(c);
  }
  if (inParagraph.length > 0) return { negative: rng.choice(inParagraph), source: 'same-paragraph' };
  const others = paragraphsOfLang.filter((p) => p !== pos.paragraph);
  // A bounded number of random tries, then a scan in a seeded order, so a pathological language
  // (every sentence identical) fails with a clear error instead of looping.
  for (const p of rng.shuffle([...others])) {
    const other = dataset.paragraphs[p]!;
    const start = rng.int(other.candidateCount);
    for (let k = 0; k < other.candidateCount; k++) {
      const c = other.firstCandidate + ((start + k) % other.candidateCount);
      if (dataset.candidates[c]!.text !== pos.text) return { negative: c, source: 'other-paragraph' };
    }
  }
  throw new ConfigError(`${dataset.name}: no hard negative for candidate ${pos.id}: language "${pos.lang}" has no other sentence with a different text`);
}

/**
 * Builds the training triplets of the given languages and splits off a seeded validation fraction of
 * question ids (for tuning, e.g. α; issue 9). The split is by question id, so no translation of a
 * held-out question is trained on.
 *
 * @throws ConfigError when a language is not loaded, a fraction is out of range, or no hard negative exists
 */
export function buildTrainingSet(dataset: RetrievalDataset, options: TrainingSetOptions): TrainingSet {
  const languages = [...new Set(options.languages)].sort();
  for (const lang of languages) {
    if (!dataset.languages.includes(lang)) {
      throw new ConfigError(`${dataset.name}: training language "${lang}" is not loaded (loaded: ${dataset.languages.join(', ')})`);
    }
  }
  const fraction = options.validationFraction ?? 0;
  if (!(fraction >= 0 && fraction < 1)) throw new ConfigError(`validationFraction must be in [0, 1) (got ${fraction})`);

  const paragraphsByLang = new Map<Lang, number[]>();
  dataset.paragraphs.forEach((p, i) => {
    const list = paragraphsByLang.get(p.lang) ?? [];
    list.push(i);
    paragraphsByLang.set(p.lang, list);
  });

  const byQuestion = new Map<string, LanguageExample[]>();
  const otherParagraphNegatives: Partial<Record<Lang, number>> = {};
  dataset.queries.forEach((query, qi) => {
    if (!languages.includes(query.lang)) return;
    const rng = new Mulberry32(deriveSeed(options.seed, 'hard-negative', query.id));
    const { negative, source } = negativeFor(dataset, query.answer, rng, paragraphsByLang.get(query.lang) ?? []);
    if (source === 'other-paragraph') otherParagraphNegatives[query.lang] = (otherParagraphNegatives[query.lang] ?? 0) + 1;
    const list = byQuestion.get(query.questionId) ?? [];
    list.push({ lang: query.lang, query: qi, positive: query.answer, negative, negativeSource: source });
    byQuestion.set(query.questionId, list);
  });
  const groups: QuestionGroup[] = [...byQuestion].map(([questionId, examples]) => ({
    questionId,
    examples: examples.sort((a, b) => (a.lang < b.lang ? -1 : a.lang > b.lang ? 1 : 0)),
  }));

  const ids = groups.map((g) => g.questionId).sort();
  const held = new Set(new Mulberry32(deriveSeed(options.seed, 'validation')).shuffle(ids).slice(0, Math.round(fraction * ids.length)));
  return {
    dataset,
    languages,
    groups: groups.filter((g) => !held.has(g.questionId)),
    validation: groups.filter((g) => held.has(g.questionId)),
    otherParagraphNegatives,
  };
}
