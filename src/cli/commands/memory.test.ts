import { cp, mkdir, mkdtemp, readFile, rm, truncate, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseHfConfig } from '../../core/model/hfConfig';
import { readSafetensors } from '../../core/model/safetensors';
import { expectedWeightShapes } from '../../core/model/weightNames';
import { runCli as run } from './cli.testutil';
import type { MemoryCommandReport } from './memory';

const FIXTURES = fileURLToPath(new URL('../../../../shared/fixtures/', import.meta.url));
const LABSE = path.join(FIXTURES, 'tiny-labse');

/** A valid F32 safetensors file whose data section is a hole (sparse): the header is real, the bytes are zeros. */
async function writeHeaderOnlySafetensors(file: string, shapes: ReadonlyMap<string, number[]>): Promise<void> {
  const header: Record<string, { dtype: string; shape: number[]; data_offsets: [number, number] }> = {};
  let cursor = 0;
  for (const [name, shape] of shapes) {
    const bytes = 4 * shape.reduce((a, d) => a * d, 1);
    header[name] = { dtype: 'F32', shape, data_offsets: [cursor, cursor + bytes] };
    cursor += bytes;
  }
  let json = JSON.stringify(header);
  json += ' '.repeat((8 - ((8 + json.length) % 8)) % 8);
  const head = new Uint8Array(8 + json.length);
  new DataView(head.buffer).setBigUint64(0, BigInt(json.length), true);
  head.set(new TextEncoder().encode(json), 8);
  await writeFile(file, head);
  await truncate(file, head.byteLength + cursor);
}

