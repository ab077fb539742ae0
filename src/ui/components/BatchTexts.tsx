import { useEffect, useState } from 'react';
import type { RunRecord } from '../../core/experiment/notebook';
import type { BatchTextsEvent } from '../../core/experiment/protocol';
import { computeClient } from '../actions/compute';
import { inspectStep } from '../actions/figures';

/**
 * The texts of one batch. The log keeps only pair counts; the compute worker re-derives the batch by
 * replaying the run's seeded sampler on the loaded training data (`core/figures/batchTexts.ts`).
 */
export function BatchTexts({ run, step }: { run: RunRecord; step: number }) {
  const [state, setState] = useState<{ texts?: BatchTextsEvent; error?: string } | null>(null);
  useEffect(() => {
    let alive = true;
    setState(null);
    computeClient()
      .request({ type: 'batch/texts', config: run.config, step })
      .then((texts) => alive && setState({ texts }))
      .catch((err: unknown) => alive && setState({ error: err instanceof Error ? err.message : String(err) }));
    return () => {
      alive = false;
    };
  }, [run.config, step]);
  return (
    <div className="batch-texts" data-testid="batch-texts">
      <h5>
        step {step} batch{state?.texts ? ` · ${state.texts.kind} · ${state.texts.triplets.length} triplets` : ''}
        <button type="button" aria-label="close batch" onClick={() => inspectStep(run.id, null)}>
          ×
        </button>
      </h5>
      {!state && <p className="hint">re-deriving the batch from the sampler…</p>}
      {state?.error && <p className="error">{state.error}</p>}
      {state?.texts && (
        <table className="results batch-table">
          <thead>
            <tr>
              <th>q→p</th>
              <th>query</th>
              <th>positive passage</th>
              <th>hard negative</th>
            </tr>
          </thead>
          <tbody>
            {state.texts.triplets.map((t, i) => (
              <tr key={i}>
                <td className="pair">
                  {t.queryLang}→{t.passageLang}
                </td>
                <td lang={t.queryLang} dir="auto">
                  {t.query}
                </td>
                <td lang={t.passageLang} dir="auto">
                  {t.positive}
                </td>
                <td lang={t.passageLang} dir="auto" className="muted">
                  {t.negative}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </div>
  );
}
