/**
 * Bad-input suite (issue 8) for run configs (`xlir train --config`, the URL hash, worker messages): the
 * categories `runConfig.test.ts` does not cover (truncation, BOM, deep nesting, NaN / Infinity, unsafe
 * integers, wrong and repeated language codes, control characters in folder names, `__proto__`), then
 * fast-check fuzzing of arbitrary text and of JSON and byte mutations of a valid config. Every input must
 * give a config that validates again unchanged, or a DataFormatError naming the file and the field.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  applyByteMutations,
  applyJsonMutations,
  byteMutationsArb,
  DEEP_ARRAY,
  deepArrayText,
  expectCleanOutcome,
  expectCleanRejection,
  fuzzParams,
  jsonMutationsArb,
  lenientText,
  nastyJsonValue,
  toJsonText,
  utf8,
  forEachCase,
} from '../testing/fuzz.testutil';
import { parseRunConfig, parseRunConfigJson, RunConfigSchema, type RunConfig, type RunConfigInput } from './runConfig';

const FILE = 'experiments/exp.json';

const BASE: RunConfigInput = {
  schemaVersion: 1,
  seed: 1,
  description: 'fuzz base',
  model: { builtin: 'tiny', pooling: 'mean', maxLength: 32, freezeEmbeddings: false, vocabSize: 1000 },
  data: { train: { dataset: 'mlqa-r', languages: ['de', 'en'] }, eval: { dataset: 'xquad-r', languages: ['en', 'th'] }, validationFraction: 0.1 },
  strategy: { kind: 'adversarial', lambdaMax: 0.3, discriminatorHidden: 32, sampler: 'xx', discriminatorDropout: 0.1, discriminatorLr: 1e-3, weight: 1 },
  steps: 10,
  batchSize: 4,
  tau: 0.05,
  lr: 1e-3,
  weightDecay: 0.01,
  epsilon: 1e-8,
  warmupSteps: 2,
  lrSchedule: 'linear',
  clipNorm: 1,
  dropout: 0.1,
  checkpointEvery: 5,
  evalEvery: 0,
};
const BASE_TEXT = JSON.stringify(BASE, null, 2);

/** An accepted config satisfies the schema and is a fixed point of validation. */
function checkConfig(c: RunConfig): void {
  expect(RunConfigSchema.safeParse(c).success).toBe(true);
  expect(parseRunConfig(JSON.parse(JSON.stringify(c)), FILE)).toEqual(c);
}

const edit = (f: (c: any) => void): unknown => {
  const c = structuredClone(BASE) as any;
  f(c);
  return c;
};

