/**
 * What a results row says about where its model came from (issue 20, item 6a). A trained run is labelled
 * by its strategy and the evaluated step, and names the model it fine-tuned. An imported checkpoint is
 * labelled by what the checkpoint itself records — never by the run form, whose strategy and step it
 * merely borrowed for its config:
 *  - a foreign (HF-layout) checkpoint: its base model, no strategy, no step;
 *  - a checkpoint saved by a run (its manifest carries that run's config): the run's strategy, and the
 *    step its folder was saved at (`<run>-step-<N>`).
 */
import type { RunConfig, StrategyKind } from '../experiment/runConfig';
import type { RunOrigin } from '../experiment/notebook';
import { fileSlug } from './fileName';

const STRATEGY_NAMES: Record<StrategyKind, string> = {
  'xx-mono': 'X-X-mono',
  xy: 'X-Y',
  hybrid: 'Hybrid',
  xx: 'X-X',
  adversarial: 'Adversarial',
};

/** `Hybrid`, `X-X-mono`, … (the paper's names, §4). */
export function strategyKindName(kind: StrategyKind): string {
  return STRATEGY_NAMES[kind];
}

/** `Hybrid α=0.5`, `Adversarial λmax=1`, `X-Y` (the paper's names, §4). */
export function strategyName(strategy: RunConfig['strategy']): string {
  const base = STRATEGY_NAMES[strategy.kind];
  if (strategy.kind === 'hybrid') return `${base} α=${strategy.alpha}`;
  if (strategy.kind === 'adversarial') return `${base} λmax=${strategy.lambdaMax}`;
  return base;
}

export type { RunOrigin };

/** The parts of a run record the labels read. */
export interface RunLabelInput {
  name: string;
  config: Pick<RunConfig, 'strategy'> & { model: { builtin?: string; checkpoint?: string } };
  /** only the count matters: an imported run has no training log */
  logs: readonly unknown[];
  /** recorded when the run was added; inferred for notebooks saved before it was ({@link inferRunOrigin}) */
  origin?: RunOrigin;
}

/** No label holds a comma: the CSV stays splittable by naive readers. */
export interface RunLabels {
  /** the model fine-tuned or evaluated: `multilingual`, `My XLM-R (imported)`, `multilingual fine-tune (imported)` */
  model: string;
  /** null when no strategy trained this model here */
  strategy: string | null;
  /** null when the step is not known */
  step: number | null;
}

const IMPORTED_PREFIX = 'imported ';

/** The storage key an import writes (`models/<slug>-<base36 time>`) → a readable model name. */
function modelName(model: RunLabelInput['config']['model']): string {
  if (model.builtin) return model.builtin;
  const key = model.checkpoint ?? '';
  const imported = /^models\/(.+)-[0-9a-z]+$/.exec(key);
  if (imported) return imported[1]!;
  const saved = /^runs\/([^/]+)\/step-(\d+)$/.exec(key);
  if (saved) return `${saved[1]} step ${saved[2]}`;
  return key.split('/').filter(Boolean).pop() ?? 'checkpoint';
}

/**
 * The recorded origin, or for a record saved before origins were recorded, a best-effort guess: a record with a training log was trained; one without was
 * imported, from a foreign folder when its config points at that very import (`models/<slug of the
 * folder>-…`: the run form's config, borrowed), else from a run's checkpoint (its own config).
 */
export function inferRunOrigin(run: RunLabelInput): RunOrigin {
  if (run.origin) return run.origin;
  if (run.logs.length > 0) return { kind: 'trained' };
  const folder = run.name.startsWith(IMPORTED_PREFIX) ? run.name.slice(IMPORTED_PREFIX.length) : run.name;
  const key = run.config.model.checkpoint ?? '';
  const own = key.startsWith(`models/${fileSlug(folder)}-`) && /^[0-9a-z]+$/.test(key.slice(`models/${fileSlug(folder)}-`.length));
  if (own) return { kind: 'hf-import', baseModel: folder };
  const step = /-step-(\d+)$/.exec(folder);
  return { kind: 'run-checkpoint', step: step ? Number(step[1]) : null };
}

/**
 * @param evaluatedStep the step of the evaluation shown (a trained run's own step)
 * @returns the model, strategy and step columns of the run's results row
 */
export function runLabels(run: RunLabelInput, evaluatedStep: number): RunLabels {
  const origin = inferRunOrigin(run);
  switch (origin.kind) {
    case 'trained':
      return { model: modelName(run.config.model), strategy: strategyName(run.config.strategy), step: evaluatedStep };
    case 'hf-import':
      return { model: `${origin.baseModel} (imported)`, strategy: null, step: null };
    case 'run-checkpoint':
      return { model: `${modelName(run.config.model)} fine-tune (imported)`, strategy: strategyName(run.config.strategy), step: origin.step };
  }
}
