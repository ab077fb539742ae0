/** The seed spread of study heatmaps and the "over training" figure (issue 23, item 1): means shown with their spread over seeds. */
import { describe, expect, it } from 'vitest';
import { heatmapCellTooltip, heatmapSvg, seedSpreadOf } from './heatmapSvg';
import { differenceHeatmapSpec, mapHeatmapSpec, type ResultLike } from './resultFigures';
import { seedBandSvg, bandPointText } from './seedBandSvg';
import { checkWellFormed, countElements } from './xmlCheck.testutil';
import type { CurvePanel } from '../experiment/studyCurves';

function result(dede: number, deen: number): ResultLike {
  const cell = (map: number) => ({ map, recall_1: map / 2, n: 2 });
  return {
    dataset: 'xquad-r',
    languages: ['de', 'en'],
    mono: { map: 0.5, recall_1: 0.4, cells: { 'de->de': cell(dede), 'en->en': cell(0.8) } },
    cross: { map: 0.5, recall_1: 0.3, cells: { 'de->en': cell(deen), 'en->de': cell(0.6) } },
    multi: { map: 0.4, recall_10: 0.6, rank_distance: 12, per_language: { de: { map: 0.4, recall_10: 0.6, rank_distance: 10, n: 2 }, en: { map: 0.4, recall_10: 0.6, rank_distance: 14, n: 2 } } },
  };
}

describe('seedSpreadOf', () => {
  it('is the sample sd (n − 1), range and count; none for one seed or a seed without a value', () => {
    expect(seedSpreadOf([1, 2, 3])).toEqual({ sd: 1, lo: 1, hi: 3, n: 3 });
    expect(seedSpreadOf([2])).toBeNull();
    expect(seedSpreadOf([1, null, 3])).toBeNull();
  });
});

describe('heatmaps of seed means', () => {
  const seeds = [result(0.7, 0.5), result(0.8, 0.5), result(0.9, 0.5)];
  it('map heatmap: each cell gets the sd of its seeds under its value, and the tooltip gives sd and range', () => {
    const spec = mapHeatmapSpec(result(0.8, 0.5), { title: 't', showMeans: false, showValues: true, seeds });
    expect(spec.seedSpread![0]![0]!.sd).toBeCloseTo(0.1, 12);
    expect(spec.seedSpread![0]![1]).toEqual({ sd: 0, lo: 0.5, hi: 0.5, n: 3 });
    expect(heatmapCellTooltip(spec, 0, 0)).toBe('de → de: mAP ×100 = 80.0; over 3 seeds: sd 10.0, range 70.0 to 90.0');
    const svg = heatmapSvg(spec);
    expect(checkWellFormed(svg)).toEqual([]);
    expect(countElements(svg, 'text', 'spread')).toBe(4);
    expect(svg).toContain('>±10.0<');
    expect(spec.footnotes).toContain('± under a value: its sample sd over the 3 seeds (the cell shows their mean)');
  });
  it('map heatmap without seeds draws no spread', () => {
    const svg = heatmapSvg(mapHeatmapSpec(result(0.8, 0.5), { title: 't', showMeans: false, showValues: true }));
    expect(countElements(svg, 'text', 'spread')).toBe(0);
  });
  it('difference heatmap: the sd over seeds of the difference within each seed, unsigned', () => {
    const b = [result(0.6, 0.5), result(0.8, 0.4), result(0.7, 0.6)];
    // de->de differences per seed: 0.1, 0, 0.2 → sd 0.1; de->en: 0, 0.1, −0.1 → sd 0.1
    const spec = differenceHeatmapSpec(result(0.8, 0.5), result(0.7, 0.5), null, { title: 'd', showMeans: false, showValues: true, seeds: { a: seeds, b } });
    expect(spec.seedSpread![0]![0]!.sd).toBeCloseTo(0.1, 12);
    expect(spec.seedSpread![0]![1]!.sd).toBeCloseTo(0.1, 12);
    expect(heatmapSvg(spec)).toContain('>±10.0<');
    expect(() => differenceHeatmapSpec(result(0.8, 0.5), result(0.7, 0.5), null, { title: 'd', showMeans: false, showValues: true, seeds: { a: seeds, b: b.slice(1) } })).toThrow(/paired/);
  });
});

describe('seedBandSvg', () => {
  const panels: CurvePanel[] = [
    {
      key: 'probe',
      title: 'probe',
      reference: 0.25,
      arms: [
        {
          arm: 'xy',
          label: 'X-Y',
          points: [
            { step: 100, mean: 0.6, lo: 0.55, hi: 0.65, n: 3 },
            { step: 200, mean: 0.5, lo: 0.45, hi: 0.6, n: 3 },
          ],
        },
        {
          arm: 'adversarial',
          label: 'Adversarial',
          points: [
            { step: 100, mean: 0.7, lo: 0.7, hi: 0.7, n: 3 },
            { step: 200, mean: 0.65, lo: 0.6, hi: 0.7, n: 3 },
          ],
        },
      ],
    },
    { key: 'grad_ratio', title: 'ratio', reference: null, arms: [] },
  ];
  it('draws a band and a mean line per arm, the baseline, and names the empty panels', () => {
    const svg = seedBandSvg(panels, { title: 'over training', armOrder: ['adversarial', 'xy'] });
    expect(checkWellFormed(svg)).toEqual([]);
    expect(countElements(svg, 'path', 'band')).toBe(2);
    expect(countElements(svg, 'path', 'mean')).toBe(2);
    expect(countElements(svg, 'path', 'reference')).toBe(1);
    expect(countElements(svg, 'g', 'panel')).toBe(1);
    expect(svg).toContain('no values: ratio');
    expect(svg).toContain(bandPointText('X-Y', panels[0]!.arms[0]!.points[1]!));
    expect(bandPointText('X-Y', panels[0]!.arms[0]!.points[1]!)).toBe('X-Y, step 200: 0.5000 (seeds 0.4500–0.6000, 3 seeds)');
    // the arm order fixes the colours: the first arm gets the first colour
    expect(svg).toMatch(/data-arm="adversarial"[^>]*>.{0,200}fill="#0072B2"/);
  });
});
