import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { Lang } from '../../core/data/languages';
import { useAppStore } from '../store/store';

/** What the fake compute worker was asked to parse, in order: `dataset:lang,lang`. */
const parsed: string[] = [];
/** `dataset:lang,…` loads the fake worker refuses (a file that does not parse). */
const unparsable = new Set<string>();

vi.mock('./compute', () => ({
  computeClient: () => ({
    request: async (command: { type: string; dataset: string; languages?: Lang[]; questionId?: string }) => {
      if (command.type === 'data/parallel') return { parallel: { questionId: command.questionId, title: 't', entries: [] } };
      const key = `${command.dataset}:${command.languages!.join(',')}`;
      parsed.push(key);
      if (unparsable.has(key)) throw new Error(`${command.dataset}: not a dataset file`);
      const counts = { questions: 1, paragraphs: 1, candidates: 1 };
      return {
        stats: {
          dataset: command.dataset,
          files: Object.fromEntries(command.languages!.map((l) => [`${command.dataset}/${l}.json`, '0'.repeat(64)])),
          languages: Object.fromEntries(command.languages!.map((l) => [l, counts])),
          totals: counts,
        },
        questionIds: ['q1'],
      };
    },
  }),
}));

const { loadData, loadedDatasetFiles, pickDataFiles, setDataSource, toggleLanguage } = await import('./data');

/** The served folder: every file but the missing ones answers. */
const missing = new Set<string>();
beforeEach(() => {
  parsed.length = 0;
  missing.clear();
  unparsable.clear();
  vi.stubGlobal('fetch', async (url: string) => (missing.has(url) ? new Response('not found', { status: 404 }) : new Response(new TextEncoder().encode(`{"url":"${url}"}`))));
});
afterEach(() => vi.unstubAllGlobals());

const splits = () => {
  const s = useAppStore.getState();
  return { selected: [s.data.train, s.data.eval], loaded: s.dataStatus.state === 'loaded' ? [s.dataStatus.selection.train, s.dataStatus.selection.eval] : null };
};
const deEnEs = ['de', 'en', 'es'];

describe('loading data keeps the data already loaded when a load fails', () => {
  it('a language addition whose file is missing: the previous datasets, languages and bytes stay; the error is shown', async () => {
    await loadData();
    const before = splits();
    expect(before.loaded).toEqual([
      { dataset: 'mlqa-r', languages: deEnEs },
      { dataset: 'xquad-r', languages: deEnEs },
    ]);
    expect(useAppStore.getState().dataLoad).toEqual({ state: 'idle' });

    toggleLanguage('train', 'ar');
    expect(useAppStore.getState().data.train.languages).toEqual(['ar', ...deEnEs]);
    // not loaded yet: a run must not get the old bytes for the new selection
    expect(loadedDatasetFiles()).toBeNull();
    missing.add('/data/mlqa-r/ar.json');
    await loadData();

    const s = useAppStore.getState();
    expect(splits()).toEqual({ selected: before.loaded, loaded: before.loaded });
    expect(s.dataStatus.state).toBe('loaded');
    expect(s.dataLoad.state).toBe('failed');
    expect(s.dataLoad.state === 'failed' && s.dataLoad.message).toMatch(/mlqa-r\/ar\.json.*HTTP 404.*kept the data loaded before: mlqa-r \(de, en, es\) → xquad-r \(de, en, es\)/);
    const files = loadedDatasetFiles();
    expect(files?.train.languages).toEqual(deEnEs);
    expect(files?.train.files.map((f) => f.name)).toEqual(['mlqa-r/de.json', 'mlqa-r/en.json', 'mlqa-r/es.json']);
    // no file was fetched in vain: the worker never saw the failed selection
    expect(parsed).toEqual(['mlqa-r:de,en,es', 'xquad-r:de,en,es']);
  });

  it('a file pick that lacks a language: the source and the data loaded from the served folder stay', async () => {
    await loadData();
    setDataSource('files');
    pickDataFiles(
      'train',
      deEnEs.map((l) => new File(['{}'], `${l}.json`)),
    );
    pickDataFiles('eval', [new File(['{}'], 'en.json')]);
    await loadData();
    const s = useAppStore.getState();
    expect(s.data.source).toBe('served');
    expect(s.dataStatus.state === 'loaded' && s.dataStatus.selection.source).toBe('served');
    expect(s.dataLoad.state === 'failed' && s.dataLoad.message).toMatch(/no file "de\.json" picked for xquad-r/);
    expect(loadedDatasetFiles()?.eval.files).toHaveLength(3);
  });

  it('a file the compute worker cannot parse: the worker gets the committed files of that dataset back', async () => {
    await loadData();
    parsed.length = 0;
    toggleLanguage('eval', 'ar');
    unparsable.add('xquad-r:ar,de,en,es');
    await loadData();
    // both datasets were sent to the worker in the failed attempt: both get their committed files back
    expect(parsed).toEqual(['mlqa-r:de,en,es', 'xquad-r:ar,de,en,es', 'mlqa-r:de,en,es', 'xquad-r:de,en,es']);
    expect(splits().selected[1]).toEqual({ dataset: 'xquad-r', languages: deEnEs });
    expect(useAppStore.getState().dataLoad.state).toBe('failed');
  });

  it('a first load that fails keeps the selection (there is nothing older to go back to)', async () => {
    const { forgetLoadedData } = await import('./data');
    forgetLoadedData();
    useAppStore.setState({ dataStatus: { state: 'idle' }, dataLoad: { state: 'idle' } });
    toggleLanguage('train', 'ar');
    missing.add('/data/mlqa-r/ar.json');
    await loadData();
    const s = useAppStore.getState();
    expect(s.data.train.languages).toEqual(['ar', ...deEnEs]);
    expect(s.dataStatus).toEqual({ state: 'idle' });
    expect(s.dataLoad.state).toBe('failed');
    expect(loadedDatasetFiles()).toBeNull();
  });
});

