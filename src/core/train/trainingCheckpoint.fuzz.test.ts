/**
 * Bad-input suite (issue 8) for a training checkpoint's `manifest.json`: a malformed table (encodings,
 * truncation, deep nesting, non-finite and unsafe numbers, wrong language codes, unknown keys) and
 * fast-check fuzzing of arbitrary bytes and of JSON and byte mutations of a valid manifest. Every input
 * must give a manifest that round-trips through `encodeManifest`, or a CheckpointError naming the file
 * (`<source>/manifest.json`) and the field.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseRunConfig } from '../experiment/runConfig';
import {
  applyByteMutations,
  applyJsonMutations,
  arbitraryBytes,
  byteMutationsArb,
  DEEP_ARRAY,
  deepArrayText,
  expectCleanOutcome,
  expectCleanRejection,
  fuzzParams,
  jsonMutationsArb,
  toJsonText,
  utf8, forEachCase } from '../testing/fuzz.testutil';
import { CHECKPOINT_FORMAT, CheckpointManifestSchema, encodeManifest, parseManifest, type CheckpointManifest } from './trainingCheckpoint';
import { TEST_RUN_CONFIG } from '../testing/runConfigFixture';

const SOURCE = 'runs/r1/step-5';
const FILE = `${SOURCE}/manifest.json`;

function validManifest(): CheckpointManifest {
  return {
    format: CHECKPOINT_FORMAT,
    created: '2025-11-24T12:00:00.000Z',
    step: 5,
    config: parseRunConfig(
      {
        ...TEST_RUN_CONFIG,
        seed: 3,
        model: { builtin: 'tiny', pooling: 'mean', maxLength: 32, freezeEmbeddings: false, vocabSize: 500 },
        data: { train: { dataset: 'mlqa-r', languages: ['de', 'en'] }, eval: { dataset: 'xquad-r', languages: ['en'] } },
        strategy: { kind: 'adversarial', lambdaMax: 0.3, discriminatorHidden: 16 },
      },
      'config',
    ),
    sampler: { name: 'xx-mono', batches: 5, rng: { state: 123456 }, cursors: { de: { epoch: 0, position: 3, deferred: [1] }, en: { epoch: 1, position: 0, deferred: [] } } },
    optimizer: { type: 'adamw', step: 5, beta1: 0.9, beta2: 0.999, epsilon: 1e-8, weightDecay: 0.01 },
    discriminator: { languages: ['de', 'en'], optimizer: { type: 'adamw', step: 5, beta1: 0.9, beta2: 0.999, epsilon: 1e-8, weightDecay: 0 } },
    datasets: [{ name: 'mlqa-r', files: [{ name: 'mlqa-r/de.json', sha256: 'b'.repeat(64), bytes: 1234 }] }],
    trainable: ['embeddings.word_embeddings.weight', 'encoder.layer.0.attention.self.query.weight'],
    codeVersion: '0.1.0',
    tfjsVersion: '4.22.0',
    backend: 'cpu',
    lastLog: { step: 5, loss: 2.1, retrieval_loss: 1.9, adv_loss: 0.7, disc_acc: 0.5, disc_chance: 0.5, lambda: 0.1, lr: 1e-3, grad_norm: 0.4, seconds: 3, batch: { kind: 'mono', pairs: { 'de->de': 4 } } },
  };
}

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
  ['a Latin-1 byte in "created"', utf8(VALID_TEXT).map((b, i, a) => (i === VALID_TEXT.indexOf('2025') ? 0xe9 : a[i]!)), '(bytes): not valid UTF-8'],
  ['an overlong UTF-8 "/"', withBytes('{"format": "xlir-ckpt', [0xc0, 0xaf], '1"}'), '(bytes): not valid UTF-8'],
  ['an encoded lone surrogate', withBytes('{"created": "', [0xed, 0xa0, 0x80], '"}'), '(bytes): not valid UTF-8'],
  ['UTF-16 LE', new Uint8Array([0xff, 0xfe, 0x7b, 0x00, 0x7d, 0x00]), '(bytes): not valid UTF-8'],
  ['empty', new Uint8Array(0), '(json): not valid JSON'],
  ['truncated after "{"', VALID_BYTES.subarray(0, 1), '(json): not valid JSON at line 1 column 2'],
  ['truncated in the middle', VALID_BYTES.subarray(0, VALID_BYTES.length >> 1), '(json): not valid JSON'],
  ['truncated before the final "}"', VALID_BYTES.subarray(0, VALID_BYTES.length - 2), '(json): not valid JSON'],
  ['100 000 unclosed "["', utf8('['.repeat(100_000)), '(json): not valid JSON at line 1 column 100001'],
  ['20 000 nested arrays (valid JSON)', utf8(deepArrayText()), '(root): '],
  ['trainable nested 20 000 arrays deep', edited((r) => void (r.trainable = DEEP_ARRAY)), 'trainable.0: '],
  ['a NaN literal', utf8(VALID_TEXT.replace('"beta1": 0.9', '"beta1": NaN')), '(json): not valid JSON'],
  ['beta1 1e400 (Infinity)', utf8(VALID_TEXT.replace('"beta1": 0.9', '"beta1": 1e400')), 'optimizer.beta1: '],
  ['another format', edited((r) => void (r.format = 'xlir-ckpt/2')), 'format: '],
  ['step -1', edited((r) => void (r.step = -1)), 'step: '],
  ['step 1.5', edited((r) => void (r.step = 1.5)), 'step: '],
  ['step 2^53', edited((r) => void (r.step = 2 ** 53)), 'step: '],
  ['step "5"', edited((r) => void (r.step = '5')), 'step: '],
  ['an RNG state of 2^32', edited((r) => void (r.sampler.rng.state = 2 ** 32)), 'sampler.rng.state: '],
  ['a deferred index of -1', edited((r) => void (r.sampler.cursors.de.deferred = [-1])), 'sampler.cursors.de.deferred.0: '],
  ['an unknown sampler', edited((r) => void (r.sampler.name = 'hybrid ')), 'sampler.name: '],
  ['an unknown key at the root', edited((r) => void (r.extra = 1)), '(root): '],
  ['an unknown key in the optimizer', edited((r) => void (r.optimizer.momentum = 0.9)), 'optimizer: '],
  ['a discriminator language "xx"', edited((r) => void (r.discriminator.languages = ['de', 'xx'])), 'discriminator.languages.1: '],
  ['a discriminator language "EN"', edited((r) => void (r.discriminator.languages = ['EN'])), 'discriminator.languages.0: '],
  ['optimizer type "adam"', edited((r) => void (r.optimizer.type = 'adam')), 'optimizer.type: '],
  ['file bytes as a string', edited((r) => void (r.datasets[0].files[0].bytes = '1234')), 'datasets.0.files.0.bytes: '],
  ['a config that evaluates on its training data', edited((r) => void (r.config.data.eval.dataset = 'mlqa-r')), 'config.data.eval.dataset: evaluation data must not be the training data'],
  ['a config training language "EN"', edited((r) => void (r.config.data.train.languages = ['EN', 'de'])), 'config.data.train.languages.0: '],
  ['a config checkpoint folder with a NUL', edited((r) => void ((r.config.model = { ...r.config.model, builtin: undefined, vocabSize: undefined, checkpoint: 'models/a\u0000b' }))), 'config.model.checkpoint: '],
  ['a last log of another batch kind', edited((r) => void (r.lastLog.batch.kind = 'both')), 'lastLog.batch.kind: '],
  ['trainable names that are numbers', edited((r) => void (r.trainable = [1])), 'trainable.0: '],
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
    checkManifest(parseManifest(edited((r) => void (r.datasets[0].files[0].name = '../../etc/passwd')), SOURCE));
    checkManifest(parseManifest(edited((r) => void r.trainable.push('a\u0000b')), SOURCE));
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
