/**
 * A training run's folder on disk (Node):
 *
 *   RUNDIR/config.json               the validated run config (defaults filled in)
 *   RUNDIR/log.jsonl                 one StepLog per line, appended after every step
 *   RUNDIR/eval.jsonl                one EvalLog per evaluation
 *   RUNDIR/eval/step-N.json          the full evaluation result at step N (per-query APs included)
 *   RUNDIR/validation/step-N.json    the evaluation on the held-out training questions at step N
 *   RUNDIR/checkpoints/step-N/       the files of a TrainingCheckpoint (manifest.json, model.safetensors,
 *                                    optimizer.safetensors, config.json, tokenizer.json, …)
 *   RUNDIR/products.json             which matrix products each stretch of steps ran on (productsRecord.ts)
 *
 * Checkpoints are written to a temporary folder and renamed into place, so a crash never leaves a
 * half-written `step-N`; a write the disk refuses (full, read-only, …) removes the temporary folder and
 * fails with one StorageError line naming the file and the last intact checkpoint.
 */
import { appendFile, readdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { CheckpointError, ConfigError, StorageError } from '../core/errors';
import { parseRunConfigJson, type RunConfig } from '../core/experiment/runConfig';
import { EvalLogSchema, formatLogLine, parseLogLines, parseLogLinesDroppingTornTail, StepLogSchema, type EvalLog, type StepLog } from '../core/experiment/runLog';
import { decodeUtf8Text } from '../core/textDecoding';
import { checkpointDamage, type TrainingCheckpoint } from '../core/train/trainingCheckpoint';
import { asStorageError, makeDirs, probeWritableDir, storageReason } from './diskWrites';

/** The names in a run folder (the layout above). */
export const RUN_FILES = {
  config: 'config.json',
  log: 'log.jsonl',
  evalLog: 'eval.jsonl',
  checkpoints: 'checkpoints',
  eval: 'eval',
  validation: 'validation',
} as const;

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

/** @throws ConfigError when `dir` exists and is not an empty folder */
async function assertFreshRunDir(dir: string): Promise<void> {
  if (await exists(dir)) {
    const info = await stat(dir);
    if (!info.isDirectory()) throw new ConfigError(`${dir} exists and is not a folder`);
    if ((await readdir(dir)).length > 0) throw new ConfigError(`${dir} already holds files; choose a new --out folder or continue it with --resume ${dir}`);
  }
}

/**
 * Fails at once (before data and model load) when `dir` cannot become a new run folder: it holds files,
 * or it cannot be created or written (a full disk, /proc, no permission). Leaves nothing behind.
 * @throws ConfigError | StorageError
 */
export async function checkNewRunDir(dir: string): Promise<void> {
  await assertFreshRunDir(dir);
  await probeWritableDir(dir);
}

/** Fails at once when a run folder to resume cannot be written into. @throws StorageError */
export async function checkResumableRunDir(dir: string): Promise<void> {
  if (await exists(dir)) await probeWritableDir(dir);
}

/**
 * Starts a new run folder: creates it (and parents) and writes config.json; on a failed write removes
 * what it created.
 * @throws ConfigError when the folder exists and is not empty (use --resume to continue a run)
 * @throws StorageError when the disk refuses
 */
export async function createRunDir(dir: string, config: RunConfig): Promise<void> {
  await assertFreshRunDir(dir);
  const created = await makeDirs(dir);
  const file = path.join(dir, RUN_FILES.config);
  try {
    await writeFile(file, `${JSON.stringify(config, null, 2)}\n`);
  } catch (err) {
    await rm(created ?? file, { recursive: true, force: true }).catch(() => {});
    throw asStorageError(err, file, 'write', 'the run folder was not started');
  }
}

/** @throws ConfigError when the folder has no config.json; DataFormatError when it is invalid */
export async function readRunConfig(dir: string): Promise<RunConfig> {
  const file = path.join(dir, RUN_FILES.config);
  let bytes: Uint8Array;
  try {
    bytes = await readFile(file);
  } catch (err) {
    throw new ConfigError(`cannot read ${file} (${(err as NodeJS.ErrnoException).code ?? String(err)}); is ${dir} a run folder?`);
  }
  return parseRunConfigJson(decodeUtf8Text(bytes, file), file);
}

/** What is safe after a failed write: the newest checkpoint, untouched by it, and how to continue. */
async function intactNote(dir: string): Promise<string> {
  const steps = await listCheckpoints(dir).catch(() => [] as number[]);
  const last = steps.at(-1);
  return last === undefined ? 'no checkpoint was written yet' : `the last intact checkpoint is ${checkpointDir(dir, last)} (continue with --resume ${dir} once the disk accepts writes)`;
}

/** Runs a write into the run folder, turning storage trouble into a StorageError naming `file`. */
async function guardedWrite<T>(dir: string, file: string, write: () => Promise<T>): Promise<T> {
  try {
    return await write();
  } catch (err) {
    if (storageReason(err) === null || err instanceof StorageError) throw err;
    throw asStorageError(err, file, 'write', await intactNote(dir));
  }
}

/** Rewrites config.json (e.g. after extending the run with --steps). */
export async function writeRunConfig(dir: string, config: RunConfig): Promise<void> {
  const file = path.join(dir, RUN_FILES.config);
  await guardedWrite(dir, file, () => writeFile(file, `${JSON.stringify(config, null, 2)}\n`));
}

export async function appendStepLog(dir: string, log: StepLog): Promise<void> {
  const file = path.join(dir, RUN_FILES.log);
  await guardedWrite(dir, file, () => appendFile(file, `${formatLogLine(log)}\n`));
}

export async function appendEvalLog(dir: string, log: EvalLog): Promise<void> {
  const file = path.join(dir, RUN_FILES.evalLog);
  await guardedWrite(dir, file, () => appendFile(file, `${formatLogLine(log)}\n`));
}

/** Writes one result as `<subdir>/step-N.json`; returns the path. */
async function writeStepResult(dir: string, subdir: string, step: number, result: unknown): Promise<string> {
  const file = path.join(dir, subdir, `step-${step}.json`);
  await guardedWrite(dir, file, async () => {
    await makeDirs(path.dirname(file));
    await writeFile(file, `${JSON.stringify(result)}\n`);
  });
  return file;
}

/** Writes one evaluation result as `eval/step-N.json`; returns the path. */
export function writeEvalResult(dir: string, step: number, result: unknown): Promise<string> {
  return writeStepResult(dir, RUN_FILES.eval, step, result);
}

/**
 * Writes the evaluation on the held-out training questions as `validation/step-N.json` (kept apart from
 * `eval/`, which is the zero-shot evaluation set); returns the path.
 */
export function writeValidationResult(dir: string, step: number, result: unknown): Promise<string> {
  return writeStepResult(dir, RUN_FILES.validation, step, result);
}

async function readLog<T>(file: string, schema: Parameters<typeof parseLogLines<T>>[2]): Promise<T[]> {
  if (!(await exists(file))) return [];
  return parseLogLines(await readFile(file, 'utf8'), file, schema);
}

/** @returns the step lines of log.jsonl (empty when there is none) */
export async function readStepLog(dir: string): Promise<StepLog[]> {
  return readLog(path.join(dir, RUN_FILES.log), StepLogSchema);
}

export async function readEvalLog(dir: string): Promise<EvalLog[]> {
  return readLog(path.join(dir, RUN_FILES.evalLog), EvalLogSchema);
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
    await writeFile(
      file,
      records
        .filter((l) => l.step <= step)
        .map((l) => `${formatLogLine(l)}\n`)
        .join(''),
    );
  };
  await rewrite(RUN_FILES.log, StepLogSchema);
  await rewrite(RUN_FILES.evalLog, EvalLogSchema);
  return notes;
}

