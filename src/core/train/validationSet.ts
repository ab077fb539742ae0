/**
 * The validation split as a retrieval dataset: the training dataset with only its held-out questions as
 * queries (`buildTrainingSet`'s `validation` groups, every training language) and every training-language
 * sentence as a candidate. Evaluating a run on it (`evaluateRetrieval`) gives mono / cross / multi mAP on
 * questions the run never trained on, so hyper-parameters can be tuned without touching the evaluation set
 * (issue 9, the study's tuning protocol).
 */
import { ConfigError } from '../errors';
import type { RetrievalDataset } from '../data/types';
import type { RunConfig } from '../experiment/runConfig';
import { buildTrainingSet } from './examples';

/**
 * @param dataset the training dataset as the run loaded it (its training languages)
 * @returns the dataset restricted to the run's held-out question ids; candidates, paragraphs and files are shared
 * @throws ConfigError when the run holds out no questions (`data.validationFraction` is 0 or rounds to none),
 *   or when the dataset holds languages the run does not train on
 */
export function validationDataset(dataset: RetrievalDataset, config: RunConfig): RetrievalDataset {
  const set = buildTrainingSet(dataset, { languages: config.data.train.languages, seed: config.seed, validationFraction: config.data.validationFraction });
  if (set.validation.length === 0) {
    throw new ConfigError(`the run holds out no validation questions (data.validationFraction is ${config.data.validationFraction}); set it above 0 to validate`);
  }
  const extra = dataset.languages.filter((l) => !set.languages.includes(l));
  // Candidates keep their indices (queries and paragraphs point into them), so they cannot be filtered.
  if (extra.length > 0) throw new ConfigError(`${dataset.name}: load only the training languages to validate (also loaded: ${extra.join(', ')})`);
  const held = new Set(set.validation.map((g) => g.questionId));
  const answersByQuestion = new Map([...dataset.answersByQuestion].filter(([qid]) => held.has(qid)));
  return {
    ...dataset,
    queries: dataset.queries.filter((q) => held.has(q.questionId)),
    answersByQuestion,
  };
}
