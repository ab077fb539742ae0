import { describe, expect, it } from 'vitest';
import { threadJobSpecs, threadsSection } from './threads';

describe('thread-count bench', () => {
  it('measures 1 and 2 threads (and every core) on the dev server and the built app', () => {
    const ids = threadJobSpecs(2).map((s) => s.id);
    expect(ids).toContain('threads/dev/wasm-1t/demo');
    expect(ids).toContain('threads/built/wasm-2t/demo');
    expect(threadJobSpecs(4).map((s) => s.job.threads)).toContain(4);
  });

  it('renders one row per measured job with its load, and lists failures', () => {
    const result = { where: 'built', chromium: 'x', crossOriginIsolated: true, info: { wasmThreads: 2 }, matmul: { n: 1024, gflops: 10.19 }, train: { batch: 8, seq: 64, medianMs: 2503.4, gflops: 7.5, timesMs: [2503] } };
    const md = threadsSection({
      'threads/built/wasm-2t/demo': { loadBefore: [1.25, 1, 1], result, measuredAt: '' },
      'threads/dev/wasm-1t/demo': { loadBefore: [1, 1, 1], result: null, error: 'boom', measuredAt: '' },
      'node/wasm/demo': { loadBefore: [1, 1, 1], result: {}, measuredAt: '' },
    });
    expect(md).toContain('| demo | built app (vite preview) | yes | 2 | 8 × 64 | 2503 ms | 7.50 | 10.19 (1024³) | 1.25 |');
    expect(md).toContain('Failed: `threads/dev/wasm-1t/demo`: boom.');
    expect(md).not.toContain('node/wasm');
    expect(threadsSection({})).toBe('');
  });
});
