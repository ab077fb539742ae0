import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DataFormatError } from '../../core/errors';
import { parseRunConfigJson } from '../../core/experiment/runConfig';
import { DEFAULT_STUDY_LR, DEFAULT_STUDY_OPTIONS, STUDY_ARMS, STUDY_DIRECTIONS, STUDY_SEEDS } from '../../core/experiment/studyPlan';
import { parsePackedResult } from '../../core/experiment/studyResults';
import { parseTestSteps } from '../../core/experiment/studyCurves';
import { evaluateRetrieval } from '../../core/metrics/evaluateRetrieval';
import { handDataset } from '../../core/metrics/handDataset';
import { initBackend } from '../../core/model/backend';
import { runCli } from './cli.testutil';
import { runStudy, TEST_STEPS_FILE, type ArmChoice } from './studyRun';

const DATA = handDataset('mlqa-r', {
  de: {
    sentences: ['x', 'y'],
    questions: [
      ['q1', 0],
      ['q2', 1],
    ],
  },
  en: {
    sentences: ['a', 'b'],
    questions: [
      ['q1', 0],
      ['q2', 1],
    ],
  },
});

const MATCHING = Float32Array.of(1, 0, 0, 1, 1, 0, 0, 1);
const CROSSED = Float32Array.of(0, 1, 1, 0, 0, 1, 1, 0);

/** The result of retrieving DATA with every query's candidate embedded as the query (`good`) or swapped with the other. */
function retrievalResult(good: boolean) {
  return evaluateRetrieval(DATA, { queries: MATCHING, candidates: good ? MATCHING : CROSSED, dim: 2 });
}

/**
 * A stand-in for `xlir train` / `xlir evaluate`: writes what the real commands leave behind, with a validation
 * mono mAP that prefers τ 0.1 (and λ_max 0.1 for the adversarial arm), and records every call.
 */
function fakeXlir(calls: string[][], options: { everyCheckpoint?: boolean } = {}) {
  return async (args: string[]) => {
    calls.push(args);
    const arg = (flag: string) => args[args.indexOf(flag) + 1]!;
    if (args[0] === 'train') {
      const dir = args.includes('--resume') ? arg('--resume') : arg('--out');
      const config = args.includes('--config') ? parseRunConfigJson(await readFile(arg('--config'), 'utf8'), 'c') : parseRunConfigJson(await readFile(path.join(dir, 'config.json'), 'utf8'), 'c');
      await mkdir(path.join(dir, 'checkpoints', `step-${config.steps}`), { recursive: true });
      if (options.everyCheckpoint) for (let k = config.checkpointEvery; k < config.steps; k += config.checkpointEvery) await mkdir(path.join(dir, 'checkpoints', `step-${k}`), { recursive: true });
      await writeFile(path.join(dir, 'config.json'), JSON.stringify(config));
      const good = config.tau === 0.1 && !(config.strategy.kind === 'adversarial' && config.strategy.lambdaMax !== 0.1);
      const r = await retrievalResult(good);
      await mkdir(path.join(dir, 'validation'), { recursive: true });
      await writeFile(path.join(dir, 'validation', `step-${config.steps}.json`), JSON.stringify(r));
    } else {
      const r = await retrievalResult(true);
      await writeFile(arg('--out'), JSON.stringify(r));
    }
  };
}

