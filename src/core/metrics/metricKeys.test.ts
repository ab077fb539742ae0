import { describe, expect, it } from 'vitest';
import { fullResult } from '../testing/fullResult.testutil';
import { headlineMetrics, METRIC_KEYS, VALIDATION_SCORE_KEYS } from './metricKeys';

describe('metric keys', () => {
  it('name the result file’s own fields, <setting>.<metric>, and headlineMetrics reads each from there', () => {
    const probe = { accuracy: 0.9, majority: 0.5, train_accuracy: 1, per_language: { de: { accuracy: 0.9, n: 10 } }, n_train: 20, n_test: 10, seed: 23, l2: 0.01 };
    const r = { ...fullResult({ seed: 1, questions: 3, languages: ['de', 'en'] }), probe };
    const m = headlineMetrics(r);
    expect(Object.keys(m)).toEqual([...METRIC_KEYS]);
    expect(m).toMatchObject({ 'probe.accuracy': 0.9, 'probe.majority': 0.5 });
    for (const k of METRIC_KEYS) {
      const [setting, metric] = k.split('.') as [string, string];
      expect(m[k]).toBe((r as unknown as Record<string, Record<string, number>>)[setting]![metric]);
    }
    expect(VALIDATION_SCORE_KEYS.every((k) => (METRIC_KEYS as readonly string[]).includes(k))).toBe(true);
  });

  it('leave out a setting without cells', () => {
    const r = fullResult({ seed: 1, questions: 3, languages: ['en'] });
    const m = headlineMetrics({ ...r, cross: { ...r.cross, map: null, recall_1: null } });
    expect(Object.keys(m)).not.toContain('cross.map');
    expect(Object.keys(m)).not.toContain('cross.recall_1');
    expect(Object.keys(m)).not.toContain('probe.accuracy');
  });
});
