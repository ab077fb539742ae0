/**
 * `xlir study build STUDYDIR --out examples/study`: turns a finished study folder (`xlir study run`) into
 * the committed example:
 *  - `results/<direction>/<arm>/seed-<seed>.json`: each kept run's evaluation (no per-query APs; see
 *    `studyResults.ts` for why) and `tuning.json`: every try's setting and validation figures;
 *  - `study.xlir.json`: a notebook with the study cell (seed means, tables, difference heatmaps with tests)
 *    and the first seed's run of every arm (logs for the loss and batch panels);
 *  - `figures/*.svg`: the same heatmaps and strips as the app's SVG export;
 *  - `REPORT.md`: `analysis.md` (the prose, with `{{…}}` placeholders for numbers) filled in and framed by
 *    generated tables, so every number in it comes from the files above; `notebook-intro.md` (the study
 *    cell's text) is filled in the same way.
 * Nothing in the example folder changes until the whole build has succeeded.
 */
import { readFileSync } from 'node:fs';
import { readFile, mkdir, writeFile, readdir, rm } from 'node:fs/promises';
import path from 'node:path';
import { parseJsonText } from '../../core/data/parseJsonText';
import { ConfigError, DataFormatError } from '../../core/errors';
import { createDefaultNotebook, serializeNotebook, type Notebook, type RunRecord } from '../../core/experiment/notebook';
import type { RunConfig } from '../../core/experiment/runConfig';
import { trainingSeconds as loggedTrainingSeconds, type StepLog } from '../../core/experiment/runLog';
import { ARM_LABELS, parseStudyOptions, validationScore, runName, STUDY_ARMS, STUDY_DIRECTIONS, STUDY_SEEDS, type StudyArm, type StudyDirection as DirectionId, type StudyOptions } from '../../core/experiment/studyPlan';
import { meanResult, meanStd, packPerQuery, packResult, parsePackedResult, summarizeResult, unpackResult, unpackPerQuery, type StoredSeedLevel, type Study, type StudyArm as StoredArm, type StudyDirection } from '../../core/experiment/studyResults';
import { BUILTIN_CONFIGS, isPretrainedModel, type PretrainedModel } from '../../core/model/builtinConfigs';
import { parseHfConfig } from '../../core/model/hfConfig';
import type { EncoderConfig } from '../../core/model/types';
import { batchStripSvg } from '../../core/figures/batchStripSvg';
import { heatmapSvg } from '../../core/figures/heatmapSvg';
import { differenceHeatmapSpec, mapHeatmapSpec } from '../../core/figures/resultFigures';
import { chanceMapSentence, chanceRankDistanceSentence } from '../../core/figures/chanceText';
import { storedSequentialFamily, studyRankDistanceTable, studySeedLevelTable, studySequentialTable, studySummaryTable, studyWithoutOwnTable, survivesSeedLevel } from '../../core/figures/studyTables';
import type { ChanceLevels } from '../../core/metrics/chanceLevel';
import { formatValue } from '../../core/figures/svgText';
import { formatCell, type TableSpec } from '../../core/figures/table';
import { COMPARISON_SETTINGS, compareRetrieval, sequentialCellTests, sequentialCountText, type RetrievalComparison, type SequentialComparison } from '../../core/metrics/compareRetrieval';
import { hierarchicalBootstrapCI, padUnits, questionUnits, seedDifferenceTest, type HierarchicalBootstrapResult, type SeedDifferenceTest } from '../../core/metrics/seedLevelInference';
import { parseRetrievalResult, type RetrievalResult } from '../../core/metrics/resultSchema';
import { createRng } from '../../core/metrics/rng';
import { pretrainedModelDir } from '../pretrainedModel';
import { exists, readRunConfig, readStepLog } from '../runDir';
import type { ArmChoice } from './studyRun';
import { CHOICES_FILE, STUDY_OPTIONS_FILE, TEST_PACKED_FILE, TEST_RESULT_FILE, TEST_STEPS_FILE } from './studyRun';
import { significantCells } from './significantCells';
import { parseTestSteps, studyCurvePanels, type CurveArmInput, type TestStepLine } from '../../core/experiment/studyCurves';
import { seedBandSvg } from '../../core/figures/seedBandSvg';
import { adversaryProbeEffect, adversaryProbeSentence, studyGradientRatioTable, studyProbeTable } from '../../core/figures/studyBias';
import { readJsonFile } from '../trecFiles';

export const DIRECTION_LABELS: Record<DirectionId, string> = {
  'mlqa-xquad': 'MLQA-R → XQuAD-R (train on MLQA-R, 7 languages; evaluate zero-shot on XQuAD-R, 11)',
  'xquad-mlqa': 'XQuAD-R → MLQA-R (train on XQuAD-R, 9 languages; evaluate zero-shot on MLQA-R, 7)',
};

/** The difference heatmaps of the study: Hybrid − Adversarial and Hybrid − X-X-mono. */
export const STUDY_DIFFERENCES: [StudyArm, StudyArm][] = [
  ['hybrid-0.5', 'adversarial'],
  ['hybrid-0.5', 'xx-mono'],
];
/** The report also tests Hybrid against every other arm (setting level). */
const HYBRID: StudyArm = 'hybrid-0.5';

/** Run ids in the notebook: `mlqa-xquad-hybrid-0_5-s20240813`. */
export function studyRunId(direction: DirectionId, arm: StudyArm, seed: number): string {
  return `${direction}-${arm.replace('.', '_')}-s${seed}`;
}

function settingText(c: ArmChoice['tries'][number]['setting']): string {
  return `τ ${c.tau}${c.lambdaMax !== undefined ? `, λ_max ${c.lambdaMax}` : ''}`;
}

interface LoadedArm {
  arm: StudyArm;
  choice: ArmChoice;
  /** `steps`: the run's test-set evaluations at its earlier checkpoints (`test-steps.jsonl`; empty without one) */
  seeds: { seed: number; config: RunConfig; logs: StepLog[]; result: RetrievalResult; steps: TestStepLine[]; name: string }[];
  mean: RetrievalResult;
}

