import { describe, expect, it } from 'vitest';
import { LANGUAGE_PROBE, languageProbe, queryLanguageProbe, softmaxRegressionLoss, type ProbeRows } from './languageProbe';
import { LanguageProbeResultSchema } from './resultSchema';
import { createRng } from './rng';

const LANGS = ['de', 'en', 'es'] as const;

/** Gaussian noise by Box–Muller from the seeded generator. */
function gaussian(rng: ReturnType<typeof createRng>): number {
  return Math.sqrt(-2 * Math.log(1 - rng.float())) * Math.cos(2 * Math.PI * rng.float());
}

/**
 * `questions` groups, each with one row per language; row = a question-specific vector (shared by its
 * translations) + `shift` × a per-language direction + noise. shift 0: the language is not in the rows.
 */
function rowsOf({ questions, dim, shift, seed }: { questions: number; dim: number; shift: number; seed: number }): ProbeRows {
  const rng = createRng(seed);
  const direction = LANGS.map(() => Array.from({ length: dim }, () => gaussian(rng)));
  const labels: string[] = [];
  const groups: string[] = [];
  const values: number[] = [];
  for (let q = 0; q < questions; q++) {
    const meaning = Array.from({ length: dim }, () => gaussian(rng));
    LANGS.forEach((lang, l) => {
      labels.push(lang);
      groups.push(`q${q}`);
      for (let j = 0; j < dim; j++) values.push(meaning[j]! + shift * direction[l]![j]! + 0.3 * gaussian(rng));
    });
  }
  return { embeddings: Float32Array.from(values), dim, labels, groups };
}

describe('languageProbe', () => {
  it('reads the language perfectly from rows where it is linearly separable, held out by question', () => {
    const p = languageProbe(rowsOf({ questions: 80, dim: 16, shift: 2, seed: 1 }))!;
    expect(LanguageProbeResultSchema.parse(p)).toEqual(p);
    expect(p.accuracy).toBe(1);
    expect(p.train_accuracy).toBe(1);
    expect(Object.keys(p.per_language)).toEqual(['de', 'en', 'es']);
    for (const l of LANGS) expect(p.per_language[l]!.accuracy).toBe(1);
    // whole questions on each side: 30 % of 80 held out, each in three languages
    expect(p.n_test).toBe(24 * 3);
    expect(p.n_train).toBe(56 * 3);
    expect(p.majority).toBeCloseTo(1 / 3, 12);
  });

  it('scores near the majority baseline when the rows do not depend on the language', () => {
    const rows = rowsOf({ questions: 400, dim: 16, shift: 0, seed: 2 });
    const p = languageProbe(rows)!;
    expect(p.n_test).toBe(120 * 3);
    expect(Math.abs(p.accuracy - p.majority)).toBeLessThan(0.08);
    // and with the labels shuffled on rows that did carry the language
    const separable = rowsOf({ questions: 1000, dim: 8, shift: 2, seed: 3 });
    const rng = createRng(4);
    const shuffled = [...separable.labels];
    for (let i = shuffled.length - 1; i > 0; i--) {
      const j = rng.int(i + 1);
      [shuffled[i], shuffled[j]] = [shuffled[j]!, shuffled[i]!];
    }
    const many = { maxRows: 3000 };
    const s = languageProbe({ ...separable, labels: shuffled }, many)!;
    expect(s.n_test).toBe(900);
    expect(languageProbe(separable, many)!.accuracy).toBeGreaterThan(0.99);
    expect(Math.abs(s.accuracy - s.majority)).toBeLessThan(0.08);
  });

  it('is deterministic in the rows and the seed, and the seed picks the split', () => {
    const rows = rowsOf({ questions: 60, dim: 8, shift: 0.4, seed: 5 });
    expect(languageProbe(rows)).toEqual(languageProbe(rows));
    const other = languageProbe(rows, { seed: 99 })!;
    expect(other.seed).toBe(99);
    expect(other).not.toEqual(languageProbe(rows));
  });

  it('keeps the translations of a question on one side and caps the rows by whole questions', () => {
    const rows = rowsOf({ questions: 100, dim: 4, shift: 1, seed: 6 });
    const p = languageProbe(rows, { maxRows: 31 })!;
    // 10 questions of 3 rows fit in 31; 3 of them held out
    expect(p.n_train + p.n_test).toBe(30);
    expect(p.n_test).toBe(9);
    // a probe whose groups were split row by row would see a test question's translations
    expect(Object.values(p.per_language).every((c) => c.n === 3)).toBe(true);
  });

  it('has nothing to probe with one language or one question', () => {
    const rows = rowsOf({ questions: 5, dim: 4, shift: 1, seed: 7 });
    expect(languageProbe({ ...rows, labels: rows.labels.map(() => 'en') })).toBeNull();
    expect(languageProbe({ ...rows, groups: rows.groups.map(() => 'q') })).toBeNull();
    expect(() => languageProbe({ ...rows, dim: 5 })).toThrow(RangeError);
  });

  it('labels queries by language and groups them by question id', () => {
    const rows = rowsOf({ questions: 20, dim: 4, shift: 2, seed: 8 });
    const queries = rows.labels.map((lang, i) => ({ lang, questionId: rows.groups[i]! }));
    const p = queryLanguageProbe({ queries } as unknown as Parameters<typeof queryLanguageProbe>[0], rows.embeddings, rows.dim);
    expect(p).toEqual(languageProbe(rows));
    expect(p!.seed).toBe(LANGUAGE_PROBE.seed);
  });
});

describe('softmaxRegressionLoss', () => {
  it('is ln K with zero weights, with the gradient p − onehot by hand', () => {
    // one row x = [2], two classes, true class 1: p = (½, ½)
    const grad = new Float64Array(4);
    const loss = softmaxRegressionLoss(new Float64Array(4), Float64Array.of(2), Int32Array.of(1), 1, 2, 0.5, grad);
    expect(loss).toBeCloseTo(Math.LN2, 14);
    // W: (p − y)·x = (½·2, −½·2); biases: (½, −½)
    expect(Array.from(grad)).toEqual([1, -1, 0.5, -0.5]);
  });

  it('has the gradient of its finite differences, L2 included', () => {
    const rng = createRng(9);
    const [n, dim, K, l2] = [7, 3, 4, 0.3];
    const x = Float64Array.from({ length: n * dim }, () => gaussian(rng));
    const y = Int32Array.from({ length: n }, () => rng.int(K));
    const params = Float64Array.from({ length: K * dim + K }, () => gaussian(rng));
    const grad = new Float64Array(params.length);
    softmaxRegressionLoss(params, x, y, dim, K, l2, grad);
    const h = 1e-6;
    const scratch = new Float64Array(params.length);
    for (let p = 0; p < params.length; p++) {
      const plus = Float64Array.from(params);
      const minus = Float64Array.from(params);
      plus[p]! += h;
      minus[p]! -= h;
      const numeric = (softmaxRegressionLoss(plus, x, y, dim, K, l2, scratch) - softmaxRegressionLoss(minus, x, y, dim, K, l2, scratch)) / (2 * h);
      expect(grad[p]).toBeCloseTo(numeric, 7);
    }
  });

  it('stays finite when a logit is far below the others', () => {
    const grad = new Float64Array(4);
    const loss = softmaxRegressionLoss(Float64Array.of(0, 0, 2000, 0), Float64Array.of(1), Int32Array.of(1), 1, 2, 0, grad);
    expect(loss).toBeCloseTo(2000, 9);
  });
});
