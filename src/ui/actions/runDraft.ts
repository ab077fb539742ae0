/**
 * The Runs cell's form: a preset (`experiments/*.json`) plus the fields a researcher changes most, turned
 * into a full, validated run config with the Data cell's datasets and the Model cell's encoder.
 */
import type { DataSelection, ModelChoice } from '../../core/experiment/notebook';
import { parseRunConfig, type RunConfig, type StrategyKind } from '../../core/experiment/runConfig';
import type { BackendPreference } from '../../core/model/backendNames';
import { isPretrainedModel } from '../../core/model/builtinConfigs';
import type { ActivationShape } from '../../core/model/memoryEstimate';
import { automaticBackwardChunkRows } from '../../core/train/automaticBackwardChunkRows';

export interface RunDraft {
  /** preset name (file name without `.json`) */
  preset: string;
  strategy: StrategyKind;
  /** hybrid: probability of a monolingual batch */
  alpha: number;
  /** adversarial: λ_max of the DANN schedule */
  lambdaMax: number;
  steps: number;
  batchSize: number;
  tau: number;
  lr: number;
  seed: number;
  checkpointEvery: number;
  /** full evaluation every N steps (0 = only at the end) */
  evalEvery: number;
  /** sampled evaluation every N steps for the live heatmap (0 = never) */
  sampledEvalEvery: number;
  backend: BackendPreference;
  /** backpropagate at most this many sequences at a time (the config's `backwardChunkRows`); null: the whole batch */
  backwardChunkRows: number | null;
  /** why the form chose `backwardChunkRows` itself (a large imported model), shown beside it; null when the researcher did */
  backwardChunkAuto: string | null;
}

/** The draft a preset suggests. */
export function draftFromPreset(name: string, preset: RunConfig): RunDraft {
  const s = preset.strategy;
  return {
    preset: name,
    strategy: s.kind,
    alpha: s.kind === 'hybrid' ? s.alpha : 0.5,
    lambdaMax: s.kind === 'adversarial' ? s.lambdaMax : 1,
    steps: preset.steps,
    batchSize: preset.batchSize,
    tau: preset.tau,
    lr: preset.lr,
    seed: preset.seed,
    checkpointEvery: preset.checkpointEvery,
    evalEvery: preset.evalEvery,
    sampledEvalEvery: Math.max(1, Math.round(preset.steps / 10)),
    backend: 'auto',
    backwardChunkRows: preset.backwardChunkRows ?? null,
    backwardChunkAuto: null,
  };
}

/**
 * The draft after the Model cell loaded a model of `architecture` (null: a built-in, all small): a large
 * model whose whole batch would not fit the wasm heap gets the chunked backward, with the reason shown in
 * the form ({@link automaticBackwardChunkRows}); an earlier automatic choice is redone or cleared. A value
 * the researcher typed is kept.
 */
export function withAutomaticBackwardChunk(draft: RunDraft, preset: RunConfig, architecture: ActivationShape | null): RunDraft {
  if (draft.backwardChunkRows !== null && draft.backwardChunkAuto === null) return draft;
  const auto = architecture ? automaticBackwardChunkRows(architecture, { batchSize: draft.batchSize, maxLength: preset.model.maxLength }) : null;
  return { ...draft, backwardChunkRows: auto?.rows ?? null, backwardChunkAuto: auto?.reason ?? null };
}

/** Hidden size of the discriminator when a non-adversarial preset is switched to adversarial. */
const DEFAULT_DISCRIMINATOR_HIDDEN = 64;

function strategyOf(draft: RunDraft, preset: RunConfig): RunConfig['strategy'] {
  switch (draft.strategy) {
    case 'hybrid':
      return { kind: 'hybrid', alpha: draft.alpha };
    case 'adversarial':
      return preset.strategy.kind === 'adversarial'
        ? { ...preset.strategy, lambdaMax: draft.lambdaMax }
        : { kind: 'adversarial', lambdaMax: draft.lambdaMax, discriminatorHidden: DEFAULT_DISCRIMINATOR_HIDDEN, sampler: 'xx-mono', discriminatorDropout: 0.1, weight: 1 };
    default:
      return { kind: draft.strategy };
  }
}

/**
 * @returns the run config: the preset with the draft's fields, the Data cell's train/eval data and the
 *   Model cell's encoder; the warm-up is shortened to at most a tenth of the run
 * @throws DataFormatError (file "run form") naming the first bad field
 */
export function draftToConfig(draft: RunDraft, preset: RunConfig, data: DataSelection, model: ModelChoice): RunConfig {
  const { vocabSize, builtin: _b, checkpoint: _c, ...modelRest } = preset.model;
  // the form's field decides: empty is the whole batch, whatever the preset said
  const { backwardChunkRows: _chunks, ...presetRest } = preset;
  // the pretrained built-in and a checkpoint bring their tokenizer; a random-init one trains its own, of the
  // preset's vocabulary size (else the tokenizer trainer's default)
  const modelConfig =
    model.kind === 'checkpoint' ? { ...modelRest, checkpoint: model.key } : isPretrainedModel(model.config) ? { ...modelRest, builtin: model.config } : { ...modelRest, builtin: model.config, ...(vocabSize !== undefined ? { vocabSize } : {}) };
  return parseRunConfig(
    {
      ...presetRest,
      seed: draft.seed,
      model: modelConfig,
      data: { ...preset.data, train: { dataset: data.train.dataset, languages: data.train.languages }, eval: { dataset: data.eval.dataset, languages: data.eval.languages } },
      strategy: strategyOf(draft, preset),
      steps: draft.steps,
      batchSize: draft.batchSize,
      tau: draft.tau,
      lr: draft.lr,
      warmupSteps: Math.min(preset.warmupSteps, Math.floor(draft.steps / 10)),
      checkpointEvery: draft.checkpointEvery,
      evalEvery: draft.evalEvery,
      ...(draft.backwardChunkRows !== null ? { backwardChunkRows: draft.backwardChunkRows } : {}),
    },
    'run form',
  );
}

// One spelling of the strategies' names, the results tables' (core/figures/runLabels.ts).
export { strategyName as strategyLabel, strategyKindName as strategyKindLabel } from '../../core/figures/runLabels';
