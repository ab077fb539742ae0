/**
 * Bad-input suite (issue 8) for `tokenizer.json` (+ `tokenizer_config.json`): the categories
 * `tokenizer.test.ts` does not cover (truncation, encodings, deep nesting, huge and duplicate ids,
 * malformed post-processors the library only trips over when run), then fast-check fuzzing of bytes and
 * of mutations of a small WordPiece and a small Unigram tokenizer. Every input must give a tokenizer that
 * can encode and decode, or a DataFormatError naming the file and the field.
 */
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import {
  applyByteMutations,
  applyJsonMutations,
  arbitraryBytes,
  byteMutationsArb,
  DEEP_ARRAY,
  expectCleanOutcome,
  expectCleanOutcomeAsync,
  expectCleanRejection,
  expectCleanRejectionAsync,
  fuzzParams,
  jsonMutationsArb,
  toJsonText,
  utf8,
  forEachCase,
} from '../testing/fuzz.testutil';
import { type HfTokenizer, loadTokenizer, tokenizerFromJson, type TokenizerSource } from './tokenizer';

const DIR = 'ckpt';
const FILE = `${DIR}/tokenizer.json`;
const CONFIG = `${DIR}/tokenizer_config.json`;

function source(files: Record<string, Uint8Array>): TokenizerSource {
  return {
    name: DIR,
    list: async () => Object.keys(files),
    read: async (p) => files[p]!,
  };
}

const special = (contents: string[]) => contents.map((content, id) => ({ id, content, single_word: false, lstrip: false, rstrip: false, normalized: false, special: true }));
const template = (cls: string, sep: string, ids: [number, number]) => ({
  type: 'TemplateProcessing',
  single: [{ SpecialToken: { id: cls, type_id: 0 } }, { Sequence: { id: 'A', type_id: 0 } }, { SpecialToken: { id: sep, type_id: 0 } }],
  pair: [],
  special_tokens: { [cls]: { id: cls, ids: [ids[0]], tokens: [cls] }, [sep]: { id: sep, ids: [ids[1]], tokens: [sep] } },
});

function tinyWordPiece() {
  const tokens = ['[PAD]', '[UNK]', '[CLS]', '[SEP]', 'a', 'b', 'c', '##a', '##b', '##c', 'ab', '.'];
  return {
    version: '1.0',
    added_tokens: special(['[PAD]', '[UNK]', '[CLS]', '[SEP]']),
    normalizer: { type: 'BertNormalizer', clean_text: true, handle_chinese_chars: true, strip_accents: false, lowercase: true },
    pre_tokenizer: { type: 'BertPreTokenizer' },
    post_processor: template('[CLS]', '[SEP]', [2, 3]),
    decoder: { type: 'WordPiece', prefix: '##', cleanup: true },
    model: { type: 'WordPiece', unk_token: '[UNK]', continuing_subword_prefix: '##', max_input_chars_per_word: 100, vocab: Object.fromEntries(tokens.map((t, i) => [t, i])) },
  };
}

function tinyUnigram() {
  const pieces: [string, number][] = [
    ['<s>', 0],
    ['<pad>', 0],
    ['</s>', 0],
    ['<unk>', 0],
    ['▁', -2],
    ['▁a', -3],
    ['▁b', -3],
    ['a', -4],
    ['b', -4],
    ['c', -4],
    ['.', -3],
  ];
  return {
    version: '1.0',
    added_tokens: special(['<s>', '<pad>', '</s>', '<unk>']),
    normalizer: { type: 'Sequence', normalizers: [{ type: 'NFKC' }, { type: 'Strip', strip_left: false, strip_right: true }, { type: 'Replace', pattern: { Regex: ' {2,}' }, content: '▁' }] },
    pre_tokenizer: { type: 'Metaspace', replacement: '▁', prepend_scheme: 'always', split: true },
    post_processor: template('<s>', '</s>', [0, 2]),
    decoder: { type: 'Metaspace', replacement: '▁', prepend_scheme: 'always', split: true },
    model: { type: 'Unigram', unk_id: 3, vocab: pieces, byte_fallback: false },
  };
}