describe('xlir study run: bias over training', () => {
  it("evaluates each kept run's earlier checkpoints on the test set too, into test-steps.jsonl", async () => {
    await initBackend('cpu');
    const root = await mkdtemp(path.join(os.tmpdir(), 'xlir-study-steps-'));
    try {
      const calls: string[][] = [];
      const out = path.join(root, 's');
      await runStudy({ ...DEFAULT_STUDY_OPTIONS, steps: 8, out, presets: 'experiments', jobs: 1, say: () => undefined, exec: fakeXlir(calls, { everyCheckpoint: true }) });
      const evals = calls.filter((c) => c[0] === 'evaluate');
      // checkpoints every 2 of 8 steps: the last (step 8) and the three before it, for each of the 36 kept runs
      expect(evals).toHaveLength(STUDY_DIRECTIONS.length * STUDY_ARMS.length * 3 * 4);
      expect(new Set(evals.map((c) => c[c.indexOf('--checkpoint') + 1]!.split('/').at(-1)))).toEqual(new Set(['step-2', 'step-4', 'step-6', 'step-8']));
      const found = (await readdir(out, { recursive: true })).filter((f) => path.basename(f) === TEST_STEPS_FILE);
      expect(found).toHaveLength(STUDY_DIRECTIONS.length * STUDY_ARMS.length * STUDY_SEEDS.length);
      const file = path.join(out, found.sort()[0]!);
      const kept = path.dirname(file);
      const lines = parseTestSteps(await readFile(file, 'utf8'), file);
      expect(lines.map((l) => l.step)).toEqual([2, 4, 6]);
      expect(lines[0]!.result.multi.map).toBe((await retrievalResult(true)).multi.map);
      // the full results of the earlier steps are not left behind
      expect((await readdir(kept)).filter((f) => f.startsWith('test-step-'))).toEqual([]);
    } finally {
      await rm(root, { recursive: true, force: true });
    }
  });
});

