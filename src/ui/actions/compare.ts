/**
 * Paired significance tests for the figures: looked up in the notebook's significance cache by a hash of
 * their inputs, else computed; both the hash and the tests run in the stats worker (never the compute
 * worker, so tests and checkpoint imports do not wait for each other), which the results are posted to
 * packed. Progress is kept in the store; the result goes into the cache, which is saved with the notebook.
 */
import type { Evaluation } from '../../core/experiment/notebook';
import type { ComparedResult } from '../../core/experiment/comparedResult';
import type { RetrievalResult } from '../../core/metrics/resultSchema';
import { cacheSignificance, hasSignificanceFor } from '../../core/experiment/significanceCache';
import { COMPARISON_SETTINGS } from '../../core/metrics/compareRetrieval';
import { yieldToEventLoop } from '../../core/train/yieldToEventLoop';
import { CancelledError } from '../../core/errors';
import { useAppStore } from '../store/store';
import type { ComparisonStatus } from '../store/figuresSlice';
import { StatsWorkerClient } from '../workers/statsWorkerClient';
import { comparedResultOf } from './packedPerQuery';

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
  /** both results, packed for the stats worker, or why they cannot be tested; called after the render that asked */
  load: () => Promise<{ a: ComparedResult; b: ComparedResult } | string>;
  /** only show cached tests, never compute (a figure that already shows stored tests) */
  cacheOnly?: boolean;
}

/** Requests whose inputs are being packed or keyed (`figure|cacheOnly`): asked again meanwhile, they are not started twice. */
const lookingUp = new Set<string>();

/**
 * Shows the tests of `load().a` against `load().b` under `figure`, unless it already has a status: from the
 * cache when it holds these exact inputs and settings, else (unless `cacheOnly`) computed in the stats
 * worker. The cache key is computed in the stats worker too (issue 20: hashing a full evaluation's
 * per-query values took the page ~0.3 s). A superseded request leaves no status behind, so the figure
 * asks again when it is shown again.
 */
export function showComparison({ figure, slot, load, cacheOnly = false }: ShowComparison): void {
  const state = useAppStore.getState();
  const lookup = `${figure}|${cacheOnly}`;
  if (state.comparisons[figure] || lookingUp.has(lookup)) return;
  if (cacheOnly && !hasSignificanceFor(state.significance, figure)) return;
  // A figure with stored tests is looked up first: "running" only shows once a computation starts, so a
  // reload that finds its tests in the notebook does not flash a progress line.
  const stored = hasSignificanceFor(state.significance, figure);
  if (!cacheOnly && !stored) setStatus(figure, { state: 'running' });
  const fail = (err: unknown) => {
    if (cacheOnly) return;
    setStatus(figure, err instanceof CancelledError ? undefined : { state: 'failed', message: messageOf(err) });
  };
  lookingUp.add(lookup);
  void (async () => {
    // packing a result not packed yet (a few cells per task) starts after the render that asked
    await yieldToEventLoop();
    const loaded = await load();
    if (typeof loaded === 'string') {
      if (!cacheOnly) setStatus(figure, { state: 'failed', message: loaded });
      return;
    }
    const inputs = { ...loaded, settings: COMPARISON_SETTINGS };
    const key = await statsClient().key(inputs);
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
        ...inputs,
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
      .catch(fail);
  })()
    .catch(fail)
    .finally(() => lookingUp.delete(lookup));
}

/**
 * Starts the comparison of `ea` against `eb` for the Results cell unless it is shown or running. Both need per-query APs.
 * @param figure `comparisonKey` of the two runs' evaluations
 */
export function requestComparison(figure: string, ea: Evaluation, eb: Evaluation): void {
  showComparison({
    figure,
    slot: RESULTS_DIFFERENCE_SLOT,
    load: async () =>
      ea.result.per_query && eb.result.per_query
        ? { a: await comparedResultOf(ea.result as RetrievalResult), b: await comparedResultOf(eb.result as RetrievalResult) }
        : 'significance needs per-query APs, and one of these evaluations holds none (a notebook keeps them for the latest full evaluation of each run; the example study keeps them for its seed means, in the study cell)',
  });
}