/** An accepted tokenizer must be able to do its job: ids in range, encode and decode without throwing. */
function checkTokenizer(tok: HfTokenizer): void {
  const inRange = (id: number) => Number.isInteger(id) && id >= 0 && id < tok.vocabSize;
  expect(inRange(tok.padId), 'padId').toBe(true);
  expect(inRange(tok.unkId), 'unkId').toBe(true);
  expect([...tok.prefixIds, ...tok.suffixIds].every(inRange), 'special ids').toBe(true);
  for (const text of ['ab c.', '', 'Ab  c\u0000 ..', 'x'.repeat(120)]) {
    const ids = tok.lib.encode(text, { add_special_tokens: false }).ids;
    expect(ids.every(inRange), `content ids of ${JSON.stringify(text)}`).toBe(true);
  }
  const batch = tok.encode(['ab c.', '', 'x'.repeat(120)], 12);
  expect(batch.seqLen).toBeLessThanOrEqual(12);
  expect(typeof tok.decode([...batch.inputIds.subarray(0, batch.seqLen)])).toBe('string');
}

const deepSequence = (depth: number): unknown => {
  let v: unknown = { type: 'NFC' };
  for (let i = 0; i < depth; i++) v = { type: 'Sequence', normalizers: [v] };
  return v;
};
/** The WordPiece tokenizer with one edit; `any` because the edits break its shape on purpose. */
const wp = (edit: (j: any) => void): unknown => {
  const j: any = tinyWordPiece();
  edit(j);
  return j;
};