/**
 * A kept run's evaluation, always read through its packed form (`PackedResultSchema`): from the record's
 * `test.packed.json`, or packed here from the full `test.json` of a study folder that has no packed one
 * yet, so both give the same numbers.
 */
async function readKeptResult(dir: string): Promise<RetrievalResult> {
  const fromRecord = await exists(path.join(dir, TEST_PACKED_FILE));
  const file = path.join(dir, fromRecord ? TEST_PACKED_FILE : TEST_RESULT_FILE);
  const text = await readFile(file, 'utf8');
  const packed = fromRecord ? parsePackedResult(text, file) : packResult(parseRetrievalResult(text, file));
  try {
    return unpackResult(packed);
  } catch (err) {
    throw new DataFormatError(file, 'per_query_packed', err instanceof Error ? err.message : String(err));
  }
}

/**
 * Runs recorded by an earlier `xlir study run` describe themselves as "Study (issue 9): …", a tracker's
 * word; the example (a product document) names the study only, so it reads "Example study: …".
 */
export function exampleConfig(config: RunConfig): RunConfig {
  return config.description === undefined ? config : { ...config, description: config.description.replace(/^Study \(issue \d+\):/, 'Example study:') };
}

/**
 * The validation results of every tuning try (`<try>/validation/step-<steps>.json`), for the chance level
 * of the tuning scores: all tries of a direction are scored on the first seed's held-out questions.
 */
async function validationResults(root: string, arms: readonly LoadedArm[], steps: number): Promise<RetrievalResult[]> {
  const out: RetrievalResult[] = [];
  for (const a of arms) {
    for (const t of a.choice.tries) {
      const file = path.join(root, t.run, 'validation', `step-${steps}.json`);
      if (await exists(file)) out.push(parseRetrievalResult(await readFile(file, 'utf8'), file));
    }
  }
  return out;
}

async function loadArm(root: string, choice: ArmChoice): Promise<LoadedArm> {
  const seeds = [];
  for (const seed of STUDY_SEEDS) {
    const name = runName(choice.direction, choice.arm, choice.chosen + 1, seed);
    const dir = path.join(root, name);
    const result = await readKeptResult(dir);
    const config = exampleConfig(await readRunConfig(dir));
    const stepsFile = path.join(dir, TEST_STEPS_FILE);
    const steps = (await exists(stepsFile)) ? parseTestSteps(await readFile(stepsFile, 'utf8'), stepsFile) : [];
    const late = steps.find((l) => l.step >= config.steps);
    if (late) throw new DataFormatError(stepsFile, `step ${late.step}`, `holds the evaluations before the last step (${config.steps}), whose result is ${TEST_PACKED_FILE}`);
    seeds.push({ seed, config, logs: await readStepLog(dir), result, steps, name });
  }
  const mean = meanResult(seeds.map((s) => s.result));
  // Round the per-query means exactly as the notebook stores them, so the report's tests are the app's.
  return { arm: choice.arm, choice, seeds, mean: { ...mean, per_query: unpackPerQuery(packPerQuery(mean.per_query)) } };
}

function runRecord(direction: DirectionId, arm: LoadedArm, seed: LoadedArm['seeds'][number], createdAt: string): RunRecord {
  return {
    id: studyRunId(direction, arm.arm, seed.seed),
    name: `${ARM_LABELS[arm.arm]} · ${direction} · seed ${seed.seed}`,
    config: seed.config,
    backend: 'wasm',
    sampledEvalEvery: 0,
    status: 'done',
    error: null,
    createdAt,
    logs: seed.logs,
    evaluations: [...seed.steps.map((l) => ({ step: l.step, kind: 'full' as const, result: l.result })), { step: seed.config.steps, kind: 'full', result: summarizeResult(seed.result) }],
    checkpoints: [],
  };
}

/** The arms as `studyCurvePanels` reads them: each seed's step log and its test-set evaluations, the last one included. */
function curveInputs(arms: readonly LoadedArm[]): CurveArmInput[] {
  return arms.map((a) => ({ arm: a.arm, label: ARM_LABELS[a.arm], seeds: a.seeds.map((s) => ({ logs: s.logs, evaluations: [...s.steps, { step: s.config.steps, result: s.result }] })) }));
}

/** [step, ratio] of every step the log measured ‖g_adv‖ / ‖g_ret‖ at (adversarial runs); undefined when none. */
function gradRatioOf(logs: readonly StepLog[]): [number, number][] | undefined {
  const points = logs.flatMap((l) => (typeof l.grad_ratio === 'number' && Number.isFinite(l.grad_ratio) ? [[l.step, l.grad_ratio] as [number, number]] : []));
  return points.length ? points : undefined;
}

function markdownTable(spec: TableSpec): string {
  const cols = spec.columns;
  const lines = [`| ${cols.map((c) => c.label).join(' | ')} |`, `|${cols.map((c) => (c.digits === undefined ? '---' : '---:')).join('|')}|`];
  for (const row of spec.rows) lines.push(`| ${cols.map((c) => formatCell(row[c.key], c)).join(' | ')} |`);
  return lines.join('\n');
}

const pct = (x: number) => formatValue(x, { scale: 100, digits: 2 });
const signedPct = (x: number) => formatValue(x, { scale: 100, digits: 2, signed: true });
const signedRd = (x: number) => formatValue(x, { scale: 1, digits: 1, signed: true });
const pValue = (p: number) => (p < 0.0001 ? '< 0.0001' : p.toFixed(4));
/** Level of every test the report calls significant: one setting's test, or a cell's after Holm. */
const SIGNIFICANCE = 0.05;
/** How a difference a − b reads in prose: "a is … b", from its test, so a sentence cannot contradict its p. */
export const comparedWord = (c: { diff: number; p: number }): string => (c.p >= SIGNIFICANCE ? 'not significantly different from' : c.diff > 0 ? 'significantly above' : 'significantly below');

/**
 * A setting carries a verdict only when both arms retrieve: each arm's mean at least this multiple of the
 * query-blind level (the bar issue 19 set for a model that "really retrieves"). Below it a difference between
 * two arms is a difference between two near-random rankings, and the report says so instead of ranking them.
 */
