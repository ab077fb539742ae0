import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { Lang } from '../../core/data/languages';
import { useAppStore } from '../store/store';

/** What the fake compute worker parsed, in order: `dataset:lang,lang`. */
const parsed: string[] = [];

vi.mock('./compute', () => ({
  computeClient: () => ({
    request: async (command: { type: string; dataset: string; languages?: Lang[]; questionId?: string }) => {
      if (command.type === 'data/parallel') return { parallel: { questionId: command.questionId, title: 't', entries: [] } };
      parsed.push(`${command.dataset}:${command.languages!.join(',')}`);
      const counts = { questions: 1, paragraphs: 1, candidates: 1 };
      return { stats: { dataset: command.dataset, files: {}, languages: Object.fromEntries(command.languages!.map((l) => [l, counts])), totals: counts }, questionIds: ['q1'] };
    },
  }),
}));

const { applyPreset } = await import('./applyPreset');
const { loadData, loadedDatasetFiles } = await import('./data');
const { launchBlockers } = await import('./launchBlockers');

const missing = new Set<string>();
const initial = useAppStore.getState();
beforeEach(() => {
  useAppStore.setState(initial, true);
  parsed.length = 0;
  missing.clear();
  vi.stubGlobal('fetch', async (url: string) => (missing.has(url) ? new Response('', { status: 404 }) : new Response('{}')));
});
afterEach(() => vi.unstubAllGlobals());

describe('applyPreset', () => {
  it('brings the preset model: a random-init preset selects its model, the pretrained one selects it back', async () => {
    await applyPreset('tiny');
    expect(useAppStore.getState().model).toEqual({ kind: 'builtin', config: 'tiny' });
    expect(useAppStore.getState().runDraft).toMatchObject({ preset: 'tiny', steps: 250 });
    await applyPreset('mlqa-xquad.hybrid');
    expect(useAppStore.getState().model).toEqual({ kind: 'builtin', config: 'multilingual' });
  });

  it('replaces loaded data by the preset data, loaded, so the launch is not blocked (nor a failed card)', async () => {
    await loadData();
    parsed.length = 0;
    await applyPreset('mlqa-xquad.hybrid');
    const s = useAppStore.getState();
    expect(parsed).toEqual(['mlqa-r:ar,de,en,es,hi,vi,zh', 'xquad-r:ar,de,el,en,es,hi,ru,th,tr,vi,zh']);
    expect(s.dataStatus.state === 'loaded' && s.dataStatus.selection.train.languages).toEqual(['ar', 'de', 'en', 'es', 'hi', 'vi', 'zh']);
    expect(loadedDatasetFiles()?.train.languages).toEqual(['ar', 'de', 'en', 'es', 'hi', 'vi', 'zh']);
    expect(launchBlockers(s)).toEqual([]);
  });

  it('does not reload data that is already the preset data', async () => {
    await loadData();
    parsed.length = 0;
    await applyPreset('tiny');
    expect(parsed).toEqual([]);
    expect(launchBlockers(useAppStore.getState())).toEqual([]);
  });

  it('before any load: selects the preset data and the launch says to load it (no download unasked)', async () => {
    await applyPreset('xquad-mlqa.xy');
    const s = useAppStore.getState();
    expect(parsed).toEqual([]);
    expect(s.data.train).toEqual({ dataset: 'xquad-r', languages: ['ar', 'de', 'en', 'es', 'hi', 'ru', 'th', 'tr', 'zh'] });
    expect(launchBlockers(s)).toEqual(['no data is loaded: press Load in the Data cell']);
  });

  it('when the preset data fails to load, the loaded data stays usable and the error is shown', async () => {
    await loadData();
    missing.add('/data/mlqa-r/ar.json');
    await applyPreset('mlqa-xquad.hybrid');
    const s = useAppStore.getState();
    expect(s.data.train).toEqual({ dataset: 'mlqa-r', languages: ['de', 'en', 'es'] });
    expect(s.dataLoad.state === 'failed' && s.dataLoad.message).toMatch(/mlqa-r\/ar\.json/);
    expect(launchBlockers(s)).toEqual([]);
    expect(loadedDatasetFiles()?.train.languages).toEqual(['de', 'en', 'es']);
  });
});
