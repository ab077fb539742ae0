import { PanelFrame } from './PanelFrame';
import { memo, useMemo } from 'react';
import { useShallow } from 'zustand/react/shallow';
import { runColor } from '../../core/figures/palette';
import { useAppStore } from '../store/store';
import { selectVisibleRuns } from '../store/selectors';
import { biasPanelModel, biasPanels, type BiasPanelModel, type BiasRunInput } from './biasOverTraining';
import { useThrottled } from './useThrottled';

/** While runs train, the panels are redrawn at most this often (ms), as the loss curves are. */
const LIVE_REDRAW_MS = 1500;

const BiasPanelSvg = memo(function BiasPanelSvg({ model: m, id }: { model: BiasPanelModel; id: string }) {
  const { x0, x1, y0, y1 } = m.box;
  return (
    <PanelFrame model={m}>
      <clipPath id={`${id}-clip`}>
        <rect x={x0 - 4} y={y1 - 4} width={x1 - x0 + 8} height={y0 - y1 + 8} />
      </clipPath>
      <g clipPath={`url(#${id}-clip)`}>
        {m.references.map((r, i) => (
          // the probe's majority baseline: what it scores when the embeddings say nothing of the language
          <line key={`ref${i}`} className="reference" data-value={r.value} x1={x0} x2={x1} y1={r.y} y2={r.y} stroke="#888" strokeWidth={1} strokeDasharray="2 3">
            <title>{r.label}</title>
          </line>
        ))}
        {m.series.map((s, i) => (
          // sampled: a line with dots; full: open circles (exact, on the whole evaluation set); step: a line
          <g key={i} className="series" data-name={s.name} data-kind={s.kind}>
            {s.d && <path d={s.d} fill="none" stroke={s.color} strokeWidth={s.kind === 'full' ? 1 : 1.5} strokeDasharray={s.kind === 'full' ? '4 3' : undefined} />}
            {s.markers.map((p, j) => (
              <circle key={j} cx={p.x} cy={p.y} r={s.kind === 'full' ? 4 : 2.2} fill={s.kind === 'full' ? '#ffffff' : s.color} stroke={s.color} strokeWidth={1.5}>
                <title>{`${s.name}, step ${p.step}: ${p.value.toPrecision(4)}`}</title>
              </circle>
            ))}
          </g>
        ))}
      </g>
    </PanelFrame>
  );
});

/**
 * Bias over training (issue 23, items 5 and 6): multi mAP and rank distance of every evaluation of the
 * visible runs against the step, for adversarial runs how large the adversary's gradient at the encoder
 * is beside the retrieval loss's (‖g_adv‖ / ‖g_ret‖, measured every 10th step), and how well a held-out
 * linear probe reads the query's language from its embedding, against its majority baseline.
 */
export function BiasOverTraining() {
  const runs = useAppStore(useShallow(selectVisibleRuns));
  const allRuns = useAppStore((s) => s.runs);
  const training = useAppStore((s) => s.runs.some((r) => r.status === 'running' || r.status === 'queued'));
  const inputs: BiasRunInput[] = useMemo(
    () => runs.filter((r) => r.evaluations.length > 0 || r.logs.some((l) => l.grad_ratio !== undefined)).map((r) => ({ id: r.id, name: r.name, color: runColor(allRuns.indexOf(r)), logs: r.logs, evaluations: r.evaluations })),
    [runs, allRuns],
  );
  const drawn = useThrottled(inputs, training ? LIVE_REDRAW_MS : 0);
  const models = useMemo(() => biasPanels(drawn).map((p) => ({ key: p.key, title: p.title, empty: p.series.length === 0, model: biasPanelModel(p) })), [drawn]);
  // The panels appear with their first drawing, in its frame: shown with `inputs`, their frames came with
  // the first evaluation's own re-render (the Results cell's first heatmap), in one long task (issue 20, item 9).
  return (
    <>
      <h3>Bias over training</h3>
      <figure className="figure" data-testid="bias-over-training">
        {drawn.length === 0 ? (
          <p className="empty-figure" data-testid="bias-empty">
            No evaluations yet: mAP and rank distance over the steps appear with a visible run’s first evaluation (sampled during training, full at the end).
          </p>
        ) : (
          <>
            <p className="muted">
              dots joined: sampled evaluations (estimates; mAP runs high) · open circles: full evaluations · ‖g_adv‖ / ‖g_ret‖: the adversarial term’s gradient norm at the encoder over the retrieval loss’s (adversarial runs, every 10th step) ·
              language-ID probe: a linear classifier trained on the query embeddings of some questions, scored on the others; dotted grey: its majority baseline (the embeddings hide the language)
            </p>
            <div className="small-multiples" data-testid="bias-plot">
              {models.map((p) => (
                <div key={p.key} className={`loss-panel${p.empty ? ' empty' : ''}`}>
                  <div className="plotly-figure" data-testid={`bias-panel-${p.key}`} data-mode="svg" data-drawn={p.model.series.length || undefined}>
                    <BiasPanelSvg model={p.model} id={`bias-${p.key}`} />
                  </div>
                  {p.empty && (
                    <p className="empty-panel" data-testid={`bias-panel-${p.key}-empty`}>
                      {p.key === 'grad_ratio' ? 'no visible adversarial run has measured it yet' : p.key === 'probe' ? 'no evaluation of two or more languages has recorded a probe yet' : `${p.title}: no evaluation yet`}
                    </p>
                  )}
                </div>
              ))}
            </div>
          </>
        )}
      </figure>
    </>
  );
}
