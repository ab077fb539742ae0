/**
 * The schema of an evaluation result (`xlir evaluate --out RESULT.json`, the app's run records). It holds
 * the three settings of `notes/paper-method.md` §2.2 (mono, cross, multi) with their macro means, the
 * per-cell / per-language figures behind the heatmaps, and the per-query average precision of every cell so
 * two results can be compared with paired significance tests (`compareRetrieval`).
 *
 * Cell keys are `"{queryLang}->{candidateLang}"`, e.g. `"en->de"`. Query ids are canonical (`"en:{qid}"`).
 */
import { z } from 'zod';
import { DATASET_NAMES, LANGUAGES } from '../data/languages';
import { parseJsonWith } from '../data/parseJsonText';

export const RESULT_SCHEMA_VERSION = 1 as const;

/** How ties are broken (trec_eval's `comp_sim_docno`); stored in every result so readers know. */
export const TIE_BREAK = 'score descending, then candidate id descending (strcmp order), as trec_eval' as const;

const fraction = z.number().min(0).max(1);

/** One mono or cross cell X→Y. */
export const CellMetricsSchema = z.object({
  /** mean over the cell's queries of AP (= reciprocal rank here: one relevant candidate per cell) */
  map: fraction,
  recall_1: fraction,
  /** number of queries in the cell (MLQA-R cross cells: queries whose question has an answer in Y) */
  n: z.number().int().positive(),
});
export type CellMetrics = z.infer<typeof CellMetricsSchema>;

/** The multilingual setting for the queries of one language X (pool: all loaded languages). */
export const MultiLanguageMetricsSchema = z.object({
  map: fraction,
  recall_10: fraction,
  /** mean over the language's queries of (max − min) 1-based rank of the relevant candidates */
  rank_distance: z.number().min(0),
  n: z.number().int().positive(),
  /**
   * mean over the queries with an answer in another language of the AP of those answers, the query-language
   * answer removed from the ranking (`multiExcludingOwn.ts`); absent from results written before it was
   * recorded, and for a language none of whose queries has such an answer
   */
  map_excluding_own: fraction.optional(),
  /** the same queries' mean rank distance over the other-language answers only (own answer removed) */
  rank_distance_others: z.number().min(0).optional(),
  /** how many queries the two figures above average */
  n_others: z.number().int().positive().optional(),
});
export type MultiLanguageMetrics = z.infer<typeof MultiLanguageMetricsSchema>;

const SettingSchema = z.object({
  /** macro mean over cells of the cell mAP; null when the setting has no cell (cross with one language) */
  map: fraction.nullable(),
  /** macro mean over cells of the cell R@1; null when the setting has no cell */
  recall_1: fraction.nullable(),
  /** the cells that have at least one query */
  cells: z.record(z.string().regex(/^[a-z]{2}->[a-z]{2}$/, 'a cell key like "en->de"'), CellMetricsSchema),
});

const PerQuerySchema = z.record(z.string(), z.record(z.string(), fraction));

/** What a ranking that ignores the query scores on the same pool (`chanceLevel.ts`), averaged like the result. */
export const ChanceLevelsSchema = z.object({
  mono: fraction,
  cross: fraction.nullable(),
  multi: fraction,
  rank_distance: z.number().min(0),
  /** the levels of `multi.map_excluding_own` and `multi.rank_distance_others` (absent from older results) */
  multi_excluding_own: fraction.optional(),
  rank_distance_others: z.number().min(0).optional(),
  per_language: z.record(z.string(), z.object({ map: fraction, rank_distance: z.number().min(0), map_excluding_own: fraction.optional(), rank_distance_others: z.number().min(0).optional() })),
  candidates: z.record(z.string(), z.number().int().positive()),
});

/**
 * The held-out linear language-ID probe on the query embeddings (`languageProbe.ts`; issue 23, items 5-6):
 * how well a multinomial logistic regression trained on part of the questions reads each query's language
 * from its frozen embedding, on the other questions. Near `majority`: the embeddings hide the language.
 */
