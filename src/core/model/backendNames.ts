/**
 * Backend names and preferences without TensorFlow.js, so that the page's main bundle (which only
 * shows and sends them) does not pull tfjs in; backend.ts selects them inside the workers.
 */
export const BACKENDS = ['webgpu', 'webgl', 'wasm', 'cpu'] as const;
export type BackendName = (typeof BACKENDS)[number];
export const BACKEND_PREFERENCES = ['auto', ...BACKENDS] as const;
export type BackendPreference = (typeof BACKEND_PREFERENCES)[number];

export function isBackendPreference(x: unknown): x is BackendPreference {
  return typeof x === 'string' && (BACKEND_PREFERENCES as readonly string[]).includes(x);
}

/** Try order for a preference: `auto` walks the whole chain, a named backend is tried alone. */
export function backendOrder(preference: BackendPreference): BackendName[] {
  return preference === 'auto' ? [...BACKENDS] : [preference];
}

/**
 * Token batches are padded to a multiple of this many ids on each backend: GPU backends compile a
 * shader program per input shape (seconds each on a software adapter), CPU backends only pay for the
 * padded FLOPs, so they pad nothing.
 */
export function padMultipleFor(backend: BackendName): number {
  return backend === 'webgpu' || backend === 'webgl' ? 16 : 1;
}
