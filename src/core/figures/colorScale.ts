/**
 * Colour scales of the figures, as data (house rule 7): the sequential scale for mAP and counts is
 * viridis (perceptually uniform, colour-blind safe, prints in greyscale); the diverging scale for
 * differences is ColorBrewer's RdBu reversed, so negative is blue, zero white and positive red.
 */
import { ConfigError } from '../errors';

export const COLOR_SCALE_NAMES = ['viridis', 'blueWhiteRed'] as const;
export type ColorScaleName = (typeof COLOR_SCALE_NAMES)[number];

/** One stop of a piecewise-linear scale; `offset` in [0, 1]. */
export interface ColorStop {
  offset: number;
  color: string;
}

/** A named scale over a value domain; values outside the domain are clamped to its ends. */
export interface ColorScale {
  name: ColorScaleName;
  /** `[low, high]`, low < high; a diverging scale is centred on the domain's midpoint */
  domain: readonly [number, number];
}

/** matplotlib's viridis at 17 evenly spaced points (the table Plotly ships). */
const VIRIDIS = ['#440154', '#48186a', '#472d7b', '#424086', '#3b528b', '#33638d', '#2c728e', '#26828e', '#21918c', '#1fa088', '#28ae80', '#3fbc73', '#5ec962', '#84d44b', '#addc30', '#d8e219', '#fde725'];

/** ColorBrewer RdBu (11 classes), reversed: dark blue (low) → near-white (0) → dark red (high). */
const BLUE_WHITE_RED = ['#053061', '#2166ac', '#4393c3', '#92c5de', '#d1e5f0', '#f7f7f7', '#fddbc7', '#f4a582', '#d6604d', '#b2182b', '#67001f'];

function evenStops(colors: readonly string[]): ColorStop[] {
  return colors.map((color, i) => ({ offset: i / (colors.length - 1), color }));
}

export const COLOR_SCALE_STOPS: Record<ColorScaleName, readonly ColorStop[]> = {
  viridis: evenStops(VIRIDIS),
  blueWhiteRed: evenStops(BLUE_WHITE_RED),
};

function parseHex(hex: string): [number, number, number] {
  const n = Number.parseInt(hex.slice(1), 16);
  return [(n >> 16) & 255, (n >> 8) & 255, n & 255];
}

function toHex([r, g, b]: readonly number[]): string {
  return `#${[r, g, b].map((c) => Math.round(c!).toString(16).padStart(2, '0')).join('')}`;
}

/** @returns `t` in [0, 1]: where `value` falls in the scale's domain (clamped) */
export function scalePosition(scale: ColorScale, value: number): number {
  const [lo, hi] = scale.domain;
  if (!(hi > lo)) throw new ConfigError(`colour scale ${scale.name}: domain [${lo}, ${hi}] is empty`);
  return Math.min(1, Math.max(0, (value - lo) / (hi - lo)));
}

/** @returns the colour (`#rrggbb`) of `value` on `scale`, interpolated linearly in sRGB between stops */
export function colorAt(scale: ColorScale, value: number): string {
  const stops = COLOR_SCALE_STOPS[scale.name];
  const t = scalePosition(scale, value);
  const k = Math.min(stops.length - 2, Math.floor(t * (stops.length - 1)));
  const a = stops[k]!;
  const b = stops[k + 1]!;
  const f = (t - a.offset) / (b.offset - a.offset);
  const ca = parseHex(a.color);
  const cb = parseHex(b.color);
  return toHex(ca.map((c, i) => c + (cb[i]! - c) * f));
}

/** @returns black or white, whichever reads better on `hex` (WCAG relative luminance, threshold 0.4) */
export function textColorOn(hex: string): '#000000' | '#ffffff' {
  const lin = parseHex(hex).map((c) => {
    const s = c / 255;
    return s <= 0.03928 ? s / 12.92 : ((s + 0.055) / 1.055) ** 2.4;
  });
  const luminance = 0.2126 * lin[0]! + 0.7152 * lin[1]! + 0.0722 * lin[2]!;
  return luminance > 0.4 ? '#000000' : '#ffffff';
}

/**
 * A domain that shows every finite value: the data's [min, max] for viridis (or `fixed` when given),
 * and a domain symmetric around 0 (±max |value|) for the diverging scale, so white means "no difference".
 */
export function domainFor(name: ColorScaleName, values: Iterable<number | null>, fixed?: readonly [number, number]): [number, number] {
  if (fixed) return [fixed[0], fixed[1]];
  let lo = Infinity;
  let hi = -Infinity;
  for (const v of values) {
    if (v === null || !Number.isFinite(v)) continue;
    lo = Math.min(lo, v);
    hi = Math.max(hi, v);
  }
  if (lo === Infinity) return name === 'blueWhiteRed' ? [-1, 1] : [0, 1];
  if (name === 'blueWhiteRed') {
    const m = Math.max(Math.abs(lo), Math.abs(hi)) || 1e-9;
    return [-m, m];
  }
  return hi > lo ? [lo, hi] : [lo - 0.5, hi + 0.5];
}
