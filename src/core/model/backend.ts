/**
 * The one place that imports TensorFlow.js backends (house rule 14). `initBackend` picks a backend
 * by preference with the fallback chain webgpu → webgl → wasm → cpu, and describes what it got.
 */
import * as tf from '@tensorflow/tfjs';
import { getThreadsCount, setThreadsCount, setWasmPaths } from '@tensorflow/tfjs-backend-wasm';
import '@tensorflow/tfjs-backend-webgpu';
import { BackendUnavailableError } from '../errors';
import { browserWorkerSpawner, type SpawnWorker } from './heapPool';
import { FAST_WASM_KERNELS, installedWasmKernels, installWasmKernels, startWasmHeapPool, type WasmKernelChoice, wasmPoolThreads, wasmProductKernel } from './wasmKernels';

import { backendOrder, type BackendName, type BackendPreference } from './backendNames';

export { BACKENDS, BACKEND_PREFERENCES, backendOrder, isBackendPreference, type BackendName, type BackendPreference } from './backendNames';

/** What the chosen backend runs on; GPU fields come from the WebGPU adapter or the WebGL renderer. */
export interface AdapterInfo {
  vendor: string;
  architecture: string;
  description: string;
  isFallbackAdapter: boolean;
}

export interface BackendAttempt {
  backend: BackendName;
  ok: boolean;
  error?: string;
}

export interface BackendInfo {
  backend: BackendName;
  adapter: AdapterInfo;
  attempts: BackendAttempt[];
  tfjsVersion: string;
  /** On wasm: which of our faster kernels (wasmKernels.ts) are installed. */
  wasmKernels?: WasmKernelChoice;
  /**
   * On wasm: the threads its kernels use (1 on the single-threaded builds, which run where the page is
   * not cross-origin isolated, and in Node).
   */
  wasmThreads?: number;
  /** On wasm: the threads our products and heap tasks share large kernels among (1 unless a pool was started). */
  wasmProductThreads?: number;
  /** On wasm: which kernel runs the products, for people (`xlir env`, the About panel) */
  wasmProducts?: string;
}

export interface BackendOptions {
  /**
   * Where the wasm binaries live. Bundlers (Vite) pass emitted asset URLs; Node leaves this unset
   * and tfjs reads the files next to its own module.
   */
  wasmPaths?: Record<string, string>;
  /**
   * On wasm, which faster kernels to install (default: all). The bench passes `STOCK_WASM_KERNELS` to
   * measure tfjs's own; once installed in a process they stay.
   */
  wasmKernels?: WasmKernelChoice;
  /**
   * On wasm's threaded build: how many threads (default: every core the runtime reports). It only
   * takes effect the first time the wasm backend initialises in a process.
   */
  wasmThreads?: number;
  /**
   * How to start the worker threads that share our wasm kernels on the threaded build (heapPool.ts). Default:
   * Blob-URL web workers where the runtime has `Worker` (pages and web workers); Node passes its own
   * (src/cli/productWorkers.ts). Without one, our kernels run on the calling thread.
   */
  spawnWorker?: SpawnWorker;
}

let wasmConfigured = false;
let configuredThreads = 1;

/** The wasm thread count to ask for: the option, else the runtime's core count. */
export function wasmThreadsFor(options: BackendOptions, cores = typeof navigator !== 'undefined' ? navigator.hardwareConcurrency : undefined): number {
  if (options.wasmThreads !== undefined) {
    if (!Number.isInteger(options.wasmThreads) || options.wasmThreads < 1) throw new RangeError(`wasmThreads must be a positive integer (got ${options.wasmThreads})`);
    return options.wasmThreads;
  }
  return Math.max(1, cores ?? 1);
}

function configureWasm(options: BackendOptions): void {
  if (wasmConfigured) return;
  // tfjs picks the threaded SIMD build where SharedArrayBuffer is usable (a cross-origin isolated page
  // or worker; never in Node, where tfjs turns it off). Its own default is half the cores, which is
  // one thread on this 2-core machine. The Vite plugin vite-plugins/wasmThreads.ts keeps the build
  // working once minified.
  configuredThreads = wasmThreadsFor(options);
  setThreadsCount(configuredThreads);
  if (options.wasmPaths) setWasmPaths(options.wasmPaths);
  wasmConfigured = true;
}

/**
 * Runs `init` (the wasm backend's first initialisation) with `navigator.hardwareConcurrency` reading
 * 2 × `threads`. tfjs-backend-wasm 4.22's C side caps the thread pool at half the logical cores it reads
 * through that property while the module instantiates (`init_with_threads_count` in backend.cc), so on
 * this 2-core machine `setThreadsCount(2)` alone still gives 1 thread. The property is restored after.
 */
async function withWasmCoreCount<T>(threads: number, init: () => Promise<T>): Promise<T> {
  const nav = typeof navigator === 'undefined' ? undefined : (navigator as { hardwareConcurrency?: number });
  if (!nav || typeof nav.hardwareConcurrency !== 'number' || Object.hasOwn(nav, 'hardwareConcurrency')) return init();
  try {
    Object.defineProperty(nav, 'hardwareConcurrency', { value: threads * 2, configurable: true });
  } catch {
    return init();
  }
  try {
    return await init();
  } finally {
    delete nav.hardwareConcurrency;
  }
}

async function trySetBackend(name: BackendName, wasmThreads: number): Promise<string | null> {
  if (name === 'wasm') return withWasmCoreCount(wasmThreads, () => trySetBackendOnce(name));
  return trySetBackendOnce(name);
}

