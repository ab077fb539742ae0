import { describe, expect, it } from 'vitest';
import { decodeSafetensorsData } from './safetensors';
import { floatToHalfBits, toFloat16 } from './float16';

const decode = (bits: number[]) => Array.from(decodeSafetensorsData('F16', new Uint8Array(Uint16Array.from(bits).buffer)) as Float32Array);

/** The nearest half by brute force over all 65,536 bit patterns (ties: the even one). */
function nearestHalf(x: number): number {
  let best = -1;
  let bestErr = Number.POSITIVE_INFINITY;
  for (let b = 0; b < 0x10000; b++) {
    const v = decode([b])[0]!;
    if (Number.isNaN(v) || !Number.isFinite(v)) continue;
    const err = Math.abs(v - x);
    if (err < bestErr || (err === bestErr && (b & 1) === 0 && Math.sign(v) === Math.sign(x))) {
      best = b;
      bestErr = err;
    }
  }
  return best;
}

describe('floatToHalfBits', () => {
  it('encodes exact values and special cases', () => {
    expect(floatToHalfBits(0)).toBe(0);
    expect(floatToHalfBits(-0)).toBe(0x8000);
    expect(floatToHalfBits(1)).toBe(0x3c00);
    expect(floatToHalfBits(-2)).toBe(0xc000);
    expect(floatToHalfBits(65504)).toBe(0x7bff);
    expect(floatToHalfBits(1e6)).toBe(0x7c00);
    expect(floatToHalfBits(Number.NEGATIVE_INFINITY)).toBe(0xfc00);
    expect(Number.isNaN(decode([floatToHalfBits(Number.NaN)])[0])).toBe(true);
    expect(floatToHalfBits(2 ** -24)).toBe(1);
  });

  it('rounds half to even (1 + 2^-11 is a tie between 1 and 1 + 2^-10)', () => {
    expect(floatToHalfBits(1 + 2 ** -11)).toBe(0x3c00);
    expect(floatToHalfBits(1 + 3 * 2 ** -11)).toBe(0x3c02);
    expect(floatToHalfBits(2 ** -25)).toBe(0); // tie between 0 and the smallest subnormal
    expect(floatToHalfBits(3 * 2 ** -25)).toBe(2);
  });

  it('matches the brute-force nearest half on weight-like values, normal and subnormal', () => {
    const xs = [0.0123, -0.0456, 3.14159, -1e-5, 6.1e-5, 2.5e-7, -0.33333334, 1234.5678, 0.020000001];
    for (const x of xs) expect(floatToHalfBits(x), String(x)).toBe(nearestHalf(Math.fround(x)));
  });

  it('round-trips every finite half exactly', () => {
    const bits = Array.from({ length: 0x7c00 }, (_, i) => i);
    const values = Float32Array.from(decode(bits));
    expect(Array.from(toFloat16(values))).toEqual(bits);
  });
});
