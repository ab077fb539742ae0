/// <reference lib="webworker" />
// Thin adapter: validates commands, calls src/core, posts typed events (house rule 9).
import { WorkerCommandSchema, type WorkerEvent } from '../src/core/experiment/protocol';
import { initBackend } from '../src/core/model/backend';
import { matmulSmoke } from '../src/core/model/matmulSmoke';
import { serializeError } from '../src/core/errors';
import { WASM_PATHS } from './wasmAssets';

const post = (event: WorkerEvent) => self.postMessage(event);

self.onmessage = async (msg: MessageEvent<unknown>) => {
  const parsed = WorkerCommandSchema.safeParse(msg.data);
  if (!parsed.success) {
    post({ type: 'error', error: { name: 'ProtocolError', code: 'INTERNAL', message: `invalid worker command: ${parsed.error.message}` } });
    return;
  }
  const command = parsed.data;
  try {
    switch (command.type) {
      case 'backend/init': {
        const info = await initBackend(command.preference, { wasmPaths: WASM_PATHS });
        const smoke = await matmulSmoke({ now: () => performance.now() });
        post({ type: 'backend/ready', requestId: command.requestId, info, smoke });
        break;
      }
    }
  } catch (err) {
    post({ type: 'error', requestId: command.requestId, error: serializeError(err) });
  }
};
