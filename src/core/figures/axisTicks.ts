/** Round axis ticks and their labels, shared by the notebook's SVG panels and the study's figures. */

/**
 * About `count` round tick values covering [lo, hi] (1, 2, 5 × 10^k steps, at least `minStep`: 1 for steps).
 * @returns the ticks, ascending; one tick when lo === hi
 */
export function niceTicks(lo: number, hi: number, count = 5, minStep = 0): number[] {
  if (!Number.isFinite(lo) || !Number.isFinite(hi)) return [];
  if (hi === lo) return [lo];
  const raw = Math.max((hi - lo) / Math.max(1, count), minStep);
  const mag = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 5, 10].map((m) => m * mag).find((s) => s >= raw * (1 - 1e-9)) ?? 10 * mag;
  const out: number[] = [];
  // multiples of the step, rounded so 3 × 0.2 prints 0.6, not 0.6000000000000001
  for (let k = Math.ceil(lo / step - 1e-9); k * step <= hi + step * 1e-9; k++) out.push(k === 0 ? 0 : Number((k * step).toPrecision(12)));
  return out;
}

/** A tick label: short, exponent form for tiny or huge values (learning rates), else as few decimals as the step needs. */
export function tickLabel(v: number, step: number, exponent: boolean): string {
  if (v === 0) return '0';
  if (exponent || Math.abs(v) < 1e-3 || Math.abs(v) >= 1e5) return v.toExponential(Math.max(0, Math.min(3, -Math.floor(Math.log10(Math.abs(step))) + Math.floor(Math.log10(Math.abs(v)))))).replace('e+', 'e');
  const digits = step > 0 ? Math.max(0, Math.min(6, -Math.floor(Math.log10(step) + 1e-9))) : 0;
  return v.toFixed(digits);
}
