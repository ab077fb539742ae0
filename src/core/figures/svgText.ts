/** Small text helpers shared by the SVG, CSV and LaTeX builders. */

/** Escapes the five XML special characters, so any label is safe inside an SVG string. */
export function escapeXml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&apos;' })[c]!);
}

/** How a number is printed on a figure: `value × scale` with `digits` decimals. */
export interface ValueFormat {
  /** multiply before printing, e.g. 100 to print mAP 0.792 as 79.2 */
  scale: number;
  digits: number;
  /** print a `+` in front of positive numbers (difference heatmaps) */
  signed?: boolean;
}

export const DEFAULT_VALUE_FORMAT: ValueFormat = { scale: 1, digits: 3 };

/** Formats a value for a label; `null` and non-finite values print as an en dash. */
export function formatValue(value: number | null, format: ValueFormat = DEFAULT_VALUE_FORMAT): string {
  if (value === null || !Number.isFinite(value)) return '–';
  const v = value * format.scale;
  // Avoid "-0.0" for tiny negatives that round to zero.
  const text = (Object.is(Number(v.toFixed(format.digits)), -0) ? 0 : v).toFixed(format.digits);
  const clean = Number(text) === 0 ? (0).toFixed(format.digits) : text;
  return format.signed && Number(clean) > 0 ? `+${clean}` : clean;
}

/** A number in an SVG attribute: at most 2 decimals, no trailing zeros. */
export function px(n: number): string {
  return String(Math.round(n * 100) / 100);
}
