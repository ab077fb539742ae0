/**
 * Renders bench/gpu/results-h200.json into its section of bench/RESULTS.md: the WebGPU training step on
 * a real GPU against tfjs-wasm and PyTorch on the same machine, the matmul ceilings, and where a WebGPU
 * step's time goes. Every figure is read from the JSON; nothing here is typed in by hand.
 *
 *   npx tsx bench/gpu/report.ts
 */
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { x } from '../report';
import { mergeSections, SECTION_ORDER } from '../results';
import type { PytorchMatmul, PytorchResult } from '../pytorchReference';
import type { StepProfile, TrainMeasurement } from '../trainStep';
import { GPU_RESULTS, type GpuResults } from './results';

export const GPU_HEADING = 'WebGPU on a real GPU (NVIDIA H200, issue 25)';
const RESULTS_MD = path.join(path.dirname(path.dirname(fileURLToPath(import.meta.url))), 'RESULTS.md');

type Torch = Pick<PytorchResult, 'median_ms' | 'tokens_per_s'>;
type Peak = Pick<PytorchMatmul, 'matmul'>;
interface Matmul {
  n: number;
  gflops: number;
}

const ms = (v: number | undefined) => (v === undefined ? '–' : v >= 1000 ? `${(v / 1000).toFixed(2)} s` : `${v.toFixed(v < 20 ? 1 : 0)} ms`);
const ratio = (v: number | undefined) => (v === undefined || !Number.isFinite(v) ? '–' : x(v));
const gf = (v: number | undefined) => (v === undefined ? '–' : v >= 1000 ? `${(v / 1000).toFixed(1)} TFLOP/s` : `${v.toFixed(1)} GFLOP/s`);