export const LanguageProbeResultSchema = z.object({
  /** held-out accuracy (test questions never seen in training, in any language) */
  accuracy: fraction,
  /** held-out accuracy of always answering the training split's most frequent language */
  majority: fraction,
  /** accuracy on the training rows (how well the probe fits) */
  train_accuracy: fraction,
  /** held-out accuracy per query language, with its number of test queries */
  per_language: z.record(z.string(), z.object({ accuracy: fraction, n: z.number().int().positive() })),
  n_train: z.number().int().positive(),
  n_test: z.number().int().positive(),
  /** the split's seed and the L2 weight of the probe (on standardised features) */
  seed: z.number().int().min(0),
  l2: z.number().min(0),
});
export type LanguageProbeResult = z.infer<typeof LanguageProbeResultSchema>;

/** A whole evaluation result, as written by `xlir evaluate --out`. */
export const RetrievalResultSchema = z.object({
  schemaVersion: z.literal(RESULT_SCHEMA_VERSION),
  dataset: z.enum(DATASET_NAMES),
  languages: z.array(z.enum(LANGUAGES)).min(1),
  /** dataset file name → lower-case hex SHA-256 of the bytes evaluated */
  files: z.record(z.string(), z.string().regex(/^[0-9a-f]{64}$/)),
  /** embedding dimension */
  dim: z.number().int().positive(),
  tie_break: z.literal(TIE_BREAK),
  mono: SettingSchema,
  cross: SettingSchema,
  multi: z.object({
    /** macro mean over query languages */
    map: fraction,
    recall_10: fraction,
    rank_distance: z.number().min(0),
    /** macro mean over the query languages that have it of `per_language[X].map_excluding_own` (absent from older results) */
    map_excluding_own: fraction.optional(),
    /** the same macro mean of `per_language[X].rank_distance_others` */
    rank_distance_others: z.number().min(0).optional(),
    per_language: z.record(z.string(), MultiLanguageMetricsSchema),
  }),
  /** The language-ID probe on the query embeddings (absent from older results and from single-language ones). */
  probe: LanguageProbeResultSchema.optional(),
  /** The query-blind level of every figure (absent from results written before it was recorded). */
  chance: ChanceLevelsSchema.optional(),
  /**
   * AP of every query: `mono[cell][queryId]`, `cross[cell][queryId]`, `multi[queryLang][queryId]`. The keys
   * of `mono`/`cross` equal the cells of the setting; `multi`'s equal `multi.per_language`. And the rank
   * distance of every query of the multilingual setting, `rank_distance[queryLang][queryId]`, so that
   * language bias can be tested like mAP (absent from results written before it was recorded).
   */
  per_query: z.object({
    mono: PerQuerySchema,
    cross: PerQuerySchema,
    multi: PerQuerySchema,
    rank_distance: z.record(z.string(), z.record(z.string(), z.number().min(0))).optional(),
    /** per query with an other-language answer: `multi_excluding_own[queryLang][queryId]` (absent from older results) */
    multi_excluding_own: PerQuerySchema.optional(),
    /** and its rank distance over the other languages, `rank_distance_others[queryLang][queryId]` */
    rank_distance_others: z.record(z.string(), z.record(z.string(), z.number().min(0))).optional(),
  }),
  /**
   * Optional (`evaluateRetrieval(..., { keepTopRetrieved: true })`): the id of the candidate ranked first
   * in the cell's pool for every query, `mono[cell][queryId]` and `cross[cell][queryId]`, for drill-downs.
   */
  top_retrieved: z.object({ mono: z.record(z.string(), z.record(z.string(), z.string())), cross: z.record(z.string(), z.record(z.string(), z.string())) }).optional(),
});
export type RetrievalResult = z.infer<typeof RetrievalResultSchema>;

/** The three retrieval settings of `notes/paper-method.md` §2.2. */
export const SETTINGS = ['mono', 'cross', 'multi'] as const;
export type Setting = (typeof SETTINGS)[number];

/** The key of cell X→Y in results and heatmaps: `"en->de"`. */
export function cellKey(queryLang: string, candidateLang: string): string {
  return `${queryLang}->${candidateLang}`;
}

/**
 * Reads a result file written by `xlir evaluate --out` (or the app).
 * @throws DataFormatError naming `file` and the first bad field (JSON syntax errors: field `(json)`)
 */
export function parseRetrievalResult(text: string, file: string): RetrievalResult {
  return parseJsonWith(RetrievalResultSchema, text, file);
}
