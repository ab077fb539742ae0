import { describe, expect, it } from 'vitest';
import { colorRangeLegend, DEFAULT_COLOR_RANGE, resolveColorRange } from './colorRange';

const fixed = { mode: 'fixed', map: [0, 1], diff: 0.2 } as const;

describe('colour range', () => {
  it('is auto by default: min..max of the shown values for mAP, nulls ignored', () => {
    expect(DEFAULT_COLOR_RANGE.mode).toBe('auto');
    expect(resolveColorRange('viridis', [0.12, null, 0.31, 0.2, Number.NaN])).toEqual({ domain: [0.12, 0.31], mode: 'auto', symmetric: false });
  });

  it('is symmetric around 0 for difference maps, so white stays "no difference"', () => {
    expect(resolveColorRange('blueWhiteRed', [-0.01, 0.03, null]).domain).toEqual([-0.03, 0.03]);
  });

  it('pins the fixed range: [low, high] for mAP, ±diff for differences', () => {
    expect(resolveColorRange('viridis', [0.12, 0.31], fixed).domain).toEqual([0, 1]);
    expect(resolveColorRange('blueWhiteRed', [0.5], fixed)).toEqual({ domain: [-0.2, 0.2], mode: 'fixed', symmetric: true });
    expect(() => resolveColorRange('viridis', [], { ...fixed, map: [0.5, 0.5] })).toThrow(/empty/);
  });

  it('names the range in the legend in the printed units', () => {
    const f = { scale: 100, digits: 1 };
    expect(colorRangeLegend(resolveColorRange('viridis', [0.412, 0.8]), f, 'mAP ×100')).toBe('colour range 41.2 to 80.0 mAP ×100 (auto: lowest to highest value shown)');
    expect(colorRangeLegend(resolveColorRange('blueWhiteRed', [-0.05, 0.02]), { ...f, signed: true }, 'Δ mAP ×100')).toBe('colour range -5.0 to +5.0 Δ mAP ×100 (auto: symmetric around 0 over the values shown)');
    expect(colorRangeLegend(resolveColorRange('viridis', [0.4], fixed), f, 'mAP ×100')).toBe('colour range 0.0 to 100.0 mAP ×100 (fixed)');
  });
});

describe('colour range as a saved figure setting', () => {
  it('is optional in the notebook (older files still parse) and validated when present', async () => {
    const { DEFAULT_FIGURE_SETTINGS, FigureSettingsSchema } = await import('../experiment/notebook');
    expect(FigureSettingsSchema.parse(DEFAULT_FIGURE_SETTINGS).colorRange).toBeUndefined();
    expect(FigureSettingsSchema.parse({ ...DEFAULT_FIGURE_SETTINGS, colorRange: { mode: 'fixed', map: [0.2, 0.6], diff: 0.05 } }).colorRange).toEqual({ mode: 'fixed', map: [0.2, 0.6], diff: 0.05 });
    expect(FigureSettingsSchema.safeParse({ ...DEFAULT_FIGURE_SETTINGS, colorRange: { mode: 'fixed', map: [0.6, 0.2], diff: 0.05 } }).success).toBe(false);
    expect(FigureSettingsSchema.safeParse({ ...DEFAULT_FIGURE_SETTINGS, colorRange: { mode: 'wide', map: [0, 1], diff: 0.05 } }).success).toBe(false);
  });
});
