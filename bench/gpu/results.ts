/** What bench/gpu/collect.ts keeps of the lent GPU machine's runs (bench/gpu/device.sh), for report.ts. */
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const GPU_RESULTS = path.join(path.dirname(fileURLToPath(import.meta.url)), 'results-h200.json');

export interface GpuMachine {
  gpu: string;
  driver: string;
  memory: string;
  maxSmClock: string;
  cpu: string;
  cores: number;
  node: string;
  torch: string;
  cuda: string;
  measuredAt: string;
}

/** One measurement: a bench/nodeTrain.ts result (`node/…`, `profile/…`) or a bench/reference/*.py line (`pytorch/…`, `peak/…`); null when it failed. */
export interface GpuJob {
  id: string;
  /** which device call measured it (1 = first) */
  run: number;
  result: unknown;
}

export interface GpuResults {
  machine: GpuMachine;
  runs: number;
  jobs: GpuJob[];
}
