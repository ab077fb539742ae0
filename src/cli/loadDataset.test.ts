/**
 * Pins the parser to the real LAReQA files: every number here is from shared/data/PROVENANCE.md or
 * notes/paper-method.md §2.2. Skipped only when no data folder is configured or beside the checkout;
 * when one is, a missing file fails the run.
 */
import { existsSync } from 'node:fs';
import { mkdtemp, mkdir, readFile, rm, truncate, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConfigError, DataFormatError } from '../core/errors';
import { datasetStats } from '../core/data/datasetStats';
import { DATASET_LANGUAGES, MLQA_R_LANGUAGES, XQUAD_R_LANGUAGES, type DatasetName, type Lang } from '../core/data/languages';
import { parseDataset } from '../core/data/parseDataset';
import { expectedSha256, fetchDatasetFiles, type FetchFn } from '../core/data/sources';
import type { RetrievalDataset } from '../core/data/types';
import { sharedDataDir } from '../core/testing/sharedData.testutil';
import { MAX_DATASET_FILE_BYTES, loadDatasetFromDir } from './loadDataset';

describe('loadDatasetFromDir errors', () => {
  let tmp: string;
  beforeAll(async () => {
    tmp = await mkdtemp(path.join(os.tmpdir(), 'xlir-data-'));
    await mkdir(path.join(tmp, 'xquad-r'));
  });
  afterAll(async () => {
    await rm(tmp, { recursive: true, force: true });
  });

  it('names the missing file and where datasets come from', async () => {
    const run = loadDatasetFromDir(tmp, 'xquad-r', ['en']);
    await expect(run).rejects.toThrow(ConfigError);
    await expect(run).rejects.toThrow(`cannot read ${path.join(tmp, 'xquad-r', 'en.json')} (ENOENT)`);
    await expect(run).rejects.toThrow('--data DIR or XLIR_DATA_DIR');
  });

  it('refuses a file over 64 MiB before reading it', async () => {
    const file = path.join(tmp, 'xquad-r', 'de.json');
    await writeFile(file, '');
    await truncate(file, MAX_DATASET_FILE_BYTES + 1); // sparse: takes no disk space
    const run = loadDatasetFromDir(tmp, 'xquad-r', ['de']);
    await expect(run).rejects.toThrow(DataFormatError);
    await expect(run).rejects.toThrow(`${file}: size: 67108865 bytes is more than the 67108864 bytes a dataset file may have`);
  });

  it('refuses a language the dataset lacks without touching the disk', async () => {
    await expect(loadDatasetFromDir(tmp, 'mlqa-r', ['th'])).rejects.toThrow('mlqa-r has no language "th"');
  });
});

