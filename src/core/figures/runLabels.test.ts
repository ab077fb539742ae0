import { describe, expect, it } from 'vitest';
import { inferRunOrigin, runLabels, strategyName, type RunLabelInput } from './runLabels';

const hybrid = { kind: 'hybrid', alpha: 0.5 } as const;

function run(over: Partial<RunLabelInput>): RunLabelInput {
  return { name: 'Hybrid α=0.5', config: { strategy: hybrid, model: { builtin: 'multilingual' } }, logs: [{}], ...over };
}

describe('run labels of the results table', () => {
  it('label a trained run by its strategy and evaluated step, naming the model it fine-tuned', () => {
    expect(runLabels(run({}), 250)).toEqual({ model: 'multilingual', strategy: 'Hybrid α=0.5', step: 250 });
    expect(runLabels(run({ config: { strategy: { kind: 'xy' }, model: { checkpoint: 'models/my-xlmr-m1abc2' } } }), 10)).toEqual({ model: 'my-xlmr', strategy: 'X-Y', step: 10 });
    expect(strategyName({ kind: 'adversarial', lambdaMax: 1, sampler: 'xx' } as never)).toBe('Adversarial λmax=1');
  });

  it('label a foreign (HF) import by its base model, not by the run form it borrowed', () => {
    // the record model.ts writes: the run form's config (Hybrid α=0.5), pointing at the import itself
    const imported = run({ name: 'imported My XLM-R', logs: [], config: { strategy: hybrid, model: { checkpoint: 'models/my-xlm-r-m4k2x9' } } });
    expect(inferRunOrigin(imported)).toEqual({ kind: 'hf-import', baseModel: 'My XLM-R' });
    expect(runLabels(imported, 0)).toEqual({ model: 'My XLM-R (imported)', strategy: null, step: null });
  });

  it('label a re-imported run checkpoint by its own strategy and the step it was saved at', () => {
    const reimported = run({ name: 'imported hybrid-alpha-0.5-step-6', logs: [] });
    expect(inferRunOrigin(reimported)).toEqual({ kind: 'run-checkpoint', step: 6 });
    expect(runLabels(reimported, 0)).toEqual({ model: 'multilingual fine-tune (imported)', strategy: 'Hybrid α=0.5', step: 6 });
  });

  it('prefer an origin the record states', () => {
    expect(runLabels(run({ logs: [], origin: { kind: 'hf-import', baseModel: 'xlm-roberta-base' } }), 0)).toEqual({ model: 'xlm-roberta-base (imported)', strategy: null, step: null });
  });
});