export const OBSERVABLE_MULTIPLE = 5;
export const NOT_OBSERVABLE = `not observably different at this scale (an arm is below ${OBSERVABLE_MULTIPLE}× chance) from`;

/**
 * The verdict on a − b in words: {@link comparedWord} when both arms' means reach
 * {@link OBSERVABLE_MULTIPLE}× the setting's query-blind level, else {@link NOT_OBSERVABLE}.
 */
export function verdictWord(c: { diff: number; p: number }, means: readonly [number, number], chance: number | null): string {
  const observable = chance !== null && means.every((m) => m >= OBSERVABLE_MULTIPLE * chance);
  return observable ? comparedWord(c) : NOT_OBSERVABLE;
}

/**
 * The query-blind level of an evaluation, from the results that record it (`RetrievalResult.chance`). It
 * depends only on the pool, so every result of one evaluation set must agree; results written before it
 * was recorded carry none and are skipped.
 * @throws ConfigError when none records it or two disagree
 */
export function recordedChance(results: readonly { chance?: ChanceLevels }[], what: string): ChanceLevels {
  const found = results.flatMap((r) => (r.chance ? [r.chance] : []));
  if (found.length === 0) throw new ConfigError(`${what}: no result records its query-blind chance level (results written by an older xlir); evaluate a run of it again`);
  const text = JSON.stringify(found[0]);
  if (found.some((c) => JSON.stringify(c) !== text)) throw new ConfigError(`${what}: the results record different chance levels, so they were not scored on one pool`);
  return found[0]!;
}

/** The figures seed-level inference tests: the three settings' mAP and the multilingual rank distance. */
const SEED_FIGURES = ['mono', 'cross', 'multi', 'rd'] as const;
type SeedFigure = (typeof SEED_FIGURES)[number];

interface SeedLevel {
  boot: HierarchicalBootstrapResult;
  test: SeedDifferenceTest;
}

const seedFigure = (r: RetrievalResult, f: SeedFigure): number => (f === 'rd' ? r.multi.rank_distance : (r[f].map ?? NaN));

/**
 * Hybrid against another arm with the seed as a random effect (`metrics/seedLevelInference.ts`): per
 * figure, the seeds × questions bootstrap CI of the difference of seed means (from every seed's per-query
 * values) and the t-test of the per-seed differences.
 */
function seedLevelTests(a: LoadedArm, b: LoadedArm, seed: number): Map<SeedFigure, SeedLevel> {
  const out = new Map<SeedFigure, SeedLevel>();
  for (const f of SEED_FIGURES) {
    const setting = f === 'rd' ? 'rank_distance' : f;
    if (a.seeds.concat(b.seeds).some((s) => !s.result.per_query[setting])) continue;
    const questions = new Map<string, number>();
    const units = (arm: LoadedArm) => arm.seeds.map((s) => questionUnits(s.result.per_query[setting]!, questions));
    const ua = units(a);
    const ub = units(b);
    const pad = (xs: Float64Array[]) => xs.map((u) => padUnits(u, questions.size));
    const boot = hierarchicalBootstrapCI(pad(ua), pad(ub), { rng: createRng(seed), resamples: SEED_RESAMPLES, level: COMPARISON_SETTINGS.level });
    const figures = (arm: LoadedArm) => new Map(arm.seeds.map((s) => [s.seed, seedFigure(s.result, f)]));
    out.set(f, { boot, test: seedDifferenceTest(figures(a), figures(b)) });
  }
  return out;
}

/** Resamples of the seeds × questions bootstrap (each costs a pass over every seed's questions). */
const SEED_RESAMPLES = 5000;

/**
 * A conclusion survives seed-level inference when the per-query test calls it significant, the seeds ×
 * questions CI excludes 0 and the t-test across seeds rejects at {@link SIGNIFICANCE}.
 */
export function survivesSeeds(perQueryP: number, s: SeedLevel): boolean {
  return survivesSeedLevel(perQueryP, { lo: s.boot.lo, hi: s.boot.hi, p: s.test.p }, SIGNIFICANCE);
}

/** The seed-level tests of a direction as the notebook keeps them (one row per tested pair and figure). */
function storedSeedLevel(seedLevel: Map<string, Map<SeedFigure, SeedLevel>>, tests: Map<string, RetrievalComparison>): StoredSeedLevel[] {
  return [...seedLevel].flatMap(([key, figures]) =>
    [...figures].map(([f, sl]): StoredSeedLevel => {
      const cmp = tests.get(key)!;
      const perQueryP = f === 'rd' ? cmp.rank_distance?.p : cmp[f].p;
      const { diff, lo, hi, level, resamples } = sl.boot;
      return { a: HYBRID, b: key.slice(HYBRID.length + 1), figure: f, perQueryP: perQueryP ?? null, diff, lo, hi, level, resamples, differences: sl.test.differences, p: sl.test.p, pSignFlip: sl.test.pSignFlip };
    }),
  );
}

/**
 * Numbers the analysis may quote, by placeholder name (D a direction, A an arm, S mono | cross | multi):
 *  - `mean:D:A:S`, `sd:D:A:S` (mAP × 100 over seeds), `mean:D:A:rd`, `sd:D:A:rd` (rank distance);
 *  - `chance:D:S`, `chance:D:rd` (the query-blind level of the evaluation pool) and `x:D:A:S`, `x:D:A:rd`
 *    (an arm's mean as a multiple of it);
 *  - for each tested pair `hybrid-0.5-A`: `diff:D:hybrid-0.5-A:S`, `ci:…`, `p:…`, `cmp:…` (the verdict in
 *    words, or "not observably different at this scale" when an arm is below {@link OBSERVABLE_MULTIPLE}× chance) and
 *    `sig:…` (pair cells significant after Holm); and the same with S = `rd` (rank distance, Holm over query
 *    languages, read only when multi is observable) when the results hold per-query rank distances.
 *  - seed-level inference of each tested pair (S also `rd`): `seedci:…` (seeds × questions 95 % CI),
 *    `seedp:…` (t-test across seeds), `signp:…` (exact sign flip over seeds), `seeds:…` ("survives" /
 *    "does not survive" / "not significant per query");
 *  - `seqsig:D:hybrid-0.5-A:pairs` / `:multi` (significant cells under sequential permutation testing, with
 *    their Monte-Carlo error);
 *  - `mo:D:A`, `mosd:D:A`, `xmo:D:A` (multi mAP × 100 without the query-language answer, mean, sd, × chance),
 *    `rdo:D:A`, `rdosd:D:A`, `xrdo:D:A` (rank distance over the other languages), `chance:D:mo`, `chance:D:rdo`,
 *    `diff:D:hybrid-0.5-A:mo` / `:rdo` with `seedp:…` for them, when the results record them.
 * The run, compute and option placeholders are added by {@link buildStudy}.
 */
