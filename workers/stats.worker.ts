/// <reference lib="webworker" />
// Thin adapter for the significance tests and their cache keys: validates commands, calls src/core, posts
// typed events (house rule 9). A worker of its own, so the tests neither queue behind the compute worker's
// checkpoint imports nor block them; the page cancels a superseded request by terminating this worker, and
// asks cache keys of a second instance (statsWorkerClient.ts). Results arrive packed; unpacking checks them.
import { StatsCommandSchema, type StatsEvent } from '../src/core/experiment/statsProtocol';
import { unpackComparedResult } from '../src/core/experiment/comparedResult';
import { PackedCellError } from '../src/core/experiment/packedEvaluations';
import { compareRetrieval } from '../src/core/metrics/compareRetrieval';
import { significanceKey } from '../src/core/metrics/significanceKey';
import { createRng } from '../src/core/metrics/rng';
import { DataFormatError, serializeError } from '../src/core/errors';

const post = (event: StatsEvent) => self.postMessage(event);

function unpack(name: string, c: Parameters<typeof unpackComparedResult>[0]) {
  try {
    return unpackComparedResult(c);
  } catch (err) {
    if (err instanceof PackedCellError) throw new DataFormatError(name, `per_query.${err.field}`, err.message);
    throw err;
  }
}

self.onmessage = (msg: MessageEvent<unknown>) => {
  const parsed = StatsCommandSchema.safeParse(msg.data);
  if (!parsed.success) {
    post({ type: 'error', error: { name: 'ProtocolError', code: 'INTERNAL', message: `invalid stats worker command: ${parsed.error.message}` } });
    return;
  }
  const command = parsed.data;
  const { requestId, seed, permutations, resamples, level } = command;
  try {
    const a = unpack('result a', command.a);
    const b = unpack('result b', command.b);
    switch (command.type) {
      case 'stats/key':
        post({ type: 'stats/keyed', requestId, key: significanceKey(a, b, { seed, permutations, resamples, level }) });
        break;
      case 'stats/compare': {
        const comparison = compareRetrieval(a, b, {
          rng: createRng(seed),
          permutations,
          resamples,
          level,
          onProgress: (done, total) => post({ type: 'stats/progress', requestId, done, total }),
        });
        post({ type: 'stats/compared', requestId, comparison });
        break;
      }
    }
  } catch (err) {
    post({ type: 'error', requestId, error: serializeError(err) });
  }
};
