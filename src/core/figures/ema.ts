/**
 * Exponential moving average for loss curves, debiased like TensorBoard's smoothing slider so the first
 * points are not pulled towards zero: s_t = w·s_{t−1} + (1−w)·x_t, shown as s_t / (1 − w^n) where n
 * counts the finite points so far. Non-finite and null inputs give null and do not move the average.
 *
 * @param values one value per step
 * @param weight w in [0, 1): 0 = raw values, 0.99 = very smooth
 */
export function emaSmooth(values: readonly (number | null)[], weight: number): (number | null)[] {
  if (!(weight >= 0 && weight < 1)) throw new RangeError(`smoothing weight must be in [0, 1), got ${weight}`);
  let last = 0;
  let n = 0;
  return values.map((v) => {
    if (v === null || !Number.isFinite(v)) return null;
    last = last * weight + (1 - weight) * v;
    n++;
    return last / (1 - weight ** n);
  });
}
