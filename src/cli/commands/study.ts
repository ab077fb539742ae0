/**
 * `xlir study`: the study of issue 9 (examples/study/). `run` trains and evaluates it; `build` turns the
 * study folder into the committed example (result files, notebook, report).
 */
import type { Command } from 'commander';
import path from 'node:path';
import { DEFAULT_STUDY_LR, DEFAULT_STUDY_OPTIONS, type StudyOptions } from '../../core/experiment/studyPlan';
import { MODEL_BUILTINS } from '../../core/model/builtinConfigs';
import { parseChoice, parsePositiveInt } from '../options';
import { createOutput } from '../output';
import { runStudy } from './studyRun';
import { buildStudy } from './studyBuild';

function parseFraction(flag: string) {
  return (value: string): number => {
    const x = Number(value);
    if (!(x > 0 && x <= 0.5)) throw new Error(`${flag} must be a number in (0, 0.5] (got "${value}")`);
    return x;
  };
}

function parsePositiveNumber(flag: string) {
  return (value: string): number => {
    const x = Number(value);
    if (!(x > 0 && Number.isFinite(x))) throw new Error(`${flag} must be a positive number (got "${value}")`);
    return x;
  };
}

export function registerStudy(program: Command): void {
  const study = program.command('study').description('the strategy comparison of examples/study: train, tune on a validation split, evaluate, build the example');
  study
    .command('run')
    .description('train every arm × direction × seed (tuning tries first), then evaluate the kept runs; resumes an interrupted study')
    .requiredOption('--out <dir>', 'study folder (run folders, logs, choices.json)')
    .option('--presets <dir>', 'folder of the direction presets', 'experiments')
    .option('--steps <n>', 'training steps of every run', parsePositiveInt('--steps'), DEFAULT_STUDY_OPTIONS.steps)
    .option('--model <name>', `built-in model of every run (${MODEL_BUILTINS.join(', ')})`, parseChoice('--model', MODEL_BUILTINS), DEFAULT_STUDY_OPTIONS.model)
    .option(
      '--lr <x>',
      `peak learning rate of every run (default: ${Object.entries(DEFAULT_STUDY_LR)
        .map(([m, lr]) => `${lr} for ${m}`)
        .join(', ')})`,
      parsePositiveNumber('--lr'),
    )
    .option('--validation-fraction <x>', 'held-out share of training questions for tuning', parseFraction('--validation-fraction'), DEFAULT_STUDY_OPTIONS.validationFraction)
    .option('--jobs <n>', 'runs at once (each uses one wasm thread)', parsePositiveInt('--jobs'), 2)
    .option('--data <dir>', 'dataset folder (default: XLIR_DATA_DIR, else ../shared/data)')
    .action(async (opts, cmd: Command) => {
      const out = createOutput(Boolean(cmd.optsWithGlobals().json));
      const t0 = performance.now();
      const choices = await runStudy({ ...opts, lr: opts.lr ?? DEFAULT_STUDY_LR[opts.model as StudyOptions['model']], presets: path.resolve(opts.presets), say: (line: string) => out.info(line) });
      out.result({ out: path.resolve(opts.out), seconds: (performance.now() - t0) / 1000, choices }, (r) =>
        [`study done in ${(r.seconds / 60).toFixed(1)} min → ${r.out}`, ...r.choices.map((c) => `${c.direction} ${c.arm}: try ${c.chosen + 1} (${JSON.stringify(c.tries[c.chosen]!.setting)})`)].join('\n'),
      );
    });
  study
    .command('build')
    .description('write the example folder from a finished study: result files, study.xlir.json, figures/*.svg and REPORT.md (from analysis.md)')
    .argument('<studyDir>', 'the folder of `xlir study run --out`')
    .requiredOption('--out <dir>', 'example folder holding analysis.md and notebook-intro.md (e.g. examples/study)')
    .action(async (studyDir: string, opts: { out: string }, cmd: Command) => {
      const out = createOutput(Boolean(cmd.optsWithGlobals().json));
      await buildStudy({ studyDir, out: opts.out, say: (line) => out.info(line) });
    });
}
