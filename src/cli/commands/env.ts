import type { Command } from 'commander';
import { createRequire } from 'node:module';
import os from 'node:os';
import { BACKEND_PREFERENCES, type BackendPreference } from '../../core/model/backend';
import { matmulSmoke } from '../../core/model/matmulSmoke';
import { wasmProductKernel } from '../../core/model/wasmKernels';
import { createOutput } from '../output';
import { initCliBackend, THREADS_OPTION_HELP } from '../wasmThreads';
import { PRODUCT_CHOICES, type ProductChoice, PRODUCTS_OPTION_HELP } from '../nativeProducts';
import { parseChoice, parsePositiveInt } from '../options';

const require = createRequire(import.meta.url);

function packageVersion(name: string): string {
  try {
    return (require(`${name}/package.json`) as { version: string }).version;
  } catch {
    return 'not installed';
  }
}

export function registerEnv(program: Command): void {
  program
    .command('env')
    .description('show the TensorFlow.js backend this command uses in Node, with versions and a matmul check')
    .option('--backend <name>', `backend preference (${BACKEND_PREFERENCES.join(', ')})`, parseChoice('--backend', BACKEND_PREFERENCES), 'wasm')
    .option('--threads <n>', THREADS_OPTION_HELP, parsePositiveInt('--threads'))
    .option('--products <where>', PRODUCTS_OPTION_HELP, parseChoice('--products', PRODUCT_CHOICES), 'auto')
    .action(async (opts: { backend: BackendPreference; threads?: number; products: ProductChoice }, cmd: Command) => {
      const out = createOutput(Boolean(cmd.optsWithGlobals().json));
      const info = await initCliBackend(opts.backend, opts.threads, {}, opts.products);
      const smoke = await matmulSmoke({ size: 256, now: () => performance.now() });
      const report = {
        backend: info.backend,
        adapter: info.adapter,
        attempts: info.attempts,
        smoke,
        products: wasmProductKernel(),
        ...(info.nativeUnavailable ? { nativeUnavailable: info.nativeUnavailable } : {}),
        versions: {
          xlir: (require('../../../package.json') as { version: string }).version,
          node: process.versions.node,
          tfjs: info.tfjsVersion,
          'tfjs-backend-wasm': packageVersion('@tensorflow/tfjs-backend-wasm'),
          'tfjs-backend-webgpu': packageVersion('@tensorflow/tfjs-backend-webgpu'),
        },
        machine: { platform: `${os.platform()}-${os.arch()}`, cpus: os.cpus().length, cpuModel: os.cpus()[0]?.model ?? 'unknown' },
      };
      out.result(report, (r) =>
        [
          `backend   ${r.backend} (${r.adapter.description})`,
          `matmul    ${r.smoke.size}³ ${r.smoke.ok ? 'ok' : 'WRONG'}, max |error| ${r.smoke.maxAbsError.toExponential(2)}, ${r.smoke.gflops.toFixed(2)} GFLOP/s`,
          ...(r.products ? [`products  ${r.products}`] : []),
          ...(r.nativeUnavailable ? [`          (not OpenBLAS: ${r.nativeUnavailable})`] : []),
          `node      ${r.versions.node}`,
          `tfjs      ${r.versions.tfjs} (wasm ${r.versions['tfjs-backend-wasm']}, webgpu ${r.versions['tfjs-backend-webgpu']})`,
          `machine   ${r.machine.platform}, ${r.machine.cpus} × ${r.machine.cpuModel}`,
        ].join('\n'),
      );
    });
}