function placeholders(
  directions: { id: DirectionId; arms: LoadedArm[]; tests: Map<string, RetrievalComparison>; chance: ChanceLevels; seedLevel: Map<string, Map<SeedFigure, SeedLevel>>; sequential: Map<string, SequentialComparison> }[],
): Map<string, string> {
  const out = new Map<string, string>();
  for (const d of directions) {
    for (const s of ['mono', 'cross', 'multi'] as const) out.set(`chance:${d.id}:${s}`, pct(d.chance[s] ?? NaN));
    out.set(`chance:${d.id}:rd`, d.chance.rank_distance.toFixed(1));
    const meanMap = (arm: StudyArm, s: 'mono' | 'cross' | 'multi') => meanStd(d.arms.find((a) => a.arm === arm)!.seeds.map((x) => x.result[s].map ?? NaN)).mean;
    for (const a of d.arms) {
      for (const s of ['mono', 'cross', 'multi'] as const) {
        const { mean, std } = meanStd(a.seeds.map((x) => x.result[s].map ?? NaN));
        out.set(`mean:${d.id}:${a.arm}:${s}`, pct(mean));
        out.set(`sd:${d.id}:${a.arm}:${s}`, pct(std));
        out.set(`x:${d.id}:${a.arm}:${s}`, `${(mean / (d.chance[s] ?? NaN)).toFixed(1)}×`);
      }
      const rd = meanStd(a.seeds.map((x) => x.result.multi.rank_distance));
      out.set(`mean:${d.id}:${a.arm}:rd`, rd.mean.toFixed(1));
      out.set(`sd:${d.id}:${a.arm}:rd`, rd.std.toFixed(1));
      out.set(`x:${d.id}:${a.arm}:rd`, `${(rd.mean / d.chance.rank_distance).toFixed(2)}×`);
    }
    for (const [key, cmp] of d.tests) {
      const other = key.slice(HYBRID.length + 1) as StudyArm;
      const verdict = (c: { diff: number; p: number }, s: 'mono' | 'cross' | 'multi') => verdictWord(c, [meanMap(HYBRID, s), meanMap(other, s)], d.chance[s]);
      for (const s of ['mono', 'cross', 'multi'] as const) {
        out.set(`diff:${d.id}:${key}:${s}`, signedPct(cmp[s].diff));
        out.set(`ci:${d.id}:${key}:${s}`, `[${signedPct(cmp[s].ci[0])}, ${signedPct(cmp[s].ci[1])}]`);
        out.set(`p:${d.id}:${key}:${s}`, pValue(cmp[s].p));
        out.set(`cmp:${d.id}:${key}:${s}`, verdict(cmp[s], s));
        out.set(`sig:${d.id}:${key}:${s}`, significantCells(Object.values(cmp[s].cells), SIGNIFICANCE));
      }
      const rd = cmp.rank_distance;
      if (rd) {
        out.set(`diff:${d.id}:${key}:rd`, signedRd(rd.diff));
        out.set(`ci:${d.id}:${key}:rd`, `[${signedRd(rd.ci[0])}, ${signedRd(rd.ci[1])}]`);
        out.set(`p:${d.id}:${key}:rd`, pValue(rd.p));
        // rank distance is read on the multilingual pool's ranking, so only where multi retrieves
        out.set(`cmp:${d.id}:${key}:rd`, verdict(rd, 'multi'));
        out.set(`sig:${d.id}:${key}:rd`, significantCells(Object.values(rd.cells), SIGNIFICANCE));
      }
      for (const [f, sl] of d.seedLevel.get(key) ?? []) {
        const fmt = f === 'rd' ? signedRd : signedPct;
        const perQueryP = f === 'rd' ? cmp.rank_distance?.p : cmp[f].p;
        out.set(`seedci:${d.id}:${key}:${f}`, `[${fmt(sl.boot.lo)}, ${fmt(sl.boot.hi)}]`);
        out.set(`seedp:${d.id}:${key}:${f}`, pValue(sl.test.p));
        out.set(`signp:${d.id}:${key}:${f}`, sl.test.pSignFlip === null ? '–' : sl.test.pSignFlip.toFixed(3));
        out.set(`seeds:${d.id}:${key}:${f}`, perQueryP === undefined || perQueryP >= SIGNIFICANCE ? 'not significant per query' : survivesSeeds(perQueryP, sl) ? 'survives' : 'does not survive');
      }
      const seq = d.sequential.get(key);
      if (seq) {
        out.set(`seqsig:${d.id}:${key}:pairs`, sequentialCountText(seq.pairs));
        out.set(`seqsig:${d.id}:${key}:multi`, sequentialCountText(seq.multi));
      }
      for (const [name, pick] of [
        ['mo', (r: RetrievalResult) => r.multi.map_excluding_own],
        ['rdo', (r: RetrievalResult) => r.multi.rank_distance_others],
      ] as const) {
        const fig = (arm: StudyArm) => new Map(d.arms.find((a) => a.arm === arm)!.seeds.map((s) => [s.seed, pick(s.result)]));
        const [fa, fb] = [fig(HYBRID), fig(other)];
        if ([...fa.values(), ...fb.values()].some((v) => v === undefined)) continue;
        const t = seedDifferenceTest(fa as Map<number, number>, fb as Map<number, number>);
        out.set(`diff:${d.id}:${key}:${name}`, name === 'mo' ? signedPct(t.diff) : signedRd(t.diff));
        out.set(`seedp:${d.id}:${key}:${name}`, pValue(t.p));
      }
    }
    const mo = d.chance.multi_excluding_own;
    const rdo = d.chance.rank_distance_others;
    if (mo !== undefined && rdo !== undefined) {
      out.set(`chance:${d.id}:mo`, pct(mo));
      out.set(`chance:${d.id}:rdo`, rdo.toFixed(1));
      for (const a of d.arms) {
        const m = a.seeds.map((x) => x.result.multi.map_excluding_own);
        const r = a.seeds.map((x) => x.result.multi.rank_distance_others);
        if (m.some((v) => v === undefined) || r.some((v) => v === undefined)) continue;
        const ms = meanStd(m as number[]);
        const rs = meanStd(r as number[]);
        out.set(`mo:${d.id}:${a.arm}`, pct(ms.mean));
        out.set(`mosd:${d.id}:${a.arm}`, pct(ms.std));
        out.set(`xmo:${d.id}:${a.arm}`, `${(ms.mean / mo).toFixed(1)}×`);
        out.set(`rdo:${d.id}:${a.arm}`, rs.mean.toFixed(1));
        out.set(`rdosd:${d.id}:${a.arm}`, rs.std.toFixed(1));
        out.set(`xrdo:${d.id}:${a.arm}`, `${(rs.mean / rdo).toFixed(2)}×`);
      }
    }
  }
  return out;
}

