/**
 * Test support (not a test): a small LAReQA-format dataset generated from a seed and parsed by the real
 * parser, with the awkward cases of the real data built in — questions missing in some languages (MLQA-R),
 * two questions sharing one answer sentence, one-sentence paragraphs, and sentence texts that repeat
 * across paragraphs. Each question and its answer sentence share a "topic" word that is the same in every
 * language, so a bag-of-words encoder can learn the task and the loss falls.
 */
import { parseDataset } from '../data/parseDataset';
import type { Lang } from '../data/languages';
import type { RetrievalDataset } from '../data/types';
import { Mulberry32 } from '../metrics/rng';

export interface ToyDatasetOptions {
  languages: Lang[];
  /** paragraphs per language */
  paragraphs: number;
  seed: number;
  /** probability that a non-English language lacks a question (MLQA-R style); default 0.2 */
  dropRate?: number;
}

interface ToyQuestion {
  id: string;
  sentence: number;
}

const isShared = (p: number, s: number) => p % 4 === 2 && s === 0;
const topic = (p: number, s: number) => (isShared(p, s) ? 'shared' : `topic${p}x${s}`);

/** The toy dataset's files (`<lang>.json` in the LAReQA format), e.g. to write a data folder for CLI tests. */
export function makeToyFiles(options: ToyDatasetOptions): { name: string; bytes: Uint8Array }[] {
  const rng = new Mulberry32(options.seed);
  const dropRate = options.dropRate ?? 0.2;
  // One shared paragraph layout; each language renders it with its own filler words.
  const layout: { sentences: number; qas: ToyQuestion[] }[] = [];
  let q = 0;
  for (let p = 0; p < options.paragraphs; p++) {
    const sentences = p % 7 === 3 ? 1 : 2 + rng.int(4);
    const qas: ToyQuestion[] = [];
    const nq = 1 + rng.int(3);
    for (let k = 0; k < nq; k++) qas.push({ id: `q${q++}`, sentence: rng.int(sentences) });
    // two questions sharing an answer sentence
    if (p % 5 === 1) qas.push({ id: `q${q++}`, sentence: qas[0]!.sentence });
    layout.push({ sentences, qas });
  }
  const dropped = new Set<string>();
  for (const lang of options.languages) {
    if (lang === 'en') continue;
    for (const { qas } of layout) for (const qa of qas) if (rng.bernoulli(dropRate)) dropped.add(`${lang}:${qa.id}`);
  }
  const files = options.languages.map((lang) => {
    const paragraphs = layout.map(({ sentences, qas }, p) => {
      const texts: string[] = [];
      for (let s = 0; s < sentences; s++) {
        // sentence 0 of every 4th paragraph is the same text in every such paragraph (duplicate candidates)
        if (isShared(p, s)) texts.push(`${lang}w0 shared ${lang}w1.`);
        else texts.push(`${lang}w${rng.int(20)} ${topic(p, s)} ${lang}w${rng.int(20)} ${lang}w${rng.int(20)}.`);
      }
      const breaks: [number, number][] = [];
      let at = 0;
      for (const t of texts) {
        breaks.push([at, at + t.length]);
        at += t.length + 1;
      }
      return {
        context: texts.join(' '),
        sentences: texts,
        sentence_breaks: breaks,
        qas: qas
          .filter((qa) => !dropped.has(`${lang}:${qa.id}`))
          .map((qa) => ({
            id: qa.id,
            question: `${lang}w${rng.int(20)} ${lang}ask ${topic(p, qa.sentence)} ${lang}w${rng.int(20)}?`,
            answers: [{ answer_start: breaks[qa.sentence]![0], text: texts[qa.sentence]!.slice(0, 1) }],
          })),
      };
    });
    const doc = { version: '1.1', data: [{ title: 'Toy', paragraphs }] };
    return { name: `${lang}.json`, bytes: new TextEncoder().encode(JSON.stringify(doc)) };
  });
  return files;
}

/** The toy dataset parsed as MLQA-R (question ids may be missing in some languages). */
export async function makeToyDataset(options: ToyDatasetOptions): Promise<RetrievalDataset> {
  return parseDataset('mlqa-r', makeToyFiles(options), { languages: options.languages });
}
