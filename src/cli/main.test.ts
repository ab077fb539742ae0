import { describe, expect, it } from 'vitest';
import { Writable } from 'node:stream';
import { main } from './main';
import { resolveDataDir } from './dataDir';

function sink() {
  let text = '';
  const stream = new Writable({
    write(chunk, _enc, cb) {
      text += String(chunk);
      cb();
    },
  });
  return { stream, text: () => text };
}

describe('xlir command framework', () => {
  it('exits 2 with one line naming a bad flag', async () => {
    const err = sink();
    expect(await main(['env', '--no-such-flag'], err.stream)).toBe(2);
    expect(err.text()).toBe("xlir: unknown option '--no-such-flag'\n");
  });

  it('exits 2 on an unknown command', async () => {
    const err = sink();
    expect(await main(['frobnicate'], err.stream)).toBe(2);
    expect(err.text()).toMatch(/^xlir: unknown command 'frobnicate'\n$/);
  });

  it('names the allowed values of a closed option', async () => {
    const err = sink();
    expect(await main(['env', '--backend', 'gpu'], err.stream)).toBe(2);
    expect(err.text()).toContain('--backend must be one of auto, webgpu, webgl, wasm, cpu (got "gpu")');
    expect(err.text().trim().split('\n')).toHaveLength(1);
  });
});

describe('dataset folder resolution', () => {
  it('prefers --data, then XLIR_DATA_DIR, then ../shared/data when it exists', () => {
    expect(resolveDataDir('d', {}, '/x/y')).toBe('/x/y/d');
    expect(resolveDataDir(undefined, { XLIR_DATA_DIR: '/abs/data' }, '/x/y')).toBe('/abs/data');
    expect(resolveDataDir(undefined, {}, '/nonexistent/checkout')).toBeNull();
  });
});