async function trySetBackendOnce(name: BackendName): Promise<string | null> {
  if (name === 'webgpu' && (typeof navigator === 'undefined' || !('gpu' in navigator) || !navigator.gpu)) {
    return 'navigator.gpu is missing (WebGPU is not enabled in this runtime)';
  }
  if (!tf.findBackendFactory(name)) return 'not registered in this runtime';
  try {
    const ok = await tf.setBackend(name);
    await tf.ready();
    if (!ok || tf.getBackend() !== name) return 'initialisation failed';
    return null;
  } catch (err) {
    return err instanceof Error ? err.message : String(err);
  }
}

async function describeAdapter(name: BackendName): Promise<AdapterInfo> {
  if (name === 'webgpu') {
    const adapter = await navigator.gpu.requestAdapter();
    const info = adapter?.info;
    return {
      vendor: info?.vendor ?? 'unknown',
      architecture: info?.architecture ?? 'unknown',
      description: info?.description || info?.device || '',
      isFallbackAdapter: Boolean((info as { isFallbackAdapter?: boolean } | undefined)?.isFallbackAdapter),
    };
  }
  if (name === 'webgl') {
    const gl = (tf.backend() as unknown as { gpgpu?: { gl?: WebGLRenderingContext } }).gpgpu?.gl;
    const ext = gl?.getExtension('WEBGL_debug_renderer_info');
    const renderer = gl && ext ? String(gl.getParameter(ext.UNMASKED_RENDERER_WEBGL)) : 'unknown';
    const vendor = gl && ext ? String(gl.getParameter(ext.UNMASKED_VENDOR_WEBGL)) : 'unknown';
    return { vendor, architecture: 'webgl2', description: renderer, isFallbackAdapter: /swiftshader/i.test(renderer) };
  }
  if (name === 'wasm') {
    const simd = await tf.env().getAsync('WASM_HAS_SIMD_SUPPORT');
    const threads = getThreadsCount();
    return { vendor: 'cpu', architecture: 'wasm', description: `${simd ? 'WebAssembly SIMD' : 'WebAssembly (no SIMD)'}, ${threads} thread${threads === 1 ? '' : 's'}`, isFallbackAdapter: false };
  }
  return { vendor: 'cpu', architecture: 'js', description: 'plain JavaScript kernels', isFallbackAdapter: false };
}

/** A GPU adapter that is really a CPU rasteriser (SwiftShader, llvmpipe): slower than wasm for our work. */
export function isSoftwareAdapter(adapter: AdapterInfo): boolean {
  return adapter.isFallbackAdapter || /swiftshader|llvmpipe|lavapipe|software/i.test(`${adapter.vendor} ${adapter.architecture} ${adapter.description}`);
}

/**
 * Select a backend by preference and report which one is active, what it runs on and what failed.
 * `auto` passes over GPU backends whose adapter is software (bench/RESULTS.md: a demo training step
 * takes 75 s on SwiftShader WebGPU and 3 s on wasm); naming the backend still selects it.
 * @throws BackendUnavailableError when no backend in the preference's chain initialises.
 */
export async function initBackend(preference: BackendPreference, options: BackendOptions = {}): Promise<BackendInfo> {
  configureWasm(options);
  const attempts: BackendAttempt[] = [];
  for (const name of backendOrder(preference)) {
    const error = await trySetBackend(name, configuredThreads);
    if (error === null) {
      const adapter = await describeAdapter(name);
      if (preference === 'auto' && (name === 'webgpu' || name === 'webgl') && isSoftwareAdapter(adapter)) {
        attempts.push({ backend: name, ok: false, error: `software adapter (${[adapter.vendor, adapter.architecture, adapter.description].filter(Boolean).join(' ')}): wasm is faster on this CPU` });
        continue;
      }
      attempts.push({ backend: name, ok: true });
      const info: BackendInfo = { backend: name, adapter, attempts, tfjsVersion: tf.version.tfjs };
      if (name === 'wasm') {
        installWasmKernels(options.wasmKernels ?? FAST_WASM_KERNELS);
        info.wasmKernels = installedWasmKernels();
        info.wasmThreads = getThreadsCount();
        const spawn = options.spawnWorker ?? (typeof Worker === 'function' ? browserWorkerSpawner : undefined);
        // our kernels take as many threads as tfjs's (every core by default); they only start on a shared heap
        if (spawn && info.wasmKernels.ownGemm && configuredThreads > 1) await startWasmHeapPool(configuredThreads, spawn);
        info.wasmProductThreads = wasmPoolThreads();
        info.wasmProducts = wasmProductKernel() ?? undefined;
      }
      return info;
    }
    attempts.push({ backend: name, ok: false, error });
  }
  const reasons = attempts.map((a) => `${a.backend}: ${a.error}`).join('; ');
  throw new BackendUnavailableError(preference, reasons);
}

/**
 * Calls `onLost` once if the active WebGPU backend's device is lost (driver reset, GPU process crash,
 * `device.destroy()`); no-op on other backends. Tensors on a lost device are gone, so the caller's
 * run has to start again from its last checkpoint.
 */
export function watchDeviceLoss(onLost: (reason: string) => void): void {
  if (tf.getBackend() !== 'webgpu') return;
  const device = (tf.backend() as unknown as { device?: { lost?: Promise<{ reason?: string; message?: string }> } }).device;
  void device?.lost?.then((info) => onLost(info.message || info.reason || 'unknown reason'));
}
