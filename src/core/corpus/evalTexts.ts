/**
 * The texts that must stay out of pretraining: every question, context and sentence of the SQuAD-format
 * evaluation files (XQuAD-R, MLQA-R, XQuAD), and every line of the Tatoeba test pairs
 * (see `shared/data/PROVENANCE.md`).
 */
import { z } from 'zod';
import { validate } from '../zodMessage';

/** Folders of the data dir read as evaluation text → their format, in reading order. */
export const EVAL_FOLDER_FORMATS = { 'xquad-r': 'squad', 'mlqa-r': 'squad', xquad: 'squad', tatoeba: 'lines' } as const;
export type EvalFormat = (typeof EVAL_FOLDER_FORMATS)[keyof typeof EVAL_FOLDER_FORMATS];

const SquadSchema = z.object({
  data: z.array(
    z.object({
      paragraphs: z.array(
        z.object({
          context: z.string(),
          sentences: z.array(z.string()).optional(),
          qas: z.array(z.object({ question: z.string() })),
        }),
      ),
    }),
  ),
});

/**
 * @param raw parsed JSON of a SQuAD v1.1 file (LAReQA files add `sentences`)
 * @param file named in errors
 * @returns questions, contexts and sentences, in file order
 * @throws DataFormatError naming the file and the field
 */
export function collectSquadTexts(raw: unknown, file: string): string[] {
  const squad = validate(SquadSchema, raw, file);
  const texts: string[] = [];
  for (const article of squad.data) {
    for (const p of article.paragraphs) {
      texts.push(p.context, ...(p.sentences ?? []));
      for (const qa of p.qas) texts.push(qa.question);
    }
  }
  return texts;
}

/** @returns the non-blank lines of a text file (Tatoeba: one sentence a line) */
export function collectLineTexts(text: string): string[] {
  return text.split(/\r?\n/).filter((l) => l.trim() !== '');
}
