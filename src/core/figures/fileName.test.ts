import { describe, expect, it } from 'vitest';
import { figureFileName, fileSlug } from './fileName';

describe('export file names', () => {
  it('keep the meaning of Greek letters, numbers and accents', () => {
    expect(fileSlug('Hybrid α=0.5')).toBe('hybrid-alpha-0.5');
    expect(fileSlug('Adversarial λmax=1')).toBe('adversarial-lambdamax-1');
    expect(fileSlug('Ñandú ×2')).toBe('nandu-x2');
    expect(fileSlug('v1.2 / run.')).toBe('v1.2-run');
    expect(fileSlug('中文')).toBe('figure');
  });

  it('join what a figure shows, parts separated by "_", within file-system limits', () => {
    expect(figureFileName(['Hybrid α=0.5', 'minus', 'X-X-mono', 'xquad-r', 'delta map heatmap'])).toBe('hybrid-alpha-0.5_minus_x-x-mono_xquad-r_delta-map-heatmap');
    expect(figureFileName(['loss curves', null, '', 'run 1'])).toBe('loss-curves_run-1');
    expect(figureFileName([])).toBe('figure');
    const long = figureFileName(Array.from({ length: 10 }, (_, i) => `a long run name number ${i}`));
    expect(long.length).toBeLessThanOrEqual(160);
    expect(long).toMatch(/^[a-z0-9._-]+$/);
    expect(long).not.toMatch(/[-._]$/);
  });
});
