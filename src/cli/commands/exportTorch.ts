/**
 * `xlir export-torch --config RUN.json --out DIR`: writes the run as a PyTorch project (issue 24,
 * core/experiment/torchProject.ts): the Python sources of `torch-project/`, the run config, the training
 * examples with their token ids, the sampler's first batches, the evaluation texts with their token ids,
 * and the run's start weights (init/). Train it with `python DIR/train.py` (torchrun for several GPUs),
 * bring its checkpoints back with `xlir evaluate --checkpoint DIR/runs/torch/checkpoints/step-N`.
 */
import { InvalidArgumentError, type Command } from 'commander';
import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import packageJson from '../../../package.json';
import { ConfigError } from '../../core/errors';
import { parseRunConfigJson, type RunConfig } from '../../core/experiment/runConfig';
import { exportTorchProject, TORCH_PROJECT_SOURCES, type TorchProjectSource } from '../../core/experiment/torchProject';
import { initBackend } from '../../core/model/backend';
import { isPretrainedModel } from '../../core/model/builtinConfigs';
import { decodeUtf8Text } from '../../core/textDecoding';
import { resolveDataDir } from '../dataDir';
import { asStorageError } from '../diskWrites';
import { dirSource } from '../loadCheckpoint';
import { loadDatasetFromDir } from '../loadDataset';
import { parsePositiveInt } from '../options';
import { createOutput } from '../output';
import { packageRoot, pretrainedSource } from '../pretrainedModel';

interface ExportTorchOptions {
  config: string;
  out: string;
  data?: string;
  batches?: number;
}

/** The Python sources, read from the package's `torch-project/` folder. */
export async function readTorchProjectSources(): Promise<Record<TorchProjectSource, string>> {
  const dir = path.join(packageRoot(), 'torch-project');
  const out = {} as Record<TorchProjectSource, string>;
  for (const name of TORCH_PROJECT_SOURCES) out[name] = await readFile(path.join(dir, name), 'utf8');
  return out;
}

async function loadConfig(file: string): Promise<RunConfig> {
  let bytes: Uint8Array;
  try {
    bytes = await readFile(file);
  } catch (err) {
    throw new ConfigError(`cannot read the config ${file} (${(err as NodeJS.ErrnoException).code ?? String(err)})`);
  }
  const config = parseRunConfigJson(decodeUtf8Text(bytes, file), file);
  // a model.checkpoint path is relative to the config file, as for xlir train
  if (config.model.checkpoint === undefined) return config;
  return { ...config, model: { ...config.model, checkpoint: path.resolve(path.dirname(file), config.model.checkpoint) } };
}

export function registerExportTorch(program: Command): void {
  program
    .command('export-torch')
    .description('write a run as a runnable PyTorch project (same examples, batches, loss, optimiser and start weights) to train on GPUs')
    .requiredOption('--config <file>', 'run config JSON (e.g. experiments/tiny.json)')
    .requiredOption('--out <dir>', 'new folder for the project (must not exist or be empty)')
    .option('--data <dir>', 'dataset folder (default: XLIR_DATA_DIR, else ../shared/data)')
    .option('--batches <n>', "batches of xlir's sampler to record in data/batches.json for `python sampler.py --check` (default min(steps, 200))", parsePositiveInt('--batches'))
    .action(async (opts: ExportTorchOptions, cmd: Command) => {
      const out = createOutput(Boolean(cmd.optsWithGlobals().json));
      const dir = path.resolve(opts.out);
      const existing = await readdir(dir).catch(() => null);
      if (existing && existing.length > 0) throw new InvalidArgumentError(`--out ${dir} is not empty; give a new folder`);
      const config = await loadConfig(path.resolve(opts.config));
      const dataDir = resolveDataDir(opts.data);
      if (dataDir === null) throw new ConfigError('no dataset folder: pass --data DIR or set XLIR_DATA_DIR (../shared/data does not exist)');
      const trainDataset = await loadDatasetFromDir(dataDir, config.data.train.dataset, config.data.train.languages);
      const evalDataset = await loadDatasetFromDir(dataDir, config.data.eval.dataset, config.data.eval.languages);
      await initBackend('cpu');
      const files = await exportTorchProject(config, {
        trainDataset,
        evalDataset,
        // the run's own encoder before training: its tokenizer and its start weights
        model: {
          ...(config.model.checkpoint !== undefined ? { baseCheckpoint: dirSource(config.model.checkpoint) } : {}),
          ...(config.model.builtin !== undefined && isPretrainedModel(config.model.builtin) ? { pretrained: pretrainedSource(config.model.builtin) } : {}),
        },
        sources: await readTorchProjectSources(),
        codeVersion: packageJson.version,
        ...(opts.batches !== undefined ? { recordBatches: opts.batches } : {}),
      });
      let bytes = 0;
      for (const [rel, data] of Object.entries(files).sort(([a], [b]) => (a < b ? -1 : 1))) {
        const file = path.join(dir, ...rel.split('/'));
        try {
          await mkdir(path.dirname(file), { recursive: true });
          await writeFile(file, data);
        } catch (err) {
          throw asStorageError(err, file, 'write');
        }
        bytes += data.length;
      }
      out.result({ dir, files: Object.keys(files).length, bytes }, (r) =>
        [
          `wrote ${r.files} files (${(r.bytes / 1e6).toFixed(1)} MB) to ${r.dir}`,
          `train:    python3 ${path.join(r.dir, 'train.py')} --steps N --out RUNDIR   (several GPUs: torchrun --nproc_per_node G ${path.join(r.dir, 'train.py')})`,
          `evaluate: xlir evaluate --dataset ${config.data.eval.dataset} --checkpoint RUNDIR/checkpoints/step-N`,
        ].join('\n'),
      );
    });
}