/** tokenizer.json contents (parsed) that must be refused, with the `field: reason` expected. */
const BAD_JSON: [string, unknown, string][] = [
  ['TemplateProcessing whose "single" is a string', wp((j) => void (j.post_processor = { type: 'TemplateProcessing', single: 'x', pair: [], special_tokens: {} })), 'post_processor: @huggingface/tokenizers cannot run it'],
  ['TemplateProcessing without "single"', wp((j) => void (j.post_processor = { type: 'TemplateProcessing' })), 'post_processor: @huggingface/tokenizers cannot run it'],
  ['BertProcessing without sep and cls', wp((j) => void (j.post_processor = { type: 'BertProcessing' })), 'post_processor: @huggingface/tokenizers cannot run it'],
  ['RobertaProcessing with cls null', wp((j) => void (j.post_processor = { type: 'RobertaProcessing', sep: ['[SEP]', 3], cls: null })), 'post_processor: @huggingface/tokenizers cannot run it'],
  ['a post-processor Sequence holding null', wp((j) => void (j.post_processor = { type: 'Sequence', processors: [null] })), 'post_processor: @huggingface/tokenizers cannot run it'],
  [
    'a template that emits the sequence twice',
    wp((j) => void (j.post_processor = { ...template('[CLS]', '[SEP]', [2, 3]), single: [{ Sequence: { id: 'A', type_id: 0 } }, { Sequence: { id: 'A', type_id: 0 } }] })),
    'post_processor: the single-text template must hold the sequence $A exactly once',
  ],
  ['normalizer Sequences nested 20 000 deep', wp((j) => void (j.normalizer = deepSequence(20_000))), 'normalizer.normalizers[0].normalizers[0]'],
  ['normalizer Sequences nested 33 deep', wp((j) => void (j.normalizer = deepSequence(33))), `normalizer${'.normalizers[0]'.repeat(33)}: Sequence components nested more than 32 deep`],
  ['a Unigram vocab entry nested 20 000 deep', { ...tinyUnigram(), model: { type: 'Unigram', unk_id: 0, vocab: [['a', 0], DEEP_ARRAY] } }, 'model.vocab[1]: expected [piece, score], got an array nested too deeply to show'],
  ['an added token with id 10^9', wp((j) => void j.added_tokens.push({ ...j.added_tokens[0]!, id: 1e9, content: '[BIG]' })), 'added_tokens[4].id: id 1000000000 is far beyond the 13 ids in use'],
  ['a vocab id of 2^31', wp((j) => void ((j.model.vocab as Record<string, number>).zz = 2 ** 31)), 'model.vocab["zz"]: id 2147483648 is far beyond the 13 ids in use'],
  ['two tokens with one id', wp((j) => void ((j.model.vocab as Record<string, number>).zz = 4)), 'model.vocab["zz"]: id 4 is also the id of "a"'],
  ['a vocab id 1.5', wp((j) => void ((j.model.vocab as Record<string, number>).zz = 1.5)), 'model.vocab["zz"]: expected a non-negative integer id'],
  ['a vocab id Infinity', wp((j) => void ((j.model.vocab as Record<string, number>).zz = Infinity)), 'model.vocab["zz"]: expected a non-negative integer id'],
  ['a vocab id NaN', wp((j) => void ((j.model.vocab as Record<string, number>).zz = NaN)), 'model.vocab["zz"]: expected a non-negative integer id'],
  ['the vocab as an array for WordPiece', wp((j) => void (j.model = { ...j.model, vocab: ['a'] as never })), 'model.vocab: expected a non-empty object token → id'],
  ['model.type "toString"', wp((j) => void (j.model = { ...j.model, type: 'toString' })), 'model.type: unsupported "toString"'],
  ['model.type "__proto__"', wp((j) => void (j.model = { ...j.model, type: '__proto__' })), 'model.type: unsupported "__proto__"'],
  ['unk_token a path', wp((j) => void (j.model = { ...j.model, unk_token: '../[UNK]' })), 'model.unk_token: "../[UNK]" is not in model.vocab'],
  ['unk_token with a NUL', wp((j) => void (j.model = { ...j.model, unk_token: '[UNK]\u0000' })), 'model.unk_token: "[UNK]\u0000" is not in model.vocab'],
  ['Unigram unk_id NaN', { ...tinyUnigram(), model: { ...tinyUnigram().model, unk_id: NaN } }, 'model.unk_id: expected an index into model.vocab'],
  ['Unigram unk_id 2^53', { ...tinyUnigram(), model: { ...tinyUnigram().model, unk_id: 2 ** 53 } }, 'model.unk_id: expected an index into model.vocab'],
  ['padding.pad_id 10^9', wp((j) => void (j.padding = { pad_id: 1e9 })), 'padding.pad_id: expected an id of the vocabulary'],
  ['the root is the number 1', 1, 'root: expected an object, got number'],
  // issue 21: patterns that backtrack catastrophically are refused before the library compiles them
  ['a Split pre-tokenizer (a+)+$', wp((j) => void (j.pre_tokenizer = { type: 'Split', pattern: { Regex: '(a+)+$' }, behavior: 'Isolated', invert: false })), 'pre_tokenizer.pattern.Regex: unsafe regular expression "(a+)+$": nested quantifier'],
  [
    'a Split inside a Sequence (.*)*',
    wp((j) => void (j.pre_tokenizer = { type: 'Sequence', pretokenizers: [{ type: 'BertPreTokenizer' }, { type: 'Split', pattern: { Regex: '(.*)*x' }, behavior: 'Removed', invert: false }] })),
    'pre_tokenizer.pretokenizers[1].pattern.Regex: unsafe regular expression "(.*)*x": nested quantifier',
  ],
  ['a Replace normalizer (a|a)*', wp((j) => void (j.normalizer = { type: 'Replace', pattern: { Regex: '(a|a)*b' }, content: '' })), 'normalizer.pattern.Regex: unsafe regular expression "(a|a)*b": a repeated group holds an alternation'],
  [
    'a Replace normalizer (\\s|x)+ (branches may overlap)',
    wp((j) => void (j.normalizer = { type: 'Sequence', normalizers: [{ type: 'NFC' }, { type: 'Replace', pattern: { Regex: '(?:\\s|x)+y' }, content: ' ' }] })),
    'normalizer.normalizers[1].pattern.Regex: unsafe regular expression',
  ],
  ['a Replace decoder with a backreference', wp((j) => void (j.decoder = { type: 'Replace', pattern: { Regex: '(a)\\1' }, content: '' })), 'decoder.pattern.Regex: unsafe regular expression "(a)\\\\1": backreference \\1'],
  [
    'a Replace pre-tokenizer with a named backreference',
    wp((j) => void (j.pre_tokenizer = { type: 'Replace', pattern: { Regex: '(?<x>a)\\k<x>' }, content: '' })),
    'pre_tokenizer.pattern.Regex: unsafe regular expression "(?<x>a)\\\\k<x>": named backreference',
  ],
  [
    'a bounded nested quantifier (\\d{1,3})+',
    wp((j) => void (j.pre_tokenizer = { type: 'Split', pattern: { Regex: '(\\d{1,3})+$' }, behavior: 'Isolated', invert: false })),
    'pre_tokenizer.pattern.Regex: unsafe regular expression "(\\\\d{1,3})+$": nested quantifier',
  ],
  ['a pattern 5000 characters long', wp((j) => void (j.pre_tokenizer = { type: 'Split', pattern: { Regex: 'a'.repeat(5000) }, behavior: 'Isolated', invert: false })), 'pre_tokenizer.pattern.Regex: unsafe regular expression "aaaa'],
  ['a Split pattern with both String and Regex', wp((j) => void (j.pre_tokenizer = { type: 'Split', pattern: { String: 'a', Regex: 'a' }, behavior: 'Isolated', invert: false })), 'pre_tokenizer.pattern: expected exactly one of "String" or "Regex"'],
  ['a Split pattern that is a bare string', wp((j) => void (j.pre_tokenizer = { type: 'Split', pattern: '(a+)+', behavior: 'Isolated', invert: false })), 'pre_tokenizer.pattern: expected {"String": …} or {"Regex": …}, got the string "(a+)+"'],
  ['a Regex that is a number', wp((j) => void (j.normalizer = { type: 'Replace', pattern: { Regex: 5 }, content: '' })), 'normalizer.pattern.Regex: expected a string, got number'],
];

