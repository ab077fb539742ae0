/**
 * The zero-shot scores of the built-in multilingual model against the same architecture from a random
 * start (issue 19), rendered from the result files in experiments/pretrain/results/ into the model card
 * (public/models/multilingual/MODEL_CARD.md, between its `results` markers) and into bench/RESULTS.md
 * (section "Built-in multilingual model, zero-shot"). multilingualModel.test.ts checks that both files hold
 * exactly what the result files give, so no figure is typed by hand.
 *
 *   npx tsx bench/multilingualModel.ts      # after writing the result files (commands in the model card)
 */
import { readdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { resolveDataDir } from '../src/cli/dataDir';
import { loadDatasetFromDir } from '../src/cli/loadDataset';
import { chanceLevels } from '../src/core/metrics/chanceLevel';
import { mergeSections } from './results';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
export const RESULTS_DIR = path.join(ROOT, 'experiments/pretrain/results');
export const MODEL_CARD = path.join(ROOT, 'public/models/multilingual/MODEL_CARD.md');
export const BENCH_RESULTS = path.join(ROOT, 'bench/RESULTS.md');
export const SECTION = 'Built-in multilingual model, zero-shot';
const START = '<!-- results:start (bench/multilingualModel.ts) -->';
const END = '<!-- results:end -->';

interface Cell {
  map: number;
  n: number;
}
/** `xlir --json evaluate` output (the result without per-query values) */
interface EvaluateSummary {
  dataset: string;
  languages: string[];
  dim: number;
  mono: { map: number; cells: Record<string, Cell> };
  cross: { map: number; cells: Record<string, Cell> };
  multi: { map: number; rank_distance: number; per_language: Record<string, { map: number }> };
}
/** `xlir --json align` output */
interface AlignSummary {
  meanPrecisionAt1: number;
  perLanguage: { lang: string; n: number; precisionAt1: number; chance: number }[];
}
/** `chance.json`: the query-blind expectation of a cell's mAP, from the candidate pool (see chanceLevels) */
interface Chance {
  /** mean over cross cells of H_N / N, N the target language's candidates */
  cross: number;
  mono: number;
}

export interface ModelResults {
  pretrained: EvaluateSummary;
  /** the same weights stored as float32 (the shipped file is float16) */
  pretrainedF32: EvaluateSummary;
  random: EvaluateSummary;
  alignPretrained: AlignSummary;
  alignRandom: AlignSummary;
  chance: Chance;
  /** the run's checkpoints evaluated the same way (`steps/xquad-r.step-N.json`), by step */
  steps: { step: number; result: EvaluateSummary }[];
}

export async function readModelResults(dir = RESULTS_DIR): Promise<ModelResults> {
  const read = async <T>(name: string) => JSON.parse(await readFile(path.join(dir, name), 'utf8')) as T;
  return {
    pretrained: await read('xquad-r.pretrained.json'),
    pretrainedF32: await read('xquad-r.pretrained-f32.json'),
    random: await read('xquad-r.random.json'),
    alignPretrained: await read('align.pretrained.json'),
    alignRandom: await read('align.random.json'),
    chance: await read('chance.json'),
    steps: await Promise.all(
      (await readdir(path.join(dir, 'steps')))
        .map((name) => ({ name, step: Number(/^xquad-r\.step-(\d+)\.json$/.exec(name)?.[1]) }))
        .filter((f) => Number.isInteger(f.step))
        .sort((a, b) => a.step - b.step)
        .map(async (f) => ({ step: f.step, result: await read<EvaluateSummary>(`steps/${f.name}`) })),
    ),
  };
}

const pct = (x: number) => (100 * x).toFixed(2);
const ratio = (a: number, b: number) => `${(a / b).toFixed(1)}×`;

/** Mean cross mAP of the cells whose query language is `lang`. */
function crossAsQuery(r: EvaluateSummary, lang: string): number {
  const cells = Object.entries(r.cross.cells).filter(([k]) => k.startsWith(`${lang}->`));
  return cells.reduce((s, [, c]) => s + c.map, 0) / cells.length;
}

export function renderResults(r: ModelResults): string {
  const langs = r.pretrained.languages;
  const p1 = new Map(r.alignPretrained.perLanguage.map((l) => [l.lang, l]));
  const p1r = new Map(r.alignRandom.perLanguage.map((l) => [l.lang, l]));
  const lines = [
    `XQuAD-R, all ${langs.length} languages, the project's protocol (\`xlir evaluate\`: "Query: " / "Passage: " prefixes, the sentence alone,`,
    'macro means over cells), mAP × 100. "Random start" is the same architecture and tokenizer with the seeded initial weights',
    '(`xlir pretrain --init-only`). Chance is the query-blind expectation H_N / N of a cell with one relevant among N candidates,',
    `averaged over the cells; question translation P@1 has chance 1/${r.alignPretrained.perLanguage[0]!.n}.`,
    '',
    '| setting | pretrained | random start | ratio | chance |',
    '|---|---:|---:|---:|---:|',
    `| cross (${Object.keys(r.pretrained.cross.cells).length} cells) | ${pct(r.pretrained.cross.map)} | ${pct(r.random.cross.map)} | ${ratio(r.pretrained.cross.map, r.random.cross.map)} | ${pct(r.chance.cross)} |`,
    `| mono (${Object.keys(r.pretrained.mono.cells).length} cells) | ${pct(r.pretrained.mono.map)} | ${pct(r.random.mono.map)} | ${ratio(r.pretrained.mono.map, r.random.mono.map)} | ${pct(r.chance.mono)} |`,
    `| multi (${Object.keys(r.pretrained.multi.per_language).length} query languages) | ${pct(r.pretrained.multi.map)} | ${pct(r.random.multi.map)} | ${ratio(r.pretrained.multi.map, r.random.multi.map)} | |`,
    `| question → English P@1 × 100, mean of ${r.alignPretrained.perLanguage.length} | ${pct(r.alignPretrained.meanPrecisionAt1)} | ${pct(r.alignRandom.meanPrecisionAt1)} | ${ratio(r.alignPretrained.meanPrecisionAt1, r.alignRandom.meanPrecisionAt1)} | ${pct(r.alignPretrained.perLanguage[0]!.chance)} |`,
    '',
    "Per language: question translation P@1 (the language's questions against the English ones) and cross mAP with the",
    'language as the query side (mean of its 10 cells), × 100.',
    '',
    '| language | P@1 pretrained | P@1 random start | cross mAP pretrained | cross mAP random start | cross ratio |',
    '|---|---:|---:|---:|---:|---:|',
    ...langs.map((l) => {
      const a = p1.get(l);
      const b = p1r.get(l);
      const c = crossAsQuery(r.pretrained, l);
      const d = crossAsQuery(r.random, l);
      return `| ${l} | ${a ? pct(a.precisionAt1) : '–'} | ${b ? pct(b.precisionAt1) : '–'} | ${pct(c)} | ${pct(d)} | ${ratio(c, d)} |`;
    }),
    '',
    "Over the pretraining: the run's checkpoints (float32), evaluated the same way, mAP × 100. The learning rate decayed to 0",
    'at steps 3,000, 6,000 and 9,000; each `--resume --steps N` restarted the linear decay from a higher rate (see Recipe).',
    '',
    `| step | ${r.steps.map((s) => s.step.toLocaleString('en')).join(' | ')} |`,
    `|---|${r.steps.map(() => '---:').join('|')}|`,
    `| cross | ${r.steps.map((s) => pct(s.result.cross.map)).join(' | ')} |`,
    `| mono | ${r.steps.map((s) => pct(s.result.mono.map)).join(' | ')} |`,
    `| cross ÷ random start | ${r.steps.map((s) => ratio(s.result.cross.map, r.random.cross.map)).join(' | ')} |`,
    '',
    `Float16 storage: the shipped float16 weights score cross ${pct(r.pretrained.cross.map)} / mono ${pct(r.pretrained.mono.map)} / multi ${pct(r.pretrained.multi.map)};`,
    `the same weights in float32 score ${pct(r.pretrainedF32.cross.map)} / ${pct(r.pretrainedF32.mono.map)} / ${pct(r.pretrainedF32.multi.map)}.`,
  ];
  return lines.join('\n');
}

/** The card with its results block replaced. */
export function cardWithResults(card: string, block: string): string {
  const a = card.indexOf(START);
  const b = card.indexOf(END);
  if (a < 0 || b < a) throw new Error(`${MODEL_CARD} has no ${START} … ${END} block`);
  return `${card.slice(0, a + START.length)}\n${block}\n${card.slice(b)}`;
}

export function resultsWithSection(results: string, block: string): string {
  const first = results.search(/^## /m);
  const preamble = (first < 0 ? results : results.slice(0, first)).trimEnd();
  return mergeSections(results, preamble, [{ heading: SECTION, body: `Measured by the commands in [the model card](../public/models/multilingual/MODEL_CARD.md); rendered by bench/multilingualModel.ts.\n\n${block}` }]);
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const dataDir = resolveDataDir();
  if (dataDir === null) throw new Error('set XLIR_DATA_DIR (the chance levels are computed from the XQuAD-R pool)');
  const { mono, cross } = chanceLevels(await loadDatasetFromDir(dataDir, 'xquad-r'));
  const chance: Chance = { mono, cross: cross! };
  await writeFile(path.join(RESULTS_DIR, 'chance.json'), `${JSON.stringify(chance, null, 2)}\n`);
  const block = renderResults(await readModelResults());
  await writeFile(MODEL_CARD, cardWithResults(await readFile(MODEL_CARD, 'utf8'), block));
  await writeFile(BENCH_RESULTS, resultsWithSection(await readFile(BENCH_RESULTS, 'utf8'), block));
  console.log(block);
}
