import { describe, expect, it } from 'vitest';
import { stepLog } from '../testing/stepLog.testutil';
import { parseLogLines, StepLogSchema, trainingSeconds } from './runLog';

const line = (step: number, seconds: number) => stepLog(step, { seconds });

describe('trainingSeconds', () => {
  it('is the last step’s seconds for a run trained in one process', () => {
    expect(trainingSeconds([line(1, 3), line(2, 6), line(3, 9)])).toBe(9);
  });

  it('adds the segments of a resumed run, whose seconds start again from zero after the checkpoint', () => {
    // steps 1–4 in a first process (checkpoint @4, crash after it; the log was truncated to step 4),
    // steps 5–8 in the resumed process, then steps 9–10 after a second resume
    const logs = [line(1, 5), line(2, 8), line(3, 11), line(4, 14), line(5, 7), line(6, 10), line(7, 13), line(8, 16), line(9, 6), line(10, 9)];
    expect(trainingSeconds(logs)).toBe(14 + 16 + 9);
  });

  it('is 0 for an empty log', () => {
    expect(trainingSeconds([])).toBe(0);
  });

  it('reads a log file’s lines as written', () => {
    const text = [line(1, 2), line(2, 4), line(3, 1.5)].map((l) => JSON.stringify(l)).join('\n');
    expect(trainingSeconds(parseLogLines(text, 'log.jsonl', StepLogSchema))).toBe(5.5);
  });
});

describe('StepLogSchema: the encoder gradient norms of adversarial runs (issue 23, item 5)', () => {
  it('reads logs without them (older runs, other strategies) and with them', () => {
    const text = [stepLog(1), stepLog(10, { retrieval_grad_norm: 2, adv_grad_norm: 0.5, grad_ratio: 0.25 }), stepLog(11, { retrieval_grad_norm: 0, adv_grad_norm: 0, grad_ratio: null })].map((l) => JSON.stringify(l)).join('\n');
    const logs = parseLogLines(text, 'log.jsonl', StepLogSchema);
    expect(logs.map((l) => l.grad_ratio)).toEqual([undefined, 0.25, null]);
    expect(logs[1]).toMatchObject({ retrieval_grad_norm: 2, adv_grad_norm: 0.5 });
  });

  it('rejects a negative norm, naming the file, the line and the field', () => {
    const text = [stepLog(1), stepLog(2, { adv_grad_norm: -1 })].map((l) => JSON.stringify(l)).join('\n');
    expect(() => parseLogLines(text, 'run/log.jsonl', StepLogSchema)).toThrow(/run\/log\.jsonl.*line 2: adv_grad_norm: .*>=\s*0/);
  });
});
