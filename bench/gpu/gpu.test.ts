import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { machineFromLog, mergeRuns } from './collect';
import { gpuSection } from './report';
import { GPU_RESULTS, type GpuResults } from './results';

const LOG = [
  '== machine 2026-12-04T16:47:59Z',
  'name, driver_version, memory.total [MiB], clocks.current.sm [MHz], clocks.max.sm [MHz]',
  'NVIDIA H200, 580.159.04, 143771 MiB, 345 MHz, 1980 MHz',
  '16',
  'model name\t: Intel(R) Xeon(R) Processor',
  'v20.20.2',
  'torch 2.11.0+cu130 13.0',
  '== node/webgpu/matmul-1024 16:48:06',
].join('\n');

describe('bench/gpu: collecting the device runs', () => {
  it('reads the machine block that device.sh logs', () => {
    expect(machineFromLog(LOG)).toEqual({
      gpu: 'NVIDIA H200',
      driver: '580.159.04',
      memory: '143771 MiB',
      maxSmClock: '1980 MHz',
      cpu: 'Intel(R) Xeon(R) Processor',
      cores: 16,
      node: 'v20.20.2',
      torch: '2.11.0+cu130',
      cuda: '13.0',
      measuredAt: '2026-12-04T16:47:59Z',
    });
    expect(() => machineFromLog('no machine here')).toThrow(/log\.txt: no "== machine" block/);
  });

  it('a rerun replaces a failed result, never a measured one with a failure', () => {
    const jobs = mergeRuns([
      { run: 1, jsonl: '{"id":"a","result":null}\n{"id":"b","result":{"x":1}}\n' },
      { run: 2, jsonl: '{"id":"a","result":{"x":2}}\n{"id":"b","result":null}\n' },
    ]);
    expect(jobs).toEqual([
      { id: 'a', run: 2, result: { x: 2 } },
      { id: 'b', run: 1, result: { x: 1 } },
    ]);
  });
});

describe('bench/gpu: the RESULTS.md section', () => {
  it('derives every ratio from the recorded measurements', async () => {
    const r = JSON.parse(await readFile(GPU_RESULTS, 'utf8')) as GpuResults;
    const md = gpuSection(r);
    const result = (id: string) => r.jobs.find((j) => j.id === id)?.result as Record<string, number>;
    const webgpu = result('node/webgpu/bert-base-2l');
    const cuda = result('pytorch/cuda-tf32-false/bert-base-2l');
    const row = md.split('\n').find((l) => l.startsWith('| BERT-base-shaped, 32 |'));
    expect(row).toBeDefined();
    const want = webgpu.tokensPerS! / cuda.tokens_per_s!;
    expect(row).toContain(`| ${want < 0.1 ? want.toPrecision(2) : want.toFixed(2)}× |`);
    expect(row).toContain(`| ${webgpu.medianMs!.toFixed(0)} ms |`);
    expect(md).not.toContain('Failed:');
  });

  it('names failed measurements instead of dropping them', async () => {
    const r = JSON.parse(await readFile(GPU_RESULTS, 'utf8')) as GpuResults;
    const md = gpuSection({ ...r, jobs: r.jobs.map((j) => (j.id === 'node/webgpu/demo' ? { ...j, result: null } : j)) });
    expect(md).toContain('Failed: node/webgpu/demo.');
    expect(md.split('\n').find((l) => l.startsWith('| demo, 32 |'))).toMatch(/^\| demo, 32 \| – \|/);
  });
});
