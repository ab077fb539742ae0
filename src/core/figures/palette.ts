/**
 * Categorical colours for runs and batch kinds: the Okabe–Ito palette, distinguishable with the common
 * colour-vision deficiencies (Okabe & Ito 2008).
 */
export const RUN_COLORS = ['#0072B2', '#D55E00', '#009E73', '#CC79A7', '#E69F00', '#56B4E9', '#000000', '#F0E442'] as const;

/** @returns the colour of the i-th run (cycles) */
export function runColor(index: number): string {
  return RUN_COLORS[((index % RUN_COLORS.length) + RUN_COLORS.length) % RUN_COLORS.length]!;
}

export const BATCH_KINDS = ['mono', 'cross', 'mixed'] as const;
export type BatchKind = (typeof BATCH_KINDS)[number];

/** mono = one language per batch, cross = every pair crosses languages, mixed = X-X (several languages, pairs monolingual). */
export const BATCH_KIND_COLORS: Record<BatchKind, string> = {
  mono: '#0072B2',
  cross: '#E69F00',
  mixed: '#009E73',
};
