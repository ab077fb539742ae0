import { cp, mkdir, mkdtemp, readFile, readdir, rename, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseNotebook } from '../../core/experiment/notebook';
import { STUDY_ARMS, STUDY_SEEDS } from '../../core/experiment/studyPlan';
import { armMeanResult, comparisonMismatch, meanStd, packResult } from '../../core/experiment/studyResults';
import { COMPARISON_SETTINGS, compareRetrieval, sequentialCellTests, sequentialCountText } from '../../core/metrics/compareRetrieval';
import { seedDifferenceTest } from '../../core/metrics/seedLevelInference';
import { createRng } from '../../core/metrics/rng';
import type { RetrievalResult } from '../../core/metrics/resultSchema';
import { parseRetrievalResult } from '../../core/metrics/resultSchema';
import { initBackend } from '../../core/model/backend';
import { runCli } from './cli.testutil';
import { formatValue } from '../../core/figures/svgText';
import { comparedWord, NOT_OBSERVABLE, recordedChance, survivesSeeds, verdictWord } from './studyBuild';
import { writeFakeStudy } from './fakeStudy.testutil';

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
    await writeFile(
      path.join(out, 'analysis.md'),
      '# Report\n\nHybrid cross: {{mean:mlqa-xquad:hybrid-0.5:cross}} ± {{sd:mlqa-xquad:hybrid-0.5:cross}}; vs X-Y {{diff:mlqa-xquad:hybrid-0.5-xy:cross}} (p {{p:mlqa-xquad:hybrid-0.5-xy:cross}}); {{runs}} runs, {{training-minutes}} min, {{step-seconds}} s/step; {{model}} ({{model-layers}} layers, H {{model-hidden}}), {{steps}} steps at lr {{lr}}, {{validation-percent}} % held out. Against the adversarial arm: mono {{cmp:mlqa-xquad:hybrid-0.5-adversarial:mono}}, cross {{cmp:mlqa-xquad:hybrid-0.5-adversarial:cross}}, multi {{cmp:mlqa-xquad:hybrid-0.5-adversarial:multi}} it. Rank distance against X-X-mono: {{diff:mlqa-xquad:hybrid-0.5-xx-mono:rd}} {{ci:mlqa-xquad:hybrid-0.5-xx-mono:rd}}, p {{p:mlqa-xquad:hybrid-0.5-xx-mono:rd}}, {{cmp:mlqa-xquad:hybrid-0.5-xx-mono:rd}} it; languages {{sig:mlqa-xquad:hybrid-0.5-xx-mono:rd}}. Seeds: cross t p {{seedp:mlqa-xquad:hybrid-0.5-adversarial:cross}}, sign flip {{signp:mlqa-xquad:hybrid-0.5-adversarial:cross}}, {{seeds:mlqa-xquad:hybrid-0.5-adversarial:cross}}; stable cells {{seqsig:mlqa-xquad:hybrid-0.5-adversarial:pairs}}; without own {{mo:mlqa-xquad:hybrid-0.5}} ± {{mosd:mlqa-xquad:hybrid-0.5}}, rd others {{rdo:mlqa-xquad:hybrid-0.5}}.\n',
    );
    const r = await runCli(['study', 'build', study, '--out', out]);
    expect(r.stderr).not.toMatch(/error/i);
    expect(r.code).toBe(0);

    const seeds = await Promise.all(
      STUDY_SEEDS.map(async (s) => parseRetrievalResult(JSON.stringify({ ...JSON.parse(await readFile(path.join(out, 'results', 'mlqa-xquad', 'hybrid-0.5', `seed-${s}.json`), 'utf8')), per_query: { mono: {}, cross: {}, multi: {} } }), 'seed')),
    );
    const { mean, std } = meanStd(seeds.map((x) => x.cross.map! * 100));
    const report = await readFile(path.join(out, 'REPORT.md'), 'utf8');
    expect(report).toContain(`Hybrid cross: ${mean.toFixed(2)} ± ${std.toFixed(2)}; vs X-Y`);
    // 36 runs of 50 s each, both sittings of every (resumed) run counted
    expect(report).toContain('; 36 runs, 30 min, 25.00 s/step; tiny (2 layers, H 32), 2 steps at lr 0.005, 10 % held out.');
    expect(report).not.toContain('{{');
    // the generated Table 1 row of the same arm
    expect(report).toMatch(new RegExp(`\\| Hybrid α=0\\.5 \\| τ 0\\.1 \\| 3 \\| [^|]+ \\| [^|]+ \\| [^|]+ \\| ${mean.toFixed(2)} \\| ${std.toFixed(2)} \\|`));

    const nb = parseNotebook('study.xlir.json', await readFile(path.join(out, 'study.xlir.json'), 'utf8'));
    // chance levels: beside every table, and no verdict where the arms are near them (random embeddings here)
    const chance = nb.study!.directions[0]!.chance!;
    expect(chance.cross).toBeGreaterThan(0);
    expect(report).toContain(`Query-blind chance (mAP × 100; a ranking that ignores the query, on the same pool): mono ${(chance.mono * 100).toFixed(2)}, cross ${(chance.cross! * 100).toFixed(2)}, multi ${(chance.multi * 100).toFixed(2)}.`);
    expect(report).toContain(`Query-blind rank distance (a ranking that ignores the query): ${chance.rank_distance.toFixed(1)}`);
    expect(report).toMatch(/On the validation split a query-blind ranking scores \d+\.\d\d/);
    expect(report).toContain('Against the adversarial arm: mono not observably different at this scale (an arm is below 5× chance) from,');
    expect(report).not.toMatch(/significantly (above|below)/);
    expect(nb.cells[0]).toEqual({ kind: 'study', id: 'study' });
    expect(nb.runs).toHaveLength(12);
    expect(nb.study!.directions.map((d) => d.arms.length)).toEqual([6, 6]);
    const hybrid = nb.study!.directions[0]!.arms.find((a) => a.arm === 'hybrid-0.5')!;
    expect(hybrid.seeds.map((s) => s.result.cross.map)).toEqual(seeds.map((s) => s.cross.map));
    expect(hybrid.mean.per_query_packed).toBeDefined();
    expect(nb.study!.directions[0]!.arms.find((a) => a.arm === 'xy')!.mean.per_query_packed).toBeUndefined();
    // the stored tests are what the app gets by recomputing them from the stored per-query APs
    const d0 = nb.study!.directions[0]!;
    const stored = d0.tests!.find((t) => t.a === 'hybrid-0.5' && t.b === 'adversarial')!;
    const arm = (id: string) => armMeanResult(d0.arms.find((a) => a.arm === id)!) as RetrievalResult;
    const again = compareRetrieval(arm('hybrid-0.5'), arm('adversarial'), { rng: createRng(stored.seed), ...COMPARISON_SETTINGS });
    expect(comparisonMismatch(stored.comparison, again)).toBeNull();
    // the prose's verdicts are the stored tests', gated by the chance level (random embeddings: none observable)
    const adversarial = d0.arms.find((a) => a.arm === 'adversarial')!;
    const verdict = (c: { diff: number; p: number }, s: 'mono' | 'cross' | 'multi') => verdictWord(c, [hybrid.mean[s].map!, adversarial.mean[s].map!], chance[s]);
    const words = (['mono', 'cross', 'multi'] as const).map((x) => `${x} ${verdict(stored.comparison[x], x)}`).join(', ');
    expect(words).toContain(NOT_OBSERVABLE);
    expect(report).toContain(`Against the adversarial arm: ${words} it.`);
    // rank distance: tested from the seed-mean per-query rank distances, quoted in the prose and in its table
    const rd = d0.tests!.find((t) => t.b === 'xx-mono')!.comparison.rank_distance!;
    const f = (x: number) => formatValue(x, { scale: 1, digits: 1, signed: true });
    const p = rd.p < 0.0001 ? '< 0.0001' : rd.p.toFixed(4);
    expect(report).toContain(`Rank distance against X-X-mono: ${f(rd.diff)} [${f(rd.ci[0])}, ${f(rd.ci[1])}], p ${p}, ${NOT_OBSERVABLE} it; languages `);
    expect(rd.meanA).toBeCloseTo(hybrid.mean.multi.rank_distance, 5);
    expect(report).toContain(`| X-X-mono | ${f(rd.diff)} | [${f(rd.ci[0])}, ${f(rd.ci[1])}] | ${p} | `);
    expect(d0.tests!.map((t) => `${t.a}|${t.b}`)).toEqual(d0.differences.map(([a, b]) => `${a}|${b}`));
    // seed-level inference: the t-test and sign flip across seeds of each seed's cross mAP, from the result files
    const seedResults = async (armId: string) => Promise.all(STUDY_SEEDS.map(async (s) => [s, JSON.parse(await readFile(path.join(out, 'results', 'mlqa-xquad', armId, `seed-${s}.json`), 'utf8'))] as const));
    const hy = await seedResults('hybrid-0.5');
    const ad = await seedResults('adversarial');
    const t = seedDifferenceTest(new Map(hy.map(([s, r]) => [s, r.cross.map])), new Map(ad.map(([s, r]) => [s, r.cross.map])));
    const pv = (x: number) => (x < 0.0001 ? '< 0.0001' : x.toFixed(4));
    const stable = sequentialCountText(sequentialCellTests(arm('hybrid-0.5'), arm('adversarial'), { rng: createRng(COMPARISON_SETTINGS.seed) }).pairs);
    const mo = meanStd(hy.map(([, r]) => r.multi.map_excluding_own * 100));
    const rdo = meanStd(hy.map(([, r]) => r.multi.rank_distance_others));
    expect(report).toContain(`Seeds: cross t p ${pv(t.p)}, sign flip ${t.pSignFlip!.toFixed(3)}, ${stored.comparison.cross.p < 0.05 ? '' : 'not significant per query'}`.trimEnd());
    expect(report).toContain(`; stable cells ${stable}; without own ${mo.mean.toFixed(2)} ± ${mo.std.toFixed(2)}, rd others ${rdo.mean.toFixed(1)}.`);
    expect(report).toContain('**Seed-level inference, Hybrid α=0.5 against each arm.**');
    expect(report).toContain('smallest possible p with 3 seeds is 0.250');
    expect(report).toMatch(/\| Adversarial \| cross mAP \| [^|]+ \| [^|]+ \| \[[^\]]+\] \| [^|]+ \| [^|]+ \| 0\.\d{3} \| [^|]+ \|/);
    expect(report).toContain('**Significant cells, stable under another seed.**');
    expect(report).toContain('**Multilingual without the easy answer.**');
    expect(report).toContain(`| Hybrid α=0.5 | ${meanStd(hy.map(([, r]) => r.multi.map * 100)).mean.toFixed(2)} | ${mo.mean.toFixed(2)} | ${mo.std.toFixed(2)} | `);
    const figures = await readdir(path.join(out, 'figures'));
    expect(figures).toContain('mlqa-xquad-hybrid-0.5-minus-adversarial.svg');
    expect(figures.filter((f) => f.endsWith('-map.svg'))).toHaveLength(12);
  });

  it('builds the same example from the study’s record alone (packed results, no full results or weights)', async () => {
    const record = path.join(root, 'record');
    await cp(study, record, { recursive: true });
    for (const f of (await readdir(record, { recursive: true })).filter((f) => path.basename(f) === 'test.json')) {
      const full = path.join(record, f);
      await writeFile(path.join(path.dirname(full), 'test.packed.json'), JSON.stringify(packResult(parseRetrievalResult(await readFile(full, 'utf8'), full))));
      await rm(full);
    }
    const built: Record<string, string>[] = [];
    for (const [from, to] of [
      [study, path.join(root, 'from-study')],
      [record, path.join(root, 'from-record')],
    ] as const) {
      await mkdir(to, { recursive: true });
      await writeFile(path.join(to, 'notebook-intro.md'), '{{runs}} runs.');
      await writeFile(path.join(to, 'analysis.md'), 'Hybrid − adversarial, cross: {{diff:xquad-mlqa:hybrid-0.5-adversarial:cross}} (p {{p:xquad-mlqa:hybrid-0.5-adversarial:cross}}).\n');
      const r = await runCli(['study', 'build', from, '--out', to]);
      expect(r.code).toBe(0);
      const files = (await readdir(to, { recursive: true, withFileTypes: true })).filter((e) => e.isFile()).map((e) => path.relative(to, path.join(e.parentPath, e.name)));
      built.push(Object.fromEntries(await Promise.all(files.map(async (f) => [f, await readFile(path.join(to, f), 'utf8')] as const))));
    }
    expect(Object.keys(built[0]!).length).toBeGreaterThan(30);
    expect(built[1]).toEqual(built[0]);

    // a packed result that is not one: the build names the file and the field
    const bad = path.join(record, 'mlqa-xquad', 'xy', `try-2-seed-${STUDY_SEEDS[0]}`, 'test.packed.json');
    const packed = JSON.parse(await readFile(bad, 'utf8'));
    await writeFile(bad, JSON.stringify({ ...packed, per_query_packed: { ...packed.per_query_packed, mono: { 'en->en': '0.5' } } }));
    const r = await runCli(['study', 'build', record, '--out', path.join(root, 'from-record')]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(`${bad}: per_query_packed: per_query.mono.en->en: 1 values for 4 en queries`);
  });

  it('speaks of the project and the study only: no issue, sitting, session or machine in the example’s templates, its report or its notebook', async () => {
    const words = /\b(issues?|sittings?|sessions?|machines?)\b/i;
    const example = 'examples/study';
    // the hand-written templates of the committed example (the build fills them in)
    const templates = { analysis: await readFile(path.join(example, 'analysis.md'), 'utf8'), intro: await readFile(path.join(example, 'notebook-intro.md'), 'utf8') };
    expect(templates.analysis.match(words)?.[0] ?? null).toBeNull();
    expect(templates.intro.match(words)?.[0] ?? null).toBeNull();
    // a record written by an earlier `xlir study run`, whose configs cite the tracker
    const legacy = path.join(root, 'legacy');
    await cp(study, legacy, { recursive: true });
    for (const f of (await readdir(legacy, { recursive: true })).filter((f) => path.basename(f) === 'config.json')) {
      const file = path.join(legacy, f);
      await writeFile(file, JSON.stringify({ ...JSON.parse(await readFile(file, 'utf8')), description: 'Study (issue 9): X-Y, τ 0.1, seed 1, 2 steps, tiny model.' }));
    }
    const to = path.join(root, 'product');
    await mkdir(to, { recursive: true });
    await writeFile(path.join(to, 'analysis.md'), templates.analysis);
    await writeFile(path.join(to, 'notebook-intro.md'), templates.intro);
    const r = await runCli(['study', 'build', legacy, '--out', to]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const report = await readFile(path.join(to, 'REPORT.md'), 'utf8');
    const notebook = await readFile(path.join(to, 'study.xlir.json'), 'utf8');
    expect(report.match(words)?.[0] ?? null).toBeNull();
    expect(notebook.match(words)?.[0] ?? null).toBeNull();
    expect(notebook).toContain('Example study: X-Y, τ 0.1, seed 1, 2 steps, tiny model.');
  });

  it('carries the probe, the gradient ratio and every arm over training into the notebook, the report and a figure', async () => {
    await writeFile(
      path.join(out, 'analysis.md'),
      '# Report\n\nProbe: {{probe:mlqa-xquad:adversarial}} ± {{probesd:mlqa-xquad:adversarial}} (majority {{probemaj:mlqa-xquad}}); {{probe-effect:mlqa-xquad}} Ratio {{ratio:mlqa-xquad}}, last {{ratiolast:mlqa-xquad}}; probe at step 100: {{curve:mlqa-xquad:xy:probe:100}}.\n',
    );
    const r = await runCli(['study', 'build', study, '--out', out]);
    expect(r.code, r.stderr).toBe(0);
    const nb = parseNotebook('study.xlir.json', await readFile(path.join(out, 'study.xlir.json'), 'utf8'));
    const d = nb.study!.directions.find((x) => x.id === 'mlqa-xquad')!;
    // the curves: each arm at the earlier checkpoint (step 100) and the last step (400), the ratio for the adversarial arm only
    const probe = d.curves!.find((c) => c.key === 'probe')!;
    expect(probe.arms).toHaveLength(STUDY_ARMS.length);
    expect(probe.arms.find((a) => a.arm === 'xy')!.points).toEqual([
      { step: 100, mean: 0.9, lo: 0.9, hi: 0.9, n: 3 },
      { step: 400, mean: 0.75, lo: 0.75, hi: 0.75, n: 3 },
    ]);
    expect(probe.reference).toBe(0.5);
    expect(d.curves!.find((c) => c.key === 'grad_ratio')!.arms.map((a) => a.arm)).toEqual(['adversarial']);
    const adv = d.arms.find((a) => a.arm === 'adversarial')!;
    expect(adv.seeds.map((s) => s.gradRatio!.length)).toEqual([2, 2, 2]);
    // the run records carry the earlier evaluation too, so the runs' "bias over training" panels show it
    expect(nb.runs.find((x) => x.id === adv.seeds[0]!.runId)!.evaluations.map((e) => e.step)).toEqual([100, 400]);
    // hand-worked from the fake study: the adversarial arm is the 6th of the direction, its seeds the 16th to 18th
    // runs, so probe 0.66, 0.67, 0.68 against X-X-mono's 0.75: Δ −0.09, −0.08, −0.07, t = −0.08 / (0.01/√3),
    // p = 1 − |t|/√(t² + 2) = 0.0052 (df 2); ratio 0.01 (step 10) or 0.02 (step 400) + (15..17)/1000: seed means 0.030,
    // 0.031, 0.032 and last values 0.035, 0.036, 0.037
    const report = await readFile(path.join(out, 'REPORT.md'), 'utf8');
    expect(report).toContain(
      "Probe: 67.0 ± 1.0 (majority 50.0); Adversarial lowers what the probe reads: its accuracy is -8.00 points against X-X-mono's (per seed -9.00, -8.00, -7.00; t-test across seeds p = 0.0052, df 2; sign flip p = 0.250). Ratio 0.031, last 0.036; probe at step 100: 90.00.",
    );
    expect(report).toContain('**Does the adversary act? The language-ID probe.**');
    expect(report).toContain('**Does the adversary act? Its gradient.**');
    expect(report).toContain('![mlqa-xquad-over-training.svg](figures/mlqa-xquad-over-training.svg)');
    const svg = await readFile(path.join(out, 'figures', 'mlqa-xquad-over-training.svg'), 'utf8');
    expect(svg).toContain('data-panel="grad_ratio"');
    // the seed-mean heatmaps show each cell's spread over the seeds
    expect(await readFile(path.join(out, 'figures', 'mlqa-xquad-xy-map.svg'), 'utf8')).toContain('class="spread"');
  });

  it('words a difference by its test: above or below only when p < 0.05', () => {
    expect(comparedWord({ diff: 0.012, p: 0.0001 })).toBe('significantly above');
    expect(comparedWord({ diff: -0.012, p: 0.049 })).toBe('significantly below');
    expect(comparedWord({ diff: 0.03, p: 0.05 })).toBe('not significantly different from');
    expect(comparedWord({ diff: -0.03, p: 0.6 })).toBe('not significantly different from');
  });

  it('reads the chance level from the results that record it, and refuses results of different pools', () => {
    const level = { mono: 0.1, cross: 0.1, multi: 0.05, rank_distance: 3, per_language: {}, candidates: { en: 10 } };
    expect(recordedChance([{}, { chance: level }, { chance: { ...level } }], 'D')).toEqual(level);
    expect(() => recordedChance([{}, {}], 'D: results')).toThrow(/^D: results: no result records its query-blind chance level/);
    expect(() => recordedChance([{ chance: level }, { chance: { ...level, candidates: { en: 11 } } }], 'D')).toThrow(/different chance levels/);
  });

  it('lets a conclusion survive the seeds only when the per-query test, the seeds × questions CI and the seed t-test agree', () => {
    const sl = (lo: number, hi: number, p: number) => ({ boot: { diff: 0, lo, hi, level: 0.95, resamples: 1 }, test: { kind: 'paired' as const, diff: 0, differences: [], t: 0, df: 2, p, pSignFlip: 0.25, pSignFlipMin: 0.25 } });
    expect(survivesSeeds(0.01, sl(0.1, 0.2, 0.01))).toBe(true);
    expect(survivesSeeds(0.01, sl(-0.2, -0.1, 0.01))).toBe(true);
    expect(survivesSeeds(0.01, sl(-0.1, 0.2, 0.01))).toBe(false);
    expect(survivesSeeds(0.01, sl(0.1, 0.2, 0.2))).toBe(false);
    expect(survivesSeeds(0.2, sl(0.1, 0.2, 0.01))).toBe(false);
  });

  it('gives a verdict only where both arms reach 5× the query-blind level', () => {
    const c = { diff: 0.02, p: 0.001 };
    expect(verdictWord(c, [0.06, 0.05], 0.01)).toBe('significantly above');
    expect(verdictWord(c, [0.06, 0.0499], 0.01)).toBe(NOT_OBSERVABLE);
    expect(verdictWord({ diff: 0.001, p: 0.4 }, [0.3, 0.3], 0.01)).toBe('not significantly different from');
    expect(verdictWord(c, [0.3, 0.3], null)).toBe(NOT_OBSERVABLE);
  });

  it('refuses a study-options.json that is not a study’s, naming the file and the field', async () => {
    const file = path.join(study, 'study-options.json');
    const good = await readFile(file, 'utf8');
    try {
      await writeFile(file, JSON.stringify({ ...JSON.parse(good), model: 'huge' }));
      const r = await runCli(['study', 'build', study, '--out', out]);
      expect(r.code).toBe(1);
      expect(r.stderr).toContain(file);
      expect(r.stderr).toMatch(/model.*expected one of multilingual, tiny, small, got "huge"/);
    } finally {
      await writeFile(file, good);
    }
  });

  it('refuses a report placeholder it cannot fill, naming analysis.md', async () => {
    // A file the build would not write again: a build that cleared figures/ before failing would lose it.
    await writeFile(path.join(out, 'figures', 'kept-by-a-failed-build.svg'), '<svg/>');
    const before = { report: await readFile(path.join(out, 'REPORT.md'), 'utf8'), figures: await readdir(path.join(out, 'figures')), results: await readdir(path.join(out, 'results', 'mlqa-xquad', 'xy')) };
    await writeFile(path.join(out, 'analysis.md'), 'cross {{mean:mlqa-xquad:hybrid-0.9:cross}}\n');
    const r = await runCli(['study', 'build', study, '--out', out]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/analysis\.md: unknown placeholder \{\{mean:mlqa-xquad:hybrid-0\.9:cross\}\}/);
    // the failed build left the earlier one as it was
    expect(await readFile(path.join(out, 'REPORT.md'), 'utf8')).toBe(before.report);
    expect(await readdir(path.join(out, 'figures'))).toEqual(before.figures);
    expect(before.figures.length).toBeGreaterThan(0);
    expect(await readdir(path.join(out, 'results', 'mlqa-xquad', 'xy'))).toEqual(before.results);
  });

  it('says which hand-written prose file the output folder lacks, before building anything', async () => {
    const bare = path.join(root, 'bare-out');
    await mkdir(bare, { recursive: true });
    await writeFile(path.join(bare, 'notebook-intro.md'), 'What was run.');
    const r = await runCli(['study', 'build', study, '--out', bare]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(`${path.join(bare, 'analysis.md')} is missing`);
    expect(r.stderr).not.toMatch(/internal error/);
    expect(await readdir(bare)).toEqual(['notebook-intro.md']);
  });

  it('says a study whose runs are not all done is not finished, and how to continue it', async () => {
    const unfinished = path.join(root, 'unfinished');
    await mkdir(unfinished, { recursive: true });
    const r = await runCli(['study', 'build', unfinished, '--out', out]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(`${unfinished} is not a finished study: choices.json is written when \`xlir study run --out ${unfinished}\``);
    expect(await readdir(path.join(out, 'figures'))).not.toHaveLength(0);

    // a run whose evaluation is missing (the last arm loaded): the error names the file; nothing was removed
    const before = { figures: await readdir(path.join(out, 'figures')), results: await readdir(path.join(out, 'results', 'mlqa-xquad', 'xy')) };
    const test = path.join(study, 'xquad-mlqa', 'adversarial', `try-2-seed-${STUDY_SEEDS[2]}`, 'test.json');
    await rename(test, `${test}.away`);
    try {
      const missing = await runCli(['study', 'build', study, '--out', out]);
      expect(missing.code).toBe(1);
      expect(missing.stderr).toContain(test);
    } finally {
      await rename(`${test}.away`, test);
    }
    expect(await readdir(path.join(out, 'figures'))).toEqual(before.figures);
    expect(await readdir(path.join(out, 'results', 'mlqa-xquad', 'xy'))).toEqual(before.results);
  });
});
