import { describe, expect, it } from 'vitest';
import { buildEvalIndex, charGrams, findEvalOverlap, jaccard, removeEvalOverlap } from './evalOverlap';

const EVAL = ['How many points did the Panthers defense surrender?', 'Wie viele Punkte gab die Verteidigung der Panthers ab?', 'Tom wants water.', 'Hi'];

describe('evalOverlap', () => {
  const index = buildEvalIndex(EVAL);

  it('finds exact matches ignoring case and spacing', () => {
    expect(findEvalOverlap(index, 'how many points did the  Panthers defense surrender?')).toBe('evalExact');
    expect(findEvalOverlap(index, 'hi')).toBe('evalExact');
  });

  it('finds near duplicates (5-gram Jaccard ≥ 0.8) and not distant texts', () => {
    const near = 'How many points did the Panthers defence surrender?';
    expect(jaccard(charGrams(near.toLowerCase(), 5), charGrams(EVAL[0]!.toLowerCase(), 5))).toBeGreaterThanOrEqual(0.8);
    expect(findEvalOverlap(index, near)).toBe('evalNear');
    expect(findEvalOverlap(index, 'Wie viele Punkte gab die Verteidigung der Panther ab?')).toBe('evalNear');
    expect(findEvalOverlap(index, 'How many points did the team score?')).toBeNull();
    expect(findEvalOverlap(index, 'Save document as PDF')).toBeNull();
    expect(findEvalOverlap(index, 'Tom wants wine.')).toBeNull();
  });

  it('agrees with a brute-force scan on random edits', () => {
    const words = ['the', 'save', 'panthers', 'defense', 'points', 'many', 'how', 'did', 'file', 'open'];
    let seed = 7;
    const rnd = () => (seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648;
    const evalTexts = Array.from({ length: 300 }, () => Array.from({ length: 3 + Math.floor(rnd() * 5) }, () => words[Math.floor(rnd() * words.length)]).join(' '));
    const idx = buildEvalIndex(evalTexts);
    for (let i = 0; i < 300; i++) {
      const q = Array.from({ length: 3 + Math.floor(rnd() * 5) }, () => words[Math.floor(rnd() * words.length)]).join(' ');
      const qg = charGrams(q, 5);
      const brute = evalTexts.includes(q) ? 'evalExact' : evalTexts.some((e) => jaccard(qg, charGrams(e, 5)) >= 0.8) ? 'evalNear' : null;
      expect(findEvalOverlap(idx, q)).toBe(brute);
    }
  });

  it('removes pairs by either side and counts each reason', () => {
    const pairs = [
      { en: 'Tom wants water.', x: 'Tom will Wasser.', source: 's' },
      { en: 'Points', x: 'Wie viele Punkte gab die Verteidigung der Panther ab?', source: 's' },
      { en: 'Save', x: 'Speichern', source: 's' },
    ];
    const result = removeEvalOverlap(pairs, index);
    expect(result.pairs).toEqual([pairs[2]]);
    expect(result.removed).toEqual({ evalExact: 1, evalNear: 1 });
    expect(result.examples.evalNear).toEqual([pairs[1]]);
  });
});
