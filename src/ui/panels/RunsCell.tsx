import { memo, useMemo, useState } from 'react';
import { useShallow } from 'zustand/react/shallow';
import { STRATEGY_KINDS, type StrategyKind } from '../../core/experiment/runConfig';
import { BackendSelect } from '../components/BackendSelect';
import { lastLoggedStep, latestCheckpoint, type RunRecord } from '../../core/experiment/notebook';
import { runColor } from '../../core/figures/palette';
import { inferRunOrigin, runLabels } from '../../core/figures/runLabels';
import { useAppStore } from '../store/store';
import { deleteRun, launchRun, pauseRun, resumeRun, setRunDraft, stopRun } from '../actions/runs';
import { strategyKindLabel } from '../actions/runDraft';
import { runBadge, timingSummary } from '../actions/runUpdates';
import { SAMPLED_EVALUATION } from '../../core/train/sampledEvaluation';
import { applyPreset } from '../actions/applyPreset';
import { launchBlockers, launchSummary } from '../actions/launchBlockers';
import { PRESETS } from '../actions/presets';
import { downloadCheckpoint } from '../actions/checkpoints';
import { downloadTorchProject } from '../actions/torchExport';
import { downloadTrecFiles } from '../actions/trecExport';
import { toggleRunVisible } from '../actions/figures';
import { LossCurves } from '../components/LossCurves';
import { BiasOverTraining } from '../components/BiasOverTraining';
import { BatchPanel } from '../components/BatchPanel';

function NumberField({ label, value, onChange, step, min, testId, title }: { label: string; value: number; onChange: (v: number) => void; step?: number; min?: number; testId?: string; title?: string }) {
  return (
    <label className="field" title={title}>
      <span>{label}</span>
      <input type="number" value={value} step={step ?? 1} min={min ?? 0} aria-label={label} data-testid={testId} onChange={(e) => onChange(Number(e.target.value))} />
    </label>
  );
}

/**
 * The chunked backward (the config's `backwardChunkRows`, issue 25): a number, or empty for the whole batch.
 * An automatic choice for a large imported model (runDraft.ts, withAutomaticBackwardChunk) shows its reason.
 */
function BackwardChunkField({ rows, auto }: { rows: number | null; auto: string | null }) {
  return (
    <label
      className="field"
      title="backpropagate at most this many sequences at a time: the same updates up to float rounding, one more forward pass per step, and the memory of one chunk instead of the whole batch (a large model's batch then fits the 4 GiB wasm heap); empty = the whole batch"
    >
      {/* short enough for one line of the grid: read with the number, "backward in chunks of 16" */}
      <span>backward in chunks of</span>
      <input
        type="number"
        min={1}
        step={1}
        placeholder="whole batch"
        aria-label="backward in chunks of N sequences"
        data-testid="backward-chunk-rows"
        data-auto={auto !== null}
        value={rows ?? ''}
        onChange={(e) => setRunDraft({ backwardChunkRows: e.target.value === '' ? null : Number(e.target.value), backwardChunkAuto: null })}
      />
    </label>
  );
}

/** One line under the form: why the chunked backward exists, or why the form chose it. */
function backwardChunkNote(rows: number | null, auto: string | null): string {
  if (auto !== null && rows !== null) return `backward in chunks of ${rows} sequences, set automatically: ${auto}; empty the field to backpropagate the whole batch`;
  return 'backward in chunks: less memory for the same updates (a large model at batch 32 fits the 4 GiB wasm heap), one more forward pass per step; empty = the whole batch';
}

