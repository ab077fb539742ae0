import { mkdtemp, mkdir, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { Writable } from 'node:stream';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { sha256Hex } from '../../core/data/sha256';
import { sharedDataDir } from '../../core/testing/sharedData.testutil';
import { main } from '../main';

function sink() {
  let text = '';
  const stream = new Writable({
    write(chunk, _enc, cb) {
      text += String(chunk);
      cb();
    },
  });
  return { stream, text: () => text };
}

/** Runs the CLI, returning exit code, stdout and stderr. */
async function run(args: string[]) {
  let stdout = '';
  const spy = vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
    stdout += String(chunk);
    return true;
  });
  const err = sink();
  try {
    const code = await main(args, err.stream);
    return { code, stdout, stderr: err.text() };
  } finally {
    spy.mockRestore();
  }
}

/** A tiny XQuAD-R file: one article, one paragraph of `sentences`, one question per entry of `answers`. */
function tinyFile(sentences: string[], answers: number[]): string {
  const breaks: [number, number][] = [];
  let at = 0;
  for (const s of sentences) {
    breaks.push([at, at + s.length]);
    at += s.length + 1;
  }
  const qas = answers.map((s, i) => ({ id: `q${i}`, question: `question ${i}?`, answers: [{ answer_start: breaks[s]![0], text: sentences[s]!.slice(0, 1) }] }));
  return JSON.stringify({ version: '1.1', data: [{ title: 'T', paragraphs: [{ context: sentences.join(' '), sentence_breaks: breaks, qas }] }] });
}

describe('xlir data stats', () => {
  let dir: string;
  const files: Record<string, string> = {
    en: tinyFile(['One.', 'Two.', 'Three.'], [0, 2]),
    de: tinyFile(['Eins.', 'Zwei.'], [0, 1]),
  };
  beforeAll(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'xlir-stats-'));
    await mkdir(path.join(dir, 'xquad-r'));
    for (const [lang, text] of Object.entries(files)) await writeFile(path.join(dir, 'xquad-r', `${lang}.json`), text);
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });
  afterEach(() => {
    vi.restoreAllMocks();
  });

  it('prints per-language counts, totals and file hashes as JSON', async () => {
    const r = await run(['--json', 'data', 'stats', '--dataset', 'xquad-r', '--data', dir, '--languages', 'en,de']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const sha = async (lang: string) => sha256Hex(new TextEncoder().encode(files[lang]));
    expect(JSON.parse(r.stdout)).toEqual({
      dataset: 'xquad-r',
      files: { 'xquad-r/de.json': await sha('de'), 'xquad-r/en.json': await sha('en') },
      languages: { de: { questions: 2, paragraphs: 1, candidates: 2 }, en: { questions: 2, paragraphs: 1, candidates: 3 } },
      totals: { questions: 4, paragraphs: 2, candidates: 5 },
    });
  });

  it('prints a table, marking files that differ from the published ones', async () => {
    const r = await run(['data', 'stats', '--dataset', 'xquad-r', '--data', dir, '--languages', 'en']);
    expect(r.code).toBe(0);
    const sha = await sha256Hex(new TextEncoder().encode(files.en));
    expect(r.stdout).toBe([`xquad-r from ${dir}`, 'lang   questions  paragraphs  candidates  sha256', `en             2           1           3  ${sha} (differs from the published file)`, 'total          2           1           3', ''].join('\n'));
  });

  it('exits 1 with one line naming the missing file and where datasets come from', async () => {
    const r = await run(['data', 'stats', '--dataset', 'xquad-r', '--data', dir]);
    expect(r.code).toBe(1);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(new RegExp(`^xlir: cannot read ${path.join(dir, 'xquad-r')}/[a-z]{2}\\.json \\(ENOENT\\); datasets are read from --data DIR or XLIR_DATA_DIR`));
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
  });

  it('exits 1 naming file and field of a malformed file', async () => {
    await writeFile(path.join(dir, 'xquad-r', 'tr.json'), '{"data": []}');
    const r = await run(['data', 'stats', '--dataset', 'xquad-r', '--data', dir, '--languages', 'tr']);
    expect(r.code).toBe(1);
    expect(r.stderr).toBe('xlir: xquad-r/tr.json: data: has no articles\n');
  });

  it.each([
    [['data', 'stats', '--dataset', 'squad'], "xlir: option '--dataset <name>' argument 'squad' is invalid. --dataset must be one of xquad-r, mlqa-r (got \"squad\")\n"],
    [['data', 'stats', '--dataset', 'mlqa-r', '--languages', 'en,th'], 'xlir: --languages: mlqa-r has no language "th" (it has ar, de, en, es, hi, vi, zh)\n'],
    [['data', 'stats', '--dataset', 'mlqa-r', '--languages', 'en,english'], 'xlir: option \'--languages <list>\' argument \'en,english\' is invalid. --languages takes comma-separated language codes (got "english" in "en,english")\n'],
    [['data', 'stats'], "xlir: required option '--dataset <name>' not specified\n"],
  ])('exits 2 on a usage error: %j', async (args, message) => {
    const r = await run(args);
    expect(r.code).toBe(2);
    expect(r.stderr).toBe(message);
    expect(r.stdout).toBe('');
  });

  it('reports the totals of the real MLQA-R files', async () => {
    sharedDataDir('mlqa-r');
    const r = await run(['data', 'stats', '--dataset', 'mlqa-r', '--json']);
    expect(r.code).toBe(0);
    const stats = JSON.parse(r.stdout) as { totals: unknown; languages: Record<string, unknown>; files: Record<string, string> };
    expect(stats.totals).toEqual({ questions: 4199, paragraphs: 3646, candidates: 20534 });
    expect(stats.languages.en).toEqual({ questions: 1148, paragraphs: 978, candidates: 6264 });
    expect(stats.files['mlqa-r/en.json']).toBe('fedd9a5cc0848dda80caf84aa36f482adaae230526a3f6e9e86926a93ef3b1e4');
  });
});
