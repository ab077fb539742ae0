/**
 * Page-side handle on the compute worker: sends typed commands and resolves replies by requestId.
 * Kept out of the store (workers are not serialisable state).
 */
import { WorkerEventSchema, type BackendReadyEvent, type WorkerCommand } from '../../core/experiment/protocol';
import { deserializeError } from '../../core/errors';
import type { BackendPreference } from '../../core/model/backend';

type Pending = { resolve: (e: BackendReadyEvent) => void; reject: (err: Error) => void };

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
    else waiter.resolve(event);
  }

  private failAll(err: Error): void {
    for (const w of this.pending.values()) w.reject(err);
    this.pending.clear();
  }

  private send(command: WorkerCommand): void {
    this.worker.postMessage(command);
  }

  initBackend(preference: BackendPreference): Promise<BackendReadyEvent> {
    const requestId = `r${this.nextId++}`;
    return new Promise((resolve, reject) => {
      this.pending.set(requestId, { resolve, reject });
      this.send({ type: 'backend/init', requestId, preference });
    });
  }

  terminate(): void {
    this.failAll(new Error('compute worker terminated'));
    this.worker.terminate();
  }
}
