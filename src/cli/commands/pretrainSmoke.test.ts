/**
 * The CI smoke of pretraining (issue 19): a few hundred steps on a slice of the committed corpus must
 * align languages better than the same model untrained, measured as question translation P@1 on the real
 * XQuAD-R questions. Needs ../shared/data (XLIR_DATA_DIR); without it the test fails saying so.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { resolveDataDir } from '../dataDir';
import { runCli } from './cli.testutil';

const CORPUS = path.resolve(__dirname, '../../../corpus/pairs');
let dir: string;

beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'xlir-pretrain-smoke-'));
  await writeFile(
    path.join(dir, 'cfg.json'),
    JSON.stringify({
      schemaVersion: 1,
      seed: 11,
      corpus: { languages: ['de', 'es'], maxPairsPerLanguage: 4000 },
      tokenizer: { vocabSize: 6000 },
      model: { hiddenSize: 32, numLayers: 0, numHeads: 2, intermediateSize: 64, maxLength: 32, pooling: 'mean' },
      steps: 300,
      batchSize: 64,
      scale: 20,
      margin: 0.2,
      lr: 0.005,
      warmupSteps: 30,
      weightDecay: 0,
      epsilon: 1e-8,
      clipNorm: 10,
      dropout: 0,
      checkpointEvery: 300,
    }),
  );
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('pretraining smoke on the committed corpus', () => {
  it('300 steps on 2 × 4,000 pairs align de and es questions with English better than the untrained model', async () => {
    const data = resolveDataDir();
    if (data === null) throw new Error('this test needs the datasets: set XLIR_DATA_DIR or provide ../shared/data');
    const cfg = path.join(dir, 'cfg.json');
    const trained = path.join(dir, 'trained');
    const untrained = path.join(dir, 'untrained');
    const a = await runCli(['pretrain', '--config', cfg, '--corpus', CORPUS, '--out', path.join(dir, 'run'), '--export', trained]);
    expect(a.code, a.stderr).toBe(0);
    const b = await runCli(['pretrain', '--config', cfg, '--corpus', CORPUS, '--out', path.join(dir, 'init'), '--init-only', '--export', untrained]);
    expect(b.code, b.stderr).toBe(0);
    const p1 = async (model: string) => {
      const r = await runCli(['--json', 'align', '--checkpoint', model, '--dataset', 'xquad-r', '--languages', 'de,en,es', '--data', data]);
      expect(r.code, r.stderr).toBe(0);
      return (JSON.parse(r.stdout) as { meanPrecisionAt1: number }).meanPrecisionAt1;
    };
    const before = await p1(untrained);
    const after = await p1(trained);
    expect(after).toBeGreaterThan(before + 0.05);
  }, 300_000);
});
