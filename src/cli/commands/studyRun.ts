/**
 * `xlir study run --out STUDYDIR`: trains and evaluates the whole study of `core/experiment/studyPlan.ts`
 * by running `xlir train` / `xlir evaluate` as child processes, `--jobs` at a time (one wasm thread each).
 *
 * Order, one arm × direction after another: its tuning tries (first seed, validation split only), the
 * zero-shot evaluation of the chosen try once both are scored, then its two further seeds with the chosen
 * setting and their evaluations. So the study's finished part is always whole arms, each reduced to small
 * files (configs, step logs, validation results, `test.packed.json`) that can be committed as the study's
 * record; the weights and the full results stay behind (see examples/study-runs/README.md).
 *
 * The run folder of each step is its record; a step whose output exists is skipped and an unfinished training
 * run is resumed from its last checkpoint, so an interrupted study continues where it stopped. A study
 * continued from its record alone (no weights) trains a kept run again only if it still has to be evaluated:
 * training is deterministic, so the weights come back the same.
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
import { packResult, summarizeResult } from '../../core/experiment/studyResults';
import { parseRetrievalResult } from '../../core/metrics/resultSchema';
import { decodeUtf8Text } from '../../core/textDecoding';
import { exists, listCheckpoints } from '../runDir';
import { readJsonFile } from '../trecFiles';
import { headlineMetrics } from '../../core/metrics/metricKeys';

export const CHOICES_FILE = 'choices.json';
/** the full evaluation result of a kept run (`xlir evaluate --out`): megabytes, not kept in the record */
export const TEST_RESULT_FILE = 'test.json';
/** the same result with its per-query values packed (`studyResults.packResult`): what the study's record keeps */
export const TEST_PACKED_FILE = 'test.packed.json';
/** the kept run's test-set evaluations at its earlier checkpoints, one `{step, result}` line each without per-query values (`studyCurves.ts`) */
export const TEST_STEPS_FILE = 'test-steps.jsonl';
export const STUDY_OPTIONS_FILE = 'study-options.json';

export async function readPreset(presetDir: string, direction: StudyDirection, arm: StudyArm): Promise<RunConfig> {
  const file = path.join(presetDir, `${direction}.${arm === 'adversarial' ? 'adversarial' : 'hybrid'}.json`);
  return parseRunConfigJson(decodeUtf8Text(await readFile(file), file), file);
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

  /**
   * Trains a run unless it has finished: its final validation result exists (written only when a run
   * completes; its weights may have been left out of a committed record). `again` trains it from scratch
   * even so, for a kept run whose weights are needed for its evaluation.
   */
  async function train(config: RunConfig, name: string, again = false): Promise<void> {
    const dir = path.join(root, name);
    const finished = path.join(dir, config.data.validationFraction > 0 ? path.join('validation', `step-${config.steps}.json`) : path.join('checkpoints', `step-${config.steps}`));
    if (!again && (await exists(finished))) {
      progress.trained += 1;
      return;
    }
    await mkdir(path.dirname(dir), { recursive: true });
    const log = `${dir}.log`;
    if (!again && (await listCheckpoints(dir)).length > 0) {
      await xlir(['train', '--resume', dir, '--no-eval', ...dataArgs], log);
    } else {
      // A run stopped before its first checkpoint has nothing to continue from: it starts again.
      await rm(dir, { recursive: true, force: true });
      const cfgFile = `${dir}.config.json`;
      await writeFile(cfgFile, `${JSON.stringify(config, null, 2)}\n`);
      await xlir(['train', '--config', cfgFile, '--out', dir, '--no-eval', ...dataArgs], log);
    }
    if (again) return;
    progress.trained += 1;
    opts.say(`trained ${name} (${progress.trained} of ${progress.toTrain} training runs)`);
  }

  async function evaluate(config: RunConfig, name: string): Promise<void> {
    const dir = path.join(root, name);
    const packed = path.join(dir, TEST_PACKED_FILE);
    const out = path.join(dir, TEST_RESULT_FILE);
    if (await exists(packed)) {
      progress.evaluated += 1;
      return;
    }
    if (!(await exists(out))) {
      const checkpoint = path.join(dir, 'checkpoints', `step-${config.steps}`);
      if (!(await exists(checkpoint))) {
        opts.say(`${name}: no weights (a study continued from its record); training it again to evaluate it`);
        await train(config, name, true);
      }
      await xlir(['evaluate', '--dataset', config.data.eval.dataset, '--languages', config.data.eval.languages.join(','), '--checkpoint', checkpoint, '--max-length', String(config.model.maxLength), '--out', out, ...dataArgs], `${dir}.log`);
    }
    await evaluateEarlierCheckpoints(config, dir);
    await writeFile(packed, `${JSON.stringify(packResult(parseRetrievalResult(await readFile(out, 'utf8'), out)))}\n`);
    progress.evaluated += 1;
    opts.say(`evaluated ${name} (${progress.evaluated} of ${progress.toEvaluate} evaluations)`);
  }

  /**
   * The kept run's test-set evaluation at each earlier checkpoint (bias over training, `studyCurves.ts`),
   * kept as `test-steps.jsonl` without per-query values; checkpoints a continued study no longer has are left out.
   */
  async function evaluateEarlierCheckpoints(config: RunConfig, dir: string): Promise<void> {
    const file = path.join(dir, TEST_STEPS_FILE);
    if (await exists(file)) return;
    const lines: string[] = [];
    for (let step = config.checkpointEvery; step < config.steps; step += config.checkpointEvery) {
      const checkpoint = path.join(dir, 'checkpoints', `step-${step}`);
      if (!(await exists(checkpoint))) continue;
      const out = path.join(dir, `test-step-${step}.json`);
      await xlir(['evaluate', '--dataset', config.data.eval.dataset, '--languages', config.data.eval.languages.join(','), '--checkpoint', checkpoint, '--max-length', String(config.model.maxLength), '--out', out, ...dataArgs], `${dir}.log`);
      lines.push(JSON.stringify({ step, result: summarizeResult(parseRetrievalResult(await readFile(out, 'utf8'), out)) }));
      await rm(out);
    }
    if (lines.length) await writeFile(file, `${lines.join('\n')}\n`);
  }

  async function validation(config: RunConfig, name: string): Promise<Record<string, number>> {
    const file = path.join(root, name, 'validation', `step-${config.steps}.json`);
    return headlineMetrics(parseRetrievalResult(await readFile(file, 'utf8'), file));
  }

  const choices = new Map<string, Promise<ArmChoice>>();
  const [firstSeed, ...otherSeeds] = STUDY_SEEDS;
  const key = (d: StudyDirection, a: StudyArm) => `${d}/${a}`;

  // One arm × direction after another, X-X-mono first (the adversarial tries take its τ), adversarial last.
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

      // The kept runs: the chosen try and two further seeds of its setting, each evaluated on the evaluation
      // set once it is trained and the choice is made (so the evaluation set never informs a choice).
      const keptConfig = async (seed: number) => {
        const c = await choice;
        return studyRunConfig(base, arm, c.tries[c.chosen]!.setting, seed, opts);
      };
      const keptName = async (seed: number) => runName(direction, arm, (await choice).chosen + 1, seed);
      enqueue(async () => evaluate(await keptConfig(firstSeed), await keptName(firstSeed)));
      const trained = otherSeeds.map((seed) => enqueue(async () => train(await keptConfig(seed), await keptName(seed))));
      otherSeeds.forEach((seed, i) =>
        enqueue(async () => {
          await trained[i];
          await evaluate(await keptConfig(seed), await keptName(seed));
        }),
      );
    }
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
