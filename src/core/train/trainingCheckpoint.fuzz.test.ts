/**
 * Bad-input suite (issue 8) for a training checkpoint's `manifest.json`: a malformed table (encodings,
 * truncation, deep nesting, non-finite and unsafe numbers, wrong language codes, unknown keys) and
 * fast-check fuzzing of arbitrary bytes and of JSON and byte mutations of a valid manifest. Every input
 * must give a manifest that round-trips through `encodeManifest`, or a CheckpointError naming the file
 * (`<source>/manifest.json`) and the field.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { applyByteMutations, applyJsonMutations, arbitraryBytes, byteMutationsArb, DEEP_ARRAY, deepArrayText, expectCleanOutcome, expectCleanRejection, fuzzParams, jsonMutationsArb, toJsonText, utf8, forEachCase } from '../testing/fuzz.testutil';
import { checkpointDamage, CheckpointManifestSchema, encodeManifest, parseManifest, type CheckpointManifest } from './trainingCheckpoint';
import { validManifest, wholeCheckpoint } from '../testing/checkpointFixture.testutil';

const SOURCE = 'runs/r1/step-5';
const FILE = `${SOURCE}/manifest.json`;

const VALID_BYTES = encodeManifest(validManifest());
const VALID_TEXT = new TextDecoder().decode(VALID_BYTES);

/** An accepted manifest satisfies its schema and survives encode → parse. */
function checkManifest(m: CheckpointManifest): void {
  expect(CheckpointManifestSchema.safeParse(m).success).toBe(true);
  expect(parseManifest(encodeManifest(m), SOURCE)).toEqual(m);
}

const edited = (edit: (raw: any) => void): Uint8Array => {
  const raw = JSON.parse(VALID_TEXT);
  edit(raw);
  return utf8(toJsonText(raw, 2));
};
const withBytes = (before: string, bytes: number[], after: string) => new Uint8Array([...utf8(before), ...bytes, ...utf8(after)]);

