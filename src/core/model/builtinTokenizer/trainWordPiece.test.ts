import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../errors';
import { tokenizerFromJson } from '../tokenizer';
import { builtinTextPipeline, SPECIAL_TOKENS, trainWordPieceTokenizer } from './trainWordPiece';

const vocabList = (vocab: Record<string, number>) =>
  Object.entries(vocab)
    .sort((a, b) => a[1] - b[1])
    .map(([t]) => t);

describe('trainWordPieceTokenizer', () => {
  it('learns merges by pair count: a worked example', () => {
    const { json, stats } = trainWordPieceTokenizer(['ab ab AB', 'abc'], { vocabSize: 13, minFrequency: 1 });
    // (a, ##b) is seen 4 times → "ab"; then (ab, ##c) once → "abc".
    expect(vocabList(json.model.vocab)).toEqual([...SPECIAL_TOKENS, 'a', 'b', 'c', '##a', '##b', '##c', 'ab', 'abc']);
    expect(stats).toMatchObject({ distinctWords: 2, wordOccurrences: 4, merges: 2, vocabSize: 13, stop: 'vocabSize', charactersSeen: 3 });
  });

  it('drops characters and pairs under minFrequency; words with a dropped character are [UNK]', () => {
    const { json, stats } = trainWordPieceTokenizer(['ab ab ab', 'abc'], { vocabSize: 100, minFrequency: 2 });
    expect(vocabList(json.model.vocab)).toEqual([...SPECIAL_TOKENS, 'a', 'b', '##a', '##b', 'ab']);
    expect(stats.stop).toBe('minFrequency');
    const tok = tokenizerFromJson(json, 't.json');
    expect(tok.tokens('ab abc ba')).toEqual(['[CLS]', 'ab', '[UNK]', 'b', '##a', '[SEP]']);
  });

  it('breaks count ties by the pieces in string order', () => {
    const { json } = trainWordPieceTokenizer(['ba ab'], { vocabSize: 10, minFrequency: 1 });
    expect(vocabList(json.model.vocab).slice(-1)).toEqual(['ab']);
  });

  it('punctuation and CJK characters get no ## form (the pre-tokenizer always isolates them)', () => {
    const { json } = trainWordPieceTokenizer(['中文, 中文.'], { vocabSize: 100, minFrequency: 1 });
    const v = vocabList(json.model.vocab);
    expect(v).toContain('中');
    expect(v).toContain(',');
    expect(v).not.toContain('##中');
    expect(v).not.toContain('##,');
  });

  it('seeds enter the alphabet in both forms, sorted by code point with the seen characters', () => {
    const { json, stats } = trainWordPieceTokenizer(['zz'], { vocabSize: 20, minFrequency: 1, seedCharacters: ['б', 'a'] });
    expect(vocabList(json.model.vocab)).toEqual([...SPECIAL_TOKENS, 'a', 'z', 'б', '##a', '##z', '##б', 'zz']);
    expect(stats.charactersSeededOnly).toBe(2);
  });

  it('an integer weight equals repeating the text', () => {
    const texts = ['the cat sat', 'a dog ran', 'the dog sat'];
    const weighted = trainWordPieceTokenizer(texts, { vocabSize: 40, minFrequency: 1, weights: [3, 1, 2] });
    const repeated = trainWordPieceTokenizer([texts[0]!, texts[0]!, texts[0]!, texts[1]!, texts[2]!, texts[2]!], { vocabSize: 40, minFrequency: 1 });
    expect(JSON.stringify(weighted.json)).toBe(JSON.stringify(repeated.json));
  });

  it('words longer than maxInputCharsPerWord are left out and counted', () => {
    const { stats } = trainWordPieceTokenizer(['short ' + 'x'.repeat(11)], { vocabSize: 50, minFrequency: 1, maxInputCharsPerWord: 10 });
    expect(stats.longWordOccurrences).toBe(1);
    expect(stats.distinctWords).toBe(1);
  });

  it('refuses bad options', () => {
    expect(() => trainWordPieceTokenizer(['a'], { vocabSize: 3 })).toThrow(ConfigError);
    expect(() => trainWordPieceTokenizer(['abcdef'], { vocabSize: 8, minFrequency: 1 })).toThrow('vocabSize 8 is smaller than the 17 special tokens and alphabet entries (6 characters)');
    expect(() => trainWordPieceTokenizer(['a', 'b'], { vocabSize: 50, weights: [1] })).toThrow('weights must hold one positive integer per text (2)');
    expect(() => trainWordPieceTokenizer(['a'], { vocabSize: 50, weights: [0.5] })).toThrow(ConfigError);
    expect(() => trainWordPieceTokenizer(['a'], { vocabSize: 50, minFrequency: 0 })).toThrow('minFrequency must be a positive integer');
    expect(() => trainWordPieceTokenizer(['a'], { vocabSize: 50, seedCharacters: ['ab'] })).toThrow('single code points');
  });
});

describe('builtinTextPipeline (the library normalizer + BertPreTokenizer of the built-in layout)', () => {
  const { normalize, preTokenize } = builtinTextPipeline();
  const words = (t: string) => preTokenize(normalize(t));

  it('NFKC, then lower-case without stripping accents or vowel marks', () => {
    expect(words('ＡＢＣ ﬁne')).toEqual(['abc', 'fine']);
    expect(words('Tiếng Việt')).toEqual(['tiếng', 'việt']);
    expect(words('हिन्दी')).toEqual(['हिन्दी']);
    expect(words('ΚΑΛΗΜΈΡΑ')).toEqual(['καλημέρα']);
  });

  it('Turkish İ becomes a plain i (no stray U+0307), ı stays', () => {
    expect(words('İstanbul ılık')).toEqual(['istanbul', 'ılık']);
  });

  it('CJK characters and punctuation are words of their own; Thai runs stay whole', () => {
    expect(words('数学很难。')).toEqual(['数', '学', '很', '难', '。']);
    expect(words('ภาษาไทย ง่าย!')).toEqual(['ภาษาไทย', 'ง่าย', '!']);
  });
});

describe('trainWordPieceTokenizer growToFit', () => {
  it('grows a vocabSize below the alphabet to alphabet + minLearnedPieces, and leaves a fitting one alone', () => {
    const texts = ['abcdef abcdef abcd abcd', 'abab cdcd efef'];
    // 5 specials + 6 characters + 6 `##` forms = 17 alphabet entries
    const grown = trainWordPieceTokenizer(texts, { vocabSize: 8, minFrequency: 1, growToFit: { minLearnedPieces: 3 } });
    expect(grown.stats).toMatchObject({ requestedVocabSize: 8, alphabetEntries: 17, targetVocabSize: 20, vocabSize: 20, stop: 'vocabSize' });
    expect(Object.keys(grown.json.model.vocab)).toHaveLength(20);
    const fits = trainWordPieceTokenizer(texts, { vocabSize: 18, minFrequency: 1, growToFit: { minLearnedPieces: 3 } });
    expect(fits.stats).toMatchObject({ requestedVocabSize: 18, targetVocabSize: 18, vocabSize: 18 });
    expect(JSON.stringify(fits.json)).toBe(JSON.stringify(trainWordPieceTokenizer(texts, { vocabSize: 18, minFrequency: 1 }).json));
  });
});
