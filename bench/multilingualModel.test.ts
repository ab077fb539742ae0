import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { BENCH_RESULTS, MODEL_CARD, readModelResults, renderResults, SECTION } from './multilingualModel';

describe('the built-in multilingual model’s published scores', () => {
  it('are, in the model card and bench/RESULTS.md, exactly what the committed result files give', async () => {
    const block = renderResults(await readModelResults());
    expect(await readFile(MODEL_CARD, 'utf8')).toContain(block);
    const results = await readFile(BENCH_RESULTS, 'utf8');
    expect(results).toContain(`## ${SECTION}`);
    expect(results).toContain(block);
  });

  it('meet the targets: question → English P@1 ≥ 0.5 on average and cross mAP ≥ 5× the random start', async () => {
    const r = await readModelResults();
    expect(r.alignPretrained.meanPrecisionAt1).toBeGreaterThanOrEqual(0.5);
    expect(r.pretrained.cross.map / r.random.cross.map).toBeGreaterThanOrEqual(5);
    // float16 storage loses nothing measurable: every setting within 1e-4 of the float32 weights (0.01 on the
    // card's × 100 scale; a seed's or a query sample's spread is tens of times that)
    for (const s of ['mono', 'cross', 'multi'] as const) expect(Math.abs(r.pretrained[s].map - r.pretrainedF32[s].map)).toBeLessThan(1e-4);
  });
});