/**
 * The prose's numbers on the probe, the adversary's gradient and the curves, from the stored study (so the
 * report says what the app's study cell shows): `probe:<dir>:<arm>` (accuracy ×100, seed mean) and `probesd:…`,
 * `probemaj:<dir>`, `probe-effect:<dir>` (the verdict sentence), `ratio:<dir>` (the mean ratio over seeds and
 * logged steps), `ratiolast:<dir>` (its seed mean at the last step), and `curve:<dir>:<arm>:<panel>:<step>`
 * (a curve's seed mean, ×100 for mAP and the probe).
 */
function biasPlaceholders(directions: readonly StudyDirection[]): Map<string, string> {
  const out = new Map<string, string>();
  for (const d of directions) {
    for (const a of d.arms) {
      const probes = a.seeds.flatMap((s) => (s.result.probe ? [s.result.probe.accuracy * 100] : []));
      if (probes.length === a.seeds.length) {
        const { mean, std } = meanStd(probes);
        out.set(`probe:${d.id}:${a.arm}`, mean.toFixed(1));
        out.set(`probesd:${d.id}:${a.arm}`, std.toFixed(1));
        out.set(`probemaj:${d.id}`, (a.seeds[0]!.result.probe!.majority * 100).toFixed(1));
      }
      const ratios = a.seeds.flatMap((s) => (s.gradRatio?.length ? [s.gradRatio] : []));
      if (ratios.length) {
        out.set(`ratio:${d.id}`, meanStd(ratios.map((r) => meanStd(r.map((x) => x[1])).mean)).mean.toPrecision(2));
        out.set(`ratiolast:${d.id}`, meanStd(ratios.map((r) => r.at(-1)![1])).mean.toPrecision(2));
      }
    }
    const effect = adversaryProbeEffect(d);
    if (effect) out.set(`probe-effect:${d.id}`, adversaryProbeSentence(effect));
    for (const panel of d.curves ?? []) {
      const scaled = panel.key === 'probe' ? 100 : 1;
      const digits = panel.key === 'grad_ratio' ? 4 : panel.key === 'retrieval_loss' ? 3 : panel.key === 'rank_distance_others' ? 1 : 2;
      for (const arm of panel.arms) for (const p of arm.points) out.set(`curve:${d.id}:${arm.arm}:${panel.key}:${p.step}`, (p.mean * scaled).toFixed(digits));
    }
  }
  return out;
}

/** The architecture of a pretrained built-in, from its shipped config.json. */
function pretrainedArchitecture(name: PretrainedModel): EncoderConfig {
  const file = path.join(pretrainedModelDir(name), 'config.json');
  return parseHfConfig(parseJsonText(readFileSync(file, 'utf8'), file), file);
}

/**
 * The options the study was run with, as `study-options.json` recorded them, and the architecture of its
 * model, so the report's "what was run" quotes the record rather than prose that could drift from it.
 */
function studyOptionValues(options: StudyOptions): Map<string, string> {
  const arch = isPretrainedModel(options.model) ? pretrainedArchitecture(options.model) : BUILTIN_CONFIGS[options.model];
  return new Map([
    ['model', options.model],
    ['steps', String(options.steps)],
    ['lr', String(options.lr)],
    ['validation-percent', String(Math.round(options.validationFraction * 100))],
    ['model-layers', String(arch.numLayers)],
    ['model-hidden', String(arch.hiddenSize)],
    ['model-heads', String(arch.numHeads)],
    ['model-ffn', String(arch.intermediateSize)],
  ]);
}

/** Replaces every `{{name}}`; an unknown name is an error, so the report cannot quote a number that is not computed. */
export function fillPlaceholders(text: string, values: ReadonlyMap<string, string>, file: string): string {
  return text.replace(/\{\{([^}]+)\}\}/g, (_, name: string) => {
    const v = values.get(name.trim());
    if (v === undefined) throw new ConfigError(`${file}: unknown placeholder {{${name}}}`);
    return v;
  });
}

export interface StudyBuildOptions {
  studyDir: string;
  out: string;
  say: (line: string) => void;
}