function RunForm() {
  const draft = useAppStore((s) => s.runDraft);
  const data = useAppStore((s) => s.data);
  const dataStatus = useAppStore((s) => s.dataStatus);
  const dataLoad = useAppStore((s) => s.dataLoad);
  const model = useAppStore((s) => s.model);
  const modelStatus = useAppStore((s) => s.modelStatus);
  const [error, setError] = useState<string | null>(null);
  const blockers = useMemo(() => launchBlockers({ runDraft: draft, data, dataStatus, dataLoad, model, modelStatus }), [draft, data, dataStatus, dataLoad, model, modelStatus]);
  const summary = useMemo(() => launchSummary({ runDraft: draft, data, model }), [draft, data, model]);
  const launch = async () => {
    setError(null);
    // the button is disabled while blocked; this covers a submit that raced a change
    const now = launchBlockers(useAppStore.getState());
    if (now.length) {
      setError(now.join('; '));
      return;
    }
    try {
      await launchRun();
    } catch (err) {
      setError(err instanceof Error ? err.message : String(err));
    }
  };
  return (
    <form
      className="run-form"
      onSubmit={(e) => {
        e.preventDefault();
        void launch();
      }}
      data-testid="run-form"
    >
      <div className="form-grid">
        <label className="field">
          <span>preset</span>
          <select aria-label="preset" value={draft.preset} onChange={(e) => void applyPreset(e.target.value)} title="also selects the preset's model and data (and loads that data when data is loaded)">
            {[...PRESETS.keys()].map((p) => (
              <option key={p} value={p}>
                {p}
              </option>
            ))}
          </select>
        </label>
        <label className="field">
          <span>strategy</span>
          <select aria-label="strategy" data-testid="strategy" value={draft.strategy} onChange={(e) => setRunDraft({ strategy: e.target.value as StrategyKind })}>
            {STRATEGY_KINDS.map((k) => (
              <option key={k} value={k}>
                {strategyKindLabel(k)}
              </option>
            ))}
          </select>
        </label>
        {draft.strategy === 'hybrid' && <NumberField label="α (mono prob.)" value={draft.alpha} step={0.05} onChange={(alpha) => setRunDraft({ alpha })} />}
        {draft.strategy === 'adversarial' && <NumberField label="λ max" value={draft.lambdaMax} step={0.1} onChange={(lambdaMax) => setRunDraft({ lambdaMax })} />}
        <NumberField label="steps" value={draft.steps} min={1} onChange={(steps) => setRunDraft({ steps })} testId="steps" />
        <NumberField label="batch size" value={draft.batchSize} min={2} onChange={(batchSize) => setRunDraft({ batchSize })} />
        <NumberField label="τ" value={draft.tau} step={0.01} onChange={(tau) => setRunDraft({ tau })} />
        <NumberField label="lr" value={draft.lr} step={0.0001} onChange={(lr) => setRunDraft({ lr })} />
        <NumberField label="seed" value={draft.seed} onChange={(seed) => setRunDraft({ seed })} />
        <BackendSelect label="run backend" className="field" value={draft.backend} onChange={(backend) => setRunDraft({ backend })} />
        <NumberField label="checkpoint every" value={draft.checkpointEvery} min={1} onChange={(checkpointEvery) => setRunDraft({ checkpointEvery })} testId="checkpoint-every" />
        <NumberField label="full eval every (0 = end)" value={draft.evalEvery} onChange={(evalEvery) => setRunDraft({ evalEvery })} />
        <NumberField
          label="sampled eval every"
          value={draft.sampledEvalEvery}
          onChange={(sampledEvalEvery) => setRunDraft({ sampledEvalEvery })}
          testId="sampled-eval-every"
          title={`steps between sampled evaluations for the live heatmap (0 = none): an estimate on a fixed sample of ${SAMPLED_EVALUATION.questions} questions and small candidate pools (≤ ${SAMPLED_EVALUATION.maxTexts.toLocaleString('en')} texts embedded each time; its mAP runs higher than the full one). The full evaluation at the end is exact.`}
        />
        <BackwardChunkField rows={draft.backwardChunkRows} auto={draft.backwardChunkAuto} />
      </div>
      <p className="muted" data-testid="backward-chunk-note">
        {backwardChunkNote(draft.backwardChunkRows, draft.backwardChunkAuto)}
      </p>
      <p className="muted" data-testid="launch-summary">
        {summary}
      </p>
      <div className="form-row">
        <button type="submit" className="primary" data-testid="launch-run" disabled={blockers.length > 0} title={blockers.join('\n')}>
          Launch run
        </button>
        {error && <span className="error">{error}</span>}
      </div>
      {blockers.length > 0 && (
        <ul className="error" data-testid="launch-blockers">
          {blockers.map((b) => (
            <li key={b}>{b}</li>
          ))}
        </ul>
      )}
    </form>
  );
}

/** `evaluated as imported · xlm-roberta-base (imported)`, `… · Hybrid α=0.5 · saved at step 250` */
function importedSummary(run: RunRecord): string {
  const labels = runLabels(run, 0);
  return ['evaluated as imported', labels.model, labels.strategy, labels.step !== null ? `saved at step ${labels.step}` : null].filter(Boolean).join(' · ');
}

/**
 * One run's card. It reads its own run and runtime from the store, so a flush of another run's logs does
 * not re-render it (a flush keeps the objects of the runs it does not touch; issue 20, item 9).
 */
const RunCard = memo(function RunCard({ runId, index }: { runId: string; index: number }) {
  const run = useAppStore((s) => s.runs.find((r) => r.id === runId));
  if (!run) return null;
  return <RunCardOf run={run} index={index} />;
});

