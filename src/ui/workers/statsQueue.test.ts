import { describe, expect, it } from 'vitest';
import { EMPTY_STATS_QUEUE, cancelAllStatsJobs, finishStatsJob, startNextStatsJob, submitStatsJob, type StatsJob, type StatsQueue } from './statsQueue';

const job = (id: string, slot: string, key = `k-${id}`): StatsJob => ({ id, slot, key });

/** Submits and starts, as the client does. */
function submit(queue: StatsQueue, j: StatsJob) {
  const s = submitStatsJob(queue, j);
  return { ...s, ...startNextStatsJob(s.queue) };
}

describe('stats queue', () => {
  it('runs one job at a time, the others in order', () => {
    let q = submit(EMPTY_STATS_QUEUE, job('1', 'results')).queue;
    const second = submit(q, job('2', 'study:a|b'));
    expect(second.start).toBeNull();
    q = second.queue;
    expect(q.running?.id).toBe('1');
    expect(q.waiting.map((j) => j.id)).toEqual(['2']);
    const next = startNextStatsJob(finishStatsJob(q, '1'));
    expect(next.start?.id).toBe('2');
    expect(next.queue).toEqual({ running: job('2', 'study:a|b'), waiting: [] });
  });

  it('a new request for a running figure cancels it and asks for the worker to be terminated', () => {
    const q = submit(EMPTY_STATS_QUEUE, job('1', 'results')).queue;
    const s = submit(q, job('2', 'results'));
    expect(s.cancelled.map((j) => j.id)).toEqual(['1']);
    expect(s.terminate).toBe(true);
    expect(s.start?.id).toBe('2');
    expect(s.queue.running?.id).toBe('2');
  });

  it('a new request for a waiting figure drops the waiting one; the running job of another figure goes on', () => {
    let q = submit(EMPTY_STATS_QUEUE, job('1', 'results')).queue;
    q = submit(q, job('2', 'study:a|b')).queue;
    q = submit(q, job('3', 'study:c|d')).queue;
    const s = submit(q, job('4', 'study:a|b'));
    expect(s.cancelled.map((j) => j.id)).toEqual(['2']);
    expect(s.terminate).toBe(false);
    expect(s.queue.running?.id).toBe('1');
    expect(s.queue.waiting.map((j) => j.id)).toEqual(['3', '4']);
  });

  it('the same inputs for the same figure join the job already asked for', () => {
    const q = submit(EMPTY_STATS_QUEUE, job('1', 'results', 'sig1-aa')).queue;
    const s = submitStatsJob(q, job('2', 'results', 'sig1-aa'));
    expect(s.joined?.id).toBe('1');
    expect(s.cancelled).toEqual([]);
    expect(s.terminate).toBe(false);
    expect(s.queue).toBe(q);
  });

  it('finishing a job that no longer runs (superseded) changes nothing', () => {
    const q = submit(EMPTY_STATS_QUEUE, job('1', 'results')).queue;
    expect(finishStatsJob(q, 'gone')).toBe(q);
  });

  it('cancels everything at once, terminating only when a job runs', () => {
    let q = submit(EMPTY_STATS_QUEUE, job('1', 'results')).queue;
    q = submit(q, job('2', 'study:a|b')).queue;
    expect(cancelAllStatsJobs(q)).toEqual({ queue: EMPTY_STATS_QUEUE, cancelled: [job('1', 'results'), job('2', 'study:a|b')], terminate: true });
    expect(cancelAllStatsJobs(EMPTY_STATS_QUEUE).terminate).toBe(false);
  });
});
