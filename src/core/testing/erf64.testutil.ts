/**
 * erf in float64 for tests: the Maclaurin series, exact to about 1e−9 for |x| ≤ 4 (its largest term is e^{x²}
 * times float64's 1e−16); beyond, ±1 is within erfc(4) ≈ 1.5e−8.
 */
export function erf64(x: number): number {
  if (Math.abs(x) > 4) return Math.sign(x);
  let term = x;
  let sum = x;
  for (let n = 1; n < 200; n++) {
    term *= (-x * x) / n;
    const next = term / (2 * n + 1);
    sum += next;
    if (Math.abs(next) < 1e-17 * Math.abs(sum)) break;
  }
  return (2 / Math.sqrt(Math.PI)) * sum;
}

/** Φ(x) = ½(1 + erf(x/√2)) and dGELU/dx = Φ(x) + x·φ(x), float64 */
export const normalCdf64 = (x: number) => 0.5 * (1 + erf64(x * Math.SQRT1_2));
export const geluGrad64 = (x: number) => normalCdf64(x) + (x * Math.exp(-0.5 * x * x)) / Math.sqrt(2 * Math.PI);
