/**
 * Paired significance tests for the figures: looked up in the notebook's significance cache by a hash of
 * their inputs, else computed in the stats worker (never the compute worker, so tests and checkpoint
 * imports do not wait for each other), with progress in the store; the result goes into the cache, which
 * is saved with the notebook.
 */
import type { Evaluation, RunRecord } from '../../core/experiment/notebook';
import { cacheSignificance, hasSignificanceFor } from '../../core/experiment/significanceCache';
import { COMPARISON_SETTINGS } from '../../core/metrics/compareRetrieval';
import type { RetrievalResult } from '../../core/metrics/resultSchema';
import { significanceKey } from '../../core/metrics/significanceKey';
import { CancelledError } from '../../core/errors';
import { useAppStore } from '../store/store';
import type { ComparisonStatus } from '../store/figuresSlice';
import { comparisonKey } from '../store/selectors';
import { StatsWorkerClient } from '../workers/statsWorkerClient';

let client: StatsWorkerClient | null = null;

/** The stats worker's client, started on the first test. */
function statsClient(): StatsWorkerClient {
  client ??= new StatsWorkerClient();
  return client;
}

/** The Results cell's difference heatmap: one figure, so a new pair of runs supersedes the last. */
export const RESULTS_DIFFERENCE_SLOT = 'results-difference';

function setStatus(figure: string, status: ComparisonStatus | undefined): void {
  useAppStore.setState((s) => {
    const { [figure]: _old, ...rest } = s.comparisons;
    return { comparisons: status ? { ...rest, [figure]: status } : rest };
  });
}

const messageOf = (err: unknown) => (err instanceof Error ? err.message : String(err));

export interface ShowComparison {
  /** the store key the figure reads its status under */
  figure: string;
  /** the figure's place on the page: a newer request from the same slot cancels this one */
  slot: string;
  /** both results with per-query APs, or why they cannot be tested; called after the render that asked */
  load: () => { a: RetrievalResult; b: RetrievalResult } | string;
  /** only show cached tests, never compute (a figure that already shows stored tests) */
  cacheOnly?: boolean;
}

/**
 * Shows the tests of `load().a` against `load().b` under `figure`, unless it already has a status: from the
 * cache when it holds these exact inputs and settings, else (unless `cacheOnly`) computed in the stats
 * worker. A superseded request leaves no status behind, so the figure asks again when it is shown again.
 */
export function showComparison({ figure, slot, load, cacheOnly = false }: ShowComparison): void {
  const state = useAppStore.getState();
  if (state.comparisons[figure]) return;
  if (cacheOnly && !hasSignificanceFor(state.significance, figure)) return;
  // A figure with stored tests is looked up first: "running" only shows once a computation starts, so a
  // reload that finds its tests in the notebook does not flash a progress line.
  const stored = hasSignificanceFor(state.significance, figure);
  if (!cacheOnly && !stored) setStatus(figure, { state: 'running' });
  // Unpacking and hashing ~100k per-query values is a task of its own, after the render that asked.
  setTimeout(() => {
    let loaded: ReturnType<ShowComparison['load']>;
    try {
      loaded = load();
    } catch (err) {
      loaded = messageOf(err);
    }
    if (typeof loaded === 'string') {
      if (!cacheOnly) setStatus(figure, { state: 'failed', message: loaded });
      return;
    }
    const { a, b } = loaded;
    const key = significanceKey(a, b, COMPARISON_SETTINGS);
    const hit = useAppStore.getState().significance[key];
    if (hit) {
      setStatus(figure, { state: 'done', comparison: hit.comparison, cached: true });
      return;
    }
    if (cacheOnly) return;
    if (stored) setStatus(figure, { state: 'running' });
    statsClient()
      .compare({
        slot,
        key,
        a,
        b,
        settings: COMPARISON_SETTINGS,
        onProgress: (done, total) => {
          if (useAppStore.getState().comparisons[figure]?.state === 'running') setStatus(figure, { state: 'running', done, total });
        },
      })
      .then((comparison) =>
        useAppStore.setState((s) => ({
          comparisons: { ...s.comparisons, [figure]: { state: 'done', comparison } },
          significance: cacheSignificance(s.significance, key, { figure, ...COMPARISON_SETTINGS, comparison }),
        })),
      )
      .catch((err: unknown) => setStatus(figure, err instanceof CancelledError ? undefined : { state: 'failed', message: messageOf(err) }));
  }, 0);
}

/** Starts the comparison of `a` against `b` for the Results cell unless it is shown or running. Both need per-query APs. */
export function requestComparison(a: RunRecord, ea: Evaluation, b: RunRecord, eb: Evaluation): void {
  showComparison({
    figure: comparisonKey(a, ea, b, eb),
    slot: RESULTS_DIFFERENCE_SLOT,
    load: () =>
      ea.result.per_query && eb.result.per_query
        ? { a: ea.result as RetrievalResult, b: eb.result as RetrievalResult }
        : 'significance needs per-query APs, and one of these evaluations holds none (a notebook keeps them for the latest full evaluation of each run; the example study keeps them for its seed means, in the study cell)',
  });
}