const BAD: [string, Uint8Array, string][] = [
  ['a Latin-1 byte in "created"', utf8(VALID_TEXT).map((_b, i, a) => (i === VALID_TEXT.indexOf('2025') ? 0xe9 : a[i]!)), `encoding: is not valid UTF-8 (first bad byte at offset ${VALID_TEXT.indexOf('2025')})`],
  ['an overlong UTF-8 "/"', withBytes('{"format": "xlir-ckpt', [0xc0, 0xaf], '1"}'), 'encoding: is not valid UTF-8 (first bad byte at offset 21)'],
  ['an encoded lone surrogate', withBytes('{"created": "', [0xed, 0xa0, 0x80], '"}'), 'encoding: is not valid UTF-8 (first bad byte at offset 13)'],
  ['UTF-16 LE', new Uint8Array([0xff, 0xfe, 0x7b, 0x00, 0x7d, 0x00]), 'encoding: is UTF-16LE, not UTF-8'],
  // issue 21: UTF-16 without a BOM is named too (it decodes as UTF-8 into NULs and would fail as "not JSON")
  ['UTF-16 LE without a BOM', new Uint8Array([...VALID_TEXT.slice(0, 30)].flatMap((c) => [c.charCodeAt(0), 0])), 'encoding: is UTF-16LE, not UTF-8'],
  ['UTF-16 BE without a BOM', new Uint8Array([...VALID_TEXT.slice(0, 30)].flatMap((c) => [0, c.charCodeAt(0)])), 'encoding: is UTF-16BE, not UTF-8'],
  ['empty', new Uint8Array(0), '(json): not valid JSON'],
  ['truncated after "{"', VALID_BYTES.subarray(0, 1), '(json): not valid JSON at line 1 column 2'],
  ['truncated in the middle', VALID_BYTES.subarray(0, VALID_BYTES.length >> 1), '(json): not valid JSON'],
  ['truncated before the final "}"', VALID_BYTES.subarray(0, VALID_BYTES.length - 2), '(json): not valid JSON'],
  ['100 000 unclosed "["', utf8('['.repeat(100_000)), '(json): not valid JSON at line 1 column 100001'],
  ['20 000 nested arrays (valid JSON)', utf8(deepArrayText()), '(root): '],
  ['trainable nested 20 000 arrays deep', edited((r) => void (r.trainable = DEEP_ARRAY)), 'trainable[0]: '],
  ['a NaN literal', utf8(VALID_TEXT.replace('"beta1": 0.9', '"beta1": NaN')), '(json): not valid JSON'],
  ['beta1 1e400 (Infinity)', utf8(VALID_TEXT.replace('"beta1": 0.9', '"beta1": 1e400')), 'optimizer.beta1: '],
  ['another format', edited((r) => void (r.format = 'xlir-ckpt/2')), 'format: '],
  ['step -1', edited((r) => void (r.step = -1)), 'step: '],
  ['step 1.5', edited((r) => void (r.step = 1.5)), 'step: '],
  ['step 2^53', edited((r) => void (r.step = 2 ** 53)), 'step: '],
  ['step "5"', edited((r) => void (r.step = '5')), 'step: '],
  ['an RNG state of 2^32', edited((r) => void (r.sampler.rng.state = 2 ** 32)), 'sampler.rng.state: '],
  ['a deferred index of -1', edited((r) => void (r.sampler.cursors.de.deferred = [-1])), 'sampler.cursors.de.deferred[0]: '],
  ['an unknown sampler', edited((r) => void (r.sampler.name = 'hybrid ')), 'sampler.name: '],
  ['an unknown key at the root', edited((r) => void (r.extra = 1)), '(root): '],
  ['an unknown key in the optimizer', edited((r) => void (r.optimizer.momentum = 0.9)), 'optimizer: '],
  ['a discriminator language "xx"', edited((r) => void (r.discriminator.languages = ['de', 'xx'])), 'discriminator.languages[1]: '],
  ['a discriminator language "EN"', edited((r) => void (r.discriminator.languages = ['EN'])), 'discriminator.languages[0]: '],
  ['optimizer type "adam"', edited((r) => void (r.optimizer.type = 'adam')), 'optimizer.type: '],
  ['file bytes as a string', edited((r) => void (r.datasets[0].files[0].bytes = '1234')), 'datasets[0].files[0].bytes: '],
  ['a config that evaluates on its training data', edited((r) => void (r.config.data.eval.dataset = 'mlqa-r')), 'config.data.eval.dataset: evaluation data must not be the training data'],
  ['a config training language "EN"', edited((r) => void (r.config.data.train.languages = ['EN', 'de'])), 'config.data.train.languages[0]: '],
  ['a config checkpoint folder with a NUL', edited((r) => void (r.config.model = { ...r.config.model, builtin: undefined, vocabSize: undefined, checkpoint: 'models/a\u0000b' })), 'config.model.checkpoint: '],
  ['a last log of another batch kind', edited((r) => void (r.lastLog.batch.kind = 'both')), 'lastLog.batch.kind: '],
  ['trainable names that are numbers', edited((r) => void (r.trainable = [1])), 'trainable[0]: '],
  ['the root is null', utf8('null'), '(root): '],
  ['the root is a string', utf8('"manifest"'), '(root): '],
  ['every field under "__proto__"', utf8(`{"__proto__": ${VALID_TEXT}}`), 'format: '],
];

describe('parseManifest: malformed manifest.json files', () => {
  it(`rejects ${BAD.length} malformed manifests cleanly`, () => {
    forEachCase(BAD, ([, bytes, expected]) => expectCleanRejection(() => parseManifest(bytes, SOURCE), FILE, `${FILE}: ${expected}`));
  });

  it('accepts 3 odd but valid manifests: a leading BOM, path-like dataset file names, NUL in a tensor name', () => {
    checkManifest(parseManifest(new Uint8Array([0xef, 0xbb, 0xbf, ...VALID_BYTES]), SOURCE));
    checkManifest(
      parseManifest(
        edited((r) => void (r.datasets[0].files[0].name = '../../etc/passwd')),
        SOURCE,
      ),
    );
    checkManifest(
      parseManifest(
        edited((r) => void r.trainable.push('a\u0000b')),
        SOURCE,
      ),
    );
  });
});

