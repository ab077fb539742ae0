/**
 * A training run's folder on disk (Node):
 *
 *   RUNDIR/config.json               the validated run config (defaults filled in)
 *   RUNDIR/log.jsonl                 one StepLog per line, appended after every step
 *   RUNDIR/eval.jsonl                one EvalLog per evaluation
 *   RUNDIR/eval/step-N.json          the full evaluation result at step N (per-query APs included)
 *   RUNDIR/checkpoints/step-N/       the files of a TrainingCheckpoint (manifest.json, model.safetensors,
 *                                    optimizer.safetensors, config.json, tokenizer.json, …)
 *
 * Checkpoints are written to a temporary folder and renamed into place, so a crash never leaves a
 * half-written `step-N`.
 */
import { appendFile, mkdir, readdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { CheckpointError, ConfigError } from '../core/errors';
import { parseRunConfigJson, type RunConfig } from '../core/experiment/runConfig';
import { EvalLogSchema, formatLogLine, parseLogLines, parseLogLinesDroppingTornTail, StepLogSchema, type EvalLog, type StepLog } from '../core/experiment/runLog';
import { decodeUtf8Text } from '../core/textDecoding';
import { checkpointDamage, type TrainingCheckpoint } from '../core/train/trainingCheckpoint';

export const CONFIG_FILE = 'config.json';
export const LOG_FILE = 'log.jsonl';
export const EVAL_LOG_FILE = 'eval.jsonl';
export const CHECKPOINTS_DIR = 'checkpoints';
export const EVAL_DIR = 'eval';
export const VALIDATION_DIR = 'validation';

/** Canonical checkpoint folder names only: `step-0099` would alias `step-99` (and `checkpointDir(99)` is `step-99`). */
const STEP_DIR = /^step-(0|[1-9]\d{0,14})$/;

/** Whether a path exists (file or folder). */
export async function exists(p: string): Promise<boolean> {
  try {
    await stat(p);
    return true;
  } catch {
    return false;
  }
}

/**
 * Starts a new run folder: creates it (and parents) and writes config.json.
 * @throws ConfigError when the folder exists and is not empty (use --resume to continue a run)
 */
export async function createRunDir(dir: string, config: RunConfig): Promise<void> {
  if (await exists(dir)) {
    const info = await stat(dir);
    if (!info.isDirectory()) throw new ConfigError(`${dir} exists and is not a folder`);
    if ((await readdir(dir)).length > 0) throw new ConfigError(`${dir} already holds files; choose a new --out folder or continue it with --resume ${dir}`);
  }
  await mkdir(dir, { recursive: true });
  await writeFile(path.join(dir, CONFIG_FILE), `${JSON.stringify(config, null, 2)}\n`);
}

/** @throws ConfigError when the folder has no config.json; DataFormatError when it is invalid */
export async function readRunConfig(dir: string): Promise<RunConfig> {
  const file = path.join(dir, CONFIG_FILE);
  let bytes: Uint8Array;
  try {
    bytes = await readFile(file);
  } catch (err) {
    throw new ConfigError(`cannot read ${file} (${(err as NodeJS.ErrnoException).code ?? String(err)}); is ${dir} a run folder?`);
  }
  return parseRunConfigJson(decodeUtf8Text(bytes, file), file);
}

/** Rewrites config.json (e.g. after extending the run with --steps). */
export async function writeRunConfig(dir: string, config: RunConfig): Promise<void> {
  await writeFile(path.join(dir, CONFIG_FILE), `${JSON.stringify(config, null, 2)}\n`);
}

export async function appendStepLog(dir: string, log: StepLog): Promise<void> {
  await appendFile(path.join(dir, LOG_FILE), `${formatLogLine(log)}\n`);
}

export async function appendEvalLog(dir: string, log: EvalLog): Promise<void> {
  await appendFile(path.join(dir, EVAL_LOG_FILE), `${formatLogLine(log)}\n`);
}

/** Writes one evaluation result as `eval/step-N.json`; returns the path. */
export async function writeEvalResult(dir: string, step: number, result: unknown): Promise<string> {
  const file = path.join(dir, EVAL_DIR, `step-${step}.json`);
  await mkdir(path.dirname(file), { recursive: true });
  await writeFile(file, `${JSON.stringify(result)}\n`);
  return file;
}

/**
 * Writes the evaluation on the held-out training questions as `validation/step-N.json` (kept apart from
 * `eval/`, which is the zero-shot evaluation set); returns the path.
 */
export async function writeValidationResult(dir: string, step: number, result: unknown): Promise<string> {
  const file = path.join(dir, VALIDATION_DIR, `step-${step}.json`);
  await mkdir(path.dirname(file), { recursive: true });
  await writeFile(file, `${JSON.stringify(result)}\n`);
  return file;
}

async function readLog<T>(file: string, schema: Parameters<typeof parseLogLines<T>>[2]): Promise<T[]> {
  if (!(await exists(file))) return [];
  return parseLogLines(await readFile(file, 'utf8'), file, schema);
}

/** @returns the step lines of log.jsonl (empty when there is none) */
export async function readStepLog(dir: string): Promise<StepLog[]> {
  return readLog(path.join(dir, LOG_FILE), StepLogSchema);
}

export async function readEvalLog(dir: string): Promise<EvalLog[]> {
  return readLog(path.join(dir, EVAL_LOG_FILE), EvalLogSchema);
}

/**
 * Drops log lines after `step` (a resumed run redoes the steps after its checkpoint, so they would
 * otherwise appear twice). A half-written last line (the process died mid-append) is dropped too.
 * @returns notes for the user: one per torn line dropped
 */
export async function truncateLogsAfter(dir: string, step: number): Promise<string[]> {
  const notes: string[] = [];
  const rewrite = async <T extends StepLog | EvalLog>(name: string, schema: Parameters<typeof parseLogLines<T>>[2]) => {
    const file = path.join(dir, name);
    if (!(await exists(file))) return;
    const { records, torn } = parseLogLinesDroppingTornTail(await readFile(file, 'utf8'), file, schema);
    if (torn !== null) notes.push(`${file}: dropped a half-written last line (${torn.length} characters, no newline; the process stopped while writing it)`);
    await writeFile(file, records.filter((l) => l.step <= step).map((l) => `${formatLogLine(l)}\n`).join(''));
  };
  await rewrite(LOG_FILE, StepLogSchema);
  await rewrite(EVAL_LOG_FILE, EvalLogSchema);
  return notes;
}

export function checkpointDir(dir: string, step: number): string {
  return path.join(dir, CHECKPOINTS_DIR, `step-${step}`);
}

/**
 * Writes a checkpoint's files under `checkpoints/step-N/` (replacing an older one of the same step).
 * @returns the checkpoint folder
 */
export async function writeCheckpoint(dir: string, ckpt: TrainingCheckpoint): Promise<string> {
  const final = checkpointDir(dir, ckpt.step);
  const tmp = path.join(dir, CHECKPOINTS_DIR, `.step-${ckpt.step}.partial`);
  await rm(tmp, { recursive: true, force: true });
  for (const [name, bytes] of Object.entries(ckpt.files)) {
    const file = path.join(tmp, name);
    if (path.relative(tmp, file).startsWith('..')) throw new CheckpointError(`checkpoint file name ${name} leaves the checkpoint folder`);
    await mkdir(path.dirname(file), { recursive: true });
    await writeFile(file, bytes);
  }
  await rm(final, { recursive: true, force: true });
  await rename(tmp, final);
  return final;
}

/**
 * The checkpoint folders of a run, and the entries of `checkpoints/` that are not one: a name such as
 * `step-0099` or `step-5.bak` (copied by hand), a file named like a checkpoint. Hidden entries (the
 * `.step-N.partial` folder of an interrupted write) are neither.
 */
export async function scanCheckpoints(dir: string): Promise<{ steps: number[]; ignored: string[] }> {
  const root = path.join(dir, CHECKPOINTS_DIR);
  if (!(await exists(root))) return { steps: [], ignored: [] };
  const steps: number[] = [];
  const ignored: string[] = [];
  for (const entry of await readdir(root, { withFileTypes: true })) {
    if (entry.name.startsWith('.')) continue;
    const m = STEP_DIR.exec(entry.name);
    if (entry.isDirectory() && m) steps.push(Number(m[1]));
    else ignored.push(entry.name);
  }
  return { steps: steps.sort((a, b) => a - b), ignored: ignored.sort() };
}

/** @returns the steps of the checkpoint folders of a run, ascending (canonical `step-N` names only) */
export async function listCheckpoints(dir: string): Promise<number[]> {
  return (await scanCheckpoints(dir)).steps;
}

async function listFiles(root: string, rel = ''): Promise<string[]> {
  const out: string[] = [];
  for (const entry of await readdir(path.join(root, rel), { withFileTypes: true })) {
    const child = rel ? `${rel}/${entry.name}` : entry.name;
    // a link would be skipped silently and the checkpoint then reported as missing a file; say what it is
    if (entry.isSymbolicLink()) throw new CheckpointError(`${path.join(root, child)} is a symbolic link; a checkpoint folder must hold plain files and folders`);
    if (entry.isDirectory()) out.push(...(await listFiles(root, child)));
    else if (entry.isFile()) out.push(child);
  }
  return out;
}

/**
 * Reads every file of a checkpoint folder.
 * @param step the checkpoint's step (from its folder name)
 * @throws CheckpointError when the folder cannot be read
 */
export async function readCheckpoint(ckptDir: string, step: number): Promise<TrainingCheckpoint> {
  let names: string[];
  try {
    names = await listFiles(ckptDir);
  } catch (err) {
    if (err instanceof CheckpointError) throw err;
    throw new CheckpointError(`cannot read checkpoint ${ckptDir} (${(err as NodeJS.ErrnoException).code ?? String(err)})`);
  }
  const files: Record<string, Uint8Array> = {};
  for (const name of names) files[name] = new Uint8Array(await readFile(path.join(ckptDir, name)));
  return { step, files };
}

/**
 * @returns the latest checkpoint of a run folder
 * @throws CheckpointError when the run has none
 */
export async function latestCheckpoint(dir: string): Promise<{ step: number; dir: string }> {
  const steps = await listCheckpoints(dir);
  const step = steps.at(-1);
  if (step === undefined) throw new CheckpointError(`${dir} has no checkpoint to resume from (no ${CHECKPOINTS_DIR}/step-N folder)`);
  return { step, dir: checkpointDir(dir, step) };
}

/** Where a resumed run continues: the newest whole checkpoint, read, and what was skipped on the way. */
export interface ResumePoint {
  step: number;
  dir: string;
  checkpoint: TrainingCheckpoint;
  /** one line per stray entry of `checkpoints/` and per damaged checkpoint passed over, for the user */
  notes: string[];
}

/**
 * The newest checkpoint whose files are whole (`checkpointDamage`): a checkpoint cut short (copied
 * half-way, a full disk) is passed over for the one before it, with a note saying so; folders not named
 * `step-N` are ignored with a note rather than guessed at.
 * @throws CheckpointError when no checkpoint is whole, listing what was wrong with each
 */
export async function resumePoint(dir: string): Promise<ResumePoint> {
  const { steps, ignored } = await scanCheckpoints(dir);
  const root = path.join(dir, CHECKPOINTS_DIR);
  const notes = ignored.map((name) => `ignoring ${path.join(root, name)}: not a checkpoint folder (checkpoints are named step-N, N without leading zeros)`);
  const problems: string[] = [];
  for (const step of [...steps].reverse()) {
    const ckptDir = checkpointDir(dir, step);
    const checkpoint = await readCheckpoint(ckptDir, step);
    const damage = checkpointDamage(checkpoint, ckptDir);
    if (damage === null) {
      if (problems.length > 0) notes.push(`resuming from the checkpoint of step ${step} instead`);
      return { step, dir: ckptDir, checkpoint, notes };
    }
    problems.push(damage);
    notes.push(`passing over the checkpoint of step ${step}, which is incomplete or damaged: ${damage}`);
  }
  if (steps.length === 0) throw new CheckpointError(`${dir} has no checkpoint to resume from (no ${CHECKPOINTS_DIR}/step-N folder${ignored.length ? `; ignored ${ignored.join(', ')}` : ''})`);
  throw new CheckpointError(`${dir} has no whole checkpoint to resume from: ${problems.join('; ')}`);
}
