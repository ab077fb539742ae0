/**
 * The loader against the tiny fixtures (shared/fixtures/tiny-xlmr and tiny-labse, see their README):
 * expected ids there come from SentencePiece itself and from an independent BERT WordPiece, not from
 * any HF code. Without the fixture folder the fixture tests fail saying so; the self-contained tests
 * below them run regardless.
 */
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { CheckpointError, ConfigError, DataFormatError } from '../errors';
import { SHARED_FIXTURES_DIR, sharedFixture } from '../testing/sharedData.testutil';
import { parseJsonBytes } from '../data/parseJsonText';
import { HfTokenizer, loadTokenizer, tokenizerFromJson, type TokenizerSource } from './tokenizer';

const FIXTURES = SHARED_FIXTURES_DIR;

/** A folder on disk as a {@link TokenizerSource}. */
function dirSource(dir: string): TokenizerSource {
  return { name: dir, read: async (p) => new Uint8Array(await readFile(path.join(dir, p))), list: async () => readdir(dir) };
}

/** An in-memory folder; values are JSON-serialised unless already bytes or strings. */
function memSource(name: string, files: Record<string, unknown>): TokenizerSource {
  return {
    name,
    list: async () => Object.keys(files),
    read: async (p) => {
      const v = files[p];
      if (v === undefined) throw new Error(`no ${p}`);
      if (v instanceof Uint8Array) return v;
      return new TextEncoder().encode(typeof v === 'string' ? v : JSON.stringify(v));
    },
  };
}

const readJson = async (file: string): Promise<any> => JSON.parse(await readFile(file, 'utf8'));

interface Case {
  text: string;
  ids: number[];
  pieces?: string[];
  tokens?: string[];
}

describe('fixtures: tiny-xlmr (Unigram, Metaspace) and tiny-labse (WordPiece)', () => {
  beforeAll(() => {
    sharedFixture('tiny-xlmr');
    sharedFixture('tiny-labse');
  });
  for (const [fixture, nCases, padId, prefix, suffix] of [
    ['tiny-xlmr', 48, 1, [0], [2]],
    ['tiny-labse', 33, 0, [2], [3]],
  ] as const) {
    it(`${fixture}: reproduces all ${nCases} tokenizer cases (ids and pieces)`, async () => {
      const dir = path.join(FIXTURES, fixture);
      const tok = await loadTokenizer(dirSource(dir));
      const cases: Case[] = (await readJson(path.join(dir, 'tokenizer_cases.json'))).cases;
      expect(cases).toHaveLength(nCases);
      let withPieces = 0;
      for (const c of cases) {
        expect(tok.encodeIds(c.text), c.text).toEqual(c.ids);
        const pieces = c.pieces ?? c.tokens;
        if (pieces) {
          // SentencePiece reports an unknown piece by its surface text; HF by the unk token.
          const expected = pieces.map((p, i) => (c.ids[i] === tok.unkId ? tok.lib.id_to_token(tok.unkId) : p));
          expect(tok.tokens(c.text), c.text).toEqual(expected);
          withPieces++;
        }
      }
      expect(withPieces).toBe(nCases);
      expect(tok.padId).toBe(padId);
      expect(tok.vocabSize).toBe(1000);
      expect(tok.prefixIds).toEqual(prefix);
      expect(tok.suffixIds).toEqual(suffix);
      expect(tok.modelMaxLength).toBe(64);
    });

    it(`${fixture}: batch of the reference inputs equals reference_outputs.json input_ids / attention_mask`, async () => {
      const dir = path.join(FIXTURES, fixture);
      const tok = await loadTokenizer(dirSource(dir));
      const ref = await readJson(path.join(dir, 'reference_outputs.json'));
      const batch = tok.encode(ref.inputs, 64);
      expect(batch.batchSize).toBe(3);
      expect(batch.seqLen).toBe(24);
      expect([...batch.inputIds]).toEqual(ref.input_ids.flat());
      expect([...batch.attentionMask]).toEqual(ref.attention_mask.flat());
    });
  }

  it('tiny-xlmr: Metaspace written with only prepend_scheme, or only add_prefix_space, tokenizes the same (checkpoints.md §3 pitfall 2)', async () => {
    const dir = path.join(FIXTURES, 'tiny-xlmr');
    const json = await readJson(path.join(dir, 'tokenizer.json'));
    const config = await readJson(path.join(dir, 'tokenizer_config.json'));
    const cases: Case[] = (await readJson(path.join(dir, 'tokenizer_cases.json'))).cases;
    const strip = (o: any, key: string) => {
      const { [key]: _drop, ...rest } = o;
      return rest;
    };
    const newStyle = { ...json, pre_tokenizer: strip(json.pre_tokenizer, 'add_prefix_space'), decoder: strip(json.decoder, 'add_prefix_space') };
    const oldStyle = { ...json, pre_tokenizer: strip(json.pre_tokenizer, 'prepend_scheme'), decoder: strip(json.decoder, 'prepend_scheme') };
    for (const variant of [newStyle, oldStyle]) {
      const tok = tokenizerFromJson(variant, 'variant.json', { config });
      for (const c of cases) expect(tok.encodeIds(c.text), c.text).toEqual(c.ids);
    }
    // Guard: the variants really differ from the file.
    expect(newStyle.pre_tokenizer.add_prefix_space).toBeUndefined();
    expect(oldStyle.pre_tokenizer.prepend_scheme).toBeUndefined();
  });

  it('tiny-xlmr with the hub-style 25-byte config ({"model_max_length": 512}) still finds <pad>', async () => {
    const dir = path.join(FIXTURES, 'tiny-xlmr');
    const files = { 'tokenizer.json': await readFile(path.join(dir, 'tokenizer.json')), 'tokenizer_config.json': '{"model_max_length": 512}' };
    const tok = await loadTokenizer(memSource('hub-like', files));
    expect(tok.padId).toBe(1);
    expect(tok.modelMaxLength).toBe(512);
    expect(tok.encodeIds('Hello world!')).toEqual([0, 341, 77, 10, 705, 58, 2]);
  });

  it('toJSON round-trips through tokenizerFromJson', async () => {
    for (const fixture of ['tiny-xlmr', 'tiny-labse']) {
      const dir = path.join(FIXTURES, fixture);
      const tok = await loadTokenizer(dirSource(dir));
      const again = tokenizerFromJson(JSON.parse(JSON.stringify(tok.toJSON())), 'again.json');
      const cases: Case[] = (await readJson(path.join(dir, 'tokenizer_cases.json'))).cases;
      const texts = cases.map((c) => c.text);
      expect(again.encode(texts, 32)).toEqual(tok.encode(texts, 32));
      expect(again.padId).toBe(tok.padId);
    }
  });

  it('names the folder and gives the conversion command when only sentencepiece.bpe.model is there', async () => {
    const run = loadTokenizer(memSource('/models/xlmr-slow', { 'sentencepiece.bpe.model': new Uint8Array(4), 'config.json': {} }));
    await expect(run).rejects.toThrow(CheckpointError);
    await expect(run).rejects.toThrow('/models/xlmr-slow: no tokenizer.json in this folder (it has sentencepiece.bpe.model');
    await expect(run).rejects.toThrow(`AutoTokenizer.from_pretrained('/models/xlmr-slow').save_pretrained('OUT_DIR')`);
  });
});

