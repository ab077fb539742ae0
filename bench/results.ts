/**
 * `bench/results.json`: every measurement keyed by job id, each with when it was taken and the load
 * of the machine then. A run replaces only the jobs it ran, so sections can be re-measured alone
 * (`npm run bench -- --only browser`) without losing the others.
 */
import { readFile, writeFile } from 'node:fs/promises';
import type { MachineInfo } from './machine';

export interface JobRecord<T = unknown> {
  measuredAt: string;
  /** 1-, 5-, 15-minute load averages just before the job */
  loadBefore: number[];
  /** seconds the job took, child start-up included */
  wallSeconds: number;
  result: T | null;
  /** why there is no result */
  error?: string;
}

export interface BenchResults {
  schemaVersion: 1;
  updated: string;
  machine: MachineInfo | null;
  jobs: Record<string, JobRecord>;
}

export async function readResults(file: string): Promise<BenchResults> {
  try {
    const parsed = JSON.parse(await readFile(file, 'utf8')) as Partial<BenchResults>;
    if (parsed.schemaVersion === 1 && parsed.jobs && typeof parsed.jobs === 'object') {
      return { schemaVersion: 1, updated: parsed.updated ?? '', machine: parsed.machine ?? null, jobs: parsed.jobs };
    }
  } catch {
    // missing or unreadable: start afresh
  }
  return { schemaVersion: 1, updated: '', machine: null, jobs: {} };
}

export async function writeResults(file: string, results: BenchResults): Promise<void> {
  await writeFile(file, `${JSON.stringify(results, null, 1)}\n`);
}

/** The order of RESULTS.md's sections (`mergeSections`'s `order`): generated and hand-written ones alike. */
export const SECTION_ORDER: readonly string[] = [
  'Machine',
  'Training step throughput',
  'Achieved GFLOP/s against the machine’s peak',
  'A product kernel of our own with relaxed SIMD',
  'Where the time goes',
  'Profile of one training step (wasm, demo shape)',
  'Encode throughput',
  'Evaluation',
  'Built-in multilingual model, zero-shot',
  'Training step by wasm thread count (Chromium)',
  'Threads and the wasm heap: notes on the 2026-12-03 run (issue 25)',
  'Batch 32 with the chunked backward (2026-12-03, issue 25)',
  'Threads in Node (2026-12-04, issue 25)',
  'WebGPU on a real GPU (NVIDIA H200, issue 25)',
  'What the H200 figures say (2026-12-04, issue 25)',
];

/**
 * Replaces the preamble (everything before the first `## `) and the given `## ` sections of a markdown
 * document (by exact heading) and keeps every other section verbatim (e.g. "Evaluation", written by
 * evaluate.bench.ts, and the hand-written "Where the time goes"). Sections are ordered by `order`
 * (headings); sections it does not name keep their relative order after those it names.
 */
export function mergeSections(current: string, preamble: string, sections: { heading: string; body: string }[], order: readonly string[] = []): string {
  const parts = current.split(/^(?=## )/m);
  if (parts[0] !== undefined && !parts[0].startsWith('## ')) parts.shift();
  const byHeading = new Map(sections.map((s) => [s.heading, s.body]));
  const out: { heading: string; text: string }[] = [];
  for (const p of parts) {
    const heading = p.split('\n', 1)[0]!.slice(3).trim();
    if (byHeading.has(heading)) continue;
    out.push({ heading, text: p.trimEnd() });
  }
  for (const s of sections) out.push({ heading: s.heading, text: `## ${s.heading}\n\n${s.body.trim()}` });
  const rank = (h: string) => {
    const i = order.indexOf(h);
    return i < 0 ? order.length : i;
  };
  const sorted = out.map((x, i) => ({ ...x, i })).sort((a, b) => rank(a.heading) - rank(b.heading) || a.i - b.i);
  return `${[preamble.trim(), ...sorted.map((x) => x.text)].join('\n\n')}\n`;
}
