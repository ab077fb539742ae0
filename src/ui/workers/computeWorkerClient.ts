/**
 * Page-side handle on the compute worker: sends typed commands and resolves replies by requestId.
 * Kept out of the store (workers are not serialisable state).
 */
import { WorkerEventSchema, type BackendReadyEvent, type WorkerCommand, type WorkerEvent } from '../../core/experiment/protocol';
import { deserializeError } from '../../core/errors';
import type { BackendPreference } from '../../core/model/backendNames';

type Pending = { resolve: (e: WorkerEvent) => void; reject: (err: Error) => void; expect: WorkerEvent['type'] };

/** The reply type of each command. */
type ReplyOf<C extends WorkerCommand['type']> = C extends 'backend/init'
  ? 'backend/ready'
  : C extends 'data/load'
    ? 'data/loaded'
    : C extends 'data/parallel'
      ? 'data/parallel'
      : C extends 'data/drilldown'
        ? 'data/drilldown'
      : C extends 'results/compare'
        ? 'results/compared'
        : C extends 'batch/texts'
          ? 'batch/texts'
          : C extends 'model/inspect'
            ? 'model/inspected'
            : C extends 'model/evaluate'
              ? 'model/evaluated'
              : C extends 'model/export-trec'
                ? 'model/trec-files'
                : never;

const REPLIES: { [C in WorkerCommand['type']]: ReplyOf<C> } = {
  'backend/init': 'backend/ready',
  'data/load': 'data/loaded',
  'data/parallel': 'data/parallel',
  'data/drilldown': 'data/drilldown',
  'results/compare': 'results/compared',
  'batch/texts': 'batch/texts',
  'model/inspect': 'model/inspected',
  'model/evaluate': 'model/evaluated',
  'model/export-trec': 'model/trec-files',
};

type CommandWithoutId<C extends WorkerCommand['type']> = Omit<Extract<WorkerCommand, { type: C }>, 'requestId'>;

export class ComputeWorkerClient {
  private readonly worker: Worker;
  private readonly pending = new Map<string, Pending>();
  private nextId = 0;

  constructor() {
    this.worker = new Worker(new URL('../../../workers/compute.worker.ts', import.meta.url), { type: 'module' });
    this.worker.onmessage = (msg: MessageEvent<unknown>) => this.receive(msg.data);
    this.worker.onerror = (ev) => this.failAll(new Error(`compute worker crashed: ${ev.message || 'unknown error'}`));
  }

  private receive(data: unknown): void {
    const parsed = WorkerEventSchema.safeParse(data);
    if (!parsed.success) {
      this.failAll(new Error(`invalid message from compute worker: ${parsed.error.message}`));
      return;
    }
    const event = parsed.data;
    const id = event.requestId;
    const waiter = id === undefined ? undefined : this.pending.get(id);
    if (!waiter || id === undefined) return;
    this.pending.delete(id);
    if (event.type === 'error') waiter.reject(deserializeError(event.error));
    else if (event.type !== waiter.expect) waiter.reject(new Error(`compute worker answered ${event.type}, expected ${waiter.expect}`));
    else waiter.resolve(event);
  }

  private failAll(err: Error): void {
    for (const w of this.pending.values()) w.reject(err);
    this.pending.clear();
  }

  /**
   * Sends a command and resolves with its reply.
   * @param transfer buffers to move to the worker (the caller keeps no use of them)
   */
  request<C extends WorkerCommand['type']>(command: CommandWithoutId<C> & { type: C }, transfer: Transferable[] = []): Promise<Extract<WorkerEvent, { type: ReplyOf<C> }>> {
    const requestId = `r${this.nextId++}`;
    return new Promise((resolve, reject) => {
      this.pending.set(requestId, { resolve: resolve as (e: WorkerEvent) => void, reject, expect: REPLIES[command.type] });
      this.worker.postMessage({ ...command, requestId }, transfer);
    });
  }

  initBackend(preference: BackendPreference): Promise<BackendReadyEvent> {
    return this.request({ type: 'backend/init', preference });
  }

  terminate(): void {
    this.failAll(new Error('compute worker terminated'));
    this.worker.terminate();
  }
}