/** A hand-made WordPiece tokenizer.json: enough to test batching without fixtures. */
function tinyWordPiece(extra: Record<string, unknown> = {}) {
  const tokens = ['[PAD]', '[UNK]', '[CLS]', '[SEP]', 'a', 'b', 'c', '##a', '##b', '##c', 'ab', '.'];
  return {
    version: '1.0',
    added_tokens: ['[PAD]', '[UNK]', '[CLS]', '[SEP]'].map((content, id) => ({ id, content, single_word: false, lstrip: false, rstrip: false, normalized: false, special: true })),
    normalizer: { type: 'BertNormalizer', clean_text: true, handle_chinese_chars: true, strip_accents: false, lowercase: true },
    pre_tokenizer: { type: 'BertPreTokenizer' },
    post_processor: {
      type: 'TemplateProcessing',
      single: [{ SpecialToken: { id: '[CLS]', type_id: 0 } }, { Sequence: { id: 'A', type_id: 0 } }, { SpecialToken: { id: '[SEP]', type_id: 0 } }],
      pair: [],
      special_tokens: { '[CLS]': { id: '[CLS]', ids: [2], tokens: ['[CLS]'] }, '[SEP]': { id: '[SEP]', ids: [3], tokens: ['[SEP]'] } },
    },
    decoder: { type: 'WordPiece', prefix: '##', cleanup: true },
    model: { type: 'WordPiece', unk_token: '[UNK]', continuing_subword_prefix: '##', max_input_chars_per_word: 100, vocab: Object.fromEntries(tokens.map((t, i) => [t, i])) },
    ...extra,
  };
}