/** Files as bytes, through loadTokenizer: the field and reason expected, and which file it names. */
const BAD_FILES: [string, Record<string, Uint8Array>, string][] = [
  ['tokenizer.json truncated to "{"', { 'tokenizer.json': utf8('{') }, `${FILE}: (json): not valid JSON at line 1 column 2 (position 1)`],
  ['tokenizer.json truncated mid-vocab', { 'tokenizer.json': utf8(JSON.stringify(tinyWordPiece()).slice(0, -30)) }, `${FILE}: (json): not valid JSON`],
  ['tokenizer.json of 100 000 unclosed "["', { 'tokenizer.json': utf8('['.repeat(100_000)) }, `${FILE}: (json): not valid JSON at line 1 column 100001 (position 100000)`],
  ['tokenizer.json in UTF-16', { 'tokenizer.json': new Uint8Array([0xff, 0xfe, 0x7b, 0x00, 0x7d, 0x00]) }, `${FILE}: encoding: is UTF-16LE, not UTF-8`],
  // issue 21: UTF-16 without a BOM and big-endian are named as such too
  ['tokenizer.json in UTF-16LE without a BOM', { 'tokenizer.json': new Uint8Array([0x7b, 0x00, 0x7d, 0x00]) }, `${FILE}: encoding: is UTF-16LE, not UTF-8`],
  ['tokenizer.json in UTF-16BE with a BOM', { 'tokenizer.json': new Uint8Array([0xfe, 0xff, 0x00, 0x7b, 0x00, 0x7d]) }, `${FILE}: encoding: is UTF-16BE, not UTF-8`],
  ['tokenizer_config.json in UTF-16BE without a BOM', { 'tokenizer.json': utf8(JSON.stringify(tinyWordPiece())), 'tokenizer_config.json': new Uint8Array([0x00, 0x7b, 0x00, 0x7d]) }, `${CONFIG}: encoding: is UTF-16BE, not UTF-8`],
  ['tokenizer.json with a Latin-1 byte in a token', { 'tokenizer.json': new Uint8Array([...utf8('{"model": {"type": "WordPiece", "unk_token": "'), 0xe9, ...utf8('"}}')]) }, `${FILE}: encoding: is not valid UTF-8 (first bad byte at offset 46)`],
  ['tokenizer.json of only whitespace', { 'tokenizer.json': utf8(' \n\t ') }, `${FILE}: content: the file is empty (4 bytes)`],
  ['tokenizer.json that is JSON null', { 'tokenizer.json': utf8('null') }, `${FILE}: root: expected an object, got null`],
  ['tokenizer_config.json truncated', { 'tokenizer.json': utf8(JSON.stringify(tinyWordPiece())), 'tokenizer_config.json': utf8('{"pad_token": "[PA') }, `${CONFIG}: (json): not valid JSON`],
  ['tokenizer_config.json as an array', { 'tokenizer.json': utf8(JSON.stringify(tinyWordPiece())), 'tokenizer_config.json': utf8('["[PAD]"]') }, `${CONFIG}: root: expected an object, got an array`],
  ['tokenizer_config.json pad_token 0', { 'tokenizer.json': utf8(JSON.stringify(tinyWordPiece())), 'tokenizer_config.json': utf8('{"pad_token": 0}') }, `${CONFIG}: pad_token: expected a string or {"content": string}, got number`],
  ['tokenizer_config.json pad_token {"content": 5}', { 'tokenizer.json': utf8(JSON.stringify(tinyWordPiece())), 'tokenizer_config.json': utf8('{"pad_token": {"content": 5}}') }, `${CONFIG}: pad_token: expected a string or {"content": string}`],
];

