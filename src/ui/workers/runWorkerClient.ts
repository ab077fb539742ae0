/**
 * Page-side handle on one run's training worker (`workers/train.worker.ts`). Events are validated on
 * arrival and handed to `onEvent`. Kept out of the store.
 */
import type { TrainCommand, TrainEvent } from '../../core/experiment/protocol';
import { parseTrainEvent } from '../actions/trainEventArrival';

export class RunWorkerClient {
  private readonly worker: Worker;

  constructor(
    readonly runId: string,
    private readonly onEvent: (event: TrainEvent) => void,
  ) {
    this.worker = new Worker(new URL('../../../workers/train.worker.ts', import.meta.url), { type: 'module', name: `train ${runId}` });
    this.worker.onmessage = (msg: MessageEvent<unknown>) => this.receive(msg.data);
    this.worker.onerror = (ev) => {
      ev.preventDefault();
      this.onEvent({ type: 'train/failed', runId, error: { name: 'WorkerError', code: 'WORKER_CRASHED', message: `training worker crashed: ${ev.message || 'unknown error'}` } });
    };
  }

  private receive(data: unknown): void {
    // an evaluation's per-query data is validated by the run controller, in a task of its own
    const parsed = parseTrainEvent(data);
    if (!parsed.success) {
      this.onEvent({ type: 'train/failed', runId: this.runId, error: { name: 'ProtocolError', code: 'INTERNAL', message: `invalid message from the training worker: ${parsed.error.message}` } });
      return;
    }
    this.onEvent(parsed.data);
  }

  /** @param transfer buffers moved to the worker (e.g. the dataset copies) */
  send(command: TrainCommand, transfer: Transferable[] = []): void {
    this.worker.postMessage(command, transfer);
  }

  terminate(): void {
    this.worker.terminate();
  }
}
