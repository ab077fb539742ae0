import * as tf from '@tensorflow/tfjs';
import { readFile } from 'node:fs/promises';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { CheckpointError, ConfigError } from '../errors';
import { initBackend } from './backend';
import { builtinEncoderConfig } from './builtinConfigs';
import { memorySource, type CheckpointSource } from './checkpointSource';
import type { TransformerEncoder } from './encoder';
import { loadEncoderCheckpoint } from './loadEncoderCheckpoint';
import { readSafetensors } from './safetensors';
import { saveEncoderCheckpoint } from './saveEncoderCheckpoint';
import { loadTokenizer, tokenizerFromJson } from './tokenizer';
import { collectTokenIds, planVocabularyPruning, PrunedTokenizer, pruningRatio, WORD_EMBEDDINGS } from './vocabularyPruning';

const FIXTURES = new URL('../../../../shared/fixtures/', import.meta.url);
const bytes = async (p: string) => new Uint8Array(await readFile(new URL(p, FIXTURES)));
const json = async (p: string) => JSON.parse(await readFile(new URL(p, FIXTURES), 'utf8')) as unknown;

async function fixture(dir: string, names: string[]): Promise<CheckpointSource> {
  const files = new Map<string, Uint8Array>();
  for (const n of names) files.set(n, await bytes(`${dir}/${n}`));
  return memorySource(dir, files);
}
const XLMR_FILES = ['config.json', 'model.safetensors', 'tokenizer.json', 'tokenizer_config.json'];
const LABSE_FILES = [...XLMR_FILES, 'modules.json', '1_Pooling/config.json', '2_Dense/config.json', '2_Dense/model.safetensors'];

/** The fixture's own texts: the 48 tokenizer cases (which include the 3 reference inputs). */
const xlmrTexts = ((await json('tiny-xlmr/tokenizer_cases.json')) as { cases: { text: string }[] }).cases.map((c) => c.text);
const labseTexts = ((await json('tiny-labse/tokenizer_cases.json')) as { cases: { text: string }[] }).cases.map((c) => c.text);
const MAX_LEN = 64;

const encoders: TransformerEncoder[] = [];
const track = (e: TransformerEncoder) => (encoders.push(e), e);
afterEach(() => {
  for (const e of encoders.splice(0)) e.dispose();
});
beforeAll(async () => {
  await initBackend('cpu');
});

function outputs(enc: TransformerEncoder, texts: string[]) {
  const batch = enc.tokenize(texts, MAX_LEN);
  return tf.tidy(() => {
    const hidden = enc.forward(batch).lastHiddenState;
    // the pooled sentence vector (Dense head included), before L2 normalisation
    return { hidden: Array.from(hidden.dataSync()), embedding: Array.from(enc.pool(hidden, batch).dataSync()) };
  });
}

