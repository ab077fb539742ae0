import { describe, expect, it } from 'vitest';
import { backendOrder, initBackend, isBackendPreference, isSoftwareAdapter, wasmThreadsFor } from './backend';
import { matmulSmoke } from './matmulSmoke';

describe('backend selection', () => {
  it('auto walks webgpu → webgl → wasm → cpu; a named backend is tried alone', () => {
    expect(backendOrder('auto')).toEqual(['webgpu', 'webgl', 'wasm', 'cpu']);
    expect(backendOrder('wasm')).toEqual(['wasm']);
  });

  it('recognises only the closed vocabulary of preferences', () => {
    expect(isBackendPreference('webgpu')).toBe(true);
    expect(isBackendPreference('gpu')).toBe(false);
    expect(isBackendPreference(null)).toBe(false);
  });

  it('falls back in Node to a backend that works, recording why the others failed', async () => {
    const info = await initBackend('auto');
    expect(['wasm', 'cpu']).toContain(info.backend);
    const webgpu = info.attempts.find((a) => a.backend === 'webgpu');
    expect(webgpu).toMatchObject({ ok: false });
    expect(webgpu?.error).toMatch(/navigator\.gpu/);
  });

  it('refuses a forced backend that is not available, naming it', async () => {
    await expect(initBackend('webgpu')).rejects.toThrow(/backend "webgpu" is not available/);
  });

  it.each(['cpu', 'wasm'] as const)('computes a correct matmul on %s', async (name) => {
    const info = await initBackend(name);
    expect(info.backend).toBe(name);
    const smoke = await matmulSmoke({ size: 64, repeats: 2, now: () => performance.now() });
    expect(smoke.ok).toBe(true);
    expect(smoke.maxAbsError).toBeLessThan(1e-4);
    expect(smoke.gflops).toBeGreaterThan(0);
  });
});

describe('isSoftwareAdapter', () => {
  const adapter = (vendor: string, architecture: string, description = '', isFallbackAdapter = false) => ({ vendor, architecture, description, isFallbackAdapter });
  it('recognises CPU rasterisers and the fallback flag, and not real GPUs', () => {
    expect(isSoftwareAdapter(adapter('google', 'swiftshader'))).toBe(true);
    expect(isSoftwareAdapter(adapter('Google Inc. (Google)', 'webgl2', 'ANGLE (Google, Vulkan 1.3.0 (SwiftShader Device (Subzero)), SwiftShader driver)'))).toBe(true);
    expect(isSoftwareAdapter(adapter('mesa', 'llvmpipe'))).toBe(true);
    expect(isSoftwareAdapter(adapter('unknown', 'unknown', '', true))).toBe(true);
    expect(isSoftwareAdapter(adapter('nvidia', 'hopper', 'NVIDIA H100'))).toBe(false);
    expect(isSoftwareAdapter(adapter('cpu', 'wasm', 'WebAssembly SIMD'))).toBe(false);
  });
});

describe('wasm threads', () => {
  it('asks for one thread per core unless told, and rejects a count that is not a positive integer', () => {
    expect(wasmThreadsFor({}, 2)).toBe(2);
    expect(wasmThreadsFor({}, undefined)).toBe(1);
    expect(wasmThreadsFor({ wasmThreads: 3 }, 2)).toBe(3);
    expect(() => wasmThreadsFor({ wasmThreads: 0 }, 2)).toThrow(/wasmThreads must be a positive integer \(got 0\)/);
    expect(() => wasmThreadsFor({ wasmThreads: 1.5 }, 2)).toThrow(RangeError);
  });

  it('reports the thread count of the wasm backend (1 in Node, where tfjs has no threaded build)', async () => {
    const info = await initBackend('wasm');
    expect(info.wasmThreads).toBe(1);
    expect(info.adapter.description).toMatch(/, 1 thread$/);
  });
});
