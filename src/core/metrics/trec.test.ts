import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { DataFormatError } from '../errors';
import { evaluateTrec, formatTrecEval, parseQrels, parseRun, TREC_MEASURES, type TrecMeasure } from './trec';

describe('parseQrels / parseRun', () => {
  it('reads whitespace-separated lines and skips blank ones', () => {
    const q = parseQrels('q1 0 d1 1\n\nq1 0 d2 0\r\nq2\t0\td1\t2\n', 'a.qrels');
    expect([...q.entries()].map(([k, v]) => [k, [...v.entries()]])).toEqual([
      [
        'q1',
        [
          ['d1', 1],
          ['d2', 0],
        ],
      ],
      ['q2', [['d1', 2]]],
    ]);
    const r = parseRun('q1 Q0 d1 1 0.5 t\nq1 Q0 d2 2 -1e-3 t\n', 'a.run');
    expect(r.get('q1')).toEqual({ docs: ['d1', 'd2'], scores: [0.5, -0.001] });
  });

  it('names the file and the line of a malformed line', () => {
    expect(() => parseQrels('q1 0 d1 1\nq1 0 d2\n', 'x.qrels')).toThrow(DataFormatError);
    expect(() => parseQrels('q1 0 d1 1\nq1 0 d2\n', 'x.qrels')).toThrow('x.qrels: line 2: expected 4 fields "qid 0 docid rel", got 3');
    expect(() => parseQrels('q1 0 d1 yes\n', 'x.qrels')).toThrow('x.qrels: line 1, rel: expected an integer relevance level, got "yes"');
    expect(() => parseQrels('', 'empty.qrels')).toThrow('empty.qrels: (file): holds no judgements');
    expect(() => parseQrels('\n\n', 'blank.qrels')).toThrow('blank.qrels: (file): holds no judgements');
    expect(() => parseQrels('q1 0 d1 1\nq1 0 d1 0\n', 'x.qrels')).toThrow('x.qrels: line 2: query "q1" judges document "d1" twice');
    expect(() => parseRun('q1 Q0 d1 1 0.5\n', 'y.run')).toThrow('y.run: line 1: expected 6 fields "qid Q0 docid rank score tag", got 5');
    expect(() => parseRun('q1 Q0 d1 1 0.5 t\nq1 Q0 d2 2 NaN t\n', 'y.run')).toThrow('y.run: line 2, score: expected a finite number, got "NaN"');
    expect(() => parseRun('q1 Q0 d1 one 0.5 t\n', 'y.run')).toThrow('y.run: line 1, rank: expected a number, got "one"');
    expect(() => parseRun('q1 Q0 d1 1 0.5 t\nq1 Q0 d1 2 0.4 t\n', 'y.run')).toThrow('y.run: line 2: query "q1" retrieves document "d1" twice');
  });
});

