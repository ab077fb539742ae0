/**
 * Helpers shared by the tests of the evaluation commands: run the CLI in-process, and write tiny
 * LAReQA-format dataset files.
 */
import { mkdir, mkdtemp, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { Writable } from 'node:stream';
import { vi } from 'vitest';
import { main } from '../main';

/**
 * Runs the CLI, returning exit code, stdout, stderr (the error line `main` writes) and info (what
 * commands write to process.stderr: notes and progress).
 */
export async function runCli(args: string[]): Promise<{ code: number; stdout: string; stderr: string; info: string }> {
  let stdout = '';
  const spy = vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
    stdout += String(chunk);
    return true;
  });
  let info = '';
  const infoSpy = vi.spyOn(process.stderr, 'write').mockImplementation((chunk: string | Uint8Array) => {
    info += String(chunk);
    return true;
  });
  let stderr = '';
  const err = new Writable({
    write(chunk, _enc, cb) {
      stderr += String(chunk);
      cb();
    },
  });
  try {
    const code = await main(args, err);
    return { code, stdout, stderr, info };
  } finally {
    spy.mockRestore();
    infoSpy.mockRestore();
  }
}

/** A LAReQA file: one article, one paragraph of `sentences`, questions `[id, answer sentence]`. */
export function lareqaFile(sentences: string[], questions: [string, number][]): string {
  const breaks: [number, number][] = [];
  let at = 0;
  for (const s of sentences) {
    breaks.push([at, at + s.length]);
    at += s.length + 1;
  }
  const qas = questions.map(([id, s]) => ({ id, question: `${id}?`, answers: [{ answer_start: breaks[s]![0], text: sentences[s]!.slice(0, 1) }] }));
  return JSON.stringify({ version: '1.1', data: [{ title: 'T', paragraphs: [{ context: sentences.join(' '), sentence_breaks: breaks, qas }] }] });
}

/** The hand-worked example of `core/metrics/evaluateRetrieval.test.ts`, as MLQA-R files and embeddings. */
export const HAND_FILES = {
  en: lareqaFile(
    ['Ee zero.', 'Ee one.', 'Ee two.'],
    [
      ['q1', 0],
      ['q2', 2],
      ['q3', 1],
    ],
  ),
  de: lareqaFile(
    ['De zero.', 'De one.'],
    [
      ['q1', 1],
      ['q2', 0],
    ],
  ),
};
export const HAND_EMBEDDINGS = {
  queries: { 'de:q1': [1, 0], 'de:q2': [0, 1], 'en:q1': [1, 0], 'en:q2': [0, 1], 'en:q3': [1, 2] },
  candidates: { 'de:0:0:0': [2, 0], 'de:0:0:1': [0, 2], 'en:0:0:0': [1, 0], 'en:0:0:1': [0, 1], 'en:0:0:2': [1, 1] },
};

/**
 * A temporary data folder holding the hand dataset as `mlqa-r/<lang>.json` and its embeddings as
 * `emb.json` (`HAND_FILES`, `HAND_EMBEDDINGS`); the caller removes it.
 */
export async function writeHandDataDir(prefix: string): Promise<string> {
  const dir = await mkdtemp(path.join(os.tmpdir(), prefix));
  await mkdir(path.join(dir, 'mlqa-r'));
  for (const [lang, text] of Object.entries(HAND_FILES)) await writeFile(path.join(dir, 'mlqa-r', `${lang}.json`), text);
  await writeFile(path.join(dir, 'emb.json'), JSON.stringify(HAND_EMBEDDINGS));
  return dir;
}
