import { describe, expect, it } from 'vitest';
import { heatmapMeans, heatmapSvg, type HeatmapSpec } from './heatmapSvg';
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

  it('marks significant cells with a circle and says so in the tooltip', () => {
    const marks = langs.map((_, i) => langs.map((__, j) => i === 0 && j < 3));
    const svg = heatmapSvg(spec({ marks, markLegend: 'Holm-adjusted p < 0.05', colorScale: { name: 'blueWhiteRed', domain: [-0.1, 0.1] } }));
    expect(countElements(svg, 'circle', 'mark')).toBe(3);
    expect([...svg.matchAll(/data-significant="true"/g)].length).toBe(3);
    expect(svg).toContain('ar → ar: 0.800 (significant)');
    expect(svg).toContain('Holm-adjusted p &lt; 0.05');
  });

  it('draws null cells grey with a dash, still one rect each', () => {
    const v = [[0.5, null], [null, 0.25]];
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
    expect(heatmapMeans([[1, 3], [null, 5]])).toEqual({ rows: [2, 5], cols: [1, 4] });
  });
});
