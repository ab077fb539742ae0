/**
 * The `xlir` command: headless training, evaluation and export over the same core as the app.
 * Each subcommand lives in `commands/` and registers itself on the program.
 */
import { Command, CommanderError } from 'commander';
import { XlirError } from '../core/errors';
import { registerEnv } from './commands/env';
import { registerMemory } from './commands/memory';
import { registerTrain } from './commands/train';
import { registerData } from './commands/data';
import { registerEmbed } from './commands/embed';
import { registerCompare } from './commands/compare';
import { registerEval } from './commands/eval';
import { registerEvaluate } from './commands/evaluate';
import { registerExportTrec } from './commands/exportTrec';
import { registerExportTorch } from './commands/exportTorch';
import { registerStudy } from './commands/study';
import { registerPretrain } from './commands/pretrain';
import { registerAlign } from './commands/align';
import { registerCorpus } from './commands/corpus';

export function buildProgram(): Command {
  const program = new Command('xlir')
    .description('XLIR Lab on the command line: datasets, evaluation, training and export')
    .option('--json', 'print results as JSON on stdout')
    .showHelpAfterError(false)
    .exitOverride()
    .configureOutput({ writeErr: () => {} });
  registerEnv(program);
  registerMemory(program);
  registerTrain(program);
  registerEmbed(program);
  registerEval(program);
  registerCompare(program);
  registerEvaluate(program);
  registerExportTrec(program);
  registerExportTorch(program);
  registerData(program);
  registerStudy(program);
  registerPretrain(program);
  registerAlign(program);
  registerCorpus(program);
  for (const cmd of program.commands) cmd.exitOverride().configureOutput({ writeErr: () => {} });
  return program;
}

function oneLine(message: string): string {
  return message
    .replace(/^error: /, '')
    .replace(/\s*\n\s*/g, ' ')
    .trim();
}

/** Runs the CLI and returns the exit code; errors print one line on stderr. */
export async function main(argv: string[], stderr: NodeJS.WritableStream = process.stderr): Promise<number> {
  const program = buildProgram();
  try {
    await program.parseAsync(argv, { from: 'user' });
    return 0;
  } catch (err) {
    if (err instanceof CommanderError) {
      // --help and --version exit through here with code 0 after printing to stdout.
      if (err.exitCode === 0) return 0;
      stderr.write(`xlir: ${oneLine(err.message)}\n`);
      return 2;
    }
    if (err instanceof XlirError) {
      stderr.write(`xlir: ${oneLine(err.message)}\n`);
      return 1;
    }
    stderr.write(`xlir: internal error: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    return 1;
  }
}