describe('vocabulary pruning on tiny-xlmr (Unigram)', () => {
  it('keeps the ids of the texts plus specials and gives bitwise-identical outputs on them', async () => {
    const src = await fixture('tiny-xlmr', XLMR_FILES);
    const full = track(await loadEncoderCheckpoint(src, { loadTokenizer }));
    const pruned = track(await loadEncoderCheckpoint(src, { loadTokenizer, pruneVocabulary: { texts: xlmrTexts } }));
    const p = pruned.vocabularyPruning!;
    const { kept, original, ratio } = pruningRatio(p);
    expect(original).toBe(1000);
    expect(kept).toBeLessThan(original);
    expect(ratio).toBeCloseTo(kept / 1000, 12);
    expect(pruned.config.vocabSize).toBe(kept);
    expect(pruned.config.padTokenId).toBe(1);
    // <s> 0, <pad> 1, </s> 2, <unk> 3 and <mask> 999 (an added special token) are always kept
    expect([0, 1, 2, 3, 999].map((id) => p.oldToNew[id])).toEqual([0, 1, 2, 3, kept - 1]);
    const seen = collectTokenIds(full.tokenizer!, xlmrTexts, 1000);
    for (let id = 0; id < 1000; id++) if (seen[id]) expect(p.oldToNew[id], `id ${id}`).toBeGreaterThanOrEqual(0);
    expect(p.keptIds.length).toBe(new Set([...seen.keys()].filter((id) => seen[id]).concat([0, 1, 2, 3, 999])).size);

    const a = outputs(full, xlmrTexts);
    const b = outputs(pruned, xlmrTexts);
    expect(b.embedding).toEqual(a.embedding);
    expect(b.hidden).toEqual(a.hidden);
    expect((pruned.tokenizer as PrunedTokenizer).unseenTokens).toBe(0);
    expect(Object.values(pruned.variables()).find((v) => v.name.endsWith(WORD_EMBEDDINGS))!.shape).toEqual([kept, 32]);
  });

  it('maps tokens outside the data to <unk> and counts them', async () => {
    const src = await fixture('tiny-xlmr', XLMR_FILES);
    const pruned = track(await loadEncoderCheckpoint(src, { loadTokenizer, pruneVocabulary: { texts: ['Hello world!'] } }));
    const tok = pruned.tokenizer as PrunedTokenizer;
    const original = tok.inner.encode(['Ich habe heute keine Zeit.'], MAX_LEN);
    const remapped = tok.encode(['Ich habe heute keine Zeit.'], MAX_LEN);
    expect(remapped.attentionMask).toEqual(original.attentionMask);
    const lost = Array.from(original.inputIds).filter((id) => pruned.vocabularyPruning!.oldToNew[id]! < 0).length;
    expect(lost).toBeGreaterThan(0);
    expect(Array.from(remapped.inputIds).filter((id) => id === tok.unkId).length).toBe(lost + Array.from(original.inputIds).filter((id) => id === 3).length);
    expect(tok.unseenTokens).toBe(lost);
  });

  it('saves the full vocabulary: trained rows written back, original config and tokenizer, reloadable', async () => {
    const src = await fixture('tiny-xlmr', XLMR_FILES);
    const pruned = track(await loadEncoderCheckpoint(src, { loadTokenizer, pruneVocabulary: { texts: xlmrTexts }, freezeEmbeddings: false }));
    const p = pruned.vocabularyPruning!;
    // stand in for training: change every kept row
    const word = pruned.variables()[WORD_EMBEDDINGS]!;
    word.assign(tf.tidy(() => word.add(tf.linspace(0.5, 1.5, word.shape[0]).expandDims(1))));
    const trained = outputs(pruned, xlmrTexts);
    const files = await saveEncoderCheckpoint(pruned);

    const config = JSON.parse(new TextDecoder().decode(files.get('config.json'))) as Record<string, unknown>;
    expect(config).toMatchObject({ vocab_size: 1000, pad_token_id: 1, bos_token_id: 0, eos_token_id: 2 });
    expect(JSON.parse(new TextDecoder().decode(files.get('tokenizer.json')))).toEqual(await json('tiny-xlmr/tokenizer.json'));
    const saved = readSafetensors(files.get('model.safetensors')!, 'saved').tensors.get(WORD_EMBEDDINGS)!;
    const orig = readSafetensors(await bytes('tiny-xlmr/model.safetensors'), 'orig').tensors.get(WORD_EMBEDDINGS)!;
    expect(saved.shape).toEqual([1000, 32]);
    const prunedRows = word.dataSync();
    for (let id = 0; id < 1000; id++) {
      const row = Array.from(saved.data.subarray(id * 32, (id + 1) * 32) as Float32Array);
      const n = p.oldToNew[id]!;
      const want = n >= 0 ? prunedRows.subarray(n * 32, (n + 1) * 32) : (orig.data as Float32Array).subarray(id * 32, (id + 1) * 32);
      expect(row, `row ${id}`).toEqual(Array.from(want));
    }

    files.set('tokenizer_config.json', await bytes('tiny-xlmr/tokenizer_config.json'));
    const reloaded = track(await loadEncoderCheckpoint(memorySource('saved', files), { loadTokenizer }));
    expect(reloaded.vocabularyPruning).toBeNull();
    expect(reloaded.config.vocabSize).toBe(1000);
    expect(outputs(reloaded, xlmrTexts)).toEqual(trained);
    // pruning the reloaded model again with the same texts gives the same rows: a resumed run lines up
    const again = track(await loadEncoderCheckpoint(memorySource('saved', files), { loadTokenizer, pruneVocabulary: { texts: xlmrTexts } }));
    expect(Array.from(again.vocabularyPruning!.keptIds)).toEqual(Array.from(p.keptIds));
    expect(outputs(again, xlmrTexts)).toEqual(trained);
  });

  it('works with frozen (host-held) word embeddings too', async () => {
    const src = await fixture('tiny-xlmr', XLMR_FILES);
    const full = track(await loadEncoderCheckpoint(src, { loadTokenizer }));
    const pruned = track(await loadEncoderCheckpoint(src, { loadTokenizer, pruneVocabulary: { texts: xlmrTexts }, freezeEmbeddings: true }));
    expect(pruned.embeddingsFrozen).toBe(true);
    expect(outputs(pruned, xlmrTexts).embedding).toEqual(outputs(full, xlmrTexts).embedding);
    const saved = readSafetensors((await saveEncoderCheckpoint(pruned)).get('model.safetensors')!, 's').tensors.get(WORD_EMBEDDINGS)!;
    const orig = readSafetensors(await bytes('tiny-xlmr/model.safetensors'), 'o').tensors.get(WORD_EMBEDDINGS)!;
    expect(saved.data).toEqual(orig.data);
  });

  it('refuses pruning without a tokenizer or without a known unknown token', async () => {
    const src = await fixture('tiny-xlmr', XLMR_FILES);
    await expect(loadEncoderCheckpoint(src, { pruneVocabulary: { texts: ['a'] } })).rejects.toThrow(CheckpointError);
    await expect(loadEncoderCheckpoint(src, { pruneVocabulary: { texts: ['a'] } })).rejects.toThrow('pruneVocabulary needs the tokenizer');
    const tok = await loadTokenizer(src);
    const noUnk = { padId: tok.padId, vocabSize: tok.vocabSize, encode: tok.encode.bind(tok), toJSON: () => null };
    const config = track(await loadEncoderCheckpoint(src)).config;
    expect(() => planVocabularyPruning(config, noUnk, ['a'])).toThrow(ConfigError);
    expect(() => planVocabularyPruning(config, tok, ['a'], { keepIds: [1000] })).toThrow('cannot keep token id 1000: the vocabulary has 1000 ids');
  });
});