/** Parsed configs that must be refused, with the `field: reason` fragment expected. */
const BAD_VALUES: [string, unknown, string][] = [
  ['seed NaN', edit((c) => void (c.seed = NaN)), 'seed: '],
  ['lr Infinity', edit((c) => void (c.lr = Infinity)), 'lr: '],
  ['tau -Infinity', edit((c) => void (c.tau = -Infinity)), 'tau: '],
  ['alpha NaN', edit((c) => void (c.strategy = { kind: 'hybrid', alpha: NaN })), 'strategy.alpha: '],
  ['seed 2^32', edit((c) => void (c.seed = 2 ** 32)), 'seed: '],
  ['seed -1', edit((c) => void (c.seed = -1)), 'seed: '],
  ['steps 2^53', edit((c) => void (c.steps = 2 ** 53)), 'steps: '],
  ['batchSize "4"', edit((c) => void (c.batchSize = '4')), 'batchSize: '],
  ['a training language "EN"', edit((c) => void (c.data.train.languages = ['EN', 'de'])), 'data.train.languages[0]: '],
  ['a training language "xx"', edit((c) => void (c.data.train.languages = ['de', 'xx'])), 'data.train.languages[1]: '],
  ['a language of another dataset ("el" in MLQA-R)', edit((c) => void (c.data.train.languages = ['de', 'el'])), 'data.train.languages[1]: mlqa-r has no language "el"'],
  ['a repeated language', edit((c) => void (c.data.eval.languages = ['en', 'en'])), 'data.eval.languages[1]: "en" is listed twice'],
  ['no evaluation language', edit((c) => void (c.data.eval.languages = [])), 'data.eval.languages: '],
  ['languages nested 20 000 arrays deep', edit((c) => void (c.data.eval.languages = DEEP_ARRAY)), 'data.eval.languages[0]: '],
  ['both builtin and checkpoint', edit((c) => void (c.model.checkpoint = 'models/x')), 'model: set exactly one of "builtin"'],
  ['a checkpoint folder with a NUL', edit((c) => void (c.model = { pooling: 'mean', maxLength: 32, freezeEmbeddings: false, checkpoint: 'models/a\u0000b' })), 'model.checkpoint: a folder name must not contain control characters'],
  ['a checkpoint folder with a newline', edit((c) => void (c.model = { pooling: 'mean', maxLength: 32, freezeEmbeddings: false, checkpoint: 'models/a\nb' })), 'model.checkpoint: a folder name must not contain control characters'],
  ['an empty checkpoint folder', edit((c) => void (c.model = { pooling: 'mean', maxLength: 32, freezeEmbeddings: false, checkpoint: '' })), 'model.checkpoint: '],
  ['a strategy kind with a trailing space', edit((c) => void (c.strategy = { kind: 'hybrid ', alpha: 0.5 })), 'strategy.kind: '],
  ['an unknown key (a typo)', edit((c) => void (c.learningRate = 1e-3)), '(root): '],
  ['an unknown key "__proto__"', JSON.parse(`{"__proto__": {"seed": 1}, ${BASE_TEXT.slice(1)}`), '(root): '],
  ['warm-up longer than the run', edit((c) => void (c.warmupSteps = 11)), 'warmupSteps: warm-up (11) is longer than the run (10 steps)'],
  ['maxLength 513', edit((c) => void (c.model.maxLength = 513)), 'model.maxLength: '],
  ['vocabSize 10^9', edit((c) => void (c.model.vocabSize = 1e9)), 'model.vocabSize: '],
  // issue 21: hyperparameters outside their sane ranges, refused at load naming the field
  ['tau 50', edit((c) => void (c.tau = 50)), 'tau: must be in [0.0001, 10]'],
  ['tau 1e-6 (logits of 1e6)', edit((c) => void (c.tau = 1e-6)), 'tau: must be in [0.0001, 10]'],
  ['lr 3 (a typo for 3e-5)', edit((c) => void (c.lr = 3)), 'lr: must be in [1e-9, 1]'],
  ['lr 1e-300', edit((c) => void (c.lr = 1e-300)), 'lr: must be in [1e-9, 1]'],
  ['weightDecay 2', edit((c) => void (c.weightDecay = 2)), 'weightDecay: must be in [0, 1]'],
  ['weightDecay -0.01', edit((c) => void (c.weightDecay = -0.01)), 'weightDecay: must be in [0, 1]'],
  ['epsilon 1 (dominates every update)', edit((c) => void (c.epsilon = 1)), 'epsilon: must be in [1e-12, 0.001]'],
  ['epsilon 1e-20 (vanishes in float32)', edit((c) => void (c.epsilon = 1e-20)), 'epsilon: must be in [1e-12, 0.001]'],
  ['clipNorm 1e9', edit((c) => void (c.clipNorm = 1e9)), 'clipNorm: must be in [0.000001, 1000000]'],
  ['lambdaMax 1000', edit((c) => void (c.strategy.lambdaMax = 1000)), 'strategy.lambdaMax: must be in [0, 100]'],
  ['lambdaMax -1', edit((c) => void (c.strategy.lambdaMax = -1)), 'strategy.lambdaMax: must be in [0, 100]'],
  ['adversarial weight 1e6', edit((c) => void (c.strategy.weight = 1e6)), 'strategy.weight: must be in [0, 100]'],
  ['discriminatorLr 10', edit((c) => void (c.strategy.discriminatorLr = 10)), 'strategy.discriminatorLr: must be in [1e-9, 1]'],
  ['tau as a string', edit((c) => void (c.tau = '0.05')), 'tau: expected a number in [0.0001, 10]'],
  ['checkpointEvery 1e12', edit((c) => void (c.checkpointEvery = 1e12)), 'checkpointEvery: '],
  ['evalEvery 1e12', edit((c) => void (c.evalEvery = 1e12)), 'evalEvery: '],
  ['the root is an array', [BASE], '(root): '],
  ['the root is undefined', undefined, '(root): '],
];