const XQUAD_CANDIDATES: Record<string, number> = { ar: 1222, de: 1276, el: 1234, en: 1180, es: 1215, hi: 1244, ru: 1219, th: 852, tr: 1167, vi: 1209, zh: 1196 };
const XQUAD_DISTINCT: Record<string, number> = { ar: 1220, de: 1276, el: 1234, en: 1180, es: 1215, hi: 1243, ru: 1218, th: 852, tr: 1166, vi: 1209, zh: 1192 };
const XQUAD_ANSWER_BEARING: Record<string, number> = { ar: 790, de: 818, el: 798, en: 787, es: 796, hi: 798, ru: 787, th: 603, tr: 764, vi: 794, zh: 784 };
// [articles, paragraphs, questions, candidates, distinct candidate strings]
const MLQA: Record<string, number[]> = {
  ar: [238, 439, 517, 2545, 2544],
  de: [281, 456, 512, 2362, 2362],
  en: [520, 978, 1148, 6264, 6262],
  es: [259, 454, 500, 1787, 1787],
  hi: [217, 425, 507, 2426, 2419],
  vi: [228, 451, 511, 2828, 2826],
  zh: [244, 443, 504, 2322, 2322],
};
// notes/paper-method.md §2.2: queries of row X whose id is in column Y (order ar de en es hi vi zh)
const MLQA_OVERLAP = [
  [517, 207, 517, 161, 186, 163, 188],
  [207, 512, 512, 196, 163, 182, 190],
  [517, 512, 1148, 500, 507, 511, 504],
  [161, 196, 500, 500, 187, 189, 161],
  [186, 163, 507, 187, 507, 177, 189],
  [163, 182, 511, 189, 177, 511, 184],
  [188, 190, 504, 161, 189, 184, 504],
];
const SHA_PREFIX: Record<DatasetName, Record<string, string>> = {
  'xquad-r': {
    ar: 'c52922d3b8ac1ae0',
    de: '16fb0f4bf4916154',
    el: '163fd43ee785a30e',
    en: '7b0954f39297c27a',
    es: 'f8e836b2d91009c4',
    hi: 'ea45ba8ae4513d15',
    ru: '7f4dff853538b9a5',
    th: 'c3a041864c3a9fb0',
    tr: 'f3e8c13002bbce15',
    vi: 'e35926bf5cc6fc6e',
    zh: '80c2cde7b9c2fb13',
  },
  'mlqa-r': { ar: '2132fbc03208535c', de: 'ce9454dc5aa6f2d8', en: 'fedd9a5cc0848dda', es: '70ecba276b8c96a6', hi: '4dd0fb3c06f737a5', vi: '9d3baff6ba03e679', zh: '57f01d2fff50cf33' },
};

function count<T>(items: readonly T[], key: (t: T) => string): Record<string, number> {
  const out: Record<string, number> = {};
  for (const t of items) out[key(t)] = (out[key(t)] ?? 0) + 1;
  return out;
}

interface RawDoc {
  data: { paragraphs: { context: string; sentences: string[]; sentence_breaks: [number, number][] }[] }[];
}