describe('vocabulary pruning on tiny-labse (WordPiece, sentence-transformers head)', () => {
  it('gives identical sentence embeddings on the fixture texts and keeps pad 0', async () => {
    const src = await fixture('tiny-labse', LABSE_FILES);
    const full = track(await loadEncoderCheckpoint(src, { loadTokenizer }));
    const pruned = track(await loadEncoderCheckpoint(src, { loadTokenizer, pruneVocabulary: { texts: labseTexts } }));
    expect(pruned.config.padTokenId).toBe(0);
    expect(pruned.config.vocabSize).toBeLessThan(1000);
    expect(outputs(pruned, labseTexts)).toEqual(outputs(full, labseTexts));
    const files = await saveEncoderCheckpoint(pruned);
    expect(readSafetensors(files.get('model.safetensors')!, 's').tensors.get(WORD_EMBEDDINGS)!.shape).toEqual([1000, 32]);
    expect(files.has('2_Dense/model.safetensors')).toBe(true);
  });
});

describe('why a saved model keeps the full tokenizer.json', () => {
  it('pruning a WordPiece vocabulary file changes the segmentation of the very texts it was pruned for', async () => {
    const base = (await json('tiny-labse/tokenizer.json')) as { model: Record<string, unknown> };
    const specials = { '[PAD]': 0, '[UNK]': 1, '[CLS]': 2, '[SEP]': 3, '[MASK]': 4 };
    const vocab = { ...specials, una: 5, un: 6, '##af': 7, x: 8 };
    const tok = tokenizerFromJson({ ...base, model: { ...base.model, vocab } }, 'wordpiece.json');
    const data = ['unaf un xaf'];
    // greedy longest match takes "una", then finds no "##f": the word is [UNK], and "una" occurs nowhere
    expect(tok.encodeIds(data[0]!)).toEqual([2, 1, 6, 8, 7, 3]);
    const plan = planVocabularyPruning(builtinEncoderConfig('tiny', { vocabSize: 9, padTokenId: 0 }), tok, data);
    expect(plan.oldToNew[5]).toBe(-1);
    // the file with the unused entry removed (ids renumbered) segments "unaf" as "un ##af" instead
    const prunedVocab = Object.fromEntries(
      Object.entries(vocab)
        .filter(([, id]) => plan.oldToNew[id]! >= 0)
        .map(([t, id]) => [t, plan.oldToNew[id]!]),
    );
    const naive = tokenizerFromJson({ ...base, model: { ...base.model, vocab: prunedVocab } }, 'pruned.json');
    expect(naive.tokens('unaf')).toEqual(['[CLS]', 'un', '##af', '[SEP]']);
    // the remapping wrapper keeps the original segmentation
    const wrapped = new PrunedTokenizer(tok, plan);
    const ids = Array.from(wrapped.encode(data, 16).inputIds);
    expect(ids.map((n) => plan.keptIds[n])).toEqual([2, 1, 6, 8, 7, 3]);
    expect(Array.from(naive.encode(data, 16).inputIds)).not.toEqual(ids);
  });
});
