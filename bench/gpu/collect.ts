/**
 * Merges what bench/gpu/device.sh brought back into bench/gpu/results-h200.json: the machine facts from
 * the first log, then each job's latest non-empty result (a rerun of failed jobs replaces their null).
 *
 *   npx tsx bench/gpu/collect.ts <run dir>...   # each holding gpu.jsonl and log.txt, oldest first
 */
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { GPU_RESULTS, type GpuJob, type GpuMachine, type GpuResults } from './results';

/** The facts device.sh logs under `== machine` (nvidia-smi's CSV, nproc, the CPU, Node, torch). */
export function machineFromLog(log: string): GpuMachine {
  const lines = log.split('\n');
  const at = lines.findIndex((l) => l.startsWith('== machine '));
  if (at < 0) throw new Error('log.txt: no "== machine" block (was it written by bench/gpu/device.sh?)');
  const block = lines.slice(
    at,
    lines.findIndex((l, i) => i > at && l.startsWith('== ') && !l.startsWith('== machine')),
  );
  const csv = block[block.findIndex((l) => l.startsWith('name,')) + 1]?.split(',').map((s) => s.trim());
  const node = block.find((l) => /^v\d+\./.test(l));
  const torch = block.find((l) => l.startsWith('torch '))?.split(' ');
  const cores = block.find((l) => /^\d+$/.test(l));
  if (!csv || csv.length < 5 || !node || !torch || !cores) throw new Error('log.txt: the "== machine" block lacks nvidia-smi, nproc, node or torch lines');
  return {
    gpu: csv[0]!,
    driver: csv[1]!,
    memory: csv[2]!,
    maxSmClock: csv[4]!,
    cpu:
      block
        .find((l) => l.startsWith('model name'))
        ?.split(':')[1]
        ?.trim() ?? 'unknown',
    cores: Number(cores),
    node,
    torch: torch[1]!,
    cuda: torch[2] ?? 'unknown',
    measuredAt: block[0]!.slice('== machine '.length),
  };
}

export function mergeRuns(runs: { jsonl: string; run: number }[]): GpuJob[] {
  const byId = new Map<string, GpuJob>();
  for (const { jsonl, run } of runs) {
    for (const line of jsonl.split('\n').filter(Boolean)) {
      const { id, result } = JSON.parse(line) as { id: string; result: unknown };
      if (result !== null || !byId.has(id)) byId.set(id, { id, run, result });
    }
  }
  return [...byId.values()];
}

async function main(): Promise<void> {
  const dirs = process.argv.slice(2);
  if (!dirs.length) throw new Error('usage: tsx bench/gpu/collect.ts <run dir>... (each with gpu.jsonl and log.txt)');
  const runs = await Promise.all(dirs.map(async (d, i) => ({ run: i + 1, jsonl: await readFile(path.join(d, 'gpu.jsonl'), 'utf8') })));
  const results: GpuResults = { machine: machineFromLog(await readFile(path.join(dirs[0]!, 'log.txt'), 'utf8')), runs: dirs.length, jobs: mergeRuns(runs) };
  await writeFile(GPU_RESULTS, `${JSON.stringify(results, null, 1)}\n`);
  process.stdout.write(`${results.jobs.length} jobs (${results.jobs.filter((j) => j.result === null).length} failed) → ${GPU_RESULTS}\n`);
}

if (process.argv[1] && fileURLToPath(import.meta.url) === path.resolve(process.argv[1])) await main();