describe('xlir memory', () => {
  let tmp: string;
  beforeAll(async () => {
    tmp = await mkdtemp(path.join(os.tmpdir(), 'xlir-memory-'));
  });
  afterAll(async () => {
    await rm(tmp, { recursive: true, force: true });
  });

  it('reports a checkpoint folder as JSON: pooler and Dense head counted, seq-len capped by the model', async () => {
    const r = await run(['--json', 'memory', '--checkpoint', LABSE, '--batch-size', '4']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const report = JSON.parse(r.stdout) as MemoryCommandReport;
    expect(report.model).toBe(LABSE);
    // every tensor of the folder: encoder with pooler + the 32×32+32 Dense head
    let stored = 0;
    for (const f of ['model.safetensors', '2_Dense/model.safetensors']) {
      for (const t of readSafetensors(new Uint8Array(await readFile(path.join(LABSE, f))), f).tensors.values()) stored += t.shape.reduce((a, d) => a * d, 1);
    }
    expect(report.parameters).toBe(stored);
    expect(report).toMatchObject({ modelType: 'bert', vocabSize: 1000, batchSize: 4, seqLen: 64, freezeEmbeddings: false, prunedVocabSize: null });
    expect(report.trainableParameters).toBe(report.parameters);
    expect(report.bytes.total).toBe(report.bytes.weights + report.bytes.gradients + report.bytes.adam + report.bytes.activations);
  });

  it('prints human lines for a built-in model, with pruning and frozen embeddings on request', async () => {
    const r = await run(['memory', '--builtin', 'small', '--vocab-size', '250002', '--prune-to', '20000', '--embeddings', 'frozen', '--seq-len', '96']);
    expect(r.code).toBe(0);
    const lines = r.stdout.trimEnd().split('\n');
    expect(lines[0]).toBe('builtin:small');
    expect(lines[1]).toBe('  xlm-roberta, 4 layers, H 128, vocabulary pruned to 20,000 of 250,002 rows (8.0 %); word embeddings frozen (JS memory)');
    // small: 810,112 + 128·V parameters (builtinConfigs.ts)
    expect(lines[2]).toBe(`  parameters   ${(810_112 + 128 * 20_000).toLocaleString('en-US')} (word embeddings 2,560,000 = 76.0 %), trainable 810,112`);
    expect(lines.some((l) => l.includes('activations') && l.includes('batch 32 × 96 tokens'))).toBe(true);
    expect(lines.some((l) => l.startsWith('  restore copy 128 MB'))).toBe(true);
  });

  it('matches the xlm-roberta-base figures of checkpoints.md §1.4 from a header-only folder', async () => {
    // config.json + a model.safetensors whose header names every tensor with the pooler: only the header
    // is read, so a sparse file (a hole where the 1.1 GB of weights would be) stands in for the weights
    const dir = path.join(tmp, 'xlmr-base');
    await mkdir(dir);
    const config = { model_type: 'xlm-roberta', vocab_size: 250002, hidden_size: 768, num_hidden_layers: 12, num_attention_heads: 12, intermediate_size: 3072, max_position_embeddings: 514, type_vocab_size: 1, layer_norm_eps: 1e-5, pad_token_id: 1 };
    await writeFile(path.join(dir, 'config.json'), JSON.stringify(config));
    await writeHeaderOnlySafetensors(path.join(dir, 'model.safetensors'), expectedWeightShapes(parseHfConfig(config), true));
    const r = await run(['--json', 'memory', '--checkpoint', dir, '--batch-size', '16', '--seq-len', '128', '--embeddings', 'trained']);
    expect(r.code).toBe(0);
    const all = JSON.parse(r.stdout) as MemoryCommandReport;
    expect(all.parameters).toBe(278_043_648);
    expect(((all.bytes.weights + all.bytes.gradients + all.bytes.adam) / 1e9).toFixed(2)).toBe('4.45');
    const frozen = JSON.parse((await run(['--json', 'memory', '--checkpoint', dir, '--batch-size', '16'])).stdout) as MemoryCommandReport;
    expect(frozen.freezeEmbeddings).toBe(true);
    expect(((frozen.bytes.weights + frozen.bytes.gradients + frozen.bytes.adam) / 1e9).toFixed(2)).toBe('2.14');
    expect((frozen.bytes.activations / 1e9).toFixed(2)).toBe('2.11');
  });

  it.each([
    [['memory'], 'give exactly one of --checkpoint DIR and --builtin NAME'],
    [['memory', '--builtin', 'tiny', '--checkpoint', LABSE], 'give exactly one of'],
    [['memory', '--builtin', 'huge'], '--builtin must be one of tiny, small (got "huge")'],
    // the built-in tokenizer pads with id 0, so 66 positions hold 65 tokens
    [['memory', '--builtin', 'tiny', '--seq-len', '66'], '--seq-len 66 is more than the 65 tokens'],
    [['memory', '--checkpoint', LABSE, '--vocab-size', '9'], '--vocab-size applies to --builtin only'],
    [['memory', '--builtin', 'tiny', '--vocab-size', '1000', '--prune-to', '1001'], '--prune-to 1001 is more than the 1000 rows'],
    [['memory', '--builtin', 'tiny', '--batch-size', '0'], '--batch-size must be a positive integer'],
  ])('refuses %j as a usage error', async (args, message) => {
    const r = await run(args);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(message);
  });

  // issue 21: the same header-vs-config validation as the loader, answered before anything is sized
  it.each([
    ['hidden_size 1e9', { hidden_size: 1e9, num_attention_heads: 1 }, 'config.json: hidden_size: must be at most 65,536'],
    ['vocab_size 1e12', { vocab_size: 1e12 }, 'config.json: vocab_size: must be at most 4,194,304'],
    ['intermediate_size 1e9', { intermediate_size: 1e9 }, 'config.json: intermediate_size: must be at most 262,144'],
    ["hidden_size 32768 in bounds but not the header's 32", { hidden_size: 32_768 }, 'model.safetensors: tensor "embeddings.word_embeddings.weight": has shape [1000, 32] but config.json implies [1000, 32768]'],
    ["vocab_size 4,000,000 in bounds but not the header's 1000", { vocab_size: 4_000_000 }, 'model.safetensors: tensor "embeddings.word_embeddings.weight": has shape [1000, 32] but config.json implies [4000000, 32]'],
  ])('refuses a tiny folder whose config.json claims %s, naming the file and the field', async (_label, edit, message) => {
    const dir = await mkdtemp(path.join(tmp, 'absurd-'));
    const config = { ...(JSON.parse(await readFile(path.join(LABSE, 'config.json'), 'utf8')) as Record<string, unknown>), ...edit };
    await writeFile(path.join(dir, 'config.json'), JSON.stringify(config));
    await writeFile(path.join(dir, 'model.safetensors'), await readFile(path.join(LABSE, 'model.safetensors')));
    const r = await run(['memory', '--checkpoint', dir]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(`${dir}/${message}`);
    expect(r.stdout).toBe('');
  });

  it.each([
    ['a Dense out_features of 1e9', { out_features: 1e9 }, '2_Dense/config.json: out_features: must be at most 65,536'],
    ['a Dense out_features of 64 against a 32-row weight', { out_features: 64 }, '2_Dense/model.safetensors: tensor "linear.weight": has shape [32, 32] but 2_Dense/config.json implies [64, 32]'],
  ])('refuses a sentence-transformers head with %s, naming the file and the field', async (_label, edit, message) => {
    const dir = await mkdtemp(path.join(tmp, 'dense-'));
    await cp(LABSE, dir, { recursive: true });
    const dense = path.join(dir, '2_Dense', 'config.json');
    await writeFile(dense, JSON.stringify({ ...(JSON.parse(await readFile(dense, 'utf8')) as Record<string, unknown>), ...edit }));
    const r = await run(['memory', '--checkpoint', dir]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(`${dir}/${message}`);
  });

  it('gives the convert-to-safetensors command for a folder with only pytorch_model.bin (issue 21)', async () => {
    const dir = await mkdtemp(path.join(tmp, 'pickle-'));
    await writeFile(path.join(dir, 'config.json'), await readFile(path.join(LABSE, 'config.json')));
    await writeFile(path.join(dir, 'pytorch_model.bin'), new Uint8Array([0x50, 0x4b, 3, 4]));
    const r = await run(['memory', '--checkpoint', dir]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(`${dir}/pytorch_model.bin is a PyTorch pickle file, which is never opened here`);
    expect(r.stderr).toContain("save_pretrained('OUT', safe_serialization=True)");
  });

  it('names the file when the folder is not a checkpoint', async () => {
    const r = await run(['memory', '--checkpoint', tmp]);
    expect(r.code).toBe(1);
    expect(r.stderr).toBe(`xlir: ${tmp} has no config.json (is it a Hugging Face model folder?)\n`);
  });
});