describe('the loaded files a Launch sends to its run worker (issue 20, item 9: no copy on the main thread)', () => {
  const decode = (b: Uint8Array<ArrayBufferLike>) => new TextDecoder().decode(b.slice());
  async function loadDeEnEs() {
    const { setLanguages } = await import('./data');
    setLanguages('train', deEnEs as Lang[]);
    setLanguages('eval', deEnEs as Lang[]);
    await loadData();
    expect(useAppStore.getState().dataStatus.state).toBe('loaded');
  }

  it('in a cross-origin isolated page: views over the same shared memory every time, nothing to transfer', async () => {
    vi.stubGlobal('crossOriginIsolated', true);
    await loadDeEnEs();
    const { runWorkerDatasetFiles } = await import('./data');
    const [a, b] = [await runWorkerDatasetFiles(), await runWorkerDatasetFiles()];
    expect(a?.transfer).toEqual([]);
    const files = [...a!.files.train.files, ...a!.files.eval.files];
    expect(files.every((f) => f.bytes.buffer instanceof SharedArrayBuffer)).toBe(true);
    // two launches share the page's one copy
    expect(b!.files.train.files[0]!.bytes.buffer).toBe(a!.files.train.files[0]!.bytes.buffer);
    expect(decode(a!.files.eval.files[1]!.bytes)).toBe('{"url":"/data/xquad-r/en.json"}');
    // what other workers get (and transfer) are plain copies
    expect(loadedDatasetFiles()!.train.files.every((f) => f.bytes.buffer instanceof ArrayBuffer)).toBe(true);
    // the start command posts as is: a shared buffer in a transfer list would throw
    expect(() => structuredClone(a!.files, { transfer: a!.transfer })).not.toThrow();
  });

  it('elsewhere: a fresh copy per launch, transferred, and the page keeps its bytes', async () => {
    vi.stubGlobal('crossOriginIsolated', false);
    await loadDeEnEs();
    const { runWorkerDatasetFiles } = await import('./data');
    const a = await runWorkerDatasetFiles();
    expect(a!.transfer).toHaveLength(6);
    structuredClone(a!.files, { transfer: a!.transfer });
    expect(a!.files.train.files[0]!.bytes.byteLength).toBe(0);
    const b = await runWorkerDatasetFiles();
    expect(decode(b!.files.train.files[0]!.bytes)).toBe('{"url":"/data/mlqa-r/de.json"}');
  });
});
