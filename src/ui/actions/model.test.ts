import { describe, expect, it, vi } from 'vitest';
import { useAppStore } from '../store/store';

/** sizes the inspection reports: an XLM-R-base-sized model for folders named `large…`, else a small one */
const XLMR_BASE = { hiddenSize: 768, intermediateSize: 3072, numHeads: 12, numLayers: 12 };
const SMALL = { hiddenSize: 128, intermediateSize: 512, numHeads: 4, numLayers: 4 };

/** model/inspect replies the test releases by hand, so an import can be caught mid-way. */
const inspections: { key: string; release: () => void }[] = [];

vi.mock('./compute', () => ({
  computeClient: () => ({
    request: (command: { type: string; key: string }) =>
      new Promise((resolve) => inspections.push({ key: command.key, release: () => resolve({ summary: `loaded ${command.key}`, runConfig: null, architecture: command.key.includes('large') ? XLMR_BASE : SMALL }) })),
  }),
}));
vi.mock('./checkpoints', () => ({
  readPickedCheckpoint: async (files: File[]) => ({ name: files[0]!.name.replace(/\.zip$/, ''), files: new Map([['config.json', new Uint8Array(2)]]) }),
  storeImportedCheckpoint: async (name: string) => `models/${name}`,
}));

const { importCheckpoint, importRefusal, describePick, chooseBuiltin } = await import('./model');
const { setRunDraft } = await import('./runs');

const zip = (name: string) => new File([new Uint8Array(4)], name);
const flush = () => new Promise((r) => setTimeout(r, 0));

describe('importing a checkpoint while another loads', () => {
  it('refuses the second pick visibly; the first one finishes and is the model', async () => {
    const first = importCheckpoint([zip('first.zip')]);
    await flush();
    expect(useAppStore.getState().modelStatus).toEqual({ state: 'loading', message: 'loading it in the compute worker…' });
    await importCheckpoint([zip('second.zip')]);
    const s = useAppStore.getState();
    expect(s.checkpointRefused).toBe('second.zip was not imported: the model cell is busy (loading it in the compute worker); pick it again when that is done');
    expect(s.modelStatus.state).toBe('loading');
    expect(inspections.map((i) => i.key)).toEqual(['models/first']);
    inspections[0]!.release();
    await first;
    expect(useAppStore.getState().model).toMatchObject({ kind: 'checkpoint', name: 'first', key: 'models/first' });
    expect(useAppStore.getState().modelStatus).toEqual({ state: 'ready', summary: 'loaded models/first' });
    // the refusal stays on screen until the next pick or model choice
    expect(useAppStore.getState().checkpointRefused).toMatch(/^second\.zip/);
    chooseBuiltin('multilingual');
    expect(useAppStore.getState().checkpointRefused).toBeNull();
  });

  it('a pick when nothing loads is imported (and clears an old refusal)', async () => {
    useAppStore.setState({ checkpointRefused: 'old' });
    const done = importCheckpoint([zip('third.zip')]);
    expect(useAppStore.getState().checkpointRefused).toBeNull();
    await flush();
    inspections.at(-1)!.release();
    await done;
    expect(useAppStore.getState().model).toMatchObject({ name: 'third' });
  });
});

describe('the automatic chunked backward of a large imported model (issue 25)', () => {
  const importNow = async (name: string) => {
    const done = importCheckpoint([zip(name)]);
    await flush();
    inspections.at(-1)!.release();
    await done;
  };

  it('fills in the run form, saying why; a small model or a built-in clears it again', async () => {
    setRunDraft({ batchSize: 32, backwardChunkRows: null, backwardChunkAuto: null });
    await importNow('large-xlmr.zip');
    const draft = useAppStore.getState().runDraft;
    expect(draft.backwardChunkRows).toBeGreaterThanOrEqual(1);
    expect(draft.backwardChunkAuto).toMatch(/^H 768, 12 layers, batch 32: .* of activations \(estimate\)/);
    await importNow('small-model.zip');
    expect(useAppStore.getState().runDraft).toMatchObject({ backwardChunkRows: null, backwardChunkAuto: null });
    await importNow('large-again.zip');
    expect(useAppStore.getState().runDraft.backwardChunkAuto).not.toBeNull();
    chooseBuiltin('multilingual');
    expect(useAppStore.getState().runDraft).toMatchObject({ backwardChunkRows: null, backwardChunkAuto: null });
  });

  it('keeps a value the researcher typed, even for a large model', async () => {
    setRunDraft({ batchSize: 32, backwardChunkRows: 4, backwardChunkAuto: null });
    await importNow('large-xlmr.zip');
    expect(useAppStore.getState().runDraft).toMatchObject({ backwardChunkRows: 4, backwardChunkAuto: null });
  });
});

describe('importRefusal / describePick', () => {
  it('refuses only while the model cell is loading something', () => {
    expect(importRefusal({ state: 'idle' }, 'x.zip')).toBeNull();
    expect(importRefusal({ state: 'ready', summary: 's' }, 'x.zip')).toBeNull();
    expect(importRefusal({ state: 'failed', message: 'm' }, 'x.zip')).toBeNull();
    expect(importRefusal({ state: 'loading', message: 'evaluating (embedding every query and candidate)…' }, 'run-7/')).toBe(
      'run-7/ was not imported: the model cell is busy (evaluating (embedding every query and candidate)); pick it again when that is done',
    );
  });

  it('names a zip, a folder, or a count', () => {
    expect(describePick([{ name: 'a.zip', webkitRelativePath: '' }])).toBe('a.zip');
    expect(
      describePick([
        { name: 'config.json', webkitRelativePath: 'ckpt/config.json' },
        { name: 'model.safetensors', webkitRelativePath: 'ckpt/model.safetensors' },
      ]),
    ).toBe('ckpt/');
    expect(
      describePick([
        { name: 'a', webkitRelativePath: '' },
        { name: 'b', webkitRelativePath: '' },
      ]),
    ).toBe('2 files');
  });
});
