import { DATASET_LANGUAGES, DATASET_NAMES, type DatasetName } from '../../core/data/languages';
import { DATA_SOURCES, type DataSource } from '../../core/experiment/notebook';
import { useAppStore } from '../store/store';
import { DATA_ROLES, selectionIsLoaded, type DataRole, type LoadedSplit } from '../store/dataSlice';
import { loadData, pickDataFiles, setDataSource, setDataset, showParallel, toggleLanguage } from '../actions/data';

export const DATASET_LABELS: Record<DatasetName, string> = { 'xquad-r': 'XQuAD-R', 'mlqa-r': 'MLQA-R' };
const ROLE_LABELS: Record<DataRole, string> = { train: 'training data', eval: 'evaluation data (zero-shot)' };
const SOURCE_LABELS: Record<DataSource, string> = {
  served: 'served folder (/data/)',
  files: 'local files',
  url: 'public URL (downloaded on Load, then cached)',
};

function ParallelView() {
  const status = useAppStore((s) => s.dataStatus);
  if (status.state !== 'loaded' || !status.parallel) return null;
  const { dataset, example } = status.parallel;
  const split = status.eval.stats.dataset === dataset ? status.eval : status.train;
  const ids = split.questionIds;
  const i = ids.indexOf(example.questionId);
  const go = (k: number) => void showParallel(dataset, ids[(k + ids.length) % ids.length]!);
  const other: DatasetName = dataset === status.eval.stats.dataset ? status.train.stats.dataset : status.eval.stats.dataset;
  const otherSplit = other === status.eval.stats.dataset ? status.eval : status.train;
  return (
    <div className="parallel" data-testid="parallel-view">
      <div className="parallel-nav">
        <strong>Parallel view</strong> · {DATASET_LABELS[dataset]} question {i + 1} of {ids.length} · <code>{example.questionId}</code> · <em>{example.title}</em>
        <span className="spacer" />
        <button type="button" onClick={() => go(i - 1)} aria-label="previous question">
          ←
        </button>
        <button type="button" onClick={() => go(i + 1)} aria-label="next question">
          →
        </button>
        <button type="button" onClick={() => void showParallel(other, otherSplit.questionIds[0]!)}>
          show {DATASET_LABELS[other]}
        </button>
      </div>
      <table className="parallel-table">
        <thead>
          <tr>
            <th>lang</th>
            <th>question</th>
            <th>answer sentence (the relevant candidate)</th>
          </tr>
        </thead>
        <tbody>
          {example.entries.map((e) => (
            <tr key={e.lang}>
              <th>{e.lang}</th>
              <td lang={e.lang} dir="auto">
                {e.question}
              </td>
              <td lang={e.lang} dir="auto" title={e.answerId}>
                {e.answer}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

function Counts({ split, role }: { split: LoadedSplit; role: DataRole }) {
  const { stats } = split;
  const langs = Object.keys(stats.languages) as (keyof typeof stats.languages)[];
  return (
    <table className="counts" data-testid={`data-counts-${role}`}>
      <caption>
        {DATASET_LABELS[stats.dataset]} — {ROLE_LABELS[role]}
      </caption>
      <thead>
        <tr>
          <th></th>
          {langs.map((l) => (
            <th key={l}>{l}</th>
          ))}
          <th>total</th>
        </tr>
      </thead>
      <tbody>
        {(['questions', 'paragraphs', 'candidates'] as const).map((k) => (
          <tr key={k}>
            <th>{k}</th>
            {langs.map((l) => (
              <td key={l}>{stats.languages[l]![k].toLocaleString('en')}</td>
            ))}
            <td>{stats.totals[k].toLocaleString('en')}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

function SplitChooser({ role }: { role: DataRole }) {
  const split = useAppStore((s) => s.data[role]);
  const source = useAppStore((s) => s.data.source);
  const picked = useAppStore((s) => s.pickedFiles[role]);
  return (
    <fieldset className="split" data-testid={`data-${role}`}>
      <legend>{ROLE_LABELS[role]}</legend>
      <div className="form-row">
        <select aria-label={`${role} dataset`} value={split.dataset} onChange={(e) => setDataset(role, e.target.value as DatasetName)}>
          {DATASET_NAMES.map((d) => (
            <option key={d} value={d}>
              {DATASET_LABELS[d]}
            </option>
          ))}
        </select>
        {source === 'files' && (
          <label className="file-pick">
            <input type="file" multiple accept=".json,application/json" aria-label={`${role} files`} onChange={(e) => pickDataFiles(role, [...(e.target.files ?? [])])} />
            <span className="hint">{picked.length ? picked.join(', ') : 'pick the <lang>.json files'}</span>
          </label>
        )}
      </div>
      <div className="languages">
        {DATASET_LANGUAGES[split.dataset].map((l) => (
          <label key={l}>
            <input type="checkbox" checked={split.languages.includes(l)} onChange={() => toggleLanguage(role, l)} aria-label={`${role} ${l}`} /> {l}
          </label>
        ))}
      </div>
    </fieldset>
  );
}

/** Data: training and evaluation datasets, where they come from, which languages; counts and a parallel view once loaded. */
export function DataCell() {
  const source = useAppStore((s) => s.data.source);
  const status = useAppStore((s) => s.dataStatus);
  const load = useAppStore((s) => s.dataLoad);
  const current = useAppStore(selectionIsLoaded);
  // the attempt in progress (or its failure) first; else what is loaded
  const state = load.state === 'idle' ? status.state : load.state;
  return (
    <section className="cell" aria-labelledby="data-title" data-testid="data-cell">
      <h2 id="data-title">Data</h2>
      <div className="form-row">
        <label>
          source{' '}
          <select aria-label="data source" value={source} onChange={(e) => setDataSource(e.target.value as DataSource)}>
            {DATA_SOURCES.map((s) => (
              <option key={s} value={s}>
                {SOURCE_LABELS[s]}
              </option>
            ))}
          </select>
        </label>
      </div>
      <div className="splits">
        {DATA_ROLES.map((role) => (
          <SplitChooser key={role} role={role} />
        ))}
      </div>
      <div className="form-row">
        <button type="button" className="primary" data-testid="load-data" disabled={load.state === 'loading'} onClick={() => void loadData()}>
          Load
        </button>
        <span className="status" data-testid="data-status" data-state={state}>
          {load.state === 'loading' && load.message}
          {load.state === 'failed' && (
            <span className="error" data-testid="data-load-error">
              {load.message}
            </span>
          )}
          {load.state === 'idle' && status.state === 'idle' && 'not loaded'}
          {load.state === 'idle' &&
            status.state === 'loaded' &&
            `train ${status.train.stats.totals.questions.toLocaleString('en')} queries · evaluate on ${status.eval.stats.totals.questions.toLocaleString('en')} queries × ${status.eval.stats.totals.candidates.toLocaleString('en')} candidate sentences`}
          {status.state === 'loaded' && !current && load.state !== 'loading' && (
            <span className="hint" data-testid="data-selection-changed">
              {' '}
              · the selection above differs from the loaded data: press Load
            </span>
          )}
        </span>
      </div>
      {status.state === 'loaded' && (
        <div className="counts-grid">
          <Counts split={status.train} role="train" />
          <Counts split={status.eval} role="eval" />
        </div>
      )}
      <ParallelView />
    </section>
  );
}
