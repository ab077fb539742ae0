/**
 * A finished study folder as `xlir study run` leaves it (choices, options, and for every kept run its
 * config, step log and evaluation, and the chosen try's validation result), with results from random embeddings
 * on a two-language hand dataset: for the tests of `xlir study build`.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { parseRunConfig } from '../../core/experiment/runConfig';
import { runName, STUDY_ARMS, STUDY_DIRECTIONS, STUDY_SEEDS, trySettings } from '../../core/experiment/studyPlan';
import { evaluateRetrieval } from '../../core/metrics/evaluateRetrieval';
import { handDataset } from '../../core/metrics/handDataset';
import { createRng } from '../../core/metrics/rng';
import { TEST_RUN_CONFIG } from '../../core/testing/runConfigFixture.testutil';
import { stepLog } from '../../core/testing/stepLog.testutil';
import { TEST_STEPS_FILE, type ArmChoice } from './studyRun';

const DATA = handDataset('xquad-r', {
  en: {
    sentences: ['e0', 'e1', 'e2', 'e3'],
    questions: [
      ['q1', 0],
      ['q2', 2],
      ['q3', 1],
      ['q4', 3],
    ],
  },
  de: {
    sentences: ['d0', 'd1', 'd2', 'd3'],
    questions: [
      ['q1', 1],
      ['q2', 0],
      ['q3', 3],
      ['q4', 2],
    ],
  },
});

/** A finished study folder as `xlir study run` leaves it, with random-embedding results. */
export async function writeFakeStudy(root: string): Promise<void> {
  const choices: ArmChoice[] = [];
  let seedNo = 0;
  for (const direction of STUDY_DIRECTIONS) {
    for (const arm of STUDY_ARMS) {
      const settings = trySettings(arm, 0.05);
      choices.push({
        direction,
        arm,
        chosen: 1,
        tries: settings.map((setting, i) => ({ setting, run: runName(direction, arm, i + 1, STUDY_SEEDS[0]), validation: { 'mono.map': 0.1 * i, 'cross.map': 0, 'multi.map': 0 }, score: (0.1 * i) / 3 })),
      });
      for (const seed of STUDY_SEEDS) {
        const dir = path.join(root, runName(direction, arm, 2, seed));
        await mkdir(dir, { recursive: true });
        // the adversarial arm trains the X-X-mono arm's batches with the adversary (the pair the probe verdict compares)
        const strategy = arm === 'adversarial' ? { kind: 'adversarial', lambdaMax: 0.1, discriminatorHidden: 8, sampler: 'xx-mono', discriminatorDropout: 0.1, weight: 1 } : arm === 'xx-mono' ? { kind: 'xx-mono' } : TEST_RUN_CONFIG.strategy;
        await writeFile(path.join(dir, 'config.json'), JSON.stringify(parseRunConfig({ ...TEST_RUN_CONFIG, seed, strategy, steps: 400 }, 't')));
        // logged at steps 10 and 400 of 400, as the example study's prose cites them
        const log = (step: number, seconds: number) => stepLog(step, { seconds, ...(arm === 'adversarial' ? { grad_ratio: (step === 10 ? 0.01 : 0.02) + seedNo / 1000 } : {}) });
        // every run was resumed after step 1: its second process logged step 2 at 20 s (50 s of training in all)
        await writeFile(path.join(dir, 'log.jsonl'), `${JSON.stringify(log(10, 30))}\n${JSON.stringify(log(400, 20))}\n`);
        const rng = createRng(++seedNo);
        const vec = (n: number) => Float32Array.from({ length: n * 4 }, () => rng.float() - 0.5);
        const evaluate = async (probeAccuracy: number) => ({
          ...(await evaluateRetrieval(DATA, { queries: vec(DATA.queries.length), candidates: vec(DATA.candidates.length), dim: 4 })),
          probe: { accuracy: probeAccuracy, majority: 0.5, train_accuracy: 1, per_language: { de: { accuracy: probeAccuracy, n: 2 }, en: { accuracy: probeAccuracy, n: 2 } }, n_train: 4, n_test: 4, seed: 1, l2: 1 },
        });
        // the evaluation at the last step, and at the earlier checkpoint (step 100) without per-query values
        const r = await evaluate(arm === 'adversarial' ? 0.5 + seedNo / 100 : 0.75);
        await writeFile(path.join(dir, 'test.json'), JSON.stringify(r));
        const { per_query, top_retrieved, ...earlier } = await evaluate(0.9);
        await writeFile(path.join(dir, TEST_STEPS_FILE), `${JSON.stringify({ step: 100, result: earlier })}\n`);
      }
      // the chosen try's validation result (tries train on the first seed), which the tuning table's chance
      // level is read from; the other try's folder is left out so the study keeps 36 runs
      {
        const dir = path.join(root, runName(direction, arm, 2, STUDY_SEEDS[0]), 'validation');
        await mkdir(dir, { recursive: true });
        const r = await evaluateRetrieval(DATA, { queries: new Float32Array(DATA.queries.length * 4).fill(1), candidates: new Float32Array(DATA.candidates.length * 4).fill(1), dim: 4 });
        await writeFile(path.join(dir, 'step-2.json'), JSON.stringify(r));
      }
    }
  }
  await writeFile(path.join(root, 'choices.json'), JSON.stringify(choices));
  await writeFile(path.join(root, 'study-options.json'), JSON.stringify({ steps: 2, model: 'tiny', lr: 0.005, validationFraction: 0.1 }));
}
