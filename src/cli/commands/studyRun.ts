/**
 * `xlir study run --out STUDYDIR`: trains and evaluates the whole study of `core/experiment/studyPlan.ts`
 * by running `xlir train` / `xlir evaluate` as child processes, `--jobs` at a time (one wasm thread each).
 *
 * Order: the tuning tries (first seed, validation split only), then, once an arm's tries are scored, its
 * two further seeds with the chosen setting, then the zero-shot evaluation of every kept run. The run
 * folder of each step is its record; a step whose output exists is skipped and an unfinished training run
 * is resumed from its last checkpoint, so an interrupted study continues where it stopped.
 */
import { spawn } from 'node:child_process';
import { createWriteStream } from 'node:fs';
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { ConfigError, DataFormatError } from '../../core/errors';
import { parseRunConfigJson, type RunConfig } from '../../core/experiment/runConfig';
import {
  chooseTry,
  parseStudyOptions,
  runName,
  STUDY_ARMS,
  STUDY_DIRECTIONS,
  STUDY_SEEDS,
  studyRunConfig,
  TRIES_PER_ARM,
  trySettings,
  validationScore,
  type StudyArm,
  type StudyDirection,
  type StudyOptions,
  type TrySetting,
} from '../../core/experiment/studyPlan';
import { parseRetrievalResult } from '../../core/metrics/resultSchema';
import { exists, listCheckpoints } from '../runDir';
import { readJsonFile } from '../trecFiles';
import { headlineMetrics } from './train';

export const CHOICES_FILE = 'choices.json';
export const TEST_RESULT_FILE = 'test.json';
export const STUDY_OPTIONS_FILE = 'study-options.json';

export async function readPreset(presetDir: string, direction: StudyDirection, arm: StudyArm): Promise<RunConfig> {
  const file = path.join(presetDir, `${direction}.${arm === 'adversarial' ? 'adversarial' : 'hybrid'}.json`);
  return parseRunConfigJson(await readFile(file, 'utf8'), file);
}

/** Runs `xlir ARGS…` in a child process, its output appended to `logFile`; rejects on a non-zero exit. */
export function spawnXlir(args: string[], logFile: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const log = createWriteStream(logFile, { flags: 'a' });
    log.write(`$ xlir ${args.join(' ')}\n`);
    const child = spawn(process.execPath, [process.argv[1]!, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    child.stdout.pipe(log, { end: false });
    child.stderr.pipe(log, { end: false });
    child.on('error', reject);
    child.on('close', (code) => {
      log.end();
      if (code === 0) resolve();
      else reject(new ConfigError(`xlir ${args[0]} failed (exit ${code}); see ${logFile}`));
    });
  });
}

export interface StudyRunOptions extends StudyOptions {
  out: string;
  presets: string;
  jobs: number;
  data?: string;
  /** print one line per finished step */
  say: (line: string) => void;
  /** runs one `xlir` command (default {@link spawnXlir}; tests pass a stand-in) */
  exec?: (args: string[], logFile: string) => Promise<void>;
}

/** The choice of one arm, written to choices.json for the report. */
export interface ArmChoice {
  direction: StudyDirection;
  arm: StudyArm;
  tries: { setting: TrySetting; run: string; validation: Record<string, number>; score: number }[];
  chosen: number;
}

const OPTION_FLAGS: Record<keyof StudyOptions, string> = { steps: '--steps', model: '--model', lr: '--lr', validationFraction: '--validation-fraction' };

/**
 * Writes the study's options to `study-options.json`, or, when the folder already has them (a resumed study),
 * refuses options that differ: finished runs would be kept and the rest trained otherwise, mixing two studies.
 */
