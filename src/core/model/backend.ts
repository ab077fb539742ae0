/**
 * The one place that imports TensorFlow.js backends (house rule 14). `initBackend` picks a backend
 * by preference with the fallback chain webgpu → webgl → wasm → cpu, and describes what it got.
 */
import * as tf from '@tensorflow/tfjs';
import { setWasmPaths } from '@tensorflow/tfjs-backend-wasm';
import '@tensorflow/tfjs-backend-webgpu';
import { BackendUnavailableError } from '../errors';
import { FAST_WASM_KERNELS, installedWasmKernels, installWasmKernels, type WasmKernelChoice } from './wasmKernels';

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
}

let wasmConfigured = false;

function configureWasm(options: BackendOptions): void {
  if (wasmConfigured) return;
  // The threaded build is rebuilt from Function.toString(), which minified bundles break, and two
  // cores gain nothing from threads (see shared/notes/platform-webgpu.md §3, §5).
  tf.env().set('WASM_HAS_MULTITHREAD_SUPPORT', false);
  if (options.wasmPaths) setWasmPaths(options.wasmPaths);
  wasmConfigured = true;
}

async function trySetBackend(name: BackendName): Promise<string | null> {
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
    return { vendor: 'cpu', architecture: 'wasm', description: simd ? 'WebAssembly SIMD' : 'WebAssembly (no SIMD)', isFallbackAdapter: false };
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
    const error = await trySetBackend(name);
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