describe('tokenizer loading: malformed categories beyond tokenizer.test.ts', () => {
  let warn: ReturnType<typeof vi.spyOn>;
  beforeAll(() => {
    // the library warns on the console about patterns it ignores
    warn = vi.spyOn(console, 'warn').mockImplementation(() => {});
  });
  afterAll(() => warn.mockRestore());

  it(`rejects ${BAD_JSON.length} malformed tokenizer.json contents cleanly`, () => {
    forEachCase(BAD_JSON, ([, json, expected]) => expectCleanRejection(() => tokenizerFromJson(json, FILE), FILE, `${FILE}: ${expected}`));
  });

  it(`rejects ${BAD_FILES.length} malformed tokenizer.json / tokenizer_config.json files cleanly`, async () => {
    for (const [label, files, expected] of BAD_FILES) {
      await expectCleanRejectionAsync(() => loadTokenizer(source(files)), [FILE, CONFIG], expected).catch((err: Error) => {
        throw new Error(`${label}: ${err.message}`);
      });
    }
  });

  it('accepts the published Split/Replace patterns (GPT-2/RoBERTa, Llama 3, o200k, XLM-R) and runs them on hostile text fast', () => {
    const published = [
      "'s|'t|'re|'ve|'m|'ll|'d| ?\\p{L}+| ?\\p{N}+| ?[^\\s\\p{L}\\p{N}]+|\\s+(?!\\S)|\\s+",
      "(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}{1,3}| ?[^\\s\\p{L}\\p{N}]+[\\r\\n]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+",
      "[^\\r\\n\\p{L}\\p{N}]?[\\p{Lu}\\p{Lt}\\p{Lm}\\p{Lo}\\p{M}]*[\\p{Ll}\\p{Lm}\\p{Lo}\\p{M}]+(?i:'s|'t|'re|'ve|'m|'ll|'d)?|\\p{N}{1,3}| ?[^\\s\\p{L}\\p{N}]+[\\r\\n/]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+",
      ' {2,}',
      '(?:ab)+',
      '(?:a|b|c)+',
    ];
    const hostile = `${'a'.repeat(5000)}!${' '.repeat(5000)}x`;
    for (const Regex of published) {
      const tok = tokenizerFromJson(
        wp((j) => void (j.pre_tokenizer = { type: 'Sequence', pretokenizers: [{ type: 'Split', pattern: { Regex }, behavior: 'Isolated', invert: false }, { type: 'BertPreTokenizer' }] })),
        FILE,
      );
      // a backtracking pattern would not return within the test's timeout on 10,000 characters
      expect(tok.contentIds(hostile).length).toBeGreaterThan(0);
    }
  });

  it('accepts 4 odd but valid files: a BOM, path-like and NUL tokens, an unused id or two, a huge model_max_length', async () => {
    const bom = await loadTokenizer(source({ 'tokenizer.json': new Uint8Array([0xef, 0xbb, 0xbf, ...utf8(JSON.stringify(tinyWordPiece()))]) }));
    checkTokenizer(bom);
    const odd = wp((j) => Object.assign(j.model.vocab, { '../x': 12, '/etc/passwd': 13, 'a\u0000b': 14 }));
    checkTokenizer(tokenizerFromJson(odd, FILE));
    const gap = wp((j) => void ((j.model.vocab as Record<string, number>).zz = 14));
    expect(tokenizerFromJson(gap, FILE).vocabSize).toBe(15);
    expect(tokenizerFromJson(tinyWordPiece(), FILE, { config: { model_max_length: 1e30 } }).modelMaxLength).toBeNull();
  });
});