function RunCardOf({ run, index }: { run: RunRecord; index: number }) {
  const runtime = useAppStore((s) => s.runtime[run.id]);
  const hidden = useAppStore((s) => s.figures.hiddenRunIds.includes(run.id));
  const [error, setError] = useState<string | null>(null);
  const [exporting, setExporting] = useState(false);
  const step = lastLoggedStep(run);
  const live = run.status === 'running' || run.status === 'queued';
  const last = run.logs[run.logs.length - 1];
  const checkpoint = latestCheckpoint(run)?.step ?? null;
  // An imported checkpoint was not trained here: its card says what it is, not the run form's step count.
  const imported = inferRunOrigin(run).kind !== 'trained';
  const badge = runBadge(run.status, runtime?.stopRequest);
  const stopping = live && !!runtime?.stopRequest;
  return (
    <div className="run-card" data-testid="run-card" data-run-id={run.id} data-status={run.status} data-step={step} data-checkpoint={checkpoint ?? ''} data-backend={runtime?.backend ?? ''} data-stopping={stopping ? runtime?.stopRequest : undefined}>
      <div className="run-head">
        <span className="swatch" style={{ background: runColor(index) }} />
        <strong>{run.name}</strong>
        <span className={`badge ${badge.className}`} data-testid="run-badge">
          {badge.label}
        </span>
        <span className="muted">
          {imported ? importedSummary(run) : `step ${step} / ${run.config.steps}`}
          {runtime?.backend ? ` · ${runtime.backend}` : ''}
          {run.config.backwardChunkRows !== undefined ? ` · backward in chunks of ${run.config.backwardChunkRows}` : ''}
          {runtime?.stepsPerSecond ? ` · ${runtime.stepsPerSecond.toFixed(2)} steps/s` : ''}
          {live && runtime?.detail ? ` · ${runtime.detail}` : ''}
          {last ? ` · loss ${last.loss.toFixed(3)}` : ''}
          {checkpoint !== null ? ` · checkpoint @${checkpoint}` : ''}
        </span>
        <span className="spacer" />
        <label className="muted">
          <input type="checkbox" checked={!hidden} onChange={() => toggleRunVisible(run.id)} /> show
        </label>
        {run.status === 'running' && (
          <button type="button" onClick={() => pauseRun(run.id)} data-testid="pause-run" disabled={stopping}>
            pause
          </button>
        )}
        {(run.status === 'paused' || run.status === 'stopped' || run.status === 'failed') && step < run.config.steps && (
          <button type="button" onClick={() => void resumeRun(run.id)} data-testid="resume-run">
            resume
          </button>
        )}
        {live && (
          <button type="button" onClick={() => stopRun(run.id)} disabled={runtime?.stopRequest === 'stop'} title="ends the step or evaluation batch in progress, saves a checkpoint and stops">
            stop
          </button>
        )}
        <button type="button" disabled={run.checkpoints.length === 0} data-testid="download-checkpoint" onClick={() => downloadCheckpoint(run).catch((err: unknown) => setError(err instanceof Error ? err.message : String(err)))}>
          checkpoint .zip
        </button>
        <button
          type="button"
          disabled={run.checkpoints.length === 0 || exporting}
          data-testid="export-trec"
          data-busy={exporting}
          title="qrels and run files of the latest checkpoint on the evaluation data, all settings, for trec_eval / xlir eval"
          onClick={() => {
            setError(null);
            setExporting(true);
            downloadTrecFiles(run)
              .catch((err: unknown) => setError(err instanceof Error ? err.message : String(err)))
              .finally(() => setExporting(false));
          }}
        >
          {exporting ? 'TREC files…' : 'TREC files'}
        </button>
        <button
          type="button"
          data-testid="export-torch"
          title="a runnable PyTorch project of this run (same examples, batches, loss, optimiser and start weights) to train on GPUs; its checkpoints load back here"
          onClick={() => {
            setError(null);
            downloadTorchProject(run).catch((err: unknown) => setError(err instanceof Error ? err.message : String(err)));
          }}
        >
          Export for PyTorch
        </button>
        <button
          type="button"
          onClick={() => {
            if (window.confirm(`Delete ${run.name} and its checkpoints?`)) void deleteRun(run.id);
          }}
        >
          delete
        </button>
      </div>
      {runtime?.recovered && (
        <p className="muted" data-testid="run-recovered">
          recovered: {runtime.recovered}
        </p>
      )}
      {runtime?.timing && (
        <p className="muted" data-testid="run-timing" title="wall time of this worker session; sampled evaluations are estimates for the live heatmap, the full evaluation is exact">
          time: {timingSummary(runtime.timing)}
        </p>
      )}
      {/* scaled, not resized: a new step then repaints the bar without laying out the card again */}
      {!imported && (
        <div className="progress">
          <div style={{ transform: `scaleX(${Math.min(1, step / run.config.steps)})`, background: runColor(index) }} />
        </div>
      )}
      {run.error && <p className="error">{run.error}</p>}
      {runtime?.storageError && (
        <p className="error" data-testid="storage-error">
          {runtime.storageError}
        </p>
      )}
      {error && <p className="error">{error}</p>}
      <BatchPanel run={run} />
    </div>
  );
}

/** Runs: configure and launch runs (one worker each), control them, and watch their batches and losses. */
export function RunsCell() {
  const runIds = useAppStore(useShallow((s) => s.runs.map((r) => r.id)));
  return (
    <section className="cell" aria-labelledby="runs-title" data-testid="runs-cell">
      <h2 id="runs-title">Runs</h2>
      <RunForm />
      <div className="run-list">
        {runIds.map((id, i) => (
          <RunCard key={id} runId={id} index={i} />
        ))}
      </div>
      <h3>Loss curves</h3>
      <LossCurves />
      <BiasOverTraining />
    </section>
  );
}
