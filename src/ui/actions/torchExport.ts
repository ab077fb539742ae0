/**
 * "Export for PyTorch" of a run (issue 24): the run's config and the loaded data go to a one-shot worker
 * (workers/torchExport.worker.ts), which builds the project with the same core function as
 * `xlir export-torch` and zips it; the zip is offered as `<run>-torch.zip`.
 */
import { deserializeError } from '../../core/errors';
import type { RunRecord } from '../../core/experiment/notebook';
import type { TorchExportEvent, TorchExportRequest } from '../../core/experiment/torchProject';
import { downloadBlob, MIME, slug } from '../export/download';
import { loadedDatasetFiles } from './data';

/**
 * @throws Error when the Data cell's loaded data is not the run's, or the worker fails (its message)
 */
export async function downloadTorchProject(run: RunRecord): Promise<void> {
  const loaded = loadedDatasetFiles();
  const { train, eval: evalData } = run.config.data;
  if (!loaded || loaded.train.dataset !== train.dataset || loaded.eval.dataset !== evalData.dataset || train.languages.some((l) => !loaded.train.languages.includes(l)) || evalData.languages.some((l) => !loaded.eval.languages.includes(l))) {
    throw new Error(`load ${train.dataset} (${train.languages.join(' ')}) and ${evalData.dataset} (${evalData.languages.join(' ')}) in the Data cell to export ${run.name} for PyTorch`);
  }
  const request: TorchExportRequest = { type: 'torch/export', config: run.config, train: loaded.train, eval: loaded.eval };
  const worker = new Worker(new URL('../../../workers/torchExport.worker.ts', import.meta.url), { type: 'module' });
  try {
    const event = await new Promise<TorchExportEvent>((resolve, reject) => {
      worker.onmessage = (msg: MessageEvent<TorchExportEvent>) => resolve(msg.data);
      worker.onerror = (ev) => reject(new Error(`the PyTorch export worker crashed: ${ev.message || 'unknown error'}`));
      worker.postMessage(
        request,
        [...loaded.train.files, ...loaded.eval.files].map((f) => f.bytes.buffer),
      );
    });
    if (event.type === 'error') throw deserializeError(event.error);
    downloadBlob(new Blob([event.zip as Uint8Array<ArrayBuffer>], { type: MIME.zip }), `${slug(run.name)}-torch.zip`);
  } finally {
    worker.terminate();
  }
}