describe('the real LAReQA files', () => {
  let dir = '';
  let xquad: RetrievalDataset;
  let mlqa: RetrievalDataset;
  const raw = async (name: DatasetName, lang: Lang) => new Uint8Array(await readFile(path.join(dir, name, `${lang}.json`)));

  beforeAll(async () => {
    dir = sharedDataDir();
    for (const name of ['xquad-r', 'mlqa-r'] as const) {
      const missing = DATASET_LANGUAGES[name].map((l) => path.join(dir, name, `${l}.json`)).filter((f) => !existsSync(f));
      if (missing.length > 0) throw new Error(`data folder ${dir} exists but lacks ${missing.join(', ')}`);
    }
    const load = async (name: DatasetName) => {
      const files = await Promise.all(DATASET_LANGUAGES[name].map(async (l) => ({ name: `${l}.json`, bytes: await raw(name, l) })));
      return parseDataset(name, files);
    };
    xquad = await load('xquad-r');
    mlqa = await load('mlqa-r');
  });

  it('counts XQuAD-R as PROVENANCE §1 does', () => {
    expect(xquad.languages).toEqual([...XQUAD_R_LANGUAGES]);
    const stats = datasetStats(xquad);
    for (const lang of XQUAD_R_LANGUAGES) {
      expect(stats.languages[lang], lang).toEqual({ questions: 1190, paragraphs: 240, candidates: XQUAD_CANDIDATES[lang] });
      const cands = xquad.candidates.filter((c) => c.lang === lang);
      expect(new Set(cands.map((c) => c.text)).size, lang).toBe(XQUAD_DISTINCT[lang]);
      expect(new Set(xquad.queries.filter((q) => q.lang === lang).map((q) => q.answer)).size, lang).toBe(XQUAD_ANSWER_BEARING[lang]);
      expect(new Set(cands.map((c) => c.articleIndex)).size, lang).toBe(48);
    }
    expect(stats.totals).toEqual({ questions: 13090, paragraphs: 2640, candidates: 13014 });
    expect(stats.languages.th!.candidates).toBe(852);
  });

  it('gives every XQuAD-R question exactly 11 relevant candidates, one per language', () => {
    expect(xquad.answersByQuestion.size).toBe(1190);
    for (const byLang of xquad.answersByQuestion.values()) expect([...byLang.keys()]).toEqual([...XQUAD_R_LANGUAGES]);
    // the answer-sentence index is not parallel: only 544 (th) to 1141 (vi) questions match English
    const sameAsEn = (lang: Lang) => [...xquad.answersByQuestion.values()].filter((m) => xquad.candidates[m.get(lang)!]!.sentenceIndex === xquad.candidates[m.get('en')!]!.sentenceIndex).length;
    expect(sameAsEn('th')).toBe(544);
    expect(sameAsEn('vi')).toBe(1141);
  });

  it('counts MLQA-R as PROVENANCE §2 does', () => {
    expect(mlqa.languages).toEqual([...MLQA_R_LANGUAGES]);
    const stats = datasetStats(mlqa);
    for (const lang of MLQA_R_LANGUAGES) {
      const [articles, paragraphs, questions, candidates, distinct] = MLQA[lang]!;
      expect(stats.languages[lang], lang).toEqual({ questions, paragraphs, candidates });
      const cands = mlqa.candidates.filter((c) => c.lang === lang);
      expect(new Set(cands.map((c) => c.articleIndex)).size, lang).toBe(articles);
      expect(new Set(cands.map((c) => c.text)).size, lang).toBe(distinct);
    }
    expect(stats.totals).toEqual({ questions: 4199, paragraphs: 3646, candidates: 20534 });
  });

  it('reproduces the MLQA-R id overlap: 1148 ids, 820 in 4 languages, 263 in 3, 65 in 2, the §2.2 matrix', () => {
    expect(mlqa.answersByQuestion.size).toBe(1148);
    expect(count([...mlqa.answersByQuestion.values()], (m) => String(m.size))).toEqual({ '2': 65, '3': 263, '4': 820 });
    for (const m of mlqa.answersByQuestion.values()) expect(m.has('en')).toBe(true);
    const matrix = MLQA_R_LANGUAGES.map((x) => MLQA_R_LANGUAGES.map((y) => mlqa.queries.filter((q) => q.lang === x && mlqa.answersByQuestion.get(q.questionId)!.has(y)).length));
    expect(matrix).toEqual(MLQA_OVERLAP);
  });

  it('records the published SHA-256 of every file', () => {
    for (const ds of [xquad, mlqa]) {
      for (const f of ds.files) {
        const lang = path.basename(f.name, '.json') as Lang;
        expect(f.name).toBe(`${ds.name}/${lang}.json`);
        expect(f.sha256.slice(0, 16), f.name).toBe(SHA_PREFIX[ds.name][lang]);
        expect(f.sha256, f.name).toBe(expectedSha256(ds.name, lang));
      }
    }
    expect(xquad.files.find((f) => f.name === 'xquad-r/en.json')!.bytes).toBe(628651);
    expect(mlqa.files.find((f) => f.name === 'mlqa-r/ar.json')!.bytes).toBe(3329081);
  });

  it('keeps the 59 leading BOMs of XQuAD-R contexts inside the first sentence', () => {
    const bom = xquad.paragraphs.filter((p) => p.context.startsWith('\uFEFF'));
    expect(bom).toHaveLength(59);
    expect(bom.filter((p) => p.lang === 'en')).toHaveLength(0);
    for (const n of Object.values(count(bom, (p) => p.lang))) expect(n >= 2 && n <= 9).toBe(true);
    for (const p of bom) expect(xquad.candidates[p.firstCandidate]!.text.startsWith('\uFEFF')).toBe(true);
  });

  it('slices the context, not the shifted `sentences` of xquad-r/tr data[9].paragraphs[3]', async () => {
    const doc = JSON.parse(new TextDecoder().decode(await raw('xquad-r', 'tr'))) as RawDoc;
    const rawPara = doc.data[9]!.paragraphs[3]!;
    const para = xquad.paragraphs.find((p) => p.lang === 'tr' && p.articleIndex === 9 && p.paragraphIndex === 3)!;
    expect(para.title).toBe('Victoria_(Australia)');
    const sentences = xquad.candidates.slice(para.firstCandidate, para.firstCandidate + para.candidateCount);
    expect(sentences[2]!.text.endsWith('dönüştürülmüştü')).toBe(true);
    expect(sentences[3]!.text.startsWith('. İki')).toBe(true);
    expect(sentences[3]!.text.endsWith('göstermektedi')).toBe(true);
    expect(sentences.map((c) => c.text)).not.toEqual(rawPara.sentences);
    sentences.forEach((c, i) => expect(c.text).toBe(rawPara.context.slice(...rawPara.sentence_breaks[i]!)));
  });

  it('agrees with the `sentences` field everywhere else', async () => {
    for (const ds of [xquad, mlqa]) {
      for (const lang of ds.languages) {
        const doc = JSON.parse(new TextDecoder().decode(await raw(ds.name, lang))) as RawDoc;
        const expected = doc.data.flatMap((a, ai) => a.paragraphs.flatMap((p, pi) => (ds.name === 'xquad-r' && lang === 'tr' && ai === 9 && pi === 3 ? [] : p.sentences)));
        const actual = ds.candidates.filter((c) => c.lang === lang && !(ds.name === 'xquad-r' && lang === 'tr' && c.articleIndex === 9 && c.paragraphIndex === 3));
        expect(
          actual.map((c) => c.text),
          `${ds.name}/${lang}`,
        ).toEqual(expected);
      }
    }
  });

  it('keeps the "forced fumbles" annotation as it is: answer in sentence 0', () => {
    const en = xquad.queries.find((q) => q.id === 'en:56d6f3500d65d21400198293')!;
    expect(en.text).toBe('How many forced fumbles did Thomas Davis have?');
    const answer = xquad.candidates[en.answer]!;
    expect(answer.sentenceIndex).toBe(0);
    expect(answer.text).toContain('four Pro Bowl selections');
    expect(xquad.paragraphs[en.paragraph]!.firstCandidate).toBe(en.answer);
  });

  it('loads from the folder and serves a subset of languages', async () => {
    const ds = await loadDatasetFromDir(dir, 'mlqa-r', ['zh', 'de']);
    expect(ds.languages).toEqual(['de', 'zh']);
    expect(ds.candidates).toHaveLength(2362 + 2322);
    expect(ds.candidates.map((c) => c.id)).toEqual(mlqa.candidates.filter((c) => c.lang === 'de' || c.lang === 'zh').map((c) => c.id));
  });

  // A fake fetch that serves the local files where the public URLs point.
  const localFetch =
    (corrupt?: string): FetchFn =>
    async (url) => {
      const [name, file] = url.split('/').slice(-2) as [DatasetName, string];
      const bytes = await raw(name, path.basename(file, '.json') as Lang);
      if (`${name}/${file}` === corrupt) bytes[1000] = bytes[1000]! ^ 1;
      return { ok: true, status: 200, statusText: 'OK', arrayBuffer: async () => bytes.buffer };
    };

  it('downloads through an injected fetch, verified against the published hashes', async () => {
    const files = await fetchDatasetFiles('mlqa-r', [...MLQA_R_LANGUAGES], localFetch());
    expect(files.map((f) => f.name)).toEqual(MLQA_R_LANGUAGES.map((l) => `mlqa-r/${l}.json`));
    const ds = await parseDataset('mlqa-r', files);
    expect(ds.files).toEqual(mlqa.files);
    expect(ds.candidates).toHaveLength(20534);
  });

  it('names the corrupted file of a download', async () => {
    await expect(fetchDatasetFiles('xquad-r', ['en', 'tr', 'zh'], localFetch('xquad-r/tr.json'))).rejects.toThrow(
      /^xquad-r\/tr\.json: sha256: downloaded 827827 bytes from \S+ hash to [0-9a-f]{64}, expected f3e8c13002bbce154a4578f535f7533cb70f3da08840e6b62735935baec7bd94$/,
    );
  });
});
