import { describe, expect, it } from 'vitest';
import { colorAt, domainFor, textColorOn } from './colorScale';

describe('colour scales', () => {
  it('hits viridis and RdBu ends and the diverging centre', () => {
    expect(colorAt({ name: 'viridis', domain: [0, 1] }, 0)).toBe('#440154');
    expect(colorAt({ name: 'viridis', domain: [0, 1] }, 1)).toBe('#fde725');
    expect(colorAt({ name: 'viridis', domain: [0, 1] }, 2)).toBe('#fde725');
    expect(colorAt({ name: 'blueWhiteRed', domain: [-1, 1] }, 0)).toBe('#f7f7f7');
    expect(colorAt({ name: 'blueWhiteRed', domain: [-1, 1] }, -1)).toBe('#053061');
    expect(colorAt({ name: 'blueWhiteRed', domain: [-1, 1] }, 1)).toBe('#67001f');
  });
  it('interpolates between stops', () => {
    // halfway between #440154 and #48186a
    expect(colorAt({ name: 'viridis', domain: [0, 16] }, 0.5)).toBe('#460d5f');
  });
  it('picks readable text colours', () => {
    expect(textColorOn('#440154')).toBe('#ffffff');
    expect(textColorOn('#fde725')).toBe('#000000');
    expect(textColorOn('#f7f7f7')).toBe('#000000');
  });
  it('centres difference domains on zero', () => {
    expect(domainFor('blueWhiteRed', [-0.02, 0.05, null])).toEqual([-0.05, 0.05]);
    expect(domainFor('viridis', [0.2, 0.7])).toEqual([0.2, 0.7]);
    expect(domainFor('viridis', [0.2, 0.7], [0, 1])).toEqual([0, 1]);
    expect(() => colorAt({ name: 'viridis', domain: [1, 1] }, 1)).toThrow(/empty/);
  });
});