export function checkpointDir(dir: string, step: number): string {
  return path.join(dir, RUN_FILES.checkpoints, `step-${step}`);
}

/**
 * Writes a checkpoint's files under `checkpoints/step-N/` (replacing an older one of the same step):
 * into a hidden sibling `.step-N.partial`, renamed into place only when every file is written, so the
 * checkpoints already there stay intact whatever happens. A refused write removes the partial folder.
 * @returns the checkpoint folder
 * @throws StorageError naming the file and the last intact checkpoint; CheckpointError for a bad file name
 */
export async function writeCheckpoint(dir: string, ckpt: TrainingCheckpoint): Promise<string> {
  const final = checkpointDir(dir, ckpt.step);
  const tmp = path.join(dir, RUN_FILES.checkpoints, `.step-${ckpt.step}.partial`);
  const old = path.join(dir, RUN_FILES.checkpoints, `.step-${ckpt.step}.old`);
  for (const name of Object.keys(ckpt.files)) {
    const rel = path.relative(tmp, path.join(tmp, name));
    if (rel === '' || rel.startsWith('..') || path.isAbsolute(rel)) throw new CheckpointError(`checkpoint file name ${name} leaves the checkpoint folder`);
  }
  let file = tmp;
  try {
    await rm(tmp, { recursive: true, force: true });
    await makeDirs(tmp);
    for (const [name, bytes] of Object.entries(ckpt.files)) {
      file = path.join(tmp, name);
      await makeDirs(path.dirname(file));
      await writeFile(file, bytes);
    }
    file = final;
    // the old folder of the same step is moved aside, not deleted, until the new one is in place
    await rm(old, { recursive: true, force: true });
    if (await exists(final)) await rename(final, old);
    await rename(tmp, final);
    await rm(old, { recursive: true, force: true }).catch(() => {});
  } catch (err) {
    await rm(tmp, { recursive: true, force: true }).catch(() => {});
    if (!(await exists(final)) && (await exists(old))) await rename(old, final).catch(() => {});
    if (storageReason(err) === null || err instanceof StorageError) throw err;
    // name the file as the user will find it: the partial folder is gone, so say where it was going
    const shown = file.startsWith(tmp) ? path.join(final, path.relative(tmp, file)) : file;
    throw asStorageError(err, shown, `write the checkpoint of step ${ckpt.step}`, `its partial folder was removed; ${await intactNote(dir)}`);
  }
  return final;
}

