import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import vm from 'node:vm';
import { describe, expect, it } from 'vitest';
import { BACKEND_WASM_FILE, FACTORY_TO_STRING, rewriteBackendWasm, threadedFactorySource, wasmThreads } from './wasmThreads';

const require = createRequire(import.meta.url);
const backendWasm = require.resolve('@tensorflow/tfjs-backend-wasm/dist/backend_wasm.js');

describe('wasmThreads plugin (threaded wasm build in minified bundles)', () => {
  it('replaces the factory toString() in tfjs 4.22 backend_wasm.js with the factory file as a literal', () => {
    const code = readFileSync(backendWasm, 'utf8');
    const out = rewriteBackendWasm(code, backendWasm);
    expect(out).not.toContain(FACTORY_TO_STRING);
    expect(out.length).toBeGreaterThan(code.length + 50_000);
    // the blob text a pthread worker loads: tfjs's prefix + our literal
    const literal = threadedFactorySource();
    expect(out).toContain(literal);
    const blobText = `var WasmBackendModuleThreadedSimd = ${JSON.parse(literal) as string}`;
    // self-contained: in a bare context (no module, exports or bundle helpers) it defines the factory
    const context = vm.createContext({});
    vm.runInContext(blobText, context);
    expect(typeof (context as { WasmBackendModuleThreadedSimd?: unknown }).WasmBackendModuleThreadedSimd).toBe('function');
  });

  it('fails the build, naming the file, when tfjs no longer has the expression', () => {
    expect(() => rewriteBackendWasm('export const x = 1;', '/x/backend_wasm.js', '""')).toThrow(/\/x\/backend_wasm\.js: expected "wasmFactoryThreadedSimd\.toString\(\)"/);
  });

  it('transforms only tfjs-backend-wasm/dist/backend_wasm.js', () => {
    expect(BACKEND_WASM_FILE.test(backendWasm)).toBe(true);
    expect(BACKEND_WASM_FILE.test('/x/node_modules/@tensorflow/tfjs-backend-wasm/dist/index.js')).toBe(false);
    const plugin = wasmThreads();
    const transform = plugin.transform as (code: string, id: string) => { code: string } | null;
    expect(transform.call({}, 'wasmFactoryThreadedSimd.toString()', '/src/other.js')).toBeNull();
    expect(transform.call({}, readFileSync(backendWasm, 'utf8'), `${backendWasm}?v=1`)?.code).not.toContain(FACTORY_TO_STRING);
  });
});
