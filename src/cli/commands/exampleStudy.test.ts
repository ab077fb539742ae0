/**
 * examples/study is committed output of `xlir study build`: its REPORT.md must quote the numbers of its
 * result files, and its notebook must hold the same results (issue 9's "done when").
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseNotebook } from '../../core/experiment/notebook';
import { ARM_LABELS, STUDY_ARMS, STUDY_DIRECTIONS, STUDY_SEEDS } from '../../core/experiment/studyPlan';
import { armMeanResult, meanStd } from '../../core/experiment/studyResults';
import { StoredResultSchema } from '../../core/experiment/notebook';
import { formatValue } from '../../core/figures/svgText';
import { seedDifferenceTest } from '../../core/metrics/seedLevelInference';

const DIR = 'examples/study';
const read = (f: string) => readFileSync(path.join(DIR, f), 'utf8');
const result = (direction: string, arm: string, seed: number) => StoredResultSchema.parse(JSON.parse(read(`results/${direction}/${arm}/seed-${seed}.json`)));

describe('examples/study', () => {
  const report = read('REPORT.md');
  const notebook = parseNotebook('study.xlir.json', read('study.xlir.json'));

  it('REPORT.md’s Table 1 and Table 2 rows are the mean ± sd of the committed result files', () => {
    for (const direction of STUDY_DIRECTIONS) {
      for (const arm of STUDY_ARMS) {
        const seeds = STUDY_SEEDS.map((s) => result(direction, arm, s));
        // mean | sd | multiple of chance
        const f = (xs: number[]) => {
          const { mean, std } = meanStd(xs);
          return `${mean.toFixed(2)} \\| ${std.toFixed(2)} \\| [0-9.]+`;
        };
        const row = `\\| ${ARM_LABELS[arm].replace(/[.()]/g, '\\$&')} \\| [^|]+ \\| ${STUDY_SEEDS.length} \\| ${f(seeds.map((r) => r.mono.map! * 100))} \\| ${f(seeds.map((r) => r.cross.map! * 100))} \\| ${f(seeds.map((r) => r.multi.map * 100))} \\|`;
        expect(report).toMatch(new RegExp(row));
        const rd = meanStd(seeds.map((r) => r.multi.rank_distance));
        expect(report).toMatch(new RegExp(`\\| ${ARM_LABELS[arm].replace(/[.()]/g, '\\$&')} \\| ${rd.mean.toFixed(1)} \\| ${rd.std.toFixed(1)} \\|`));
      }
    }
  });

  it('REPORT.md’s seed-level rows are the per-seed differences of the committed result files and their t-test', () => {
    const pv = (x: number) => (x < 0.0001 ? '< 0.0001' : x.toFixed(4));
    const f = (x: number) => formatValue(x, { scale: 100, digits: 2, signed: true });
    for (const d of STUDY_DIRECTIONS) {
      for (const arm of STUDY_ARMS.filter((a) => a !== 'hybrid-0.5')) {
        const figures = (a: string) => new Map(STUDY_SEEDS.map((s) => [s, result(d, a, s).mono.map!]));
        const t = seedDifferenceTest(figures('hybrid-0.5'), figures(arm));
        const row = `| ${ARM_LABELS[arm]} | mono mAP | ${f(t.diff)} | `;
        const line = report.split('\n').find((l) => l.startsWith(row) && l.includes(` | ${t.differences.map(f).join(', ')} | ${pv(t.p)} | ${t.pSignFlip!.toFixed(3)} | `));
        expect(line, `${d} ${arm}`).toBeDefined();
      }
    }
  });

  it('states the query-blind chance level beside every table, as the results record it', () => {
    for (const d of notebook.study!.directions) {
      const chance = d.chance!;
      expect(chance, d.id).toBeDefined();
      for (const arm of d.arms) for (const s of arm.seeds) if (s.result.chance) expect(s.result.chance).toEqual(chance);
      const sentence = `Query-blind chance (mAP × 100; a ranking that ignores the query, on the same pool): mono ${(chance.mono * 100).toFixed(2)}, cross ${(chance.cross! * 100).toFixed(2)}, multi ${(chance.multi * 100).toFixed(2)}`;
      // Table 1 and the tests table of the direction
      expect(report.split(sentence).length - 1, d.id).toBeGreaterThanOrEqual(2);
      expect(report).toContain(`Query-blind rank distance (a ranking that ignores the query): ${chance.rank_distance.toFixed(1)}`);
    }
    // the tuning tables (one per direction)
    expect(report.match(/On the validation split a query-blind ranking scores \d+\.\d\d/g)).toHaveLength(STUDY_DIRECTIONS.length);
  });

  it('the notebook holds the same results, and seed means with per-query APs for the difference heatmaps', () => {
    expect(notebook.study!.directions.map((d) => d.id)).toEqual([...STUDY_DIRECTIONS]);
    for (const d of notebook.study!.directions) {
      for (const arm of d.arms) {
        arm.seeds.forEach((s, i) => expect(s.result).toEqual(result(d.id, arm.arm, STUDY_SEEDS[i]!)));
        const m = meanStd(arm.seeds.map((s) => s.result.cross.map!)).mean;
        expect(arm.mean.cross.map).toBeCloseTo(m, 12);
      }
      for (const [a, b] of d.differences) {
        for (const id of [a, b]) expect(armMeanResult(d.arms.find((x) => x.arm === id)!).per_query).toBeDefined();
      }
    }
  });

  it('every figure REPORT.md shows exists and is an SVG, and no placeholder or to-do marker is left', () => {
    expect(report).not.toContain('{{');
    // drafts of analysis.md mark the prose still to write after the results as [[…]]
    expect(report).not.toContain('[[');
    const figures = [...report.matchAll(/\]\((figures\/[^)]+)\)/g)].map((m) => m[1]!);
    expect(figures.length).toBeGreaterThanOrEqual(2 * (STUDY_ARMS.length + 2));
    for (const f of figures) {
      expect(existsSync(path.join(DIR, f)), f).toBe(true);
      expect(read(f).startsWith('<svg')).toBe(true);
    }
    expect(readdirSync(path.join(DIR, 'figures')).length).toBe(figures.length);
  });
});