describe('tokenizer fuzzing', () => {
  let warn: ReturnType<typeof vi.spyOn>;
  beforeAll(() => {
    warn = vi.spyOn(console, 'warn').mockImplementation(() => {});
  });
  afterAll(() => warn.mockRestore());

  it('both valid tokenizers load and work (the bases of every mutation)', () => {
    checkTokenizer(tokenizerFromJson(tinyWordPiece(), FILE));
    checkTokenizer(tokenizerFromJson(tinyUnigram(), FILE));
  });

  it('200 arbitrary byte strings as tokenizer.json and as tokenizer_config.json: a tokenizer or a clean DataFormatError', async () => {
    const valid = utf8(JSON.stringify(tinyWordPiece()));
    await fc.assert(
      fc.asyncProperty(arbitraryBytes(), fc.boolean(), async (bytes, asConfig) => {
        const files: Record<string, Uint8Array> = asConfig ? { 'tokenizer.json': valid, 'tokenizer_config.json': bytes } : { 'tokenizer.json': bytes };
        await expectCleanOutcomeAsync(() => loadTokenizer(source(files)), [FILE, CONFIG], checkTokenizer);
      }),
      fuzzParams(200),
    );
  });

  for (const [name, make, runs] of [
    ['WordPiece', tinyWordPiece, 400],
    ['Unigram', tinyUnigram, 300],
  ] as const) {
    it(`${runs} JSON mutations of a valid ${name} tokenizer.json: a working tokenizer or a clean error`, () => {
      const valid = make();
      const outcomes = { ok: 0, refused: 0 };
      fc.assert(
        fc.property(jsonMutationsArb(), (mutations) => {
          const out = expectCleanOutcome(() => tokenizerFromJson(applyJsonMutations(valid, mutations), FILE), FILE, checkTokenizer);
          outcomes[out.ok ? 'ok' : 'refused']++;
        }),
        fuzzParams(runs),
      );
      expect(outcomes.ok).toBeGreaterThan(0);
      expect(outcomes.refused).toBeGreaterThan(0);
    });
  }

  it('200 byte mutations of a valid tokenizer.json (truncate, flip, insert, delete, BOM): a tokenizer or a clean error', async () => {
    const valid = utf8(toJsonText(tinyUnigram()));
    await fc.assert(
      fc.asyncProperty(byteMutationsArb(valid.length), async (mutations) => {
        await expectCleanOutcomeAsync(() => loadTokenizer(source({ 'tokenizer.json': applyByteMutations(valid, mutations) })), FILE, checkTokenizer);
      }),
      fuzzParams(200),
    );
  });

  it('200 JSON mutations of a tokenizer_config.json: a tokenizer or a clean error naming one of the two files', () => {
    const config = { model_max_length: 512, pad_token: '[PAD]', unk_token: '[UNK]', additional_special_tokens: ['[CLS]'], clean_up_tokenization_spaces: true };
    fc.assert(
      fc.property(jsonMutationsArb(), (mutations) => {
        expectCleanOutcome(() => tokenizerFromJson(tinyWordPiece(), FILE, { config: applyJsonMutations(config, mutations), configFileName: CONFIG }), [FILE, CONFIG], checkTokenizer);
      }),
      fuzzParams(200),
    );
  });
});
