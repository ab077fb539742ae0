/**
 * Runs IN THE PAGE (served untransformed-to-bundle by the Vite dev server, see checkpoints.e2e.ts): the
 * app's own core loader and encoder on a chosen backend, over the tiny fixtures that the test serves at
 * `/fixtures/`. It returns raw outputs; the Node side compares them with the float64 references.
 */
import * as tf from '@tensorflow/tfjs';
import { initBackend, type BackendInfo, type BackendName } from '../src/core/model/backend';
import { memorySource } from '../src/core/model/checkpointSource';
import { loadEncoderCheckpoint } from '../src/core/model/loadEncoderCheckpoint';
import { loadTokenizer } from '../src/core/model/tokenizer';
import type { TokenBatch } from '../src/core/model/types';
import { WASM_PATHS } from '../workers/wasmAssets';

const XLMR_FILES = ['config.json', 'model.safetensors'];
const LABSE_FILES = [...XLMR_FILES, 'modules.json', '1_Pooling/config.json', '2_Dense/config.json', '2_Dense/model.safetensors'];

interface Reference {
  input_ids: number[][];
  attention_mask: number[][];
  loss_probe?: { u: number[]; v: number[]; loss: number };
}

export interface PageResult {
  backend: BackendInfo;
  xlmr: {
    lastHiddenState: number[][][];
    poolerOutput: number[][];
    /** embed() with mean pooling: L2-normalised */
    meanEmbedding: number[][];
    loss: number;
    /** ∂loss_probe/∂tensor, flat, by HF name */
    grads: Record<string, number[]>;
  };
  labse: { lastHiddenState: number[][][]; sentenceEmbedding: number[][] };
  /** tensors alive after everything was disposed, minus before */
  leakedTensors: number;
  seconds: number;
}

async function fetchBytes(path: string): Promise<Uint8Array> {
  const r = await fetch(`/fixtures/${path}`);
  if (!r.ok) throw new Error(`GET /fixtures/${path}: ${r.status}`);
  return new Uint8Array(await r.arrayBuffer());
}

async function fixture(dir: string, names: string[]) {
  const files = new Map<string, Uint8Array>();
  for (const n of names) files.set(n, await fetchBytes(`${dir}/${n}`));
  return memorySource(`/fixtures/${dir}`, files);
}

function batchOf(ref: Reference): TokenBatch {
  return { inputIds: Int32Array.from(ref.input_ids.flat()), attentionMask: Int32Array.from(ref.attention_mask.flat()), batchSize: ref.input_ids.length, seqLen: ref.input_ids[0]!.length };
}

/** The fixture checks of encoder.test.ts, on `backend`, in this page. */
export async function runFixtureChecks(backend: BackendName): Promise<PageResult> {
  const t0 = performance.now();
  const info = await initBackend(backend, { wasmPaths: WASM_PATHS });
  const before = tf.memory().numTensors;
  const xlmrRef = JSON.parse(new TextDecoder().decode(await fetchBytes('tiny-xlmr/reference_outputs.json'))) as Reference;
  const labseRef = JSON.parse(new TextDecoder().decode(await fetchBytes('tiny-labse/reference_outputs.json'))) as Reference;

  const xlmr = await loadEncoderCheckpoint(await fixture('tiny-xlmr', XLMR_FILES), { pooling: 'mean' });
  let xlmrOut: PageResult['xlmr'];
  try {
    const batch = batchOf(xlmrRef);
    const [B, L, H] = [batch.batchSize, batch.seqLen, xlmr.config.hiddenSize];
    const probe = xlmrRef.loss_probe!;
    const vars = xlmr.variables();
    const { value, grads } = tf.variableGrads(() => {
      const { lastHiddenState, poolerOutput } = xlmr.forward(batch, { training: false });
      const mask = tf.tensor2d(batch.attentionMask, [B, L], 'float32');
      const hu = lastHiddenState
        .reshape([B * L, H])
        .matMul(tf.tensor2d(probe.u, [H, 1]))
        .reshape([B, L]);
      return hu
        .mul(mask)
        .sum()
        .div(mask.sum())
        .add(poolerOutput!.matMul(tf.tensor2d(probe.v, [H, 1])).sum()) as tf.Scalar;
    }, Object.values(vars));
    const byName: Record<string, number[]> = {};
    for (const [name, v] of Object.entries(vars)) byName[name] = Array.from(await grads[v.name]!.data());
    const loss = (await value.data())[0]!;
    tf.dispose([value, ...Object.values(grads)]);
    const outs = tf.tidy(() => {
      const o = xlmr.forward(batch, { training: false });
      return [o.lastHiddenState, o.poolerOutput!, xlmr.embed(batch, { training: false })] as const;
    });
    const [h, p, e] = await Promise.all(outs.map((t) => t.array()));
    tf.dispose([...outs]);
    xlmrOut = { lastHiddenState: h as number[][][], poolerOutput: p as number[][], meanEmbedding: e as number[][], loss, grads: byName };
  } finally {
    xlmr.dispose();
  }

  const labse = await loadEncoderCheckpoint(await fixture('tiny-labse', LABSE_FILES));
  let labseOut: PageResult['labse'];
  try {
    const batch = batchOf(labseRef);
    const outs = tf.tidy(() => [labse.forward(batch, { training: false }).lastHiddenState, labse.embed(batch, { training: false })] as const);
    const [h, e] = await Promise.all(outs.map((t) => t.array()));
    tf.dispose([...outs]);
    labseOut = { lastHiddenState: h as number[][][], sentenceEmbedding: e as number[][] };
  } finally {
    labse.dispose();
  }
  return { backend: info, xlmr: xlmrOut, labse: labseOut, leakedTensors: tf.memory().numTensors - before, seconds: (performance.now() - t0) / 1000 };
}

export interface TokenizerCaseResult {
  fixture: string;
  cases: number;
  mismatches: string[];
}

/** The fixtures' tokenizer cases, through the app's tokenizer module in the browser. */
export async function runTokenizerCases(): Promise<TokenizerCaseResult[]> {
  const out: TokenizerCaseResult[] = [];
  for (const dir of ['tiny-xlmr', 'tiny-labse']) {
    const tok = await loadTokenizer(await fixture(dir, ['tokenizer.json', 'tokenizer_config.json']));
    const { cases } = JSON.parse(new TextDecoder().decode(await fetchBytes(`${dir}/tokenizer_cases.json`))) as { cases: { text: string; ids: number[] }[] };
    const mismatches = cases.filter((c) => tok.encodeIds(c.text).join() !== c.ids.join()).map((c) => c.text);
    out.push({ fixture: dir, cases: cases.length, mismatches });
  }
  return out;
}