/** issue 21: checkpoints cut short or mislabelled, which resuming must pass over (runDir.resumePoint). */
const cut = (name: string, keep: (n: number) => number) => {
  const c = wholeCheckpoint(5);
  c.files[name] = c.files[name]!.subarray(0, keep(c.files[name]!.byteLength));
  return c;
};
const without = (name: string) => {
  const c = wholeCheckpoint(5);
  delete c.files[name];
  return c;
};
const DAMAGED: [string, ReturnType<typeof wholeCheckpoint>, string][] = [
  ['optimizer.safetensors cut in its data', cut('optimizer.safetensors', (n) => n - 3), `${SOURCE}/optimizer.safetensors: tensor "adamw.encoder/embeddings.LayerNorm.bias/m" data_offsets: [0, 8] run past the end of the data`],
  ['optimizer.safetensors cut in its header', cut('optimizer.safetensors', () => 20), `${SOURCE}/optimizer.safetensors: header length: `],
  ['model.safetensors of 0 bytes', cut('model.safetensors', () => 0), `${SOURCE}/model.safetensors: header length: file is truncated: 0 bytes`],
  ['manifest.json cut in half', cut('manifest.json', (n) => n >> 1), `${SOURCE}/manifest.json: (json): not valid JSON`],
  ['no optimizer.safetensors', without('optimizer.safetensors'), `${SOURCE}: missing optimizer.safetensors`],
  ['no manifest.json', without('manifest.json'), `${SOURCE}: missing manifest.json`],
  ['the manifest of another step', { ...wholeCheckpoint(5), step: 6 }, `${SOURCE}/manifest.json: step: is 5, but the folder is the checkpoint of step 6`],
];

describe('checkpointDamage: checkpoints cut short (issue 21)', () => {
  it(`names the file of ${DAMAGED.length} damaged checkpoints, and passes a whole one`, () => {
    expect(checkpointDamage(wholeCheckpoint(5), SOURCE)).toBeNull();
    forEachCase(DAMAGED, ([label, ckpt, expected]) => {
      const damage = checkpointDamage(ckpt, SOURCE);
      expect(damage, label).toContain(expected);
    });
  });
});

describe('parseManifest fuzzing', () => {
  it('the valid manifest parses (the base of every mutation)', () => {
    checkManifest(parseManifest(VALID_BYTES, SOURCE));
  });

  it('200 arbitrary byte strings: a manifest or a clean CheckpointError', () => {
    fc.assert(
      fc.property(arbitraryBytes(), (bytes) => {
        expectCleanOutcome(() => parseManifest(bytes, SOURCE), FILE, checkManifest);
      }),
      fuzzParams(200),
    );
  });

  it('500 JSON mutations of a valid manifest (delete, replace, duplicate, rename): a manifest or a clean error', () => {
    const valid = JSON.parse(VALID_TEXT) as unknown;
    const outcomes = { ok: 0, refused: 0 };
    fc.assert(
      fc.property(jsonMutationsArb(), (mutations) => {
        const bytes = utf8(toJsonText(applyJsonMutations(valid, mutations)));
        const out = expectCleanOutcome(() => parseManifest(bytes, SOURCE), FILE, checkManifest);
        outcomes[out.ok ? 'ok' : 'refused']++;
      }),
      fuzzParams(500),
    );
    expect(outcomes.ok).toBeGreaterThan(0);
    expect(outcomes.refused).toBeGreaterThan(0);
  });

  it('300 byte mutations of a valid manifest (truncate, flip, insert, delete, BOM): a manifest or a clean error', () => {
    fc.assert(
      fc.property(byteMutationsArb(VALID_BYTES.length), (mutations) => {
        expectCleanOutcome(() => parseManifest(applyByteMutations(VALID_BYTES, mutations), SOURCE), FILE, checkManifest);
      }),
      fuzzParams(300),
    );
  });
});
