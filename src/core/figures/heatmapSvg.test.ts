import { describe, expect, it } from 'vitest';
import { formatP, heatmapCellTooltip, heatmapMeans, heatmapSvg, type HeatmapSpec } from './heatmapSvg';
import { checkWellFormed, countElements } from './xmlCheck.testutil';
import { colorAt } from './colorScale';

const langs = ['ar', 'de', 'el', 'en', 'es', 'hi', 'ru', 'th', 'tr', 'vi', 'zh'];
const values = langs.map((_, i) => langs.map((__, j) => (i === j ? 0.8 : 0.5 + 0.01 * i - 0.005 * j)));

function spec(over: Partial<HeatmapSpec> = {}): HeatmapSpec {
  return { rows: langs, cols: langs, values, colorScale: { name: 'viridis', domain: [0, 1] }, ...over };
}

describe('heatmapSvg', () => {
  it('draws exactly one rect per cell when means are hidden, and is well-formed', () => {
    const svg = heatmapSvg(spec({ title: 'mAP <hybrid> & "X-Y"' }));
    expect(checkWellFormed(svg)).toEqual([]);
    expect(countElements(svg, 'rect')).toBe(121);
    expect(countElements(svg, 'rect', 'cell')).toBe(121);
    expect(svg).toContain('mAP &lt;hybrid&gt; &amp; &quot;X-Y&quot;');
    expect(svg.startsWith('<svg xmlns="http://www.w3.org/2000/svg"')).toBe(true);
  });

  it('puts row and column means in their own group: cells + rows + cols rects', () => {
    const svg = heatmapSvg(spec({ showMeans: true }));
    expect(checkWellFormed(svg)).toEqual([]);
    expect(countElements(svg, 'rect', 'cell')).toBe(121);
    expect(countElements(svg, 'rect', 'mean')).toBe(22);
    expect(countElements(svg, 'rect')).toBe(143);
    const group = svg.slice(svg.indexOf('<g class="means">'), svg.indexOf('</g>', svg.indexOf('<g class="means">')));
    expect(countElements(group, 'rect')).toBe(22);
  });

  it('carries each value at full precision and colours it on the scale', () => {
    const svg = heatmapSvg(spec({ valueFormat: { scale: 100, digits: 1 } }));
    const cell = /<rect class="cell"[^>]*data-row="de" data-col="en" data-value="([^"]*)"[^>]*>/.exec(svg);
    expect(Number(cell![1])).toBe(values[1]![3]);
    expect(cell![0]).toContain(`fill="${colorAt({ name: 'viridis', domain: [0, 1] }, values[1]![3]!)}"`);
    expect(svg).toContain('>80.0</text>');
  });

  it('outlines significant cells (one mark each, no extra rect) and gives p and adjusted p in the tooltip', () => {
    const marks = langs.map((_, i) => langs.map((__, j) => i === 0 && j < 3));
    const pValues = langs.map((_, i) => langs.map((__, j) => (i === 0 ? { p: j < 3 ? 0.0012 : 0.2, pHolm: j < 3 ? 0.012 : 0.6 } : null)));
    const svg = heatmapSvg(spec({ marks, pValues, markLegend: 'Holm-adjusted p < 0.05', colorBarLabel: 'Δ mAP ×100', valueFormat: { scale: 100, digits: 1, signed: true }, colorScale: { name: 'blueWhiteRed', domain: [-0.1, 0.1] } }));
    expect(checkWellFormed(svg)).toEqual([]);
    expect(countElements(svg, 'g', 'mark')).toBe(3);
    expect(countElements(svg, 'circle')).toBe(0);
    expect(countElements(svg, 'rect')).toBe(121);
    // the frame: a 3 px black outline inside the first cell's edges
    const first = /<rect class="cell" x="([\d.]+)" y="([\d.]+)"/.exec(svg)!;
    const x = Number(first[1]);
    const y = Number(first[2]);
    expect(svg).toContain(`<g class="mark" pointer-events="none"><path d="M${x + 1.5} ${y + 1.5}h33v33h-33z" fill="none" stroke="#000000" stroke-width="3"/>`);
    expect([...svg.matchAll(/data-significant="true"/g)].length).toBe(3);
    expect(svg).toContain('<title>ar → ar: Δ mAP ×100 = +80.0; p = 0.0012, Holm-adjusted p = 0.012 (significant)</title>');
    expect(svg).toContain('<title>ar → el: Δ mAP ×100 = +49.0; p = 0.0012, Holm-adjusted p = 0.012 (significant)</title>');
    expect(svg).toContain('<title>ar → en: Δ mAP ×100 = +48.5; p = 0.200, Holm-adjusted p = 0.600 (not significant)</title>');
    expect(svg).toContain('<title>de → ar: Δ mAP ×100 = +51.0</title>');
    expect(svg).toContain('outlined: Holm-adjusted p &lt; 0.05');
  });

  it('prints the tooltip of a cell from the spec alone', () => {
    const s = spec({ valueFormat: { scale: 100, digits: 1 }, colorBarLabel: 'mAP ×100' });
    expect(heatmapCellTooltip(s, 1, 3)).toBe(`de → en: mAP ×100 = ${(values[1]![3]! * 100).toFixed(1)}`);
    expect(heatmapCellTooltip({ ...s, pValues: langs.map(() => langs.map(() => ({ p: 0.00001, pHolm: 0.0004 }))) }, 0, 0)).toBe('ar → ar: mAP ×100 = 80.0; p = < 0.0001, Holm-adjusted p = 0.00040 (not significant)');
    expect(formatP(0.04999)).toBe('0.050');
    expect(formatP(0.00042)).toBe('0.00042');
  });

  it('prints the colour range line in the legend, so exports carry it', () => {
    const svg = heatmapSvg(spec({ rangeLegend: 'colour range 50.0 to 80.0 mAP ×100 (auto: lowest to highest value shown)' }));
    expect(checkWellFormed(svg)).toEqual([]);
    expect(svg).toContain('<text class="range"');
    expect(svg).toContain('>colour range 50.0 to 80.0 mAP ×100 (auto: lowest to highest value shown)</text>');
  });

  it('draws null cells grey with a dash, still one rect each', () => {
    const v = [
      [0.5, null],
      [null, 0.25],
    ];
    const svg = heatmapSvg({ rows: ['a', 'b'], cols: ['c', 'd'], values: v, colorScale: { name: 'viridis', domain: [0, 1] }, showMeans: true });
    expect(countElements(svg, 'rect', 'cell')).toBe(4);
    expect([...svg.matchAll(/fill="#e6e6e6"/g)].length).toBe(2);
    expect(svg).toContain('data-value=""');
  });

  it('rejects values of the wrong shape', () => {
    expect(() => heatmapSvg({ rows: ['a'], cols: ['b', 'c'], values: [[1]], colorScale: { name: 'viridis', domain: [0, 1] } })).toThrow(/values\[0\] has 1 columns, expected 2/);
    expect(() => heatmapSvg({ ...spec(), marks: [[true]] })).toThrow(/marks must have shape \[11\]\[11\]/);
  });

  it('averages rows and columns over non-null cells', () => {
    expect(
      heatmapMeans([
        [1, 3],
        [null, 5],
      ]),
    ).toEqual({ rows: [2, 5], cols: [1, 4] });
  });
});