export async function buildStudy(opts: StudyBuildOptions): Promise<void> {
  const root = path.resolve(opts.studyDir);
  const out = path.resolve(opts.out);
  const choicesFile = path.join(root, CHOICES_FILE);
  // `xlir study run` writes its choices last, once every run is trained and evaluated.
  if (!(await exists(choicesFile))) throw new ConfigError(`${root} is not a finished study: ${CHOICES_FILE} is written when \`xlir study run --out ${opts.studyDir}\` has trained and evaluated every run; run it again to continue the study`);
  const choices = await readJsonFile(choicesFile, 'study choices');
  if (!Array.isArray(choices)) throw new DataFormatError(choicesFile, '(root)', 'expected the list of arm choices `xlir study run` writes');
  const optionsFile = path.join(root, STUDY_OPTIONS_FILE);
  const studyOptions = parseStudyOptions(await readJsonFile(optionsFile, 'study options'), optionsFile);
  const optionValues = studyOptionValues(studyOptions);
  const createdAt = new Date().toISOString().slice(0, 10) + 'T00:00:00.000Z';
  // The hand-written prose is read from the output folder: say so before a minute of tests, not after.
  for (const name of ['analysis.md', 'notebook-intro.md']) {
    if (!(await exists(path.join(out, name))))
      throw new ConfigError(`${path.join(out, name)} is missing: \`xlir study build --out DIR\` fills in DIR/analysis.md and DIR/notebook-intro.md (the hand-written prose with {{…}} placeholders); copy them from examples/study/ to start`);
  }

  // Everything is built in memory first and written at the end, so a study or an analysis.md that fails to
  // build leaves the example folder as it was.
  const files = new Map<string, string>();

  const directions = [];
  let trainingSeconds = 0;
  let trainedRuns = 0;
  for (const direction of STUDY_DIRECTIONS) {
    const arms: LoadedArm[] = [];
    for (const arm of STUDY_ARMS) {
      const choice = (choices as ArmChoice[]).find((c) => c?.direction === direction && c?.arm === arm);
      if (!choice) throw new ConfigError(`${CHOICES_FILE}: no choice for ${direction} ${arm}`);
      const loaded = await loadArm(root, choice);
      arms.push(loaded);
      for (const s of loaded.seeds) {
        files.set(path.join('results', direction, arm, `seed-${s.seed}.json`), `${JSON.stringify(summarizeResult(s.result), null, 1)}\n`);
      }
      opts.say(`${direction} ${arm}: ${loaded.seeds.length} seeds`);
    }
    const armOf = (a: StudyArm) => arms.find((x) => x.arm === a)!;
    const chance = recordedChance(
      arms.flatMap((a) => a.seeds.map((x) => x.result)),
      `${direction}: the evaluation results`,
    );
    const validationChance = recordedChance(await validationResults(root, arms, studyOptions.steps), `${direction}: the tuning tries' validation results`);
    const tests = new Map<string, RetrievalComparison>();
    const seedLevel = new Map<string, Map<SeedFigure, SeedLevel>>();
    const sequential = new Map<string, SequentialComparison>();
    for (const other of STUDY_ARMS.filter((a) => a !== HYBRID)) {
      const key = `${HYBRID}-${other}`;
      // the app recomputes these fixed-permutation tests to check the stored ones, so they stay as they were
      tests.set(key, compareRetrieval(armOf(HYBRID).mean, armOf(other).mean, { rng: createRng(COMPARISON_SETTINGS.seed), ...COMPARISON_SETTINGS }));
      sequential.set(key, sequentialCellTests(armOf(HYBRID).mean, armOf(other).mean, { rng: createRng(COMPARISON_SETTINGS.seed), alpha: SIGNIFICANCE }));
      seedLevel.set(key, seedLevelTests(armOf(HYBRID), armOf(other), COMPARISON_SETTINGS.seed));
      opts.say(`${direction} ${key}: tested`);
    }
    directions.push({ id: direction, arms, tests, chance, validationChance, seedLevel, sequential });
  }
  // Compute spent: every training run of the study folder (tries included), from its step log, resumes
  // included. No wall clock: a study that was stopped and continued spans the pauses in between.
  for (const direction of STUDY_DIRECTIONS) {
    for (const arm of STUDY_ARMS) {
      const armDir = path.join(root, direction, arm);
      for (const entry of await readdir(armDir, { withFileTypes: true })) {
        if (!entry.isDirectory()) continue;
        const logs = await readStepLog(path.join(armDir, entry.name));
        trainingSeconds += loggedTrainingSeconds(logs);
        trainedRuns += 1;
      }
    }
  }

  const values = placeholders(directions);
  values.set('runs', String(trainedRuns));
  values.set('training-minutes', (trainingSeconds / 60).toFixed(0));
  values.set('training-hours', (trainingSeconds / 3600).toFixed(1));
  values.set('step-seconds', (trainingSeconds / trainedRuns / studyOptions.steps).toFixed(2));
  for (const [name, value] of optionValues) values.set(name, value);

  // Notebook
  const study: Study = {
    summary: '',
    directions: directions.map(
      (d): StudyDirection => ({
        id: d.id,
        label: DIRECTION_LABELS[d.id],
        differences: STUDY_DIFFERENCES,
        tests: STUDY_DIFFERENCES.map(([a, b]) => ({ a, b, seed: COMPARISON_SETTINGS.seed, comparison: d.tests.get(`${a}-${b}`)! })),
        chance: d.chance,
        seedLevel: storedSeedLevel(d.seedLevel, d.tests),
        sequential: [...d.sequential].map(([key, q]) => ({ a: HYBRID, b: key.slice(HYBRID.length + 1), pairs: storedSequentialFamily(q.pairs), multi: storedSequentialFamily(q.multi) })),
        curves: studyCurvePanels(curveInputs(d.arms)),
        arms: d.arms.map((a): StoredArm => {
          const keepPerQuery = STUDY_DIFFERENCES.some(([x, y]) => x === a.arm || y === a.arm);
          const { per_query, ...mean } = a.mean;
          return {
            arm: a.arm,
            label: ARM_LABELS[a.arm],
            setting: settingText(a.choice.tries[a.choice.chosen]!.setting),
            seeds: a.seeds.map((s, i) => {
              const gradRatio = gradRatioOf(s.logs);
              return { seed: s.seed, config: s.config, runId: i === 0 ? studyRunId(d.id, a.arm, s.seed) : null, result: summarizeResult(s.result), ...(gradRatio ? { gradRatio } : {}) };
            }),
            mean: { ...summarizeResult(mean as RetrievalResult), ...(keepPerQuery ? { per_query_packed: packPerQuery(per_query) } : {}) },
          };
        }),
      }),
    ),
  };
  for (const [name, value] of biasPlaceholders(study.directions)) values.set(name, value);
  const introFile = path.join(out, 'notebook-intro.md');
  study.summary = fillPlaceholders((await readFile(introFile, 'utf8')).trim(), values, introFile);
  const base = createDefaultNotebook();
  const firstHybrid = studyRunId('mlqa-xquad', HYBRID, STUDY_SEEDS[0]);
  const notebook: Notebook = {
    ...base,
    title: `Example study: hybrid batches vs the adversarial baseline (${studyOptions.model} model, ${studyOptions.steps} steps, ${STUDY_SEEDS.length} seeds)`,
    cells: [
      { kind: 'study', id: 'study' },
      { kind: 'data', id: 'data' },
      { kind: 'model', id: 'model' },
      { kind: 'runs', id: 'runs' },
      { kind: 'results', id: 'results' },
      {
        kind: 'note',
        id: 'notes',
        markdown: 'The runs above are the first seed of every arm: their loss curves and batch strips. The study cell at the top holds all seeds. Weights are not included; `xlir study run` retrains them (see examples/study/REPORT.md).',
      },
      { kind: 'about', id: 'about' },
    ],
    model: { kind: 'builtin', config: studyOptions.model },
    runs: directions.flatMap((d) => d.arms.map((a) => runRecord(d.id, a, a.seeds[0]!, createdAt))),
    // The loss and batch panels overlay one direction's runs; the other direction's are a click away.
    figures: {
      ...base.figures,
      heatmapRunId: firstHybrid,
      baselineRunId: studyRunId('mlqa-xquad', 'adversarial', STUDY_SEEDS[0]),
      hiddenRunIds: STUDY_ARMS.map((arm) => studyRunId('xquad-mlqa', arm, STUDY_SEEDS[0])),
    },
    study,
  };
  files.set('study.xlir.json', serializeNotebook(notebook));

  // Figures (the app's SVG export of the same specs)
  const figureLinks = new Map<string, string[]>();
  for (const d of directions) {
    const links: string[] = [];
    const save = (name: string, svg: string) => {
      files.set(path.join('figures', name), svg);
      links.push(name);
    };
    for (const a of d.arms) {
      save(`${d.id}-${a.arm}-map.svg`, heatmapSvg(mapHeatmapSpec(a.mean, { title: `${ARM_LABELS[a.arm]} — mean of ${a.seeds.length} seeds — mAP`, showMeans: true, showValues: true, idPrefix: 'map', seeds: a.seeds.map((x) => x.result) })));
    }
    for (const [x, y] of STUDY_DIFFERENCES) {
      const ax = d.arms.find((a) => a.arm === x)!;
      const ay = d.arms.find((a) => a.arm === y)!;
      const seeds = { a: ax.seeds.map((s) => s.result), b: ay.seeds.map((s) => s.result) };
      save(`${d.id}-${x}-minus-${y}.svg`, heatmapSvg(differenceHeatmapSpec(ax.mean, ay.mean, d.tests.get(`${x}-${y}`)!, { title: `${ARM_LABELS[x]} − ${ARM_LABELS[y]} (seed means)`, showMeans: true, showValues: true, idPrefix: 'diff', seeds })));
    }
    const curves = study.directions.find((x) => x.id === d.id)!.curves!;
    save(`${d.id}-over-training.svg`, seedBandSvg(curves, { title: `${DIRECTION_LABELS[d.id]}: over training, mean and range over ${STUDY_SEEDS.length} seeds`, armOrder: STUDY_ARMS, idPrefix: `${d.id}-band` }));
    const hybrid = d.arms.find((a) => a.arm === HYBRID)!.seeds[0]!;
    save(`${d.id}-${HYBRID}-batches.svg`, batchStripSvg({ steps: hybrid.logs.map((l) => ({ step: l.step, kind: l.batch.kind, pairs: l.batch.pairs })), title: `${ARM_LABELS[HYBRID]}, seed ${hybrid.seed}: batch kind per step`, stepWidth: 2 }));
    figureLinks.set(d.id, links);
  }

  // Report
  const analysisFile = path.join(out, 'analysis.md');
  const analysis = fillPlaceholders(await readFile(analysisFile, 'utf8'), values, analysisFile);
  const parts: string[] = [`<!-- generated by \`xlir study build\` from the files in this folder; edit analysis.md, not this file -->`, analysis.trim(), '', '## Tables'];
  for (const d of directions) {
    const stored = study.directions.find((x) => x.id === d.id)!;
    parts.push(`### ${DIRECTION_LABELS[d.id]}`, '');
    parts.push(
      `**Table 1 style.** mAP × 100 on the evaluation set, mean ± sample sd over ${STUDY_SEEDS.length} seeds (${STUDY_SEEDS.join(', ')}); × chance: the mean over the query-blind level. ${chanceMapSentence(d.chance)}`,
      '',
      markdownTable(studySummaryTable(stored)),
      '',
    );
    parts.push(
      `**Table 2 style.** Rank distance in the multilingual pool (lower = less language bias): mean ± sd over seeds, the mean over the query-blind level, and the seed mean per query language. ${chanceRankDistanceSentence(d.chance)}`,
      '',
      markdownTable(studyRankDistanceTable(stored)),
      '',
    );
    parts.push(
      `**Hybrid α=0.5 against each arm.** Difference of the seed-mean mAP × 100, its 95 % bootstrap CI and the paired randomization p-value (${COMPARISON_SETTINGS.permutations.toLocaleString('en')} permutations over the seed-mean per-query APs; a setting's test flips and resamples each question with its translations as one unit); cells: significant after Holm (α = ${SIGNIFICANCE}) up / down. The arms' levels against chance are in Table 1 (${chanceMapSentence(d.chance).replace(/\.$/, '')}); a difference is given a verdict in the text only where both arms reach ${OBSERVABLE_MULTIPLE}× chance.`,
      '',
      '| against | mono Δ | CI | p | cross Δ | CI | p | multi Δ | CI | p | cells (pair heatmap) |',
      '|---|---:|---|---:|---:|---|---:|---:|---|---:|---|',
    );
    for (const [key, cmp] of d.tests) {
      const other = key.slice(HYBRID.length + 1) as StudyArm;
      const s = (x: 'mono' | 'cross' | 'multi') => `${signedPct(cmp[x].diff)} | [${signedPct(cmp[x].ci[0])}, ${signedPct(cmp[x].ci[1])}] | ${pValue(cmp[x].p)}`;
      const pairCells = [...Object.values(cmp.mono.cells), ...Object.values(cmp.cross.cells)];
      parts.push(`| ${ARM_LABELS[other]} | ${s('mono')} | ${s('cross')} | ${s('multi')} | ${significantCells(pairCells, SIGNIFICANCE)} |`);
    }
    const rdTests = [...d.tests].flatMap(([key, cmp]) => (cmp.rank_distance ? [[key.slice(HYBRID.length + 1) as StudyArm, cmp.rank_distance] as const] : []));
    if (rdTests.length > 0) {
      parts.push(
        '',
        `**Rank distance, Hybrid α=0.5 against each arm.** Difference of the seed-mean rank distance (negative: Hybrid less biased), its 95 % bootstrap CI and p, from the same tests on the seed-mean per-query rank distances; languages: query languages significant after Holm up / down. ${chanceRankDistanceSentence(d.chance)}`,
        '',
        '| against | Δ | CI | p | languages |',
        '|---|---:|---|---:|---|',
        ...rdTests.map(([other, rd]) => `| ${ARM_LABELS[other]} | ${signedRd(rd.diff)} | [${signedRd(rd.ci[0])}, ${signedRd(rd.ci[1])}] | ${pValue(rd.p)} | ${significantCells(Object.values(rd.cells), SIGNIFICANCE)} |`),
      );
    }
    const sequentialTable = studySequentialTable(stored, SIGNIFICANCE);
    if (sequentialTable) parts.push('', `**Significant cells, stable under another seed.** ${sequentialTable.caption}`, '', markdownTable(sequentialTable));
    const seedTable = studySeedLevelTable(stored, SIGNIFICANCE);
    if (seedTable) {
      // the one conclusion that matters is set in bold in the report
      const rows = seedTable.rows.map((r) => (r.conclusion === 'survives' ? { ...r, conclusion: '**survives**' } : r));
      parts.push('', `**Seed-level inference, Hybrid α=0.5 against each arm.** ${seedTable.caption}`, '', markdownTable({ ...seedTable, rows }));
    }
    const withoutOwn = studyWithoutOwnTable(stored);
    if (withoutOwn.rows.some((r) => r.others !== null)) {
      parts.push(
        '',
        `**Multilingual without the easy answer.** Multi mAP with each query's same-language answer removed from the ranking (AP of its other-language answers; queries with no other-language answer left out), its share of the full multi mAP, and the rank distance over the other languages only (so it does not depend on where the same-language answer ranks); mean ± sd over seeds. ${withoutOwn.caption ?? ''}`,
        '',
        markdownTable({ ...withoutOwn, caption: undefined }),
      );
    }
    const probeTable = studyProbeTable(stored);
    if (probeTable) parts.push('', `**Does the adversary act? The language-ID probe.** ${probeTable.caption}`, '', markdownTable({ ...probeTable, caption: undefined }));
    const ratioTable = studyGradientRatioTable(stored);
    if (ratioTable) parts.push('', `**Does the adversary act? Its gradient.** ${ratioTable.caption}`, '', markdownTable({ ...ratioTable, caption: undefined }));
    parts.push(
      '',
      `**Over training** (\`${d.id}-over-training.svg\`): each arm's test-set multi mAP, rank distance over the other languages and probe accuracy at its checkpoints (steps ${[...new Set(stored.curves!.find((c) => c.key === 'probe')?.arms.flatMap((a) => a.points.map((p) => p.step)) ?? [])].join(', ') || '–'}), the adversary's gradient ratio and the retrieval loss, as the mean over seeds inside the range of the seeds.`,
    );
    const vc = d.validationChance;
    const chanceScore = validationScore({ 'mono.map': vc.mono, 'cross.map': vc.cross ?? NaN, 'multi.map': vc.multi }, `${d.id}: the validation split's chance level`);
    parts.push(
      '',
      `**Tuning** (first seed, validation split of the training data; score = mean of validation mono, cross and multi mAP × 100). On the validation split a query-blind ranking scores ${pct(chanceScore)} (mono ${pct(vc.mono)}${vc.cross === null ? '' : `, cross ${pct(vc.cross)}`}, multi ${pct(vc.multi)}).`,
      '',
      '| strategy | try 1 | score | try 2 | score | chosen |',
      '|---|---|---:|---|---:|---|',
    );
    for (const a of d.arms) {
      const t = a.choice.tries;
      parts.push(`| ${ARM_LABELS[a.arm]} | ${settingText(t[0]!.setting)} | ${pct(t[0]!.score)} | ${settingText(t[1]!.setting)} | ${pct(t[1]!.score)} | try ${a.choice.chosen + 1} |`);
    }
    parts.push('', "**Figures** (the app's SVG export):", '', ...figureLinks.get(d.id)!.map((f) => `![${f}](figures/${f})`), '');
  }
  files.set('REPORT.md', `${parts.join('\n')}\n`);
  files.set('tuning.json', `${JSON.stringify(choices, null, 1)}\n`);

  // Fresh generated folders (a result or figure of an earlier build must not linger); analysis.md and
  // notebook-intro.md (hand-written) stay.
  await rm(path.join(out, 'results'), { recursive: true, force: true });
  await rm(path.join(out, 'figures'), { recursive: true, force: true });
  for (const [name, text] of files) {
    await mkdir(path.dirname(path.join(out, name)), { recursive: true });
    await writeFile(path.join(out, name), text);
  }
  opts.say(`wrote ${out}: study.xlir.json, REPORT.md, results/, figures/ (${trainedRuns} training runs, ${(trainingSeconds / 60).toFixed(0)} min of training)`);
}
