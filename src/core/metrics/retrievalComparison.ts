/**
 * The shape of {@link compareRetrieval}'s result, as zod schemas (issue 22: one definition): the types the
 * comparison code returns are inferred from the same schemas that validate a stored comparison (a study's
 * difference heatmaps, `studyResults.ts`).
 */
import { z } from 'zod';

const CiSchema = z.tuple([z.number(), z.number()]);
const probability = z.number().min(0).max(1);

export const CellComparisonSchema = z.object({
  n: z.number().int().positive(),
  mapA: z.number(),
  mapB: z.number(),
  /** mapA − mapB */
  diff: z.number(),
  p: probability,
  /** Holm-adjusted across the cells of the heatmap this cell belongs to */
  pHolm: probability,
  ci: CiSchema,
});
export type CellComparison = z.infer<typeof CellComparisonSchema>;

export const SettingComparisonSchema = z.object({ mapA: z.number(), mapB: z.number(), diff: z.number(), p: probability, ci: CiSchema, cells: z.record(z.string(), CellComparisonSchema) });
export type SettingComparison = z.infer<typeof SettingComparisonSchema>;

const RankDistanceCellSchema = z.object({ n: z.number().int().positive(), meanA: z.number(), meanB: z.number(), diff: z.number(), p: probability, pHolm: probability, ci: CiSchema });

/** The tests of rank distance: `meanA` − `meanB` per query language (cells) and for their macro mean. */
export const RankDistanceComparisonSchema = z.object({ meanA: z.number(), meanB: z.number(), diff: z.number(), p: probability, ci: CiSchema, cells: z.record(z.string(), RankDistanceCellSchema) });
export type RankDistanceComparison = z.infer<typeof RankDistanceComparisonSchema>;

export const RetrievalComparisonSchema = z.object({
  dataset: z.string(),
  permutations: z.number().int().positive(),
  resamples: z.number().int().positive(),
  level: z.number().gt(0).lt(1),
  mono: SettingComparisonSchema,
  cross: SettingComparisonSchema,
  multi: SettingComparisonSchema,
  /** absent when either result lacks per-query rank distances (results written before they were recorded) */
  rank_distance: RankDistanceComparisonSchema.optional(),
});
export type RetrievalComparison = z.infer<typeof RetrievalComparisonSchema>;