describe('evaluateTrec', () => {
  it('re-ranks by score then docid descending, ignoring the rank column (hand-worked)', () => {
    const qrels = parseQrels('q1 0 b 1\nq1 0 d 2\nq1 0 z 1\nq1 0 c 0\nq2 0 x 1\n', 'h.qrels');
    // q1 order: a (.9), then ties at .5: d > c > b (docid descending), then e (.1); z relevant, never retrieved.
    const run = parseRun('q1 Q0 b 1 0.5 t\nq1 Q0 a 2 0.9 t\nq1 Q0 e 3 0.1 t\nq1 Q0 c 4 0.5 t\nq1 Q0 d 5 0.5 t\nq3 Q0 x 1 1 t\n', 'h.run');
    const r = evaluateTrec(qrels, run);
    // q1: relevant (rel > 0) b, d, z → R = 3; ranks d 2, b 4 → AP (1/2 + 2/4) / 3; RR 1/2; R@1 0; R@10 2/3.
    const q1 = r.perQuery.get('q1')!;
    expect(q1.map).toBeCloseTo((0.5 + 0.5) / 3, 12);
    expect(q1.recip_rank).toBe(0.5);
    expect(q1.recall_1).toBe(0);
    expect(q1.recall_10).toBeCloseTo(2 / 3, 12);
    // nDCG@10: gains d=2 at rank 2, b=1 at rank 4; ideal 2, 1, 1.
    const idcg = 2 + 1 / Math.log2(3) + 1 / Math.log2(4);
    expect(q1.ndcg_cut_10).toBeCloseTo((2 / Math.log2(3) + 1 / Math.log2(5)) / idcg, 12);
    // q2 is in the qrels but not in the run: all zeros; q3 is in the run only: ignored.
    expect(r.perQuery.get('q2')).toEqual({ map: 0, recip_rank: 0, recall_1: 0, recall_10: 0, ndcg_cut_10: 0 });
    expect(r.num_q).toBe(2);
    expect(r.perQuery.has('q3')).toBe(false);
    expect(r.measures.map).toBeCloseTo(q1.map / 2, 12);
    expect(formatTrecEval(r).split('\n')).toEqual([
      'num_q                 \tall\t2',
      `map                   \tall\t${(q1.map / 2).toFixed(4)}`,
      'recip_rank            \tall\t0.2500',
      'recall_1              \tall\t0.0000',
      'recall_10             \tall\t0.3333',
      `ndcg_cut_10           \tall\t${(q1.ndcg_cut_10 / 2).toFixed(4)}`,
    ]);
  });

  /** A naive trec_eval: full sort, then walk the list; written independently of trec.ts. */
  function reference(qrels: [string, string, number][], run: [string, string, number][]) {
    const qids = [...new Set(qrels.map((x) => x[0]))];
    const per: Record<string, Record<TrecMeasure, number>> = {};
    for (const qid of qids) {
      const judged = new Map(qrels.filter((x) => x[0] === qid).map((x) => [x[1], x[2]] as const));
      const R = [...judged.values()].filter((v) => v > 0).length;
      const ranked = run.filter((x) => x[0] === qid).sort((x, y) => (x[2] !== y[2] ? y[2] - x[2] : x[1] < y[1] ? 1 : x[1] > y[1] ? -1 : 0));
      let hits = 0;
      let ap = 0;
      let rr = 0;
      let r1 = 0;
      let r10 = 0;
      let dcg = 0;
      ranked.forEach(([, doc], i) => {
        const rel = judged.get(doc) ?? 0;
        if (i < 10 && rel > 0) dcg += rel / Math.log2(i + 2);
        if (rel <= 0) return;
        hits++;
        ap += hits / (i + 1);
        if (rr === 0) rr = 1 / (i + 1);
        if (i < 1) r1++;
        if (i < 10) r10++;
      });
      const ideal = [...judged.values()]
        .filter((v) => v > 0)
        .sort((x, y) => y - x)
        .slice(0, 10);
      const idcg = ideal.reduce((s, g, i) => s + g / Math.log2(i + 2), 0);
      per[qid] = {
        map: R ? ap / R : 0,
        recip_rank: rr,
        recall_1: R ? r1 / R : 0,
        recall_10: R ? r10 / R : 0,
        ndcg_cut_10: idcg ? dcg / idcg : 0,
      };
    }
    return per;
  }

  it('agrees with a naive sort-based reference on random runs with many ties (to 1e-6)', () => {
    const doc = fc.integer({ min: 0, max: 25 }).map((i) => `d${i}`);
    const qid = fc.constantFrom('q1', 'q2', 'q3', 'q10');
    const arb = fc.record({
      qrels: fc.uniqueArray(fc.tuple(qid, doc, fc.integer({ min: -1, max: 3 })), { selector: (x) => `${x[0]} ${x[1]}`, minLength: 1, maxLength: 40 }),
      run: fc.uniqueArray(
        fc.tuple(
          qid,
          doc,
          fc.integer({ min: 0, max: 4 }).map((s) => s / 4),
        ),
        { selector: (x) => `${x[0]} ${x[1]}`, maxLength: 80 },
      ),
    });
    fc.assert(
      fc.property(arb, ({ qrels, run }) => {
        const qrelsText = qrels.map(([q, d, r]) => `${q} 0 ${d} ${r}`).join('\n');
        const runText = run.map(([q, d, s], i) => `${q} Q0 ${d} ${i + 1} ${s} tag`).join('\n');
        const got = evaluateTrec(parseQrels(qrelsText, 'r.qrels'), parseRun(runText, 'r.run'));
        const want = reference(qrels, run);
        expect(got.num_q).toBe(Object.keys(want).length);
        for (const [q, m] of Object.entries(want)) {
          for (const k of TREC_MEASURES) expect(Math.abs(got.perQuery.get(q)![k] - m[k])).toBeLessThan(1e-6);
        }
        for (const k of TREC_MEASURES) {
          const mean = Object.values(want).reduce((s, m) => s + m[k], 0) / Object.keys(want).length;
          expect(Math.abs(got.measures[k] - mean)).toBeLessThan(1e-6);
        }
      }),
      { numRuns: 500 },
    );
  });
});