/**
 * The checkpoint folders of a run, and the entries of `checkpoints/` that are not one: a name such as
 * `step-0099` or `step-5.bak` (copied by hand), a file named like a checkpoint. Hidden entries (the
 * `.step-N.partial` folder of an interrupted write) are neither.
 */
export async function scanCheckpoints(dir: string): Promise<{ steps: number[]; ignored: string[] }> {
  const root = path.join(dir, RUN_FILES.checkpoints);
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
  if (step === undefined) throw new CheckpointError(`${dir} has no checkpoint to resume from (no ${RUN_FILES.checkpoints}/step-N folder)`);
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
  const root = path.join(dir, RUN_FILES.checkpoints);
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
  if (steps.length === 0) throw new CheckpointError(`${dir} has no checkpoint to resume from (no ${RUN_FILES.checkpoints}/step-N folder${ignored.length ? `; ignored ${ignored.join(', ')}` : ''})`);
  throw new CheckpointError(`${dir} has no whole checkpoint to resume from: ${problems.join('; ')}`);
}

/**
 * Leaves the folder of a run that diverged (NaN/∞ loss) usable (issue 21): with a checkpoint, the log
 * lines after it are dropped, so `--resume` continues from it as from any stop; with none, nothing can
 * be resumed, so a folder this command started is removed and the same `--out` can be used again.
 * @param created whether this command created the run folder (a new run, not a resumed one)
 * @returns one line for the user saying what was done
 */
export async function settleDivergedRun(dir: string, lastCheckpointStep: number | null, created: boolean): Promise<string> {
  if (lastCheckpointStep !== null && (await listCheckpoints(dir)).includes(lastCheckpointStep)) {
    await truncateLogsAfter(dir, lastCheckpointStep);
    return `${dir} is kept at its last good checkpoint ${checkpointDir(dir, lastCheckpointStep)} (log lines after step ${lastCheckpointStep} dropped); continue it with --resume ${dir}`;
  }
  if (created && (await listCheckpoints(dir)).length === 0) {
    await rm(dir, { recursive: true, force: true });
    return `removed ${dir}: it held no checkpoint to resume from, so the same --out can start the run again`;
  }
  return `${dir} is left as it was`;
}