async function recordOptions(root: string, opts: StudyOptions): Promise<void> {
  const file = path.join(root, STUDY_OPTIONS_FILE);
  const wanted: StudyOptions = { steps: opts.steps, model: opts.model, lr: opts.lr, validationFraction: opts.validationFraction };
  if (await exists(file)) {
    const stored = parseStudyOptions(await readJsonFile(file, 'study options'), file);
    for (const key of Object.keys(OPTION_FLAGS) as (keyof StudyOptions)[]) {
      const was = stored[key];
      if (was !== wanted[key]) {
        throw new DataFormatError(file, key, `this study folder was started with ${JSON.stringify(was)} and this run asks for ${JSON.stringify(wanted[key])}; continue it with ${OPTION_FLAGS[key]} ${JSON.stringify(was)}, or give a new --out folder`);
      }
    }
    return;
  }
  await writeFile(file, `${JSON.stringify(wanted, null, 2)}\n`);
}

export async function runStudy(opts: StudyRunOptions): Promise<ArmChoice[]> {
  const root = path.resolve(opts.out);
  await mkdir(root, { recursive: true });
  await recordOptions(root, opts);
  const dataArgs = opts.data ? ['--data', opts.data] : [];
  const xlir = opts.exec ?? spawnXlir;
  const queue: { start: () => Promise<void>; resolve: () => void; reject: (e: unknown) => void }[] = [];
  // Progress over the whole study, sittings before this one included (a step found done counts as done).
  const cells = STUDY_DIRECTIONS.length * STUDY_ARMS.length;
  const progress = { trained: 0, evaluated: 0, toTrain: cells * (TRIES_PER_ARM + STUDY_SEEDS.length - 1), toEvaluate: cells * STUDY_SEEDS.length };

  /** Queues a step; its promise settles when it has run (steps run in queue order, `jobs` at once). */
  function enqueue(work: () => Promise<void>): Promise<void> {
    const p = new Promise<void>((resolve, reject) => queue.push({ start: work, resolve, reject }));
    // failures are collected by the workers; a step nobody awaits must not crash the process
    p.catch(() => undefined);
    return p;
  }

  async function train(config: RunConfig, name: string): Promise<void> {
    const dir = path.join(root, name);
    const done = path.join(dir, 'checkpoints', `step-${config.steps}`);
    const validated = config.data.validationFraction > 0 ? path.join(dir, 'validation', `step-${config.steps}.json`) : done;
    if ((await exists(done)) && (await exists(validated))) {
      progress.trained += 1;
      return;
    }
    await mkdir(path.dirname(dir), { recursive: true });
    const log = `${dir}.log`;
    if ((await listCheckpoints(dir)).length > 0) {
      await xlir(['train', '--resume', dir, '--no-eval', ...dataArgs], log);
    } else {
      // A run stopped before its first checkpoint has nothing to continue from: it starts again.
      await rm(dir, { recursive: true, force: true });
      const cfgFile = `${dir}.config.json`;
      await writeFile(cfgFile, `${JSON.stringify(config, null, 2)}\n`);
      await xlir(['train', '--config', cfgFile, '--out', dir, '--no-eval', ...dataArgs], log);
    }
    progress.trained += 1;
    opts.say(`trained ${name} (${progress.trained} of ${progress.toTrain} training runs)`);
  }

  async function evaluate(config: RunConfig, name: string): Promise<void> {
    const dir = path.join(root, name);
    const out = path.join(dir, TEST_RESULT_FILE);
    if (await exists(out)) {
      progress.evaluated += 1;
      return;
    }
    await xlir(
      [
        'evaluate',
        '--dataset', config.data.eval.dataset,
        '--languages', config.data.eval.languages.join(','),
        '--checkpoint', path.join(dir, 'checkpoints', `step-${config.steps}`),
        '--max-length', String(config.model.maxLength),
        '--out', out,
        ...dataArgs,
      ],
      `${dir}.log`,
    );
    progress.evaluated += 1;
    opts.say(`evaluated ${name} (${progress.evaluated} of ${progress.toEvaluate} evaluations)`);
  }

  async function validation(config: RunConfig, name: string): Promise<Record<string, number>> {
    const file = path.join(root, name, 'validation', `step-${config.steps}.json`);
    return headlineMetrics(parseRetrievalResult(await readFile(file, 'utf8'), file));
  }

  const choices = new Map<string, Promise<ArmChoice>>();
  const [firstSeed, ...otherSeeds] = STUDY_SEEDS;
  const key = (d: StudyDirection, a: StudyArm) => `${d}/${a}`;

  // Tuning: X-X-mono first (the adversarial tries take its τ), adversarial last.
  const armOrder: StudyArm[] = ['xx-mono', ...STUDY_ARMS.filter((a) => a !== 'xx-mono' && a !== 'adversarial'), 'adversarial'];
  for (const arm of armOrder) {
    for (const direction of STUDY_DIRECTIONS) {
      const base = await readPreset(opts.presets, direction, arm);
      const settings = async (): Promise<TrySetting[]> => {
        if (arm !== 'adversarial') return trySettings(arm, null);
        const xx = await choices.get(key(direction, 'xx-mono'))!;
        return trySettings(arm, xx.tries[xx.chosen]!.setting.tau);
      };
      const tries = Array.from({ length: TRIES_PER_ARM }, (_, i) =>
        enqueue(async () => {
          const s = (await settings())[i]!;
          await train(studyRunConfig(base, arm, s, firstSeed, opts), runName(direction, arm, i + 1, firstSeed));
        }),
      );
      const choice = Promise.all(tries).then(async () => {
          const list = await settings();
          const scored = await Promise.all(
            list.map(async (setting, i) => {
              const run = runName(direction, arm, i + 1, firstSeed);
              const v = await validation(studyRunConfig(base, arm, setting, firstSeed, opts), run);
              return { setting, run, validation: v, score: validationScore(v, run) };
            }),
          );
          return { direction, arm, tries: scored, chosen: chooseTry(scored.map((t) => t.score)) };
        });
      // a failed try fails the steps that wait for this choice; it must not also crash the process unhandled
      choice.catch(() => undefined);
      choices.set(key(direction, arm), choice);
    }
  }
  // Further seeds of the chosen setting, then the evaluation of every kept run.
  const kept: { config: () => Promise<RunConfig>; name: () => Promise<string>; after: Promise<unknown> }[] = [];
  for (const arm of armOrder) {
    for (const direction of STUDY_DIRECTIONS) {
      const base = await readPreset(opts.presets, direction, arm);
      const choice = choices.get(key(direction, arm))!;
      kept.push({
        config: async () => {
          const c = await choice;
          return studyRunConfig(base, arm, c.tries[c.chosen]!.setting, firstSeed, opts);
        },
        name: async () => (await choice).tries[(await choice).chosen]!.run,
        after: choice,
      });
      for (const seed of otherSeeds) {
        const c = async () => {
          const ch = await choice;
          return studyRunConfig(base, arm, ch.tries[ch.chosen]!.setting, seed, opts);
        };
        const name = async () => runName(direction, arm, (await choice).chosen + 1, seed);
        const trained = enqueue(async () => train(await c(), await name()));
        kept.push({ config: c, name, after: trained });
      }
    }
  }
  for (const k of kept) {
    enqueue(async () => {
      await k.after;
      await evaluate(await k.config(), await k.name());
    });
  }

  // Workers take steps in queue order; a step waits for what it depends on, which is always earlier.
  let next = 0;
  const failures: unknown[] = [];
  async function worker(): Promise<void> {
    while (next < queue.length) {
      const job = queue[next++]!;
      try {
        await job.start();
        job.resolve();
      } catch (err) {
        failures.push(err);
        job.reject(err);
      }
    }
  }
  await Promise.all(Array.from({ length: opts.jobs }, worker));
  if (failures.length > 0) throw failures[0];
  const all = await Promise.all([...choices.values()]);
  await writeFile(path.join(root, CHOICES_FILE), `${JSON.stringify(all, null, 2)}\n`);
  return all;
}