describe('xlir study run', () => {
  let root: string;
  beforeAll(async () => {
    await initBackend('cpu');
    root = await mkdtemp(path.join(os.tmpdir(), 'xlir-study-run-'));
  });
  afterAll(async () => {
    await rm(root, { recursive: true, force: true });
  });

  it('tunes every arm with two tries on the validation split, trains two more seeds of the choice, then evaluates the kept runs', async () => {
    const calls: string[][] = [];
    const out = path.join(root, 's');
    const said: string[] = [];
    const choices = await runStudy({ ...DEFAULT_STUDY_OPTIONS, steps: 8, out, presets: 'experiments', jobs: 2, say: (l) => said.push(l), exec: fakeXlir(calls) });
    const trains = calls.filter((c) => c[0] === 'train');
    const evals = calls.filter((c) => c[0] === 'evaluate');
    expect(trains).toHaveLength(STUDY_DIRECTIONS.length * STUDY_ARMS.length * 4);
    expect(evals).toHaveLength(STUDY_DIRECTIONS.length * STUDY_ARMS.length * 3);
    // every finished step says how far the whole study is
    expect(said.filter((l) => l.startsWith('trained ')).map((l) => /\((\d+) of 48 training runs\)$/.exec(l)?.[1])).toEqual(Array.from({ length: 48 }, (_, i) => String(i + 1)));
    expect(said.filter((l) => l.startsWith('evaluated ')).map((l) => /\((\d+) of 36 evaluations\)$/.exec(l)?.[1])).toEqual(Array.from({ length: 36 }, (_, i) => String(i + 1)));
    // a run is evaluated on the evaluation set only after its arm's tries are all trained and scored
    for (const direction of STUDY_DIRECTIONS) {
      for (const arm of STUDY_ARMS) {
        const mine = (c: string[]) => c.some((a) => a.includes(`${path.sep}${direction}${path.sep}${arm}${path.sep}`));
        const lastTry = calls.findLastIndex((c) => c[0] === 'train' && mine(c) && c.some((a) => a.includes(`seed-${STUDY_SEEDS[0]}`)));
        expect(calls.findIndex((c) => c[0] === 'evaluate' && mine(c))).toBeGreaterThan(lastTry);
      }
    }
    for (const c of trains) expect(c).toContain('--no-eval');
    expect(choices).toHaveLength(12);
    for (const choice of choices) {
      expect(choice.tries).toHaveLength(2);
      const chosen = choice.tries[choice.chosen]!;
      expect(chosen.setting.tau).toBe(0.1);
      if (choice.arm === 'adversarial') {
        expect(chosen.setting.lambdaMax).toBe(0.1);
        // the adversarial tries took X-X-mono's chosen τ
        expect(choice.tries.map((t) => t.setting.tau)).toEqual([0.1, 0.1]);
      }
      expect(chosen.score).toBeGreaterThan(choice.tries[1 - choice.chosen]!.score);
    }
    // the further seeds train the chosen setting; the kept runs are evaluated on the preset's evaluation set
    const seed2 = JSON.parse(await readFile(path.join(out, 'mlqa-xquad', 'hybrid-0.5', `try-2-seed-${STUDY_SEEDS[1]}.config.json`), 'utf8')) as { tau: number; seed: number; data: { validationFraction: number } };
    expect(seed2).toMatchObject({ tau: 0.1, seed: STUDY_SEEDS[1], data: { validationFraction: 0.1 } });
    const evalDirs = evals.map((c) => c[c.indexOf('--checkpoint') + 1]!);
    for (const c of choices) {
      const mine = evalDirs.filter((d) => d.includes(`${path.sep}${c.direction}${path.sep}${c.arm}${path.sep}`));
      expect(mine.map((d) => path.relative(out, d)).sort()).toEqual(STUDY_SEEDS.map((s) => path.join(c.direction, c.arm, `try-${c.chosen + 1}-seed-${s}`, 'checkpoints', 'step-8')));
    }
    expect(evals.filter((c) => c[c.indexOf('--dataset') + 1] === 'xquad-r')).toHaveLength(18);
    const saved = JSON.parse(await readFile(path.join(out, 'choices.json'), 'utf8')) as ArmChoice[];
    expect(saved).toEqual(choices);

    // Run again: everything is there, so nothing is repeated.
    const again: string[][] = [];
    await runStudy({ ...DEFAULT_STUDY_OPTIONS, steps: 8, out, presets: 'experiments', jobs: 2, say: () => undefined, exec: fakeXlir(again) });
    expect(again).toEqual([]);
  });

  it('resumes a run folder that has checkpoints but did not finish, and reports a failed step', async () => {
    const out = path.join(root, 'r');
    const calls: string[][] = [];
    await runStudy({ ...DEFAULT_STUDY_OPTIONS, steps: 8, out, presets: 'experiments', jobs: 1, say: () => undefined, exec: fakeXlir(calls) });
    const dir = path.join(out, 'xquad-mlqa', 'xy', `try-1-seed-${STUDY_SEEDS[0]}`);
    await rm(path.join(dir, 'validation'), { recursive: true });
    const again: string[][] = [];
    const said: string[] = [];
    await runStudy({ ...DEFAULT_STUDY_OPTIONS, steps: 8, out, presets: 'experiments', jobs: 1, say: (l) => said.push(l), exec: fakeXlir(again) });
    expect(again).toEqual([['train', '--resume', dir, '--no-eval']]);
    // the runs finished in the earlier sitting count towards the progress: the twelve queued before it
    // (X-X-mono's eight, X-Y's four on MLQA-R → XQuAD-R) were found done
    expect(said).toEqual([`trained xquad-mlqa/xy/try-1-seed-${STUDY_SEEDS[0]} (13 of 48 training runs)`]);

    // Stopped before its first checkpoint (a partial one does not count): started again in a clean folder.
    const early = path.join(out, 'xquad-mlqa', 'xy', `try-2-seed-${STUDY_SEEDS[0]}`);
    await rm(early, { recursive: true });
    await mkdir(path.join(early, 'checkpoints', '.step-2.partial'), { recursive: true });
    await writeFile(path.join(early, 'logs.jsonl'), '{"step":1}\n');
    const restarted: string[][] = [];
    await runStudy({ ...DEFAULT_STUDY_OPTIONS, steps: 8, out, presets: 'experiments', jobs: 1, say: () => undefined, exec: fakeXlir(restarted) });
    expect(restarted[0]).toEqual(['train', '--config', `${early}.config.json`, '--out', early, '--no-eval']);
    expect(restarted.slice(1).every((c) => c[0] === 'evaluate')).toBe(true);
    await expect(readFile(path.join(early, 'logs.jsonl'), 'utf8')).rejects.toThrow(/ENOENT/);

    const failing = async (args: string[]) => {
      if (args[0] === 'evaluate') throw new Error('evaluate failed (exit 1); see the log');
    };
    for (const f of ['test.json', 'test.packed.json']) await rm(path.join(out, 'xquad-mlqa', 'xy', `try-2-seed-${STUDY_SEEDS[1]}`, f));
    await expect(runStudy({ ...DEFAULT_STUDY_OPTIONS, steps: 8, out, presets: 'experiments', jobs: 1, say: () => undefined, exec: failing })).rejects.toThrow(/evaluate failed/);
  });

  it('finishes one arm × direction (tries, choice, evaluations, further seeds) before the next, and continues from its record alone', async () => {
    const out = path.join(root, 'record');
    const calls: string[][] = [];
    const choices = await runStudy({ ...DEFAULT_STUDY_OPTIONS, steps: 8, out, presets: 'experiments', jobs: 1, say: () => undefined, exec: fakeXlir(calls) });
    // with one job the calls are the queue: per arm × direction its two tries, the chosen try's evaluation,
    // the two further seeds, their evaluations; so a stopped study leaves whole arms evaluated
    expect(calls.map((c) => c[0]).join(' ')).toBe(Array.from({ length: 12 }, () => 'train train evaluate train train evaluate evaluate').join(' '));
    const cellOf = (c: string[]) =>
      path
        .relative(out, c.find((a) => a.startsWith(out))!)
        .split(path.sep)
        .slice(0, 2)
        .join('/');
    expect(calls.filter((_, i) => i % 7 === 0).map(cellOf)).toEqual(['xx-mono', 'xy', 'hybrid-0.25', 'hybrid-0.5', 'hybrid-0.75', 'adversarial'].flatMap((a) => STUDY_DIRECTIONS.map((d) => `${d}/${a}`)));
    for (let i = 0; i < calls.length; i += 7) expect(new Set(calls.slice(i, i + 7).map(cellOf)).size).toBe(1);

    // The record: what is committed of a study (no weights, no full results).
    const files = (await readdir(out, { recursive: true })).map((f) => path.join(out, f));
    const packed = files.filter((f) => path.basename(f) === 'test.packed.json');
    expect(packed).toHaveLength(36);
    const kept = path.join(out, 'mlqa-xquad', 'hybrid-0.5', `try-2-seed-${STUDY_SEEDS[1]}`);
    const keptPacked = await readFile(path.join(kept, 'test.packed.json'), 'utf8');
    expect(parsePackedResult(keptPacked, 'p').mono.map).toBe(1);
    for (const f of files.filter((f) => path.basename(f) === 'checkpoints' || path.basename(f) === 'test.json')) await rm(f, { recursive: true, force: true });
    const again: string[][] = [];
    await runStudy({ ...DEFAULT_STUDY_OPTIONS, steps: 8, out, presets: 'experiments', jobs: 1, say: () => undefined, exec: fakeXlir(again) });
    expect(again).toEqual([]);

    // A kept run not yet evaluated when the record was taken: its weights are gone, so it trains again from scratch.
    await rm(path.join(kept, 'test.packed.json'));
    const said: string[] = [];
    const retrain: string[][] = [];
    expect(await runStudy({ ...DEFAULT_STUDY_OPTIONS, steps: 8, out, presets: 'experiments', jobs: 1, say: (l) => said.push(l), exec: fakeXlir(retrain) })).toEqual(choices);
    expect(retrain.map((c) => c.slice(0, 2))).toEqual([
      ['train', '--config'],
      ['evaluate', '--dataset'],
    ]);
    expect(retrain[0]).toEqual(['train', '--config', `${kept}.config.json`, '--out', kept, '--no-eval']);
    expect(said).toEqual([`mlqa-xquad/hybrid-0.5/try-2-seed-${STUDY_SEEDS[1]}: no weights (a study continued from its record); training it again to evaluate it`, `evaluated mlqa-xquad/hybrid-0.5/try-2-seed-${STUDY_SEEDS[1]} (20 of 36 evaluations)`]);
    expect(await readFile(path.join(kept, 'test.packed.json'), 'utf8')).toBe(keptPacked);

    // A full result without its packed form (a study evaluated before the record existed): packed, not evaluated again.
    await rm(path.join(kept, 'test.packed.json'));
    const pack: string[][] = [];
    await runStudy({ ...DEFAULT_STUDY_OPTIONS, steps: 8, out, presets: 'experiments', jobs: 1, say: () => undefined, exec: fakeXlir(pack) });
    expect(pack).toEqual([]);
    expect(await readFile(path.join(kept, 'test.packed.json'), 'utf8')).toBe(keptPacked);
  });

  it('refuses to continue a study folder with other options, naming the file and the option', async () => {
    const out = path.join(root, 'options');
    const calls: string[][] = [];
    await runStudy({ ...DEFAULT_STUDY_OPTIONS, steps: 8, out, presets: 'experiments', jobs: 1, say: () => undefined, exec: fakeXlir(calls) });
    const before = await readFile(path.join(out, 'study-options.json'), 'utf8');
    const again: string[][] = [];
    const err = await runStudy({ ...DEFAULT_STUDY_OPTIONS, model: 'small', steps: 8, out, presets: 'experiments', jobs: 1, say: () => undefined, exec: fakeXlir(again) }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(DataFormatError);
    expect((err as DataFormatError).file).toBe(path.join(out, 'study-options.json'));
    expect((err as DataFormatError).field).toBe('model');
    expect((err as Error).message).toMatch(/started with "multilingual" and this run asks for "small"; continue it with --model "multilingual"/);
    expect(again).toEqual([]);
    expect(await readFile(path.join(out, 'study-options.json'), 'utf8')).toBe(before);
    // From the command line: --model small without --lr means the small model's default lr, and the
    // folder started with the multilingual model's is refused before anything runs.
    const cli = await runCli(['study', 'run', '--out', out, '--model', 'small', '--steps', '8']);
    expect(cli.code).not.toBe(0);
    expect(cli.stderr).toContain(`${path.join(out, 'study-options.json')}: model: this study folder was started with "multilingual"`);
    await writeFile(path.join(out, 'study-options.json'), JSON.stringify({ ...JSON.parse(before), model: 'small' }));
    const lr = await runCli(['study', 'run', '--out', out, '--model', 'small', '--steps', '8']);
    expect(lr.stderr).toContain(`lr: this study folder was started with ${DEFAULT_STUDY_LR.multilingual} and this run asks for ${DEFAULT_STUDY_LR.small}`);
    // A record that is not a study's (hand-edited) is named as such, not compared field by field.
    await writeFile(path.join(out, 'study-options.json'), JSON.stringify({ ...JSON.parse(before), steps: '8' }));
    const broken = await runStudy({ ...DEFAULT_STUDY_OPTIONS, steps: 8, out, presets: 'experiments', jobs: 1, say: () => undefined, exec: fakeXlir(again) }).catch((e: unknown) => e);
    expect((broken as DataFormatError).field).toBe('steps');
    expect((broken as Error).message).toMatch(/expected number, received string/);
    expect(again).toEqual([]);
    await writeFile(path.join(out, 'study-options.json'), before);
    // The same options continue it (nothing left to do).
    await runStudy({ ...DEFAULT_STUDY_OPTIONS, steps: 8, out, presets: 'experiments', jobs: 1, say: () => undefined, exec: fakeXlir(again) });
    expect(again).toEqual([]);
  });
});