describe('HfTokenizer.encode: padding and truncation (HF padding=True, truncation=True)', () => {
  const tok = tokenizerFromJson(tinyWordPiece(), 'tiny.json');

  it('right-pads to the longest row with padId and mask 0', () => {
    expect(tok.encodeIds('ab c.')).toEqual([2, 10, 6, 11, 3]);
    expect(tok.encodeIds('AbC')).toEqual([2, 10, 9, 3]);
    const b = tok.encode(['ab c.', 'a', ''], 16);
    expect(b.batchSize).toBe(3);
    expect(b.seqLen).toBe(5);
    expect([...b.inputIds]).toEqual([2, 10, 6, 11, 3, 2, 4, 3, 0, 0, 2, 3, 0, 0, 0]);
    expect([...b.attentionMask]).toEqual([1, 1, 1, 1, 1, 1, 1, 1, 0, 0, 1, 1, 0, 0, 0]);
  });

  it('pads to a multiple of padMultiple on request, never past maxLength', () => {
    const b = tok.encode(['ab c.', 'a'], 16, { padMultiple: 4 });
    expect(b.seqLen).toBe(8);
    expect([...b.inputIds]).toEqual([2, 10, 6, 11, 3, 0, 0, 0, 2, 4, 3, 0, 0, 0, 0, 0]);
    expect([...b.attentionMask]).toEqual([1, 1, 1, 1, 1, 0, 0, 0, 1, 1, 1, 0, 0, 0, 0, 0]);
    expect(tok.encode(['ab c.'], 6, { padMultiple: 4 }).seqLen).toBe(6);
  });

  it('truncates content and keeps the final special token; seqLen never exceeds maxLength', () => {
    const long = 'a b c a b c a b c';
    expect(tok.encodeIds(long)).toHaveLength(11);
    const b = tok.encode([long, 'b'], 5);
    expect(b.seqLen).toBe(5);
    expect([...b.inputIds]).toEqual([2, 4, 5, 6, 3, 2, 5, 3, 0, 0]);
    expect([...b.attentionMask]).toEqual([1, 1, 1, 1, 1, 1, 1, 1, 0, 0]);
    // Exactly at the limit: nothing is cut.
    const exact = tok.encode(['a b c'], 5);
    expect([...exact.inputIds]).toEqual([2, 4, 5, 6, 3]);
  });

  it('unknown characters become [UNK] for the whole word (WordPiece)', () => {
    expect(tok.tokens('a xb')).toEqual(['[CLS]', 'a', '[UNK]', '[SEP]']);
    expect(tok.unkId).toBe(1);
  });

  it('refuses a maxLength that cannot hold the special tokens and one more', () => {
    expect(() => tok.encode(['a'], 2)).toThrow(ConfigError);
    expect(() => tok.encode(['a'], 2.5)).toThrow('maxLength must be an integer ≥ 3');
    expect(tok.encode(['a b'], 3).inputIds).toEqual(Int32Array.from([2, 4, 3]));
  });

  it('an empty batch gives empty arrays', () => {
    expect(tok.encode([], 8)).toEqual({ inputIds: new Int32Array(0), attentionMask: new Int32Array(0), batchSize: 0, seqLen: 0 });
  });

  it('gives the same ids with the memo cache evicting on every call', () => {
    const small = tokenizerFromJson(tinyWordPiece(), 'tiny.json', { cacheSize: 1 });
    const none = tokenizerFromJson(tinyWordPiece(), 'tiny.json', { cacheSize: 0 });
    const texts = ['ab', 'c.', 'ab', 'abc', 'c.'];
    for (const t of texts) expect(small.encodeIds(t)).toEqual(none.encodeIds(t));
    expect(small.encode(texts, 8)).toEqual(none.encode(texts, 8));
  });

  it('decodes ids back to text without special tokens', () => {
    expect(tok.decode(tok.encodeIds('ab c.'))).toBe('ab c.');
    expect(tok.decode([])).toBe('');
  });

  it('pad id comes from the config, then padding.pad_id, then a [PAD] / <pad> token', () => {
    expect(tok.padId).toBe(0);
    expect(tokenizerFromJson(tinyWordPiece(), 't.json', { config: { pad_token: '[SEP]' } }).padId).toBe(3);
    expect(tokenizerFromJson(tinyWordPiece(), 't.json', { config: { pad_token: { content: '[UNK]' } } }).padId).toBe(1);
    expect(tokenizerFromJson(tinyWordPiece({ padding: { pad_id: 11 } }), 't.json').padId).toBe(11);
    const noPad = tinyWordPiece();
    delete (noPad.model.vocab as Record<string, number>)['[PAD]'];
    noPad.added_tokens.shift();
    expect(() => tokenizerFromJson(noPad, 't.json')).toThrow('tokenizer_config.json: pad_token: missing, and t.json has no padding.pad_id');
  });
});