export function gpuSection(r: GpuResults): string {
  const job = <T>(id: string): T | undefined => (r.jobs.find((j) => j.id === id)?.result ?? undefined) as T | undefined;
  const failed = r.jobs.filter((j) => j.result === null).map((j) => j.id);
  const cores = r.machine.cores;
  const fp32Peak = job<Peak>('peak/pytorch-cuda-tf32-false')?.matmul.reduce((best, m) => Math.max(best, m.gflops), 0);

  const trainRow = (shape: string, label: string) => {
    const webgpu = job<TrainMeasurement>(`node/webgpu/${shape}`);
    const fp32 = job<Torch>(`pytorch/cuda-tf32-false/${shape}`);
    const tf32 = job<Torch>(`pytorch/cuda-tf32-true/${shape}`);
    const cpu = job<Torch>(`pytorch/cpu-${cores}/${shape}`);
    const wasm = job<TrainMeasurement>(`node/wasm/${shape}`) ?? job<TrainMeasurement>(`node/wasm/${shape}-b8`);
    const share = webgpu && fp32Peak ? ` (${((100 * webgpu.gflops) / fp32Peak).toFixed(1)} %)` : '';
    return `| ${label} | ${ms(webgpu?.medianMs)} | ${gf(webgpu?.gflops)}${share} | ${ms(fp32?.median_ms)} | ${ms(tf32?.median_ms)} | ${ratio(webgpu && fp32 ? webgpu.tokensPerS / fp32.tokens_per_s : undefined)} | ${ms(cpu?.median_ms)} | ${wasm ? `${ms(wasm.medianMs)} (batch ${wasm.batch})` : '–'} | ${ratio(webgpu && wasm ? webgpu.tokensPerS / wasm.tokensPerS : undefined)} |`;
  };

  const webgpuMatmul = [1024, 4096].map((n) => job<Matmul>(`node/webgpu/matmul-${n}`)).filter((m): m is Matmul => m !== undefined);
  const peakRow = (id: string, label: string) => {
    const p = job<Peak>(id);
    return p ? `| ${label} | ${p.matmul.map((m) => `${m.n}³: ${gf(m.gflops)}`).join(', ')} |` : `| ${label} | – |`;
  };

  const profileRow = (shape: string) => {
    const p = job<StepProfile>(`profile/webgpu/${shape}`);
    if (!p) return `| ${shape} | – | – | – | – | – | – | – |`;
    const kernelMs = p.kernels.reduce((s, k) => s + k.ms, 0);
    const calls = p.kernels.reduce((s, k) => s + k.calls, 0);
    const top = p.kernels
      .slice(0, 3)
      .map((k) => `${k.kernel} ${k.ms.toFixed(1)} ms (${k.calls})`)
      .join(', ');
    return `| ${shape} | ${ms(p.stepMs)} | ${ms(p.stepCpuMs ?? undefined)} | ${ms(p.phases.forwardBackwardMs)} | ${ms(p.phases.clipMs)} | ${ms(p.phases.optimizerMs)} | ${ms(kernelMs)} in ${calls} kernels | ${top} |`;
  };

  const fusionRow = (shape: string) => {
    const fused = job<TrainMeasurement>(`node/webgpu/${shape}`);
    const perVariable = job<TrainMeasurement>(`node/webgpu/${shape}-per-variable-adamw`);
    const pf = job<StepProfile>(`profile/webgpu/${shape}`);
    const pv = job<StepProfile>(`profile/webgpu/${shape}-per-variable-adamw`);
    const kernels = (p: StepProfile | undefined) => (p ? String(p.kernels.reduce((s, k) => s + k.calls, 0)) : '–');
    return `| ${shape} | ${ms(perVariable?.medianMs)} | ${ms(fused?.medianMs)} | ${ratio(fused && perVariable ? perVariable.medianMs / fused.medianMs : undefined)} | ${ms(pv?.phases.optimizerMs)} → ${ms(pf?.phases.optimizerMs)} | ${kernels(pv)} → ${kernels(pf)} |`;
  };

  const m = r.machine;
  return [
    `Measured ${m.measuredAt.replace('T', ' ').replace('Z', ' UTC')} on ${m.gpu} (driver ${m.driver}, ${m.memory}, SM clock up to ${m.maxSmClock}), ${m.cores} cores of an ${m.cpu}.`,
    `WebGPU: Node ${m.node} + the \`webgpu\` package (Dawn) over NVIDIA's Vulkan driver, running bench/nodeTrain.ts (bundled by bench/gpu/pack.sh; the`,
    `machine has no Node). PyTorch ${m.torch} (CUDA ${m.cuda}) runs bench/reference/train_step.py on the same GPU, in float32 ("fp32": TensorFloat-32 off,`,
    'the arithmetic WebGPU does) and with TensorFloat-32 matrix products ("tf32"). The same machine\'s CPU runs tfjs-wasm (1 thread, our kernels, as',
    `shipped) and PyTorch with ${cores} threads. Steps as in "Training step throughput" (dropout 0, every mask 1, 64 tokens); medians of 10 (WebGPU) or`,
    `20 (CUDA) steps after warm-up; every figure below is from one run on one machine. A second machine instance gave the fused step in 98 ms`,
    '(both shapes; 2026-12-04 17:09): step times vary up to 2.5× between instances, so compare rows of the same run.',
    `Reproduce: \`bash bench/gpu/pack.sh\`, then on the GPU machine \`bash bench/gpu/device.sh\`, then`,
    '`npx tsx bench/gpu/collect.ts <run dir>` and `npx tsx bench/gpu/report.ts`.',
    '',
    '| shape, batch | WebGPU ms / step | WebGPU GFLOP/s (% of CUDA fp32 matmul peak) | PyTorch CUDA fp32 | PyTorch CUDA tf32 | WebGPU ÷ PyTorch fp32, throughput | PyTorch CPU | tfjs-wasm, same CPU | WebGPU ÷ wasm, tokens/s |',
    '|---|---:|---:|---:|---:|---:|---:|---:|---:|',
    trainRow('demo', 'demo, 32'),
    trainRow('bert-base-2l', 'BERT-base-shaped, 32'),
    trainRow('demo-b128', 'demo, 128'),
    trainRow('bert-base-2l-b128', 'BERT-base-shaped, 128'),
    '',
    '**AdamW fused on WebGPU** (src/core/train/adamw.ts: the variables of a group updated as one tensor; the same run, per-variable',
    'update forced with `fusedOptimizer: false`)',
    '',
    '| shape (batch 32) | step, per-variable AdamW | step, fused AdamW (as shipped) | speed-up | AdamW phase | kernels per step |',
    '|---|---:|---:|---:|---:|---:|',
    fusionRow('demo'),
    fusionRow('bert-base-2l'),
    '',
    '**Matrix-product ceilings on this GPU**',
    '',
    '| | float32 n×n×n products |',
    '|---|---|',
    `| TF.js WebGPU (Dawn, read back) | ${webgpuMatmul.map((x) => `${x.n}³: ${gf(x.gflops)}`).join(', ') || '–'} |`,
    peakRow('peak/pytorch-cuda-tf32-false', 'PyTorch CUDA fp32'),
    peakRow('peak/pytorch-cuda-tf32-true', 'PyTorch CUDA tf32'),
    '',
    "**Where a WebGPU step goes** (bench/trainStep.ts `profileTraining`: phase wall times, the step's CPU time, and the kernels' GPU time from",
    "tf.profile's timestamp queries)",
    '',
    '| shape (batch 32) | step | step CPU time | forward + backward | clip | AdamW | GPU kernel time | largest kernels (calls) |',
    '|---|---:|---:|---:|---:|---:|---:|---|',
    profileRow('demo'),
    profileRow('bert-base-2l'),
    profileRow('demo-per-variable-adamw'),
    profileRow('bert-base-2l-per-variable-adamw'),
    '',
    ...(failed.length ? [`Failed: ${failed.join(', ')}.`, ''] : []),
  ].join('\n');
}

async function main(): Promise<void> {
  const results = JSON.parse(await readFile(GPU_RESULTS, 'utf8')) as GpuResults;
  const current = await readFile(RESULTS_MD, 'utf8');
  const preamble = current.split(/^(?=## )/m)[0] ?? '';
  await writeFile(RESULTS_MD, mergeSections(current, preamble, [{ heading: GPU_HEADING, body: gpuSection(results) }], SECTION_ORDER));
}

if (process.argv[1] && fileURLToPath(import.meta.url) === path.resolve(process.argv[1])) await main();
