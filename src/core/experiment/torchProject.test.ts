/**
 * What the PyTorch project says of the chunked backward (issue 25): a memory setting of xlir's trainer
 * that train.py does not use. The project itself is checked against `xlir train` in
 * src/cli/commands/exportTorch.test.ts.
 */
import { describe, expect, it } from 'vitest';
import { TEST_RUN_CONFIG } from '../testing/runConfigFixture.testutil';
import { makeToyDataset } from '../train/toyDataset.testutil';
import { parseRunConfig } from './runConfig';
import { TORCH_PROJECT_SOURCES, torchProject, type TorchProjectSource } from './torchProject';

const trainDataset = await makeToyDataset({ languages: ['de', 'en'], paragraphs: 6, seed: 3 });
/** one id per character, enough for the project's bookkeeping */
const tokenizer = {
  padId: 0,
  encode: (texts: string[], maxLength: number) => {
    const ids = [...texts[0]!].slice(0, maxLength).map((c) => c.charCodeAt(0));
    return { inputIds: Int32Array.from(ids), attentionMask: new Int32Array(ids.length).fill(1), batchSize: 1, seqLen: ids.length };
  },
};
const sources = Object.fromEntries(TORCH_PROJECT_SOURCES.map((name) => [name, `${name}\n`])) as Record<TorchProjectSource, string>;

function readme(backwardChunkRows?: number): string {
  const config = parseRunConfig({ ...TEST_RUN_CONFIG, ...(backwardChunkRows !== undefined ? { backwardChunkRows } : {}) }, 'test');
  const files = torchProject({ config, trainDataset, evalDataset: null, tokenizer, modelFiles: { 'model.safetensors': new Uint8Array(1), 'config.json': new Uint8Array(1) }, sources, recordBatches: 1, codeVersion: 'test' });
  return new TextDecoder().decode(files['README.md']);
}

describe('torchProject and backwardChunkRows', () => {
  it("says train.py backpropagates the whole batch when xlir's run went in chunks, and nothing otherwise", () => {
    expect(readme(8)).toMatch(/backward in chunks of 8 sequences .*train\.py ignores that setting and backpropagates the whole batch/);
    expect(readme()).not.toMatch(/chunks/);
  });
});