describe('input validation: errors name the file and the field', () => {
  it('bad JSON names the file and position', async () => {
    const run = loadTokenizer(memSource('ckpt', { 'tokenizer.json': '{"model": {' }));
    await expect(run).rejects.toThrow(DataFormatError);
    await expect(run).rejects.toThrow('ckpt/tokenizer.json: (json): not valid JSON at line 1 column 12 (position 11)');
    const badConfig = loadTokenizer(memSource('ckpt', { 'tokenizer.json': tinyWordPiece(), 'tokenizer_config.json': '{pad' }));
    await expect(badConfig).rejects.toThrow('ckpt/tokenizer_config.json: (json): not valid JSON');
    expect(() => parseJsonBytes(new Uint8Array([0xff, 0xfe]), 'x.json')).toThrow('x.json: encoding: is UTF-16LE, not UTF-8');
    expect(() => parseJsonBytes(new Uint8Array(0), 'x.json')).toThrow('x.json: content: the file is empty');
  });

  it('a folder without tokenizer.json and without slow files still says what is missing', async () => {
    await expect(loadTokenizer(memSource('empty-dir', {}))).rejects.toThrow('empty-dir: no tokenizer.json in this folder. Only the HF "fast" tokenizer file');
  });

  it('unsupported or malformed model', () => {
    expect(() => tokenizerFromJson(tinyWordPiece({ model: { type: 'WordLevel', vocab: { a: 0 }, unk_token: 'a' } }), 'm.json')).toThrow('m.json: model.type: unsupported "WordLevel"; supported: WordPiece, Unigram, BPE');
    expect(() => tokenizerFromJson(tinyWordPiece({ model: undefined }), 'm.json')).toThrow('m.json: model: missing');
    expect(() => tokenizerFromJson(tinyWordPiece({ model: { vocab: 3 } }), 'm.json')).toThrow('m.json: model.type: missing, and the model cannot be inferred');
    expect(() => tokenizerFromJson(tinyWordPiece({ model: { type: 'WordPiece', unk_token: '[UNK]', vocab: { a: -1 } } }), 'm.json')).toThrow('m.json: model.vocab["a"]: expected a non-negative integer id');
    expect(() => tokenizerFromJson(tinyWordPiece({ model: { type: 'WordPiece', unk_token: '<unk>', vocab: { '[PAD]': 0, a: 1 } } }), 'm.json')).toThrow('m.json: model.unk_token: "<unk>" is not in model.vocab');
    expect(() => tokenizerFromJson(tinyWordPiece({ model: { type: 'Unigram', unk_id: 5, vocab: [['a', -1]] } }), 'm.json')).toThrow('m.json: model.unk_id');
    expect(() => tokenizerFromJson(tinyWordPiece({ model: { type: 'BPE', unk_token: 'a', vocab: { a: 0 } } }), 'm.json')).toThrow('m.json: model.merges');
    expect(() => tokenizerFromJson([], 'm.json')).toThrow('m.json: root: expected an object, got an array');
  });

  it('unsupported components, also inside a Sequence', () => {
    const seq = { type: 'Sequence', normalizers: [{ type: 'NFKC' }, { type: 'Nmt' }] };
    expect(() => tokenizerFromJson(tinyWordPiece({ normalizer: seq }), 'n.json')).toThrow('n.json: normalizer.normalizers[1].type: unsupported normalizer "Nmt"');
    expect(() => tokenizerFromJson(tinyWordPiece({ pre_tokenizer: { type: 'UnicodeScripts' } }), 'n.json')).toThrow('n.json: pre_tokenizer.type: unsupported pre_tokenizer');
    expect(() => tokenizerFromJson(tinyWordPiece({ added_tokens: [{ id: 'x', content: 'a' }] }), 'n.json')).toThrow('n.json: added_tokens[0].id');
  });

  it('a pad_token the vocabulary lacks names the config file', () => {
    expect(() => tokenizerFromJson(tinyWordPiece(), 't.json', { config: { pad_token: '<pad>' }, configFileName: 'dir/tokenizer_config.json' })).toThrow('dir/tokenizer_config.json: pad_token: "<pad>" is not in the vocabulary of t.json');
  });

  it('files without component keys or WordPiece prefix get the Rust defaults', () => {
    const json: any = tinyWordPiece();
    delete json.decoder;
    delete json.normalizer;
    delete json.model.continuing_subword_prefix;
    const tok = tokenizerFromJson(json, 'old.json');
    expect(tok).toBeInstanceOf(HfTokenizer);
    expect(tok.tokens('Abc')).toEqual(['[CLS]', '[UNK]', '[SEP]']); // no normalizer now: "A" is unknown
    expect(tok.tokens('abc')).toEqual(['[CLS]', 'ab', '##c', '[SEP]']);
  });
});