/** Texts that must be refused. */
const BAD_TEXTS: [string, string, string][] = [
  ['empty', '', '(json): not valid JSON at line 1 column 1'],
  ['truncated after "{"', '{', '(json): not valid JSON at line 1 column 2'],
  ['truncated before the final "}"', BASE_TEXT.slice(0, -1), `(json): not valid JSON at line ${BASE_TEXT.split('\n').length} column 1`],
  ['two BOMs', `\uFEFF\uFEFF${BASE_TEXT}`, '(json): not valid JSON at line 1 column 1'],
  ['100 000 unclosed "["', '['.repeat(100_000), '(json): not valid JSON at line 1 column 100001'],
  ['20 000 nested arrays (valid JSON)', deepArrayText(), '(root): '],
  ['a NaN literal', BASE_TEXT.replace('"seed": 1', '"seed": NaN'), 'not valid JSON'],
  ['steps 1e400 (Infinity)', BASE_TEXT.replace('"steps": 10', '"steps": 1e400'), 'steps: '],
  ['a comment', `// exp\n${BASE_TEXT}`, '(json): not valid JSON at line 1 column 1'],
  ['a trailing comma', BASE_TEXT.replace('"evalEvery": 0', '"evalEvery": 0,'), 'not valid JSON'],
];

describe('run config: malformed categories beyond runConfig.test.ts', () => {
  it(`rejects ${BAD_VALUES.length} malformed parsed configs and ${BAD_TEXTS.length} malformed texts cleanly`, () => {
    forEachCase(BAD_VALUES, ([, raw, expected]) => expectCleanRejection(() => parseRunConfig(raw, FILE), FILE, `${FILE}: ${expected}`));
    forEachCase(BAD_TEXTS, ([, text, expected]) => expectCleanRejection(() => parseRunConfigJson(text, FILE), FILE, expected));
  });

  it('accepts 3 odd but valid configs: a leading BOM, path-like checkpoint folders, NUL in the description', () => {
    checkConfig(parseRunConfigJson(`\uFEFF${BASE_TEXT}`, FILE));
    for (const checkpoint of ['../models/xlmr', '/etc/passwd', 'C:\\models\\xlmr']) {
      checkConfig(
        parseRunConfig(
          edit((c) => void (c.model = { pooling: 'cls', maxLength: 128, freezeEmbeddings: true, checkpoint })),
          FILE,
        ),
      );
    }
    checkConfig(
      parseRunConfig(
        edit((c) => void (c.description = 'a\u0000b')),
        FILE,
      ),
    );
  });
});

describe('run config fuzzing', () => {
  it('the valid config parses (the base of every mutation)', () => {
    checkConfig(parseRunConfigJson(BASE_TEXT, FILE));
  });

  it('300 arbitrary texts: a config or a clean DataFormatError', () => {
    const texts = fc.oneof(
      fc.string({ maxLength: 60 }),
      fc.string({ unit: 'binary', maxLength: 60 }),
      fc.jsonValue({ maxDepth: 3 }).map((v) => JSON.stringify(v) ?? ''),
    );
    fc.assert(
      fc.property(texts, (text) => {
        expectCleanOutcome(() => parseRunConfigJson(text, FILE), FILE, checkConfig);
      }),
      fuzzParams(300),
    );
  });

  it('500 mutations of a valid parsed config (delete, replace incl. NaN / Infinity, duplicate, rename): a config or a clean error', () => {
    const outcomes = { ok: 0, refused: 0 };
    fc.assert(
      fc.property(jsonMutationsArb({ values: nastyJsonValue({ nonJsonNumbers: true }) }), (mutations) => {
        const out = expectCleanOutcome(() => parseRunConfig(applyJsonMutations(BASE, mutations), FILE), FILE, checkConfig);
        outcomes[out.ok ? 'ok' : 'refused']++;
      }),
      fuzzParams(500),
    );
    expect(outcomes.ok).toBeGreaterThan(0);
    expect(outcomes.refused).toBeGreaterThan(0);
  });

  it('300 byte mutations of a valid config file, decoded leniently (truncate, flip, insert, delete, BOM): a config or a clean error', () => {
    const bytes = utf8(toJsonText(BASE, 2));
    fc.assert(
      fc.property(byteMutationsArb(bytes.length), (mutations) => {
        expectCleanOutcome(() => parseRunConfigJson(lenientText(applyByteMutations(bytes, mutations)), FILE), FILE, checkConfig);
      }),
      fuzzParams(300),
    );
  });
});
