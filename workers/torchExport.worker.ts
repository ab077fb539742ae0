/// <reference lib="webworker" />
// Thin adapter for the app's "Export for PyTorch" (issue 24): one request, one answer. Parses the run's
// data as the run worker does, builds the project with the same core function as `xlir export-torch`, and
// zips it here, off the page's thread.
import { zipSync } from 'fflate';
import packageJson from '../package.json';
import { parseDataset } from '../src/core/data/parseDataset';
import { serializeError } from '../src/core/errors';
import { exportTorchProject, TORCH_PROJECT_SOURCES, TorchExportRequestSchema, type TorchExportEvent, type TorchProjectSource } from '../src/core/experiment/torchProject';
import { initBackend } from '../src/core/model/backend';
import { isPretrainedModel } from '../src/core/model/builtinConfigs';
import { memorySource } from '../src/core/model/checkpointSource';
import { validate } from '../src/core/zodMessage';
import { readCheckpointFolder } from '../src/storage/opfsCheckpoints';
import { pretrainedSource } from './pretrainedFiles';

// the Python project's files, bundled as text (torch-project/ stays plain, lintable Python)
const bundled = import.meta.glob('../torch-project/*', { query: '?raw', import: 'default', eager: true }) as Record<string, string>;
const sources = Object.fromEntries(TORCH_PROJECT_SOURCES.map((name) => [name, bundled[`../torch-project/${name}`]])) as Record<TorchProjectSource, string>;

const post = (event: TorchExportEvent, transfer: Transferable[] = []) => self.postMessage(event, transfer);

self.onmessage = async (msg: MessageEvent<unknown>) => {
  try {
    const request = validate(TorchExportRequestSchema, msg.data, 'PyTorch export request');
    const { config } = request;
    await initBackend('cpu');
    const trainDataset = await parseDataset(request.train.dataset, request.train.files, { languages: config.data.train.languages });
    const evalDataset = await parseDataset(request.eval.dataset, request.eval.files, { languages: config.data.eval.languages });
    const files = await exportTorchProject(config, {
      trainDataset,
      evalDataset,
      model: {
        ...(config.model.checkpoint !== undefined ? { baseCheckpoint: memorySource(config.model.checkpoint, await readCheckpointFolder(config.model.checkpoint)) } : {}),
        ...(config.model.builtin !== undefined && isPretrainedModel(config.model.builtin) ? { pretrained: await pretrainedSource(config.model.builtin) } : {}),
      },
      sources,
      codeVersion: packageJson.version,
    });
    const zip = zipSync(files, { level: 6 });
    post({ type: 'torch/exported', zip, files: Object.keys(files).length }, [zip.buffer]);
  } catch (err) {
    post({ type: 'error', error: serializeError(err) });
  }
};
