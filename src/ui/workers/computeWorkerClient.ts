/**
 * Page-side handle on the compute worker: sends typed commands and resolves replies by requestId.
 * Kept out of the store (workers are not serialisable state).
 */
import { WorkerEventSchema, type BackendReadyEvent, type WorkerCommand, type WorkerEvent } from '../../core/experiment/protocol';
import { deserializeError } from '../../core/errors';
import type { BackendPreference } from '../../core/model/backendNames';

/** Events that report on a request without ending it (`model/export-trec`'s). */
export type ProgressEvent = Extract<WorkerEvent, { type: 'model/trec-progress' | 'model/trec-chunk' }>;
const PROGRESS_TYPES: ReadonlySet<WorkerEvent['type']> = new Set<ProgressEvent['type']>(['model/trec-progress', 'model/trec-chunk']);

/** Commands that answer a worker's event and get no reply of their own. */
type NoReplyCommand = 'model/export-trec-next';
type RequestCommand = Exclude<WorkerCommand['type'], NoReplyCommand>;

type Pending = { resolve: (e: WorkerEvent) => void; reject: (err: Error) => void; expect: WorkerEvent['type']; onProgress?: (e: ProgressEvent) => void };

/** The reply type of each command. */
type ReplyOf<C extends RequestCommand> = C extends 'backend/init'
  ? 'backend/ready'
  : C extends 'data/load'
    ? 'data/loaded'
    : C extends 'data/parallel'
      ? 'data/parallel'
      : C extends 'data/drilldown'
        ? 'data/drilldown'
        : C extends 'batch/texts'
          ? 'batch/texts'
          : C extends 'model/inspect'
            ? 'model/inspected'
            : C extends 'model/evaluate'
              ? 'model/evaluated'
              : C extends 'model/export-trec'
                ? 'model/trec-files'
                : never;

const REPLIES: { [C in RequestCommand]: ReplyOf<C> } = {
  'backend/init': 'backend/ready',
  'data/load': 'data/loaded',
  'data/parallel': 'data/parallel',
  'data/drilldown': 'data/drilldown',
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
    if (PROGRESS_TYPES.has(event.type)) {
      // a throwing handler fails the request rather than the worker's message loop
      try {
        waiter.onProgress?.(event as ProgressEvent);
      } catch (err) {
        this.pending.delete(id);
        waiter.reject(err instanceof Error ? err : new Error(String(err)));
      }
      return;
    }
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
   * @param onProgress receives the request's progress events (`model/export-trec`: embedding, file chunks)
   */
  request<C extends RequestCommand>(command: CommandWithoutId<C> & { type: C }, transfer: Transferable[] = [], onProgress?: (event: ProgressEvent) => void): Promise<Extract<WorkerEvent, { type: ReplyOf<C> }>> {
    const requestId = `r${this.nextId++}`;
    return new Promise((resolve, reject) => {
      this.pending.set(requestId, { resolve: resolve as (e: WorkerEvent) => void, reject, expect: REPLIES[command.type], ...(onProgress ? { onProgress } : {}) });
      this.worker.postMessage({ ...command, requestId }, transfer);
    });
  }

  /** Answers a worker's event (`model/export-trec-next` for a chunk of request `requestId`); no reply comes. */
  send(command: Extract<WorkerCommand, { type: NoReplyCommand }>): void {
    this.worker.postMessage(command);
  }

  initBackend(preference: BackendPreference): Promise<BackendReadyEvent> {
    return this.request({ type: 'backend/init', preference });
  }

  terminate(): void {
    this.failAll(new Error('compute worker terminated'));
    this.worker.terminate();
  }
}
