/**
 * The per-step training record: one JSON object per line in a run's `log.jsonl`, the payload of the
 * worker's step events, and what the UI plots. Field names are snake_case as in the log files of
 * Python trainers, so the logs read the same in pandas.
 */
import { z } from 'zod';
import { parseJsonText } from '../data/parseJsonText';
import { DataFormatError } from '../errors';
import { zodProblem } from '../zodMessage';

export const BATCH_KINDS = ['mono', 'cross', 'mixed'] as const;
/** `mono`: one language; `cross`: every triplet l_q ≠ l_p; `mixed`: several languages, each triplet monolingual */
export type BatchKind = (typeof BATCH_KINDS)[number];

export const StepLogSchema = z
  .object({
    /** updates done, 1-based: the line of step N is written after the N-th update */
    step: z.number().int().positive(),
    /** the loss that was differentiated: retrieval_loss + w · adv_loss (nats) */
    loss: z.number(),
    /** InfoNCE over the batch (nats) */
    retrieval_loss: z.number(),
    /** discriminator cross-entropy (nats); null without an adversary */
    adv_loss: z.number().nullable(),
    /** discriminator accuracy on the batch's queries and passages; null without an adversary */
    disc_acc: z.number().nullable(),
    /** chance accuracy 1/K of the discriminator; null without an adversary */
    disc_chance: z.number().nullable(),
    /** GRL scale λ_p of this step; null without an adversary */
    lambda: z.number().nullable(),
    /** encoder learning rate of this step */
    lr: z.number(),
    /** global gradient norm of the encoder before clipping */
    grad_norm: z.number(),
    /**
     * Adversarial runs, on the steps that measure it (every 10th and the last, `trainStep.ts`): global norm
     * over the encoder's parameters of the retrieval loss's gradient, and of the adversarial term's as it
     * enters the update (w · L_adv through the GRL: reversed, λ-scaled); absent elsewhere and in older logs.
     */
    retrieval_grad_norm: z.number().min(0).optional(),
    adv_grad_norm: z.number().min(0).optional(),
    /** adv_grad_norm / retrieval_grad_norm: how much the adversary moves the encoder (null when the retrieval gradient is 0) */
    grad_ratio: z.number().min(0).nullable().optional(),
    /** wall-clock seconds since this process started (or resumed) the run */
    seconds: z.number(),
    batch: z
      .object({
        kind: z.enum(BATCH_KINDS),
        /** triplet count per `"lq->lp"` language pair */
        pairs: z.record(z.string().regex(/^[a-z]{2}->[a-z]{2}$/, 'a pair key like "en->de"'), z.number().int().min(0)),
      })
      .strict(),
  })
  .strict();
export type StepLog = z.infer<typeof StepLogSchema>;

/** An evaluation during training, one line of `eval.jsonl`. */
export const EvalLogSchema = z
  .object({
    step: z.number().int().min(0),
    seconds: z.number(),
    /** flat metric name (`metrics/metricKeys.ts`) → value, e.g. `"multi.map": 0.31` */
    metrics: z.record(z.string(), z.number()),
  })
  .strict();
export type EvalLog = z.infer<typeof EvalLogSchema>;

/** @returns one line (no newline) of JSON */
export function formatLogLine(record: StepLog | EvalLog): string {
  return JSON.stringify(record);
}

/**
 * Parses a JSON-lines log (`log.jsonl` or `eval.jsonl`); empty lines are skipped.
 * @throws DataFormatError naming the file, the line and the field
 */
/**
 * A log whose writer may have died mid-line: lines are appended one `write` each, ending in "\n", so a
 * last line without its newline that does not parse is a torn write, not damage. It is dropped and
 * reported; any other bad line is still an error.
 * @returns the records, and the dropped text (null when the log was whole)
 */
export function parseLogLinesDroppingTornTail<T>(text: string, file: string, schema: z.ZodType<T>): { records: T[]; torn: string | null } {
  const cut = text.lastIndexOf('\n') + 1;
  const tail = text.slice(cut);
  if (tail.trim() === '') return { records: parseLogLines(text, file, schema), torn: null };
  let whole = true;
  try {
    whole = schema.safeParse(JSON.parse(tail)).success;
  } catch {
    whole = false;
  }
  if (whole) return { records: parseLogLines(text, file, schema), torn: null };
  return { records: parseLogLines(text.slice(0, cut), file, schema), torn: tail };
}

export function parseLogLines<T>(text: string, file: string, schema: z.ZodType<T>): T[] {
  const out: T[] = [];
  text.split('\n').forEach((line, i) => {
    if (line.trim() === '') return;
    const parsed = schema.safeParse(parseJsonText(line, file, { line: i + 1 }));
    if (!parsed.success) {
      const { field, message } = zodProblem(parsed.error);
      throw new DataFormatError(file, `line ${i + 1}: ${field}`, message);
    }
    out.push(parsed.data);
  });
  return out;
}

/**
 * Seconds of training a step log records, resumes included. `seconds` counts from the start of the process
 * that logged the step, so a resumed run's log starts again from zero after its checkpoint: the total is the
 * sum of each such segment's last value. Steps redone after a crash were dropped from the log with the
 * crash, so they are not counted.
 */
export function trainingSeconds(logs: readonly StepLog[]): number {
  let total = 0;
  let previous = 0;
  for (const { seconds } of logs) {
    if (seconds < previous) total += previous;
    previous = seconds;
  }
  return total + previous;
}
