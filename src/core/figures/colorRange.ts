/**
 * The colour range of a heatmap (issue 20, item 8): `auto` stretches the scale over the values shown —
 * min..max for mAP, symmetric around 0 for a difference map, so white still means "no difference" — and
 * `fixed` pins it, so heatmaps of different runs compare colour for colour. The range is a figure setting
 * (saved with the notebook) and is printed in the legend of the figure and of its exports.
 */
import { ConfigError } from '../errors';
import { domainFor, type ColorScaleName } from './colorScale';
import { formatValue, type ValueFormat } from './svgText';

export const COLOR_RANGE_MODES = ['auto', 'fixed'] as const;
export type ColorRangeMode = (typeof COLOR_RANGE_MODES)[number];

/** The user's choice, in the values' own units (mAP in [0, 1], not ×100). */
export interface ColorRangeSetting {
  mode: ColorRangeMode;
  /** `[low, high]` of the sequential (mAP) heatmaps when fixed */
  map: readonly [number, number];
  /** the half-width of the diverging (difference) heatmaps when fixed: the domain is [−diff, +diff] */
  diff: number;
}

/** Auto by default; the fixed range is the whole mAP scale and ±0.2 mAP for differences. */
export const DEFAULT_COLOR_RANGE: ColorRangeSetting = { mode: 'auto', map: [0, 1], diff: 0.2 };

/** A resolved range: the scale's domain and how it was chosen (for the legend). */
export interface ResolvedColorRange {
  domain: [number, number];
  mode: ColorRangeMode;
  /** centred on 0 (the diverging scale) */
  symmetric: boolean;
}

/**
 * @param name the scale: `viridis` (sequential) or `blueWhiteRed` (diverging, centred on 0)
 * @param values the values drawn (nulls and non-finite values ignored)
 * @returns the domain of the colour scale; auto: the values' [min, max] (viridis) or ±max|value|
 *   (blueWhiteRed); fixed: the setting's range for that scale
 * @throws ConfigError when a fixed range is empty or not finite
 */
export function resolveColorRange(name: ColorScaleName, values: Iterable<number | null>, setting: ColorRangeSetting = DEFAULT_COLOR_RANGE): ResolvedColorRange {
  const symmetric = name === 'blueWhiteRed';
  if (setting.mode === 'auto') return { domain: domainFor(name, values), mode: 'auto', symmetric };
  const domain: [number, number] = name === 'blueWhiteRed' ? [-Math.abs(setting.diff), Math.abs(setting.diff)] : [setting.map[0], setting.map[1]];
  if (!Number.isFinite(domain[0]) || !Number.isFinite(domain[1]) || !(domain[1] > domain[0])) {
    throw new ConfigError(`fixed colour range [${domain[0]}, ${domain[1]}] is empty: the high end must be above the low end`);
  }
  return { domain, mode: 'fixed', symmetric };
}

/**
 * The legend line naming the range, in the figure's printed units (e.g. mAP ×100), so a reader of an
 * exported figure knows whether two figures' colours compare:
 * `colour range 41.2 to 80.0 (auto: lowest to highest value shown)`.
 */
export function colorRangeLegend(range: ResolvedColorRange, format: ValueFormat, unit?: string): string {
  const [lo, hi] = range.domain;
  const f = (v: number) => formatValue(v, format);
  const why = range.mode === 'fixed' ? 'fixed' : range.symmetric ? 'auto: symmetric around 0 over the values shown' : 'auto: lowest to highest value shown';
  return `colour range ${f(lo)} to ${f(hi)}${unit ? ` ${unit}` : ''} (${why})`;
}
