import { describe, expect, it } from 'vitest';
import { heatmapCsv } from './heatmapCsv';

describe('heatmapCsv', () => {
  it('writes one line per cell with the value at full precision', () => {
    const csv = heatmapCsv({
      rows: ['de', 'en'],
      cols: ['de', 'en'],
      values: [
        [0.70123, 0.5],
        [null, 0.8],
      ],
      colorScale: { name: 'viridis', domain: [0, 1] },
      valueName: 'mAP',
    });
    expect(csv).toBe('query language,candidate language,mAP\r\nde,de,0.70123\r\nde,en,0.5\r\nen,de,\r\nen,en,0.8\r\n');
  });

  it('adds p, Holm-adjusted p and the verdict when the figure has tests', () => {
    const csv = heatmapCsv({
      rows: ['de', 'en'],
      cols: ['de', 'en'],
      values: [
        [0.25, 0],
        [0, -0.1],
      ],
      colorScale: { name: 'blueWhiteRed', domain: [-0.25, 0.25] },
      valueName: 'Δ mAP',
      marks: [
        [true, false],
        [false, false],
      ],
      pValues: [
        [
          { p: 0.001, pHolm: 0.004 },
          { p: 0.5, pHolm: 1 },
        ],
        [{ p: 0.3, pHolm: 0.9 }, null],
      ],
    });
    expect(csv.split('\r\n')).toEqual(['query language,candidate language,Δ mAP,p,Holm-adjusted p,significant', 'de,de,0.25,0.001,0.004,true', 'de,en,0,0.5,1,false', 'en,de,0,0.3,0.9,false', 'en,en,-0.1,,,', '']);
  });
});
