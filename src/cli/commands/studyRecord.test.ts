/**
 * examples/study-runs/ holds committed study records (`xlir study run` folders without weights or full
 * results): every run in them must be a run of the study's plan, and every file a later sitting or
 * `xlir study build` reads must parse, so a record that would break the study is caught before it lands.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseRunConfigJson } from '../../core/experiment/runConfig';
import { parseStudyOptions, STUDY_ARMS, STUDY_DIRECTIONS, STUDY_SEEDS, studyRunConfig, type StudyArm, type StudyDirection } from '../../core/experiment/studyPlan';
import { parsePackedResult, unpackResult } from '../../core/experiment/studyResults';
import { parseRetrievalResult } from '../../core/metrics/resultSchema';
import { readPreset, STUDY_OPTIONS_FILE, TEST_PACKED_FILE } from './studyRun';

const ROOT = 'examples/study-runs';
const RUN = /^try-([12])-seed-(\d+)$/;
const records = readdirSync(ROOT, { withFileTypes: true }).filter((e) => e.isDirectory() && existsSync(path.join(ROOT, e.name, STUDY_OPTIONS_FILE)));

describe('examples/study-runs', () => {
  it('holds the example study’s record (the multilingual model)', () => {
    expect(records.map((r) => r.name)).toContain('multilingual');
  });

  for (const record of records) {
    it(`${record.name}: every run is one of the plan, and every committed result parses`, async () => {
      const root = path.join(ROOT, record.name);
      const optionsFile = path.join(root, STUDY_OPTIONS_FILE);
      const options = parseStudyOptions(JSON.parse(readFileSync(optionsFile, 'utf8')), optionsFile);
      let runs = 0;
      for (const direction of readdirSync(root, { withFileTypes: true }).filter((e) => e.isDirectory())) {
        expect(STUDY_DIRECTIONS).toContain(direction.name);
        for (const arm of readdirSync(path.join(root, direction.name))) {
          expect(STUDY_ARMS).toContain(arm);
          const preset = await readPreset('experiments', direction.name as StudyDirection, arm as StudyArm);
          for (const run of readdirSync(path.join(root, direction.name, arm), { withFileTypes: true }).filter((e) => e.isDirectory())) {
            const dir = path.join(root, direction.name, arm, run.name);
            const [, , seed] = RUN.exec(run.name) ?? [];
            expect(seed, `${dir}: a run folder of the plan`).toBeDefined();
            expect(STUDY_SEEDS).toContain(Number(seed));
            const config = parseRunConfigJson(readFileSync(path.join(dir, 'config.json'), 'utf8'), path.join(dir, 'config.json'));
            const setting = { tau: config.tau, ...(config.strategy.kind === 'adversarial' ? { lambdaMax: config.strategy.lambdaMax } : {}) };
            expect(config, dir).toEqual(studyRunConfig(preset, arm as StudyArm, setting, Number(seed), options));
            const validation = path.join(dir, 'validation', `step-${options.steps}.json`);
            if (existsSync(validation)) parseRetrievalResult(readFileSync(validation, 'utf8'), validation);
            const packed = path.join(dir, TEST_PACKED_FILE);
            if (existsSync(packed)) {
              expect(existsSync(validation), `${dir}: evaluated, so trained to the end`).toBe(true);
              const result = unpackResult(parsePackedResult(readFileSync(packed, 'utf8'), packed));
              expect(result.dataset).toBe(config.data.eval.dataset);
              expect(result.languages).toEqual(config.data.eval.languages);
            }
            runs += 1;
          }
        }
      }
      expect(runs).toBeGreaterThan(0);
    });
  }
});
