import { mkdir, mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseNotebook } from '../../core/experiment/notebook';
import { parseRunConfig } from '../../core/experiment/runConfig';
import { runName, STUDY_ARMS, STUDY_DIRECTIONS, STUDY_SEEDS, trySettings } from '../../core/experiment/studyPlan';
import { meanStd } from '../../core/experiment/studyResults';
import { evaluateRetrieval } from '../../core/metrics/evaluateRetrieval';
import { handDataset } from '../../core/metrics/handDataset';
import { parseRetrievalResult } from '../../core/metrics/resultSchema';
import { createRng } from '../../core/metrics/rng';
import { initBackend } from '../../core/model/backend';
import { TEST_RUN_CONFIG } from '../../core/testing/runConfigFixture';
import { runCli } from './cliTestUtils';
import type { ArmChoice } from './studyRun';

const DATA = handDataset('xquad-r', {
  en: { sentences: ['e0', 'e1', 'e2', 'e3'], questions: [['q1', 0], ['q2', 2], ['q3', 1], ['q4', 3]] },
  de: { sentences: ['d0', 'd1', 'd2', 'd3'], questions: [['q1', 1], ['q2', 0], ['q3', 3], ['q4', 2]] },
});

/** A finished study folder as `xlir study run` leaves it, with random-embedding results. */
async function writeFakeStudy(root: string): Promise<void> {
  const choices: ArmChoice[] = [];
  let seedNo = 0;
  for (const direction of STUDY_DIRECTIONS) {
    for (const arm of STUDY_ARMS) {
      const settings = trySettings(arm, 0.05);
      choices.push({
        direction,
        arm,
        chosen: 1,
        tries: settings.map((setting, i) => ({ setting, run: runName(direction, arm, i + 1, STUDY_SEEDS[0]), validation: { 'mono.map': 0.1 * i, 'cross.map': 0, 'multi.map': 0 }, score: (0.1 * i) / 3 })),
      });
      for (const seed of STUDY_SEEDS) {
        const dir = path.join(root, runName(direction, arm, 2, seed));
        await mkdir(dir, { recursive: true });
        await writeFile(path.join(dir, 'config.json'), JSON.stringify(parseRunConfig({ ...TEST_RUN_CONFIG, seed }, 't')));
        const log = (step: number) => ({ step, loss: 1, retrieval_loss: 1, adv_loss: null, disc_acc: null, disc_chance: null, lambda: null, lr: 0.001, grad_norm: 1, seconds: step * 30, batch: { kind: 'mono', pairs: { 'en->en': 4 } } });
        await writeFile(path.join(dir, 'log.jsonl'), `${JSON.stringify(log(1))}\n${JSON.stringify(log(2))}\n`);
        const rng = createRng(++seedNo);
        const vec = (n: number) => Float32Array.from({ length: n * 4 }, () => rng.float() - 0.5);
        const r = await evaluateRetrieval(DATA, { queries: vec(DATA.queries.length), candidates: vec(DATA.candidates.length), dim: 4 });
        await writeFile(path.join(dir, 'test.json'), JSON.stringify(r));
      }
    }
  }
  await writeFile(path.join(root, 'choices.json'), JSON.stringify(choices));
  await writeFile(path.join(root, 'study-options.json'), JSON.stringify({ steps: 2, model: 'tiny', lr: 0.005, validationFraction: 0.1 }));
}

describe('xlir study build', () => {
  let root: string;
  let study: string;
  let out: string;
  beforeAll(async () => {
    await initBackend('cpu');
    root = await mkdtemp(path.join(os.tmpdir(), 'xlir-study-'));
    study = path.join(root, 'study');
    out = path.join(root, 'example');
    await writeFakeStudy(study);
    await mkdir(out, { recursive: true });
    await writeFile(path.join(out, 'notebook-intro.md'), 'What was run.');
  });
  afterAll(async () => {
    await rm(root, { recursive: true, force: true });
  });

  it('writes results, a notebook that opens, figures and a report whose numbers are the files’', async () => {
    await writeFile(path.join(out, 'analysis.md'), '# Report\n\nHybrid cross: {{mean:mlqa-xquad:hybrid-0.5:cross}} ± {{sd:mlqa-xquad:hybrid-0.5:cross}}; vs X-Y {{diff:mlqa-xquad:hybrid-0.5-xy:cross}} (p {{p:mlqa-xquad:hybrid-0.5-xy:cross}}); {{runs}} runs.\n');
    const r = await runCli(['study', 'build', study, '--out', out]);
    expect(r.stderr).not.toMatch(/error/i);
    expect(r.code).toBe(0);

    const seeds = await Promise.all(STUDY_SEEDS.map(async (s) => parseRetrievalResult(JSON.stringify({ ...JSON.parse(await readFile(path.join(out, 'results', 'mlqa-xquad', 'hybrid-0.5', `seed-${s}.json`), 'utf8')), per_query: { mono: {}, cross: {}, multi: {} } }), 'seed')));
    const { mean, std } = meanStd(seeds.map((x) => x.cross.map! * 100));
    const report = await readFile(path.join(out, 'REPORT.md'), 'utf8');
    expect(report).toContain(`Hybrid cross: ${mean.toFixed(2)} ± ${std.toFixed(2)}; vs X-Y`);
    expect(report).toMatch(/; 36 runs\./);
    expect(report).not.toContain('{{');
    // the generated Table 1 row of the same arm
    expect(report).toMatch(new RegExp(`\\| Hybrid α=0\\.5 \\| τ 0\\.1 \\| 3 \\| [^|]+ \\| [^|]+ \\| ${mean.toFixed(2)} \\| ${std.toFixed(2)} \\|`));

    const nb = parseNotebook('study.xlir.json', await readFile(path.join(out, 'study.xlir.json'), 'utf8'));
    expect(nb.cells[0]).toEqual({ kind: 'study', id: 'study' });
    expect(nb.runs).toHaveLength(12);
    expect(nb.study!.directions.map((d) => d.arms.length)).toEqual([6, 6]);
    const hybrid = nb.study!.directions[0]!.arms.find((a) => a.arm === 'hybrid-0.5')!;
    expect(hybrid.seeds.map((s) => s.result.cross.map)).toEqual(seeds.map((s) => s.cross.map));
    expect(hybrid.mean.per_query_packed).toBeDefined();
    expect(nb.study!.directions[0]!.arms.find((a) => a.arm === 'xy')!.mean.per_query_packed).toBeUndefined();
    const figures = await readdir(path.join(out, 'figures'));
    expect(figures).toContain('mlqa-xquad-hybrid-0.5-minus-adversarial.svg');
    expect(figures.filter((f) => f.endsWith('-map.svg'))).toHaveLength(12);
  });

  it('refuses a report placeholder it cannot fill, naming analysis.md', async () => {
    await writeFile(path.join(out, 'analysis.md'), 'cross {{mean:mlqa-xquad:hybrid-0.9:cross}}\n');
    const r = await runCli(['study', 'build', study, '--out', out]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/analysis\.md: unknown placeholder \{\{mean:mlqa-xquad:hybrid-0\.9:cross\}\}/);
  });
});
