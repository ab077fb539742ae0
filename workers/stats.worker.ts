/// <reference lib="webworker" />
// Thin adapter for the significance tests: validates commands, calls src/core, posts typed events (house
// rule 9). A worker of its own, so the tests neither queue behind the compute worker's checkpoint imports
// nor block them; the page cancels a superseded request by terminating this worker.
import { StatsCommandSchema, type StatsEvent } from '../src/core/experiment/statsProtocol';
import { RetrievalResultSchema } from '../src/core/metrics/resultSchema';
import { compareRetrieval } from '../src/core/metrics/compareRetrieval';
import { createRng } from '../src/core/metrics/rng';
import { DataFormatError, serializeError } from '../src/core/errors';

const post = (event: StatsEvent) => self.postMessage(event);

function checkResult(name: string, raw: unknown) {
  const parsed = RetrievalResultSchema.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw new DataFormatError(name, issue.path.join('.') || '(root)', issue.message);
  }
  return parsed.data;
}

self.onmessage = (msg: MessageEvent<unknown>) => {
  const parsed = StatsCommandSchema.safeParse(msg.data);
  if (!parsed.success) {
    post({ type: 'error', error: { name: 'ProtocolError', code: 'INTERNAL', message: `invalid stats worker command: ${parsed.error.message}` } });
    return;
  }
  const command = parsed.data;
  try {
    switch (command.type) {
      case 'stats/compare': {
        const a = checkResult('result a', command.a);
        const b = checkResult('result b', command.b);
        const { requestId } = command;
        const comparison = compareRetrieval(a, b, {
          rng: createRng(command.seed),
          permutations: command.permutations,
          resamples: command.resamples,
          level: command.level,
          onProgress: (done, total) => post({ type: 'stats/progress', requestId, done, total }),
        });
        post({ type: 'stats/compared', requestId, comparison });
        break;
      }
    }
  } catch (err) {
    post({ type: 'error', requestId: command.requestId, error: serializeError(err) });
  }
};
